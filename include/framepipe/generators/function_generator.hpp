// FunctionGenerator<F>: a generator made from a function, so a custom source needs no class.
#pragma once

#include <functional>
#include <utility>

#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/generators/generator_options.hpp"

namespace framepipe {

/// Calls `draw(frame, time)` for every frame.
/// \code
///   FunctionGenerator<PixelFormat::BGR24> gen{{.size = {640, 480}},
///       [](FrameView<PixelFormat::BGR24> f, const FrameTime& t) { /* draw into f */ }};
/// \endcode
template <PixelFormat F>
class FunctionGenerator {
 public:
  /// The format it draws.
  static constexpr PixelFormat output = F;
  /// Frame size: `.size`.
  using Options = GeneratorOptions;
  /// Draws frame `time.index` into the view it is given (every byte of it).
  using DrawFn = std::function<void(FrameView<F>, const FrameTime&)>;

  /// Frames of `options`' size drawn by `draw`. Throws InvalidArgument for a size below 1x1.
  FunctionGenerator(Options options, DrawFn draw) : size_(options.size), draw_(std::move(draw)) {
    check_frame_size(size_);
  }

  /// The frame size it was given.
  Size size() const { return size_; }
  /// Calls the draw function.
  void generate(FrameView<F> frame, const FrameTime& time) { draw_(frame, time); }

 private:
  Size size_;
  DrawFn draw_;
};

static_assert(Generator<FunctionGenerator<PixelFormat::BGR24>>);

}  // namespace framepipe
