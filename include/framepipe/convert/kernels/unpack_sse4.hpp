// SSE4.1 unpack kernels: unpack_row_sse4, byte-identical to unpack_row_scalar.
//
// A block is 16 pixels, held as 8 even and 8 odd pixels in 16-bit lanes: one 16-byte luma load
// gives both (even = word << 8, odd = word & 0xFF00: the Y' << 8 operand of pmulhuw), and lane i
// of either half belongs to chroma column i, so the horizontal interpolation is three unaligned
// loads of the vertical sums (at i - 1, i, i + 1) and adds. The formulas are
// unpack_coefficients.hpp's, lane for lane; packuswb clamps and leaves each channel as 8 even
// then 8 odd bytes, and pshufb puts them where the output format wants them. The segment loop,
// vertical sums, edges and tails are unpack_row_any.hpp's.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/kernels/unpack_row_any.hpp"
#include "framepipe/convert/kernels/unpack_x86.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/pixel_format.hpp"

#if FRAMEPIPE_KERNELS_X86

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace unpack_sse4_detail {

struct Consts {
  __m128i yk, yoff, rv, gu, gv, bu, high;
};

/// One channel per member, clamped bytes in [E|O] order (8 even pixels, then 8 odd).
struct Rgb {
  __m128i r, g, b;
};

FRAMEPIPE_INLINE_SSE4 __m128i splat(int value) { return _mm_set1_epi16(static_cast<short>(value)); }

FRAMEPIPE_INLINE_SSE4 __m128i load16(const void* p) {
  return _mm_loadu_si128(static_cast<const __m128i*>(p));
}

FRAMEPIPE_INLINE_SSE4 __m128i table16(const std::array<std::uint8_t, 16>& t) {
  return load16(t.data());
}

FRAMEPIPE_INLINE_SSE4 Consts make_consts(const UnpackCoefficients& k) {
  return {splat(k.y_k), splat(k.y_offset), splat(k.r_v), splat(k.g_u),
          splat(k.g_v), splat(k.b_u),      splat(0xFF00)};
}

/// (S << 4) - 32768 of the even and the odd pixels, S the interpolated chroma sum, from the
/// biased vertical sums (unpack_row_any.hpp's biased_sum: the weights add up to 4).
template <ChromaSite Site>
FRAMEPIPE_INLINE_SSE4 void chroma(const std::uint16_t* v, __m128i& even, __m128i& odd) {
  const __m128i mid = load16(v);
  const __m128i right = load16(v + 1);
  if constexpr (Site == ChromaSite::Center) {
    const __m128i mid3 = _mm_add_epi16(_mm_add_epi16(mid, mid), mid);
    even = _mm_add_epi16(mid3, load16(v - 1));
    odd = _mm_add_epi16(mid3, right);
  } else {
    even = _mm_slli_epi16(mid, 2);
    odd = _mm_slli_epi16(_mm_add_epi16(mid, right), 1);
  }
}

FRAMEPIPE_INLINE_SSE4 __m128i channel(__m128i l, __m128i term) {
  return _mm_srai_epi16(_mm_add_epi16(l, term), 5);
}

/// The 16 pixels of a block starting at luma `y`, with the du and dv of their even and odd
/// pixels.
FRAMEPIPE_INLINE_SSE4 Rgb convert16_from(const std::uint8_t* y, __m128i ue, __m128i uo, __m128i ve,
                                         __m128i vo, const Consts& c) {
  const __m128i y16 = load16(y);
  const __m128i le = _mm_add_epi16(_mm_mulhi_epu16(_mm_slli_epi16(y16, 8), c.yk), c.yoff);
  const __m128i lo = _mm_add_epi16(_mm_mulhi_epu16(_mm_and_si128(y16, c.high), c.yk), c.yoff);
  const __m128i re = channel(le, _mm_mulhi_epi16(ve, c.rv));
  const __m128i ro = channel(lo, _mm_mulhi_epi16(vo, c.rv));
  const __m128i ge =
      channel(le, _mm_add_epi16(_mm_mulhi_epi16(ue, c.gu), _mm_mulhi_epi16(ve, c.gv)));
  const __m128i go =
      channel(lo, _mm_add_epi16(_mm_mulhi_epi16(uo, c.gu), _mm_mulhi_epi16(vo, c.gv)));
  const __m128i be = channel(le, _mm_mulhi_epi16(ue, c.bu));
  const __m128i bo = channel(lo, _mm_mulhi_epi16(uo, c.bu));
  return {_mm_packus_epi16(re, ro), _mm_packus_epi16(ge, go), _mm_packus_epi16(be, bo)};
}

/// The 16 pixels of a block starting at luma `y` and chroma sums `vu`, `vv`.
template <ChromaSite Site>
FRAMEPIPE_INLINE_SSE4 Rgb convert16(const std::uint8_t* y, const std::uint16_t* vu,
                                    const std::uint16_t* vv, const Consts& c) {
  __m128i ue, uo, ve, vo;
  chroma<Site>(vu, ue, uo);
  chroma<Site>(vv, ve, vo);
  return convert16_from(y, ue, uo, ve, vo, c);
}

/// The channel that sits at byte `slot` of a pixel of format `Out`.
template <PixelFormat Out>
FRAMEPIPE_INLINE_SSE4 __m128i at_slot(const Rgb& rgb, int slot) {
  constexpr FormatInfo f = format_info(Out);
  return slot == f.r_index ? rgb.r : (slot == f.g_index ? rgb.g : rgb.b);
}

/// Output vector `part` (0..2) of 16 pixels of a 3-byte format from the channels at byte 0, 1, 2.
template <int Part>
FRAMEPIPE_INLINE_SSE4 __m128i rgb24_part(__m128i s0, __m128i s1, __m128i s2) {
  using unpack_x86_detail::shuffle_rgb24;
  static constexpr auto kM0 = shuffle_rgb24(Part, 0);
  static constexpr auto kM1 = shuffle_rgb24(Part, 1);
  static constexpr auto kM2 = shuffle_rgb24(Part, 2);
  return _mm_or_si128(
      _mm_or_si128(_mm_shuffle_epi8(s0, table16(kM0)), _mm_shuffle_epi8(s1, table16(kM1))),
      _mm_shuffle_epi8(s2, table16(kM2)));
}

template <PixelFormat Out>
FRAMEPIPE_INLINE_SSE4 void store24(std::uint8_t* dst, const Rgb& rgb) {
  const __m128i s0 = at_slot<Out>(rgb, 0);
  const __m128i s1 = at_slot<Out>(rgb, 1);
  const __m128i s2 = at_slot<Out>(rgb, 2);
  auto* out = reinterpret_cast<__m128i*>(dst);
  _mm_storeu_si128(out + 0, rgb24_part<0>(s0, s1, s2));
  _mm_storeu_si128(out + 1, rgb24_part<1>(s0, s1, s2));
  _mm_storeu_si128(out + 2, rgb24_part<2>(s0, s1, s2));
}

template <PixelFormat Out>
FRAMEPIPE_INLINE_SSE4 void store32(std::uint8_t* dst, const Rgb& rgb) {
  static constexpr auto kOrder = unpack_x86_detail::shuffle_eo_to_pixels();
  const __m128i order = table16(kOrder);
  const __m128i s0 = _mm_shuffle_epi8(at_slot<Out>(rgb, 0), order);
  const __m128i s1 = _mm_shuffle_epi8(at_slot<Out>(rgb, 1), order);
  const __m128i s2 = _mm_shuffle_epi8(at_slot<Out>(rgb, 2), order);
  const __m128i alpha = _mm_set1_epi8(-1);
  const __m128i a = _mm_unpacklo_epi8(s0, s1);
  const __m128i b = _mm_unpackhi_epi8(s0, s1);
  const __m128i c = _mm_unpacklo_epi8(s2, alpha);
  const __m128i d = _mm_unpackhi_epi8(s2, alpha);
  auto* out = reinterpret_cast<__m128i*>(dst);
  _mm_storeu_si128(out + 0, _mm_unpacklo_epi16(a, c));
  _mm_storeu_si128(out + 1, _mm_unpackhi_epi16(a, c));
  _mm_storeu_si128(out + 2, _mm_unpacklo_epi16(b, d));
  _mm_storeu_si128(out + 3, _mm_unpackhi_epi16(b, d));
}

inline constexpr int kBlock = 16;

/// Columns per block of the vertical-sum kernel.
inline constexpr int kSumBlock = 8;

/// biased_sum (unpack_row_any.hpp), per 16-bit lane.
FRAMEPIPE_INLINE_SSE4 __m128i vertical_sum(__m128i near, __m128i far) {
  const __m128i sum = _mm_add_epi16(_mm_add_epi16(_mm_add_epi16(near, near), near), far);
  return _mm_sub_epi16(_mm_slli_epi16(sum, 4), _mm_set1_epi16(8192));
}

/// 8 bytes widened to 16-bit lanes.
FRAMEPIPE_INLINE_SSE4 __m128i widen(const std::uint8_t* p) {
  return _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

/// The vertical-sum kernel (unpack_row_any.hpp): `columns` is a positive multiple of kSumBlock.
template <bool Nv12>
FRAMEPIPE_TARGET_SSE4 void vertical_sums(const std::uint8_t* u_near, const std::uint8_t* u_far,
                                         const std::uint8_t* v_near, const std::uint8_t* v_far,
                                         std::uint16_t* vu, std::uint16_t* vv, int columns) {
  for (int i = 0; i < columns; i += 8) {
    __m128i u, v;
    if constexpr (Nv12) {
      const __m128i n = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u_near + 2 * i));
      const __m128i f = _mm_loadu_si128(reinterpret_cast<const __m128i*>(u_far + 2 * i));
      const __m128i low = _mm_set1_epi16(0xFF);
      u = vertical_sum(_mm_and_si128(n, low), _mm_and_si128(f, low));
      v = vertical_sum(_mm_srli_epi16(n, 8), _mm_srli_epi16(f, 8));
    } else {
      u = vertical_sum(widen(u_near + i), widen(u_far + i));
      v = vertical_sum(widen(v_near + i), widen(v_far + i));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(vu + i), u);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(vv + i), v);
  }
}

/// The wide kernel (unpack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat Out, ChromaSite Site>
FRAMEPIPE_TARGET_SSE4 void unpack_blocks(const std::uint8_t* y, const std::uint16_t* vu,
                                         const std::uint16_t* vv, std::uint8_t* dst, int width,
                                         const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    const Rgb rgb = convert16<Site>(y + x, vu + x / 2, vv + x / 2, c);
    if constexpr (kBpp == 3) {
      store24<Out>(dst + x * kBpp, rgb);
    } else {
      store32<Out>(dst + x * kBpp, rgb);
    }
  }
}

/// du and dv, (C << 8) - 32768, of the 8 chroma columns at `u`, `v` (ChromaFilter::Replicate:
/// S = 16 C); for NV12 `u` is the interleaved row, whose 16-bit words are U | V << 8.
template <bool Nv12>
FRAMEPIPE_INLINE_SSE4 void replicated_chroma(const std::uint8_t* u, const std::uint8_t* v,
                                             __m128i& du, __m128i& dv) {
  const __m128i bias = _mm_set1_epi16(-32768);
  if constexpr (Nv12) {
    const __m128i uv = load16(u);
    du = _mm_xor_si128(_mm_slli_epi16(uv, 8), bias);
    dv = _mm_xor_si128(_mm_and_si128(uv, _mm_set1_epi16(static_cast<short>(0xFF00))), bias);
  } else {
    du = _mm_xor_si128(_mm_slli_epi16(widen(u), 8), bias);
    dv = _mm_xor_si128(_mm_slli_epi16(widen(v), 8), bias);
  }
}

/// The wide ChromaFilter::Replicate kernel (unpack_row_any.hpp): `width` is a positive multiple
/// of kBlock. The even and the odd pixel of a column share du and dv, so each chroma product is
/// formed once for both.
template <bool Nv12, PixelFormat Out>
FRAMEPIPE_TARGET_SSE4 void unpack_replicate_blocks(const std::uint8_t* y, const std::uint8_t* u,
                                                   const std::uint8_t* v, std::uint8_t* dst,
                                                   int width, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    __m128i du, dv;
    replicated_chroma<Nv12>(u + (Nv12 ? x : x / 2), v + x / 2, du, dv);
    const Rgb rgb = convert16_from(y + x, du, du, dv, dv, c);
    if constexpr (kBpp == 3) {
      store24<Out>(dst + x * kBpp, rgb);
    } else {
      store32<Out>(dst + x * kBpp, rgb);
    }
  }
}

}  // namespace unpack_sse4_detail

// unpack_row_sse4: unpack_row_any.hpp's wrapper of unpack_blocks and vertical_sums.
// unpack_row_replicate_sse4: unpack_row_any.hpp's wrapper of unpack_replicate_blocks.
FRAMEPIPE_UNPACK_ROW_REPLICATE_ANY(sse4);

FRAMEPIPE_UNPACK_ROW_ANY(sse4);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_X86
