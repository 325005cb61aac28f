// The reference Y'CbCr 4:2:0 -> RGB row kernels. Readable on purpose: every SIMD kernel must
// produce exactly these bytes (color/unpack_coefficients.hpp gives the filter, the formulas and
// their error bound).
#pragma once

#include <cstdint>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe::kernels {
// Per-ISA-level names, like every kernel (see abi.hpp).
inline namespace FRAMEPIPE_KERNELS_ABI {

/// Unpacks one output row: luma row `y`, and the two chroma rows its vertical interpolation reads,
/// `*_near` (weight 3/4: chroma row y / 2) and `*_far` (weight 1/4: the row above for an even
/// luma row, below for an odd one, each clamped to the frame). Each chroma row holds
/// ceil(width / 2) samples `chroma_step` bytes apart (1 for I420; 2 for NV12, where `u_*` points
/// at the interleaved row and `v_*` at `u_* + 1`). Writes `width` pixels of the output format.
using UnpackRowFn = void (*)(const std::uint8_t* y, const std::uint8_t* u_near,
                             const std::uint8_t* u_far, const std::uint8_t* v_near,
                             const std::uint8_t* v_far, std::uint8_t* dst, int width,
                             const UnpackCoefficients& k);

namespace detail {

constexpr int unpack_mulhi_u16(int a, int b) { return (a * b) >> 16; }
constexpr int unpack_mulhi_s16(int a, int b) { return (a * b) >> 16; }

constexpr std::uint8_t unpack_clamp(int q5) {
  const int v = q5 >> 5;
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

/// 16 times the interpolated chroma of pixel `x` (0..4080) from the vertical sums `v(i)`.
template <ChromaSite Site, class VerticalSum>
constexpr int interpolated_chroma(int x, int chroma_width, VerticalSum v) {
  const int i = x / 2;
  const int left = i > 0 ? i - 1 : 0;
  const int right = i + 1 < chroma_width ? i + 1 : chroma_width - 1;
  if constexpr (Site == ChromaSite::Center) {
    return 3 * v(i) + v(x % 2 == 0 ? left : right);
  } else {
    return x % 2 == 0 ? 4 * v(i) : 2 * v(i) + 2 * v(right);
  }
}

/// The reference row for chroma filter `Filter` (for ChromaFilter::Replicate `Site` is ignored,
/// and so are the far rows).
template <PixelFormat In, PixelFormat Out, ChromaSite Site, ChromaFilter Filter>
void unpack_row_scalar_impl(const std::uint8_t* y, const std::uint8_t* u_near,
                            const std::uint8_t* u_far, const std::uint8_t* v_near,
                            const std::uint8_t* v_far, std::uint8_t* dst, int width,
                            const UnpackCoefficients& k) {
  static_assert(In == PixelFormat::I420 || In == PixelFormat::NV12);
  constexpr FormatInfo kOut = format_info(Out);
  static_assert(kOut.rgb, "the unpackers write RGB-family formats only");
  constexpr int kStep = In == PixelFormat::NV12 ? 2 : 1;
  constexpr int kBpp = kOut.pixel_bytes;
  const int cw = (width + 1) / 2;
  const auto vu = [&](int i) { return 3 * u_near[i * kStep] + u_far[i * kStep]; };
  const auto vv = [&](int i) { return 3 * v_near[i * kStep] + v_far[i * kStep]; };
  for (int x = 0; x < width; ++x) {
    int su, sv;
    if constexpr (Filter == ChromaFilter::Replicate) {
      su = 16 * u_near[x / 2 * kStep];
      sv = 16 * v_near[x / 2 * kStep];
    } else {
      su = interpolated_chroma<Site>(x, cw, vu);
      sv = interpolated_chroma<Site>(x, cw, vv);
    }
    // Wrapping to int16 as the SIMD lanes do: (S << 4) - 32768 is already in -32768..32512.
    const int du = (su << 4) - 32768;
    const int dv = (sv << 4) - 32768;
    const int l = unpack_mulhi_u16(y[x] << 8, k.y_k) + k.y_offset;
    std::uint8_t* p = dst + x * kBpp;
    p[kOut.r_index] = unpack_clamp(l + unpack_mulhi_s16(dv, k.r_v));
    p[kOut.g_index] = unpack_clamp(l + unpack_mulhi_s16(du, k.g_u) + unpack_mulhi_s16(dv, k.g_v));
    p[kOut.b_index] = unpack_clamp(l + unpack_mulhi_s16(du, k.b_u));
    if constexpr (kBpp == 4) p[3] = 255;
  }
}

}  // namespace detail

/// The reference row kernel (UnpackRowFn) for input `In` (I420 or NV12), output `Out` (BGR24,
/// RGB24, BGRA32, RGBA32; alpha 255) and chroma siting `Site`.
template <PixelFormat In, PixelFormat Out, ChromaSite Site>
void unpack_row_scalar(const std::uint8_t* y, const std::uint8_t* u_near, const std::uint8_t* u_far,
                       const std::uint8_t* v_near, const std::uint8_t* v_far, std::uint8_t* dst,
                       int width, const UnpackCoefficients& k) {
  detail::unpack_row_scalar_impl<In, Out, Site, ChromaFilter::Bilinear>(y, u_near, u_far, v_near,
                                                                        v_far, dst, width, k);
}

/// The reference row kernel (UnpackRowFn) of ChromaFilter::Replicate for input `In` and output
/// `Out`: pixel x takes chroma column x / 2 of the near rows; the far rows are not read.
template <PixelFormat In, PixelFormat Out>
void unpack_row_replicate_scalar(const std::uint8_t* y, const std::uint8_t* u_near,
                                 const std::uint8_t* u_far, const std::uint8_t* v_near,
                                 const std::uint8_t* v_far, std::uint8_t* dst, int width,
                                 const UnpackCoefficients& k) {
  detail::unpack_row_scalar_impl<In, Out, ChromaSite::Center, ChromaFilter::Replicate>(
      y, u_near, u_far, v_near, v_far, dst, width, k);
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels
