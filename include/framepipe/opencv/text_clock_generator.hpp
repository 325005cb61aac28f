// TextClockGenerator: the tutorial's clock — the frame time drawn with OpenCV (needs
// framepipe::opencv).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "framepipe/core/color_space.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// How a TextClockGenerator draws: `TextClockGenerator{{.size = {640, 480}}}`.
struct TextClockOptions {
  Size size{320, 240};
  /// Yellow, as the tutorial drew it (`(0, 255, 255)` in BGR).
  Rgb color{255, 255, 0};
  /// OpenCV font scale; 0 scales with the frame (1.0 at 240 lines, the tutorial's look).
  double font_scale = 0;
  /// Stroke thickness in pixels; 0 scales with the font.
  int thickness = 0;
};

/// Draws each frame's time in seconds with six decimals ("1.233333"), centred, in yellow (the
/// default colour) on black, in BGR.
/// Unlike the tutorial it draws before any colour conversion, so the colour is the one asked for.
class TextClockGenerator {
 public:
  static constexpr PixelFormat output = PixelFormat::BGR24;
  /// generate() reads only the options: an overlapped run may draw two frames at once.
  static constexpr bool draws_concurrently = true;

  using Options = TextClockOptions;

  TextClockGenerator() : TextClockGenerator(Options{}) {}
  explicit TextClockGenerator(Options options) : options_(options) {
    check_frame_size(size());
    if (options_.font_scale < 0 || options_.thickness < 0) {
      throw InvalidArgument("framepipe::TextClockGenerator: font_scale and thickness must be >= 0");
    }
    if (options_.font_scale == 0) options_.font_scale = options_.size.height / 240.0;
    if (options_.thickness == 0) {
      options_.thickness = std::max(1, static_cast<int>(std::lround(options_.font_scale)));
    }
  }

  Size size() const { return options_.size; }
  const Options& options() const { return options_; }

  /// The text drawn for `time`: seconds with six decimals.
  static std::string text_for(const FrameTime& time) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6f", time.seconds());
    return text;
  }

  void generate(FrameView<output> frame, const FrameTime& time) const {
    cv::Mat mat(frame.height(), frame.width(), CV_8UC3, frame.plane(0), frame.stride(0));
    mat.setTo(cv::Scalar::all(0));
    const std::string text = text_for(time);
    int baseline = 0;
    const cv::Size box =
        cv::getTextSize(text, kFont, options_.font_scale, options_.thickness, &baseline);
    // Centre the box from the top of the glyphs to the bottom of the descenders.
    const cv::Point origin((frame.width() - box.width) / 2,
                           (frame.height() + box.height - baseline) / 2);
    const cv::Scalar bgr(options_.color.b, options_.color.g, options_.color.r);
    cv::putText(mat, text, origin, kFont, options_.font_scale, bgr, options_.thickness,
                cv::LINE_AA);
  }

 private:
  static constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
  Options options_;
};

static_assert(Generator<TextClockGenerator> && DrawsConcurrently<TextClockGenerator>);

}  // namespace framepipe
