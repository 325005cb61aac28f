// FunctionConverter<In, Out>: a converter made from a function.
#pragma once

#include <functional>
#include <utility>

#include "framepipe/core/frame.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// Calls `fn(in, out)` for every frame; `out` has the size of `in`.
/// \code
///   FunctionConverter<PixelFormat::BGR24, PixelFormat::GRAY8> to_gray{
///       [](FrameView<PixelFormat::BGR24> in, FrameView<PixelFormat::GRAY8> out) { /* ... */ }};
/// \endcode
template <PixelFormat In, PixelFormat Out>
class FunctionConverter {
 public:
  /// The format it takes.
  static constexpr PixelFormat input = In;
  /// The format it makes.
  static constexpr PixelFormat output = Out;
  /// What it calls for each frame: reads `in`, writes all of `out`.
  using ConvertFn = std::function<void(FrameView<In>, FrameView<Out>)>;

  /// Wraps `fn` (a lambda, a function pointer, any callable of that signature).
  explicit FunctionConverter(ConvertFn fn) : fn_(std::move(fn)) {}

  /// Calls the function with `in` and `out`.
  void convert(FrameView<In> in, FrameView<Out> out) { fn_(in, out); }

 private:
  ConvertFn fn_;
};

static_assert(Converter<FunctionConverter<PixelFormat::BGR24, PixelFormat::GRAY8>>);

}  // namespace framepipe
