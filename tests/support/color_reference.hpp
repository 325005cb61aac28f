// The real-number model of the packers (see color/coefficients.hpp), for accuracy tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

#include "framepipe/core/color_space.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe::test {

/// Exact Y'CbCr of one R'G'B' colour (components 0..255), before rounding and clamping.
struct RealYuv {
  double y, cb, cr;
};

inline RealYuv real_yuv(ColorSpec spec, double r, double g, double b) {
  const LumaWeights w = luma_weights(spec.matrix);
  const bool full = spec.range == Range::Full;
  const double sy = full ? 1.0 : 219.0 / 255.0;
  const double sc = full ? 1.0 : 224.0 / 255.0;
  const double oy = full ? 0.0 : 16.0;
  const double luma = w.kr * r + w.kg() * g + w.kb * b;
  return {oy + sy * luma, 128.0 + sc * (b - luma) / (2.0 * (1.0 - w.kb)),
          128.0 + sc * (r - luma) / (2.0 * (1.0 - w.kr))};
}

/// The exact real value clamped to the 8-bit range it is stored in.
inline double clamp_real(double v) { return std::clamp(v, 0.0, 255.0); }

/// Reads R, G, B of pixel (x, y) of an RGB-family view.
template <PixelFormat F>
void read_rgb(FrameView<F> v, int x, int y, double& r, double& g, double& b) {
  constexpr FormatInfo info = format_info(F);
  const std::uint8_t* p = v.row(0, y) + x * info.pixel_bytes;
  r = p[info.r_index];
  g = p[info.g_index];
  b = p[info.b_index];
}

/// Writes R, G, B and, for 4-byte formats, A of pixel (x, y).
template <PixelFormat F>
void write_rgba(FrameView<F> v, int x, int y, std::uint8_t r, std::uint8_t g, std::uint8_t b,
                std::uint8_t a) {
  constexpr FormatInfo info = format_info(F);
  std::uint8_t* p = v.row(0, y) + x * info.pixel_bytes;
  p[info.r_index] = r;
  p[info.g_index] = g;
  p[info.b_index] = b;
  if constexpr (info.pixel_bytes == 4) p[3] = a;
}

/// Writes R, G, B (and A = 255 for 4-byte formats) of pixel (x, y).
template <PixelFormat F>
void write_rgb(FrameView<F> v, int x, int y, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  write_rgba(v, x, y, r, g, b, 255);
}

/// Uniform random bytes in every pixel.
template <PixelFormat F>
void fill_random(FrameView<F> v, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int y = 0; y < v.height(); ++y) {
    for (int x = 0; x < v.width(); ++x) {
      write_rgb(v, x, y, static_cast<std::uint8_t>(byte(rng)), static_cast<std::uint8_t>(byte(rng)),
                static_cast<std::uint8_t>(byte(rng)));
    }
  }
}

/// Smooth content: slow ramps in all three channels (what 4:2:0 reproduces faithfully).
template <PixelFormat F>
void fill_smooth(FrameView<F> v) {
  const double w = std::max(1, v.width() - 1);
  const double h = std::max(1, v.height() - 1);
  for (int y = 0; y < v.height(); ++y) {
    for (int x = 0; x < v.width(); ++x) {
      const double fx = x / w;
      const double fy = y / h;
      write_rgb(v, x, y, static_cast<std::uint8_t>(std::lround(20 + 215 * fx)),
                static_cast<std::uint8_t>(std::lround(230 - 200 * fy)),
                static_cast<std::uint8_t>(std::lround(40 + 100 * fx + 100 * fy)));
    }
  }
}

/// Worst and mean |packed - exact| over the Y, U and V samples of a 4:2:0 frame.
struct ErrorStats {
  double max_y = 0, max_c = 0, sum = 0;
  long count = 0;
  double mean() const { return count ? sum / static_cast<double>(count) : 0.0; }
};

/// Compares a 4:2:0 frame (I420 or NV12) with the real-number model of `src`.
template <PixelFormat In, PixelFormat Out>
ErrorStats measure_yuv420_error(FrameView<In> src, FrameView<Out> dst, ColorSpec spec) {
  ErrorStats e;
  for (int y = 0; y < src.height(); ++y) {
    for (int x = 0; x < src.width(); ++x) {
      double r, g, b;
      read_rgb(src, x, y, r, g, b);
      const double err = std::abs(dst.row(0, y)[x] - clamp_real(real_yuv(spec, r, g, b).y));
      e.max_y = std::max(e.max_y, err);
      e.sum += err;
      ++e.count;
    }
  }
  for (int cy = 0; cy < (src.height() + 1) / 2; ++cy) {
    for (int cx = 0; cx < (src.width() + 1) / 2; ++cx) {
      double sr = 0, sg = 0, sb = 0;
      int n = 0;
      for (int dy = 0; dy < 2; ++dy) {
        for (int dx = 0; dx < 2; ++dx) {
          const int x = 2 * cx + dx;
          const int y = 2 * cy + dy;
          if (x >= src.width() || y >= src.height()) continue;
          double r, g, b;
          read_rgb(src, x, y, r, g, b);
          sr += r;
          sg += g;
          sb += b;
          ++n;
        }
      }
      const RealYuv exact = real_yuv(spec, sr / n, sg / n, sb / n);
      std::uint8_t u, v;
      if constexpr (Out == PixelFormat::I420) {
        u = dst.row(1, cy)[cx];
        v = dst.row(2, cy)[cx];
      } else {
        u = dst.row(1, cy)[2 * cx];
        v = dst.row(1, cy)[2 * cx + 1];
      }
      const double eu = std::abs(u - clamp_real(exact.cb));
      const double ev = std::abs(v - clamp_real(exact.cr));
      e.max_c = std::max({e.max_c, eu, ev});
      e.sum += eu + ev;
      e.count += 2;
    }
  }
  return e;
}

}  // namespace framepipe::test
