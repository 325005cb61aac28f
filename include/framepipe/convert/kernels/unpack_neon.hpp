// AArch64 NEON unpack kernels: unpack_row_neon, byte-identical to unpack_row_scalar.
//
// A block is 16 pixels, held as 8 even and 8 odd pixels in 16-bit lanes, as the x86 kernels hold
// them: one deinterleaving load (vld2_u8) gives the even and the odd luma bytes, and lane i of
// either half belongs to chroma column i, so the horizontal interpolation is three unaligned
// loads of the vertical sums (at i - 1, i, i + 1) and adds. The formulas are
// unpack_coefficients.hpp's, in other instructions than x86's:
// - Luma. mulhi_u16(Y' << 8, y_k) is (Y' y_k) >> 8, and with y_k = 256 hi + lo that is
//   Y' hi + ((Y' lo) >> 8) exactly: one umlal (onto y_offset, 16-bit lanes wrapping as paddw
//   does) and one umull + usra, as the NEON packers form luma.
// - Chroma. du = (S << 4) - 32768 is a multiple of 16, so du = 2 h exactly, and
//   mulhi_s16(du, c) = (du c) >> 16 = (2 h c) >> 16 = sqdmulh(h, c), which never saturates
//   (|h| <= 16384). h comes straight from the biased vertical sums (unpack_row_any.hpp) with a
//   halving add: (3 W + W') / 2 (Center) or 2 W, W + W' (Left), all exact in 16 bits.
// - Clamp: sqshrun #5 is the scalar (x >> 5) clamped to 0..255, in one instruction.
// - Stores: sqshrun + sqshrun2 leave a channel as 8 even then 8 odd bytes in one register, one
//   tbl puts them in pixel order, and one interleaving store (vst3q_u8 or vst4q_u8, alpha 255)
//   writes the 16 pixels of any output format, so only that one table is needed.
// The segment loop, vertical sums of the edges, and tails are unpack_row_any.hpp's; the vertical
// sums of whole blocks of 8 chroma columns are vertical_sums below (NV12 de-interleaved by
// vld2_u8). NEON is part of the AArch64 base ISA, so these functions need no target attribute.
#pragma once

#include <cstdint>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/convert/kernels/unpack_row_any.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/pixel_format.hpp"

#if FRAMEPIPE_KERNELS_NEON
#  include <arm_neon.h>

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace unpack_neon_detail {

/// The coefficients broadcast for the kernel: the luma scale as its high and low byte (8-bit
/// multiplies), the offset as the start of the luma sum, the chroma weights as they are, and the
/// tbl control that takes 8 even then 8 odd bytes to pixel order.
struct Consts {
  uint8x8_t yk_hi, yk_lo;
  uint16x8_t yoff;
  int16x8_t rv, gu, gv, bu;
  uint8x16_t eo_to_pixels;
};

/// Byte i of pixel order is byte kEoToPixels[i] of [8 even | 8 odd].
inline constexpr std::uint8_t kEoToPixels[16] = {0, 8,  1, 9,  2, 10, 3, 11,
                                                 4, 12, 5, 13, 6, 14, 7, 15};

inline Consts make_consts(const UnpackCoefficients& k) {
  return {vdup_n_u8(static_cast<std::uint8_t>(k.y_k >> 8)),
          vdup_n_u8(static_cast<std::uint8_t>(k.y_k & 0xFF)),
          vdupq_n_u16(static_cast<std::uint16_t>(k.y_offset)),
          vdupq_n_s16(k.r_v),
          vdupq_n_s16(k.g_u),
          vdupq_n_s16(k.g_v),
          vdupq_n_s16(k.b_u),
          vld1q_u8(kEoToPixels)};
}

/// One channel per member, 16 clamped bytes in pixel order.
struct Rgb {
  uint8x16_t r, g, b;
};

/// mulhi_u16(Y' << 8, y_k) + y_offset of 8 pixels (the sum wraps in 16 bits, as paddw does).
inline int16x8_t luma8(uint8x8_t y, const Consts& c) {
  return vreinterpretq_s16_u16(vsraq_n_u16(vmlal_u8(c.yoff, y, c.yk_hi), vmull_u8(y, c.yk_lo), 8));
}

/// du / 2 (or dv / 2) of the even and the odd pixels of the 8 chroma columns at `near` / `far`:
/// half of (S << 4) - 32768 is 8 S - 16384, S the interpolated chroma sum (the top of the file),
/// formed with 8-bit multiplies (weights 8 times the filter's, at most 96) onto -16384, in 16-bit
/// lanes that wrap; exact, as 8 S <= 32640.
template <ChromaSite Site>
inline void chroma_halves(const std::uint8_t* near, const std::uint8_t* far, int16x8_t& even,
                          int16x8_t& odd) {
  const uint16x8_t bias = vdupq_n_u16(0xC000);  // -16384
  const uint8x8_t n = vld1_u8(near);
  const uint8x8_t f = vld1_u8(far);
  const uint8x8_t n_right = vld1_u8(near + 1);
  const uint8x8_t f_right = vld1_u8(far + 1);
  if constexpr (Site == ChromaSite::Center) {
    // 72 near(i) + 24 far(i) + 24 near(i -/+ 1) + 8 far(i -/+ 1).
    const uint16x8_t mid = vmlal_u8(vmlal_u8(bias, n, vdup_n_u8(72)), f, vdup_n_u8(24));
    const uint16x8_t left =
        vmlal_u8(vmlal_u8(mid, vld1_u8(near - 1), vdup_n_u8(24)), vld1_u8(far - 1), vdup_n_u8(8));
    const uint16x8_t right = vmlal_u8(vmlal_u8(mid, n_right, vdup_n_u8(24)), f_right, vdup_n_u8(8));
    even = vreinterpretq_s16_u16(left);
    odd = vreinterpretq_s16_u16(right);
  } else {
    // Even: 96 near(i) + 32 far(i); odd: 48 (near(i) + near(i + 1)) + 16 (far(i) + far(i + 1)).
    even = vreinterpretq_s16_u16(vmlal_u8(vmlal_u8(bias, n, vdup_n_u8(96)), f, vdup_n_u8(32)));
    const uint16x8_t near_pair = vaddl_u8(n, n_right);
    const uint16x8_t far_pair = vaddl_u8(f, f_right);
    odd = vreinterpretq_s16_u16(vmlaq_n_u16(vmlaq_n_u16(bias, near_pair, 48), far_pair, 16));
  }
}

/// The 8 even and 8 odd bytes of a channel, clamped (into one register, [even | odd]), in pixel
/// order.
inline uint8x16_t clamp_to_pixels(int16x8_t even, int16x8_t odd, const Consts& c) {
  return vqtbl1q_u8(vqshrun_high_n_s16(vqshrun_n_s16(even, 5), odd, 5), c.eo_to_pixels);
}

/// The 16 pixels of a block starting at luma `y` and chroma column `i` of the four chroma rows.
template <ChromaSite Site>
inline Rgb convert16(const std::uint8_t* y, const std::uint8_t* u_near, const std::uint8_t* u_far,
                     const std::uint8_t* v_near, const std::uint8_t* v_far, int i,
                     const Consts& c) {
  const uint8x8x2_t luma = vld2_u8(y);
  const int16x8_t le = luma8(luma.val[0], c);
  const int16x8_t lo = luma8(luma.val[1], c);
  int16x8_t ue, uo, ve, vo;
  chroma_halves<Site>(u_near + i, u_far + i, ue, uo);
  chroma_halves<Site>(v_near + i, v_far + i, ve, vo);
  const int16x8_t re = vaddq_s16(le, vqdmulhq_s16(ve, c.rv));
  const int16x8_t ro = vaddq_s16(lo, vqdmulhq_s16(vo, c.rv));
  const int16x8_t ge = vaddq_s16(vaddq_s16(le, vqdmulhq_s16(ue, c.gu)), vqdmulhq_s16(ve, c.gv));
  const int16x8_t go = vaddq_s16(vaddq_s16(lo, vqdmulhq_s16(uo, c.gu)), vqdmulhq_s16(vo, c.gv));
  const int16x8_t be = vaddq_s16(le, vqdmulhq_s16(ue, c.bu));
  const int16x8_t bo = vaddq_s16(lo, vqdmulhq_s16(uo, c.bu));
  return {clamp_to_pixels(re, ro, c), clamp_to_pixels(ge, go, c), clamp_to_pixels(be, bo, c)};
}

/// The channel that sits at byte `slot` of a pixel of format `Out`.
template <PixelFormat Out>
inline uint8x16_t at_slot(const Rgb& rgb, int slot) {
  constexpr FormatInfo f = format_info(Out);
  return slot == f.r_index ? rgb.r : (slot == f.g_index ? rgb.g : rgb.b);
}

/// Writes the 16 pixels of `rgb` in format `Out` (alpha 255 for 4-byte formats).
template <PixelFormat Out>
inline void store16(std::uint8_t* dst, const Rgb& rgb) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  if constexpr (kBpp == 3) {
    vst3q_u8(dst,
             (uint8x16x3_t{{at_slot<Out>(rgb, 0), at_slot<Out>(rgb, 1), at_slot<Out>(rgb, 2)}}));
  } else {
    static_assert(kBpp == 4, "the unpackers write 3- and 4-byte pixels");
    vst4q_u8(dst, (uint8x16x4_t{{at_slot<Out>(rgb, 0), at_slot<Out>(rgb, 1), at_slot<Out>(rgb, 2),
                                 vdupq_n_u8(0xFF)}}));
  }
}

/// Pixels per block of the wide kernel.
inline constexpr int kBlock = 16;

/// The wide kernel (unpack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat Out, ChromaSite Site>
void unpack_blocks(const std::uint8_t* y, const std::uint8_t* u_near, const std::uint8_t* u_far,
                   const std::uint8_t* v_near, const std::uint8_t* v_far, std::uint8_t* dst,
                   int width, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    store16<Out>(dst + x * kBpp, convert16<Site>(y + x, u_near, u_far, v_near, v_far, x / 2, c));
  }
}

/// Columns per block of the NV12 split kernel.
inline constexpr int kSplitBlock = 16;

/// The NV12 split kernel (unpack_row_any.hpp): `columns` is a positive multiple of kSplitBlock.
inline void split_uv(const std::uint8_t* uv, std::uint8_t* u, std::uint8_t* v, int columns) {
  for (int i = 0; i < columns; i += kSplitBlock) {
    const uint8x16x2_t p = vld2q_u8(uv + 2 * i);
    vst1q_u8(u + i, p.val[0]);
    vst1q_u8(v + i, p.val[1]);
  }
}

}  // namespace unpack_neon_detail

// unpack_row_neon: unpack_row_any.hpp's wrapper of unpack_blocks and split_uv.
FRAMEPIPE_UNPACK_ROW_ANY(neon);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_NEON
