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

/// du / 2 (or dv / 2) of the even and the odd pixels: half of (S << 4) - 32768, S the
/// interpolated chroma sum, from the biased vertical sums (the weights add up to 4).
template <ChromaSite Site>
inline void chroma_halves(const std::uint16_t* v, int16x8_t& even, int16x8_t& odd) {
  const int16x8_t mid = vreinterpretq_s16_u16(vld1q_u16(v));
  const int16x8_t right = vreinterpretq_s16_u16(vld1q_u16(v + 1));
  if constexpr (Site == ChromaSite::Center) {
    const int16x8_t mid3 = vaddq_s16(vaddq_s16(mid, mid), mid);
    even = vhaddq_s16(mid3, vreinterpretq_s16_u16(vld1q_u16(v - 1)));
    odd = vhaddq_s16(mid3, right);
  } else {
    even = vaddq_s16(mid, mid);
    odd = vaddq_s16(mid, right);
  }
}

/// The 8 even and 8 odd bytes of a channel, clamped (into one register, [even | odd]), in pixel
/// order.
inline uint8x16_t clamp_to_pixels(int16x8_t even, int16x8_t odd, const Consts& c) {
  return vqtbl1q_u8(vqshrun_high_n_s16(vqshrun_n_s16(even, 5), odd, 5), c.eo_to_pixels);
}

/// The 16 pixels of a block starting at luma `y`, with du / 2 and dv / 2 of their even and odd
/// pixels.
inline Rgb convert16_from(const std::uint8_t* y, int16x8_t ue, int16x8_t uo, int16x8_t ve,
                          int16x8_t vo, const Consts& c) {
  const uint8x8x2_t luma = vld2_u8(y);
  const int16x8_t le = luma8(luma.val[0], c);
  const int16x8_t lo = luma8(luma.val[1], c);
  const int16x8_t re = vaddq_s16(le, vqdmulhq_s16(ve, c.rv));
  const int16x8_t ro = vaddq_s16(lo, vqdmulhq_s16(vo, c.rv));
  const int16x8_t ge = vaddq_s16(vaddq_s16(le, vqdmulhq_s16(ue, c.gu)), vqdmulhq_s16(ve, c.gv));
  const int16x8_t go = vaddq_s16(vaddq_s16(lo, vqdmulhq_s16(uo, c.gu)), vqdmulhq_s16(vo, c.gv));
  const int16x8_t be = vaddq_s16(le, vqdmulhq_s16(ue, c.bu));
  const int16x8_t bo = vaddq_s16(lo, vqdmulhq_s16(uo, c.bu));
  return {clamp_to_pixels(re, ro, c), clamp_to_pixels(ge, go, c), clamp_to_pixels(be, bo, c)};
}

/// The 16 pixels of a block starting at luma `y` and chroma sums `vu`, `vv`.
template <ChromaSite Site>
inline Rgb convert16(const std::uint8_t* y, const std::uint16_t* vu, const std::uint16_t* vv,
                     const Consts& c) {
  int16x8_t ue, uo, ve, vo;
  chroma_halves<Site>(vu, ue, uo);
  chroma_halves<Site>(vv, ve, vo);
  return convert16_from(y, ue, uo, ve, vo, c);
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

/// Columns per block of the vertical-sum kernel.
inline constexpr int kSumBlock = 8;

/// biased_sum (unpack_row_any.hpp) of 8 columns: ((3 near + far) << 4) - 8192 per 16-bit lane.
inline uint16x8_t vertical_sum(uint8x8_t near, uint8x8_t far) {
  const uint16x8_t sum = vmlal_u8(vmovl_u8(far), near, vdup_n_u8(3));
  return vsubq_u16(vshlq_n_u16(sum, 4), vdupq_n_u16(8192));
}

/// The vertical-sum kernel (unpack_row_any.hpp): `columns` is a positive multiple of kSumBlock.
template <bool Nv12>
void vertical_sums(const std::uint8_t* u_near, const std::uint8_t* u_far,
                   const std::uint8_t* v_near, const std::uint8_t* v_far, std::uint16_t* vu,
                   std::uint16_t* vv, int columns) {
  for (int i = 0; i < columns; i += kSumBlock) {
    if constexpr (Nv12) {
      const uint8x8x2_t n = vld2_u8(u_near + 2 * i);
      const uint8x8x2_t f = vld2_u8(u_far + 2 * i);
      vst1q_u16(vu + i, vertical_sum(n.val[0], f.val[0]));
      vst1q_u16(vv + i, vertical_sum(n.val[1], f.val[1]));
    } else {
      vst1q_u16(vu + i, vertical_sum(vld1_u8(u_near + i), vld1_u8(u_far + i)));
      vst1q_u16(vv + i, vertical_sum(vld1_u8(v_near + i), vld1_u8(v_far + i)));
    }
  }
}

/// The wide kernel (unpack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat Out, ChromaSite Site>
void unpack_blocks(const std::uint8_t* y, const std::uint16_t* vu, const std::uint16_t* vv,
                   std::uint8_t* dst, int width, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    store16<Out>(dst + x * kBpp, convert16<Site>(y + x, vu + x / 2, vv + x / 2, c));
  }
}

/// du / 2 of 8 chroma samples (ChromaFilter::Replicate: S = 16 C), (C << 7) - 16384.
inline int16x8_t replicated_half(uint8x8_t chroma) {
  return vreinterpretq_s16_u16(vsubq_u16(vshll_n_u8(chroma, 7), vdupq_n_u16(16384)));
}

/// The wide ChromaFilter::Replicate kernel (unpack_row_any.hpp): `width` is a positive multiple
/// of kBlock. The even and the odd pixel of a column share du and dv.
template <bool Nv12, PixelFormat Out>
void unpack_replicate_blocks(const std::uint8_t* y, const std::uint8_t* u, const std::uint8_t* v,
                             std::uint8_t* dst, int width, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    int16x8_t du, dv;
    if constexpr (Nv12) {
      const uint8x8x2_t uv = vld2_u8(u + x);
      du = replicated_half(uv.val[0]);
      dv = replicated_half(uv.val[1]);
    } else {
      du = replicated_half(vld1_u8(u + x / 2));
      dv = replicated_half(vld1_u8(v + x / 2));
    }
    store16<Out>(dst + x * kBpp, convert16_from(y + x, du, du, dv, dv, c));
  }
}

}  // namespace unpack_neon_detail

// unpack_row_neon: unpack_row_any.hpp's wrapper of unpack_blocks and vertical_sums.
// unpack_row_replicate_neon: unpack_row_any.hpp's wrapper of unpack_replicate_blocks.
FRAMEPIPE_UNPACK_ROW_REPLICATE_ANY(neon);

FRAMEPIPE_UNPACK_ROW_ANY(neon);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_NEON
