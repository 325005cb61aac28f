// FunctionConverter<In, Out>: a converter made from a function.
#pragma once

#include <functional>
#include <utility>

#include "framepipe/core/frame.hpp"

namespace framepipe {

/// Calls `fn(in, out)` for every frame; `out` has the size of `in`.
/// \code
///   FunctionConverter<PixelFormat::BGR24, PixelFormat::GRAY8> to_gray{
///       [](FrameView<PixelFormat::BGR24> in, FrameView<PixelFormat::GRAY8> out) { /* ... */ }};
/// \endcode
template <PixelFormat In, PixelFormat Out>
class FunctionConverter {
 public:
  static constexpr PixelFormat input = In;
  static constexpr PixelFormat output = Out;
  using ConvertFn = std::function<void(FrameView<In>, FrameView<Out>)>;

  explicit FunctionConverter(ConvertFn fn) : fn_(std::move(fn)) {}

  void convert(FrameView<In> in, FrameView<Out> out) { fn_(in, out); }

 private:
  ConvertFn fn_;
};

}  // namespace framepipe
