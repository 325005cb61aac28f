// The real-number model of the unpackers (see color/unpack_coefficients.hpp), in double precision
// and written from the filter's definition (sample positions and distances), not from the
// integer formulas: for accuracy tests.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe::test {

/// Chroma sample (i, j) of plane `c` (0 = Cb, 1 = Cr) of a 4:2:0 view.
template <PixelFormat F>
double chroma_sample(FrameView<F> v, int c, int i, int j) {
  if constexpr (F == PixelFormat::NV12) {
    return v.row(1, j)[2 * i + c];
  } else {
    return v.row(1 + c, j)[i];
  }
}

/// Bilinear interpolation of chroma plane `c` at luma pixel (x, y): the sample points sit at
/// x = 2i + 0.5 (Center) or 2i (Left) and y = 2j + 0.5; outside the outermost samples the edge
/// value holds (replication).
template <PixelFormat F>
double interpolated_chroma(FrameView<F> v, int c, int x, int y, ChromaSite site) {
  const int cw = (v.width() + 1) / 2;
  const int ch = (v.height() + 1) / 2;
  // Position of the pixel in chroma-sample coordinates.
  const double fx = site == ChromaSite::Center ? (x - 0.5) / 2.0 : x / 2.0;
  const double fy = (y - 0.5) / 2.0;
  const int i0 = static_cast<int>(std::floor(fx));
  const int j0 = static_cast<int>(std::floor(fy));
  const double ax = fx - i0;
  const double ay = fy - j0;
  auto at = [&](int i, int j) {
    return chroma_sample(v, c, std::clamp(i, 0, cw - 1), std::clamp(j, 0, ch - 1));
  };
  const double top = (1 - ax) * at(i0, j0) + ax * at(i0 + 1, j0);
  const double bottom = (1 - ax) * at(i0, j0 + 1) + ax * at(i0 + 1, j0 + 1);
  return (1 - ay) * top + ay * bottom;
}

/// Exact R, G, B of pixel (x, y), clamped to 0..255 but not rounded.
template <PixelFormat F>
std::array<double, 3> real_rgb(FrameView<F> v, int x, int y, ColorSpec spec, ChromaSite site) {
  const LumaWeights w = luma_weights(spec.matrix);
  const bool full = spec.range == Range::Full;
  const double sy = full ? 1.0 : 219.0 / 255.0;
  const double sc = full ? 1.0 : 224.0 / 255.0;
  const double oy = full ? 0.0 : 16.0;
  const double e = (v.row(0, y)[x] - oy) / sy;
  const double pb = (interpolated_chroma(v, 0, x, y, site) - 128.0) / sc;  // (B - E) / (2 (1 - Kb))
  const double pr = (interpolated_chroma(v, 1, x, y, site) - 128.0) / sc;
  const double b = e + 2.0 * (1.0 - w.kb) * pb;
  const double r = e + 2.0 * (1.0 - w.kr) * pr;
  const double g = (e - w.kr * r - w.kb * b) / w.kg();
  return {std::clamp(r, 0.0, 255.0), std::clamp(g, 0.0, 255.0), std::clamp(b, 0.0, 255.0)};
}

/// Worst and mean |unpacked - exact| over every R, G, B sample, and whether alpha was 255
/// everywhere (4-byte formats).
struct RgbErrorStats {
  double max = 0, sum = 0;
  long count = 0;
  bool alpha_opaque = true;
  double mean() const { return count ? sum / static_cast<double>(count) : 0.0; }
};

template <PixelFormat In, PixelFormat Out>
RgbErrorStats measure_rgb_error(FrameView<In> src, FrameView<Out> dst, ColorSpec spec,
                                ChromaSite site) {
  constexpr FormatInfo info = format_info(Out);
  RgbErrorStats e;
  for (int y = 0; y < src.height(); ++y) {
    for (int x = 0; x < src.width(); ++x) {
      const std::array<double, 3> exact = real_rgb(src, x, y, spec, site);
      const std::uint8_t* p = dst.row(0, y) + x * info.pixel_bytes;
      const double got[3] = {double(p[info.r_index]), double(p[info.g_index]),
                             double(p[info.b_index])};
      for (int c = 0; c < 3; ++c) {
        const double err = std::abs(got[c] - exact[static_cast<std::size_t>(c)]);
        e.max = std::max(e.max, err);
        e.sum += err;
        ++e.count;
      }
      if constexpr (info.pixel_bytes == 4) e.alpha_opaque = e.alpha_opaque && p[3] == 255;
    }
  }
  return e;
}

}  // namespace framepipe::test
