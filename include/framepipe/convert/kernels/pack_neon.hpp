// AArch64 NEON row kernels: pack_i420_rows_neon and pack_nv12_rows_neon, byte-identical to the
// scalar kernels in pack_scalar.hpp.
//
// Per 16 pixels of each of the two rows: one deinterleaving load (vld3q_u8 for 3-byte pixels,
// vld4q_u8 for 4-byte ones) gives each channel as 16 bytes in pixel order, so no gather tables
// are needed. The formulas are coefficients.hpp's, in other instructions than x86's:
// - Luma. mulhi_u16(X << 8, c) is (X c) >> 8, and with c = 256 c_hi + c_lo that is
//   X c_hi + ((X c_lo) >> 8) exactly (X c_hi 256 is a multiple of 256). So each term is one
//   umlal (X c_hi, 8 x 8 -> 16 bits) and one umull + usra (X c_lo, shifted right 8 and added),
//   all in 16-bit lanes, starting from y_offset; the high byte is the sample (the sum never
//   exceeds 65408, so no clamp is needed).
// - Chroma. uaddlp + uadalp sum each 2x2 block (S = 0..1020) straight from the bytes: pairwise
//   along a row, then the other row's pairs added on. mulhi_s16(S << 5, c) is sqdmulh(S << 4, c)
//   = (2 (S << 4) c) >> 16, which floors like pmulhw and never saturates (it only does for
//   -32768 * -32768, and S << 4 <= 16320). Then 3 adds, the offset, an arithmetic shift by 6,
//   and sqxtun clamps to 0..255 exactly as the scalar kernel does.
// - Stores: the luma rows as 16 bytes; U and V as 8 bytes each (I420) or interleaved by one vst2
//   (NV12).
// The block is 16 pixels; pack_row_any.hpp's pack_rows_any runs the last partial block (and an odd
// last column) on a padded copy. NEON is part of the AArch64 base ISA, so these functions need no
// target attribute: every translation unit built for AArch64 can hold them.
#pragma once

#include <cstdint>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/convert/kernels/pack_row_any.hpp"
#include "framepipe/core/pixel_format.hpp"

#if FRAMEPIPE_KERNELS_NEON
#  include <arm_neon.h>

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace pack_neon_detail {

/// The coefficients split and broadcast for the kernel: each luma weight as its high and low
/// byte (8-bit multiplies), the chroma weights as they are (sqdmulh).
struct Consts {
  uint8x8_t yb_hi, yb_lo, yg_hi, yg_lo, yr_hi, yr_lo;
  uint16x8_t yoff;
  int16x8_t ub, ug, ur, vb, vg, vr, uvoff;
};

/// One channel per member, 16 pixels in order.
struct Channels {
  uint8x16_t b, g, r;
};

inline uint8x8_t high_byte(std::uint16_t c) { return vdup_n_u8(static_cast<std::uint8_t>(c >> 8)); }
inline uint8x8_t low_byte(std::uint16_t c) {
  return vdup_n_u8(static_cast<std::uint8_t>(c & 0xff));
}

inline Consts make_consts(const PackCoefficients& k) {
  return {high_byte(k.y_b),   low_byte(k.y_b),         high_byte(k.y_g),        low_byte(k.y_g),
          high_byte(k.y_r),   low_byte(k.y_r),         vdupq_n_u16(k.y_offset), vdupq_n_s16(k.u_b),
          vdupq_n_s16(k.u_g), vdupq_n_s16(k.u_r),      vdupq_n_s16(k.v_b),      vdupq_n_s16(k.v_g),
          vdupq_n_s16(k.v_r), vdupq_n_s16(k.uv_offset)};
}

/// 16 pixels starting at `p` (reads exactly bytes p .. p + 16 * bpp - 1).
template <PixelFormat In>
inline Channels load16(const std::uint8_t* p) {
  constexpr FormatInfo f = format_info(In);
  if constexpr (f.pixel_bytes == 3) {
    const uint8x16x3_t px = vld3q_u8(p);
    return {px.val[f.b_index], px.val[f.g_index], px.val[f.r_index]};
  } else {
    static_assert(f.pixel_bytes == 4, "the packers read 3- and 4-byte pixels");
    const uint8x16x4_t px = vld4q_u8(p);
    return {px.val[f.b_index], px.val[f.g_index], px.val[f.r_index]};
  }
}

/// acc + mulhi_u16(X << 8, c) per lane, for c given as its high and low byte.
inline uint16x8_t add_luma_term(uint16x8_t acc, uint8x8_t x, uint8x8_t c_hi, uint8x8_t c_lo) {
  return vsraq_n_u16(vmlal_u8(acc, x, c_hi), vmull_u8(x, c_lo), 8);
}

/// Y' << 8 plus the rounding bits for 8 pixels: the high byte is the luma sample.
inline uint16x8_t luma8(uint8x8_t b, uint8x8_t g, uint8x8_t r, const Consts& k) {
  uint16x8_t y = add_luma_term(k.yoff, b, k.yb_hi, k.yb_lo);
  y = add_luma_term(y, g, k.yg_hi, k.yg_lo);
  return add_luma_term(y, r, k.yr_hi, k.yr_lo);
}

/// The 16 luma samples of one row.
inline uint8x16_t luma16(const Channels& c, const Consts& k) {
  const uint16x8_t lo = luma8(vget_low_u8(c.b), vget_low_u8(c.g), vget_low_u8(c.r), k);
  const uint16x8_t hi = luma8(vget_high_u8(c.b), vget_high_u8(c.g), vget_high_u8(c.r), k);
  return vcombine_u8(vshrn_n_u16(lo, 8), vshrn_n_u16(hi, 8));
}

/// S << 4 for the 8 2x2 blocks of one channel of both rows (S = the block's sum, 0..1020).
inline int16x8_t block_sums(uint8x16_t row0, uint8x16_t row1) {
  return vreinterpretq_s16_u16(vshlq_n_u16(vpadalq_u8(vpaddlq_u8(row0), row1), 4));
}

/// One chroma plane, 8 samples, clamped to 0..255.
inline uint8x8_t chroma8(int16x8_t sb, int16x8_t sg, int16x8_t sr, int16x8_t cb, int16x8_t cg,
                         int16x8_t cr, int16x8_t offset) {
  const int16x8_t bg = vaddq_s16(vqdmulhq_s16(sb, cb), vqdmulhq_s16(sg, cg));
  const int16x8_t sum = vaddq_s16(vaddq_s16(bg, vqdmulhq_s16(sr, cr)), offset);
  return vqmovun_s16(vshrq_n_s16(sum, 6));
}

/// 16 pixels of both rows starting at pixel `x` (even): 16 + 16 luma, 8 chroma samples.
template <PixelFormat In, bool Nv12>
inline void step16(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                   std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int x, const Consts& k) {
  constexpr int kBpp = format_info(In).pixel_bytes;
  const Channels r0 = load16<In>(src0 + x * kBpp);
  const Channels r1 = load16<In>(src1 + x * kBpp);
  vst1q_u8(y0 + x, luma16(r0, k));
  vst1q_u8(y1 + x, luma16(r1, k));

  const int16x8_t sb = block_sums(r0.b, r1.b);
  const int16x8_t sg = block_sums(r0.g, r1.g);
  const int16x8_t sr = block_sums(r0.r, r1.r);
  const uint8x8_t cu = chroma8(sb, sg, sr, k.ub, k.ug, k.ur, k.uvoff);
  const uint8x8_t cv = chroma8(sb, sg, sr, k.vb, k.vg, k.vr, k.uvoff);
  const int cx = x / 2;
  if constexpr (Nv12) {
    vst2_u8(u + 2 * cx, (uint8x8x2_t{{cu, cv}}));
  } else {
    vst1_u8(u + cx, cu);
    vst1_u8(v + cx, cv);
  }
}

/// Pixels per block of the wide kernel.
inline constexpr int kBlock = 16;

/// The wide kernel (pack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat In, bool Nv12>
void pack_blocks(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                 std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,
                 const PackCoefficients& k) {
  const Consts consts = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    step16<In, Nv12>(src0, src1, y0, y1, u, v, x, consts);
  }
}

}  // namespace pack_neon_detail

// pack_i420_rows_neon and pack_nv12_rows_neon: pack_row_any.hpp's wrappers of pack_blocks.
FRAMEPIPE_PACK_ROWS_ANY(neon);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_NEON
