// The reference RGB -> Y'CbCr row kernels. Readable on purpose: every SIMD kernel must produce
// exactly these bytes (see color/coefficients.hpp for the formulas and their error bounds).
#pragma once

#include <cstdint>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe::kernels {
// Per-ISA-level names, like the SIMD kernels: in a file built with -mavx2 this reference is
// auto-vectorised with AVX2, and must not become the copy every file links to (see abi.hpp).
inline namespace FRAMEPIPE_KERNELS_ABI {

/// Packs two source rows into two luma rows and one row of 2x2-averaged chroma.
/// `src1`/`y1` may equal `src0`/`y0` (the last row of an odd-height frame). `u` and `v` receive
/// ceil(width / 2) samples, each `chroma_step` bytes apart (1 for I420, 2 for NV12's interleaved
/// plane).
using PackRowsFn = void (*)(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                            std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,
                            const PackCoefficients& k);

namespace detail {

constexpr unsigned mulhi_u16(unsigned a, unsigned b) { return (a * b) >> 16; }
constexpr int mulhi_s16(int a, int b) { return (a * b) >> 16; }

constexpr std::uint8_t luma_scalar(const PackCoefficients& k, unsigned r, unsigned g, unsigned b) {
  const unsigned y =
      mulhi_u16(b << 8, k.y_b) + mulhi_u16(g << 8, k.y_g) + mulhi_u16(r << 8, k.y_r) + k.y_offset;
  const unsigned y8 = y >> 8;
  return static_cast<std::uint8_t>(y8 > 255 ? 255 : y8);
}

/// One chroma sample from four-sample sums of each channel.
constexpr std::uint8_t chroma_scalar(int c_b, int c_g, int c_r, int offset, int sum_r, int sum_g,
                                     int sum_b) {
  const int c = (mulhi_s16(sum_b << 5, c_b) + mulhi_s16(sum_g << 5, c_g) +
                 mulhi_s16(sum_r << 5, c_r) + offset) >>
                6;
  return static_cast<std::uint8_t>(c < 0 ? 0 : (c > 255 ? 255 : c));
}

template <PixelFormat In, int ChromaStep>
void pack_rows_scalar(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                      std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,
                      const PackCoefficients& k) {
  constexpr FormatInfo kInfo = format_info(In);
  static_assert(kInfo.rgb, "the packers read RGB-family formats only");
  constexpr int kBpp = kInfo.pixel_bytes;
  constexpr int kR = kInfo.r_index;
  constexpr int kG = kInfo.g_index;
  constexpr int kB = kInfo.b_index;

  for (int x = 0; x < width; x += 2) {
    // At an odd right edge the last column stands in for its missing neighbour.
    const int x1 = x + 1 < width ? x + 1 : x;
    const std::uint8_t* a0 = src0 + x * kBpp;
    const std::uint8_t* a1 = src0 + x1 * kBpp;
    const std::uint8_t* b0 = src1 + x * kBpp;
    const std::uint8_t* b1 = src1 + x1 * kBpp;
    y0[x] = luma_scalar(k, a0[kR], a0[kG], a0[kB]);
    y1[x] = luma_scalar(k, b0[kR], b0[kG], b0[kB]);
    if (x1 != x) {
      y0[x1] = luma_scalar(k, a1[kR], a1[kG], a1[kB]);
      y1[x1] = luma_scalar(k, b1[kR], b1[kG], b1[kB]);
    }
    const int sum_r = a0[kR] + a1[kR] + b0[kR] + b1[kR];
    const int sum_g = a0[kG] + a1[kG] + b0[kG] + b1[kG];
    const int sum_b = a0[kB] + a1[kB] + b0[kB] + b1[kB];
    const int cx = (x / 2) * ChromaStep;
    u[cx] = chroma_scalar(k.u_b, k.u_g, k.u_r, k.uv_offset, sum_r, sum_g, sum_b);
    v[cx] = chroma_scalar(k.v_b, k.v_g, k.v_r, k.uv_offset, sum_r, sum_g, sum_b);
  }
}

}  // namespace detail

/// I420 rows: separate U and V rows.
template <PixelFormat In>
void pack_i420_rows_scalar(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                           std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,
                           const PackCoefficients& k) {
  detail::pack_rows_scalar<In, 1>(src0, src1, y0, y1, u, v, width, k);
}

/// NV12 rows: `u` points at the interleaved UV row and `v` at `u + 1`.
template <PixelFormat In>
void pack_nv12_rows_scalar(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                           std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,
                           const PackCoefficients& k) {
  detail::pack_rows_scalar<In, 2>(src0, src1, y0, y1, u, v, width, k);
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels
