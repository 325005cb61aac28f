// TestPatternGenerator: a deterministic, moving BGR test picture (no dependencies).
#pragma once

#include <algorithm>
#include <cstdint>

#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/generators/generator_options.hpp"

namespace framepipe {

/// Smooth colour ramps (red across, green down, blue along the diagonal) with a white square that
/// moves one pixel right and down per frame. The same index always gives the same bytes.
class TestPatternGenerator {
 public:
  static constexpr PixelFormat output = PixelFormat::BGR24;
  using Options = GeneratorOptions;

  TestPatternGenerator() : TestPatternGenerator(Options{}) {}
  explicit TestPatternGenerator(Options options) : size_(options.size) { check_frame_size(size_); }

  Size size() const { return size_; }

  void generate(FrameView<output> frame, const FrameTime& time) const {
    const int w = frame.width();
    const int h = frame.height();
    const int box = std::max(1, std::min(w, h) / 8);
    const auto step = static_cast<int>(time.index % 1024);
    const int box_x = w > box ? step % (w - box + 1) : 0;
    const int box_y = h > box ? step % (h - box + 1) : 0;
    for (int y = 0; y < h; ++y) {
      std::uint8_t* row = frame.row(0, y);
      for (int x = 0; x < w; ++x) {
        const bool in_box = x >= box_x && x < box_x + box && y >= box_y && y < box_y + box;
        row[3 * x + 0] = in_box ? 255 : ramp(x + y, w + h);  // B
        row[3 * x + 1] = in_box ? 255 : ramp(y, h);          // G
        row[3 * x + 2] = in_box ? 255 : ramp(x, w);          // R
      }
    }
  }

 private:
  /// `i` of `n` mapped onto 0..255.
  static std::uint8_t ramp(int i, int n) {
    return n <= 1 ? std::uint8_t{0} : static_cast<std::uint8_t>(i * 255 / (n - 1 > 0 ? n - 1 : 1));
  }

  Size size_;
};

static_assert(Generator<TestPatternGenerator>);

}  // namespace framepipe
