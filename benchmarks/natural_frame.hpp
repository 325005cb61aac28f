// The picture every conversion benchmark converts (convert_bench, unpack_bench, peer_bench), so
// that their figures are for the same pixels.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <framepipe/core/frame.hpp>
#include <framepipe/core/pixel_format.hpp>
#include <random>
#include <string>

namespace framepipe_bench {

/// "WxH", the size part of a benchmark's name.
inline std::string size_name(int w, int h) { return std::to_string(w) + "x" + std::to_string(h); }

/// A "natural-ish" picture in an RGB-family format: smooth gradients and soft shapes plus Gaussian
/// noise (sigma 6), so that both the smooth-area precision and the detail of a real frame show.
/// Deterministic.
template <framepipe::PixelFormat F>
framepipe::Frame<F> natural_frame(int w, int h) {
  constexpr framepipe::FormatInfo info = framepipe::format_info(F);
  framepipe::Frame<F> frame({w, h});
  std::mt19937 rng(12345);
  std::normal_distribution<double> noise(0.0, 6.0);
  const framepipe::FrameView<F> v = frame.view();
  for (int y = 0; y < h; ++y) {
    std::uint8_t* row = v.row(0, y);
    const double fy = static_cast<double>(y) / h;
    for (int x = 0; x < w; ++x) {
      const double fx = static_cast<double>(x) / w;
      const double d = std::hypot(fx - 0.6, fy - 0.4);
      const double r = 255 * (0.15 + 0.7 * fx) + 40 * std::sin(9 * d);
      const double g = 255 * (0.2 + 0.6 * fy) + 50 * std::cos(13 * fx * fy);
      const double b = 255 * (0.8 - 0.6 * d) + 30 * std::sin(25 * fx + 7 * fy);
      auto clip = [&](double c) {
        return static_cast<std::uint8_t>(std::clamp(std::lround(c + noise(rng)), 0L, 255L));
      };
      std::uint8_t* p = row + x * info.pixel_bytes;
      p[info.r_index] = clip(r);
      p[info.g_index] = clip(g);
      p[info.b_index] = clip(b);
      if (info.pixel_bytes == 4) p[3] = 255;
    }
  }
  return frame;
}

}  // namespace framepipe_bench
