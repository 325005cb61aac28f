// Fixed-point coefficients of the Y'CbCr 4:2:0 -> RGB unpackers, and the chroma filter they use.
// The integer formulas here define the unpackers' results bit for bit: the scalar kernel is written
// from them and every SIMD kernel must reproduce them exactly. They are shaped for 16-bit SIMD
// lanes (pmulhuw / pmulhw, no saturation needed anywhere).
#pragma once

#include <cstdint>
#include <string_view>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/core/color_space.hpp"

namespace framepipe {

/// How the unpackers bring 4:2:0 chroma up to the luma grid (UnpackerOptions::chroma_filter).
enum class ChromaFilter {
  /// The bilinear filter below, for the stream's siting: every byte within 0.641 of the exact
  /// result. The default.
  Bilinear,
  /// Each chroma sample repeated over its 2x2 luma pixels, whatever the siting (what libyuv's
  /// I420ToRGB24 and most SIMD converters do): S = 16 C[j][i] for every pixel of chroma sample
  /// (i, j) in the formulas below, which are otherwise unchanged. Each byte is still within 0.641
  /// of the exact matrix applied to the replicated chroma, but that chroma is up to half a chroma
  /// step off the sited samples' interpolation: docs/colour.md measures what that costs. About
  /// half the chroma work per pixel, and no neighbouring chroma rows or columns are read.
  Replicate,
};

/// "bilinear" or "replicate".
constexpr std::string_view chroma_filter_name(ChromaFilter filter) {
  return filter == ChromaFilter::Replicate ? "replicate" : "bilinear";
}

/// Real-number model: the inverse of color/coefficients.hpp's (Kg = 1 - Kr - Kb; sy, sc, oy as
/// there: 219/255, 224/255, 16 for limited range, 1, 1, 0 for full range):
///   E  = (Y' - oy) / sy
///   R  = E + cr_r (Cr - 128)                      cr_r = 2 (1 - Kr) / sc
///   G  = E + cg_b (Cb - 128) + cg_r (Cr - 128)    cg_b = -Kb cb_b / Kg, cg_r = -Kr cr_r / Kg
///   B  = E + cb_b (Cb - 128)                      cb_b = 2 (1 - Kb) / sc
/// and each output byte is clamp(R, 0, 255) etc. rounded.
///
/// Chroma filter (bilinear, "triangle"): each 4:2:0 chroma sample is a point at its sited
/// position, and the chroma of a pixel is the bilinear interpolation of the four nearest samples
/// (edges replicate the outermost sample). In luma coordinates chroma row j sits at y = 2j + 0.5
/// for both sitings (vertically centred), so luma row 2j takes 3/4 of row j and 1/4 of row j - 1,
/// and row 2j + 1 takes 3/4 of row j and 1/4 of row j + 1. Horizontally:
///   - ChromaSite::Center (caps "jpeg"): column i sits at x = 2i + 0.5, so x = 2i takes
///     3/4 C[i] + 1/4 C[i - 1] and x = 2i + 1 takes 3/4 C[i] + 1/4 C[i + 1] (libjpeg's "fancy
///     upsampling");
///   - ChromaSite::Left (caps "mpeg2"): column i sits at x = 2i (co-sited), so x = 2i takes C[i]
///     and x = 2i + 1 takes 1/2 C[i] + 1/2 C[i + 1].
/// Every weight is a multiple of 1/16, so the interpolated chroma is exactly S / 16 for an integer
/// S in 0..4080: S = 3 V[i] + V[i -+ 1] (Center) or 4 V[i], 2 V[i] + 2 V[i + 1] (Left), where
/// V[i] = 3 C[j][i] + C[j -+ 1][i] is the vertical step (0..1020). No rounding happens here.
///
/// Integer formulas (mulhi_u16(a, b) = (a b) >> 16 unsigned, mulhi_s16 the same on signed 16-bit
/// values with an arithmetic shift -- pmulhuw / pmulhw). Results are in Q5 (units of 1/32):
///   L  = mulhi_u16(Y' << 8, y_k) + y_offset                 y_k = round(8192 / sy)
///   du = (S_b << 4) - 32768,  dv = (S_r << 4) - 32768       (= 256 (C - 128), int16 exactly)
///   R  = clamp((L + mulhi_s16(dv, r_v)) >> 5, 0, 255)      r_v = round(8192 cr_r)
///   G  = clamp((L + mulhi_s16(du, g_u) + mulhi_s16(dv, g_v)) >> 5, 0, 255)
///   B  = clamp((L + mulhi_s16(du, b_u)) >> 5, 0, 255)      (g_u, g_v, b_u likewise)
/// with y_offset = round(-32 oy / sy) + 16 (16 rounds to nearest). mulhi_u16(Y' << 8, y_k) is
/// 32 Y' / sy and mulhi_s16(du, c) is 32 c (Cb - 128), each truncated.
///
/// Ranges (no lane ever saturates): L is in -580..8921; |dv|, |du| <= 32768 and every coefficient
/// is below 17600 (cb_b of BT.2020 limited, 2.142), so each chroma term is within +-8800 and every
/// sum within -9400..17700, inside int16.
///
/// Error bound. In Q5 units: y_k rounding costs at most 255 * 256 * 0.5 / 65536 < 0.5, y_offset's
/// rounding 0.5, each chroma coefficient's rounding at most 32768 * 0.5 / 65536 = 0.25 (two for
/// G), each truncation lies in (-1, 0] (three for G). So the sum before the shift is
/// 32 V + 16 + e with e in (-4.5, +1.5), V the exact real value, and after the floor-shift
/// |out - V| <= 0.5 + 4.5 / 32 < 0.641. Clamping is 1-Lipschitz, so every byte is within 0.641
/// (inside +-1) of the clamped exact value. Grey stays exactly grey: Cb = Cr = 128 gives
/// du = dv = 0, so R = G = B = L >> 5.
struct UnpackCoefficients {
  std::uint16_t y_k;
  std::int16_t y_offset;
  std::int16_t r_v, g_u, g_v, b_u;
};

/// Real-number chroma coefficients of the model above (cr_r, cg_b, cg_r, cb_b) and the luma scale
/// 1 / sy and offset oy, for reference implementations and tests.
struct UnpackModel {
  double luma_scale, luma_offset;
  double cr_r, cg_b, cg_r, cb_b;
};

constexpr UnpackModel unpack_model(ColorSpec spec) {
  const LumaWeights w = luma_weights(spec.matrix);
  const RangeScales s = range_scales(spec.range);
  const double cr_r = 2.0 * (1.0 - w.kr) / s.chroma_scale;
  const double cb_b = 2.0 * (1.0 - w.kb) / s.chroma_scale;
  return {1.0 / s.luma_scale,    s.luma_offset,         cr_r,
          -w.kb * cb_b / w.kg(), -w.kr * cr_r / w.kg(), cb_b};
}

/// The coefficients for frames of colour `spec`.
constexpr UnpackCoefficients unpack_coefficients(ColorSpec spec) {
  using detail::round_half_away;
  const UnpackModel m = unpack_model(spec);
  const double q13 = 8192.0;
  return {static_cast<std::uint16_t>(round_half_away(m.luma_scale * q13)),
          static_cast<std::int16_t>(round_half_away(-32.0 * m.luma_offset * m.luma_scale) + 16),
          static_cast<std::int16_t>(round_half_away(m.cr_r * q13)),
          static_cast<std::int16_t>(round_half_away(m.cg_b * q13)),
          static_cast<std::int16_t>(round_half_away(m.cg_r * q13)),
          static_cast<std::int16_t>(round_half_away(m.cb_b * q13))};
}

}  // namespace framepipe
