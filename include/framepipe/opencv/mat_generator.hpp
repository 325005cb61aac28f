// MatGenerator<F>: a Pipeline generator fed by an existing source of cv::Mat frames (needs
// framepipe::opencv).
#pragma once

#include <algorithm>
#include <functional>
#include <opencv2/core.hpp>
#include <string>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/generators/function_generator.hpp"
#include "framepipe/generators/generator_options.hpp"
#include "framepipe/opencv/mat_view.hpp"

namespace framepipe {

/// Pulls a cv::Mat from `source(time)` for every frame and copies it into the pipeline's frame
/// (one copy: the pipeline owns the frame it lends). For sources that can draw into a frame
/// directly, FunctionGenerator with mat_of() avoids the copy.
/// \code
///   cv::VideoCapture camera(0);
///   MatGenerator<PixelFormat::BGR24> gen{{.size = {640, 480}},
///                                        [&](const FrameTime&) { cv::Mat m; camera >> m; return m;
///                                        }};
/// \endcode
/// A FunctionGenerator whose draw function is the copy: its size, checks and generate() are
/// FunctionGenerator's.
template <PixelFormat F>
class MatGenerator : public FunctionGenerator<F> {
 public:
  using Options = GeneratorOptions;
  using SourceFn = std::function<cv::Mat(const FrameTime&)>;

  /// Frames of `options`' size copied from `source`. Throws InvalidArgument for a size below 1x1;
  /// generate() throws InvalidArgument when the source returns a Mat of another size or type.
  MatGenerator(Options options, SourceFn source)
      : FunctionGenerator<F>(options, copy_of(std::move(source), options.size)) {}

 private:
  static typename FunctionGenerator<F>::DrawFn copy_of(SourceFn source, Size size) {
    return [source = std::move(source), size](FrameView<F> frame, const FrameTime& time) {
      const cv::Mat mat = source(time);
      const FrameView<F> in = view_of<F>(mat);
      if (in.size() != size) {
        throw InvalidArgument("framepipe::MatGenerator: the source gave a " + to_string(in.size()) +
                              " Mat for a " + to_string(size) + " stream");
      }
      const auto bytes = static_cast<std::size_t>(default_layout(F, size).row_bytes[0]);
      for (int y = 0; y < size.height; ++y) std::copy_n(in.row(0, y), bytes, frame.row(0, y));
    };
  }
};

static_assert(Generator<MatGenerator<PixelFormat::BGR24>>);

}  // namespace framepipe
