// Fixed-point coefficients of the RGB -> Y'CbCr packers. The integer formulas here define the
// packers' results bit for bit: the scalar kernel is written from them and every SIMD kernel must
// reproduce them exactly. They are shaped for 16-bit SIMD lanes (pmulhuw / pmulhw).
#pragma once

#include <cstdint>

#include "framepipe/core/color_space.hpp"

namespace framepipe {

/// Real-number model (R, G, B in 0..255; Kg = 1 - Kr - Kb):
///   Y  = Kr R + Kg G + Kb B
///   Cb = 128 + sc (B - Y) / (2 (1 - Kb))
///   Cr = 128 + sc (R - Y) / (2 (1 - Kr))
///   Y' = oy + sy Y
/// with sy = 219/255, sc = 224/255, oy = 16 for limited range and sy = sc = 1, oy = 0 for full
/// range. Chroma is taken of the 2x2 box average of R, G, B (the same as averaging per-pixel
/// chroma, since the map is affine); at odd edges the samples that exist are averaged.
///
/// Integer formulas (mulhi_u16(a, b) = (a * b) >> 16 unsigned, mulhi_s16 the same on signed
/// 16-bit values with an arithmetic shift — the x86 pmulhuw / pmulhw instructions):
///   Y' = min(255, (mulhi_u16(B << 8, y_b) + mulhi_u16(G << 8, y_g) + mulhi_u16(R << 8, y_r)
///                  + y_offset) >> 8)
/// where y_k = round(K sy 2^16): each term is K sy X in Q8 truncated, and y_offset = 2^7 (round to
/// nearest) + oy 2^8. The sum stays below 2^16: 255 2^8 sy + y_offset ≤ 65408.
///
/// Chroma works on S = the sum of the four samples of a 2x2 block (0..1020; at odd edges the
/// existing samples are repeated so that S is still four times the average):
///   Cb = clamp((mulhi_s16(SB << 5, u_b) + mulhi_s16(SG << 5, u_g) + mulhi_s16(SR << 5, u_r)
///              + uv_offset) >> 6, 0, 255)
/// where u_k = round(c_k 2^15) for the real chroma coefficient c_k of channel k, so each term is
/// (S/4) c_k in Q6 truncated (S << 5 ≤ 32640 fits int16), and uv_offset = 128 2^6 + 2^5.
/// Errors: coefficient rounding ≤ 255 * 3 * 2^-16 and truncation < 3 2^-8 (luma) or 3 2^-6
/// (chroma), so every output stays within 0.5 + 0.05 of the exact real result: inside ±1.
struct PackCoefficients {
  std::uint16_t y_b, y_g, y_r, y_offset;
  std::int16_t u_b, u_g, u_r;
  std::int16_t v_b, v_g, v_r;
  std::int16_t uv_offset;
};

namespace detail {

/// `x` rounded to the nearest integer, halves away from zero: how every real coefficient of the
/// packers and the unpackers (color/unpack_coefficients.hpp) becomes a fixed-point one.
constexpr long round_half_away(double x) {
  return x >= 0 ? static_cast<long>(x + 0.5) : -static_cast<long>(-x + 0.5);
}

}  // namespace detail

/// The coefficients for `spec`. Rounded so that grey stays exactly neutral (each chroma row sums to
/// zero) and white stays white (luma weights sum to round(sy 2^16)).
constexpr PackCoefficients pack_coefficients(ColorSpec spec) {
  using detail::round_half_away;
  const LumaWeights w = luma_weights(spec.matrix);
  const RangeScales scales = range_scales(spec.range);
  const double sy = scales.luma_scale;
  const double sc = scales.chroma_scale;
  const double q16 = 65536.0;
  const double q15 = 32768.0;

  const long y_r = round_half_away(w.kr * sy * q16);
  const long y_b = round_half_away(w.kb * sy * q16);
  const long y_g = round_half_away(sy * q16) - y_r - y_b;
  const long y_offset = 128 + round_half_away(scales.luma_offset * 256);

  const double cb_scale = sc / (2.0 * (1.0 - w.kb));
  const long u_b = round_half_away(0.5 * sc * q15);
  const long u_r = round_half_away(-w.kr * cb_scale * q15);
  const long u_g = -u_b - u_r;
  const double cr_scale = sc / (2.0 * (1.0 - w.kr));
  const long v_r = round_half_away(0.5 * sc * q15);
  const long v_b = round_half_away(-w.kb * cr_scale * q15);
  const long v_g = -v_r - v_b;
  const long uv_offset = 128 * 64 + 32;

  return {static_cast<std::uint16_t>(y_b),     static_cast<std::uint16_t>(y_g),
          static_cast<std::uint16_t>(y_r),     static_cast<std::uint16_t>(y_offset),
          static_cast<std::int16_t>(u_b),      static_cast<std::int16_t>(u_g),
          static_cast<std::int16_t>(u_r),      static_cast<std::int16_t>(v_b),
          static_cast<std::int16_t>(v_g),      static_cast<std::int16_t>(v_r),
          static_cast<std::int16_t>(uv_offset)};
}

}  // namespace framepipe
