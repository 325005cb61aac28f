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

FRAMEPIPE_INLINE_SSE4 __m128i channel(__m128i l, __m128i term) {
  return _mm_srai_epi16(_mm_add_epi16(l, term), 5);
}

/// The 16 pixels of a block starting at luma `y`, with the du and dv of their even and odd pixels.
FRAMEPIPE_INLINE_SSE4 Rgb convert16(const std::uint8_t* y, __m128i ue, __m128i uo, __m128i ve,
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

inline constexpr int kBlock = 32;

/// The pmaddubsw weights of the chroma filter (unpack_x86.hpp), a pair per 16-bit lane.
struct Weights {
  __m128i even_near, even_far, odd_near, odd_far;
};

FRAMEPIPE_INLINE_SSE4 __m128i weight_pair(std::array<std::uint8_t, 2> p) {
  return _mm_set1_epi16(static_cast<short>(p[0] | (p[1] << 8)));
}

template <ChromaSite Site>
FRAMEPIPE_INLINE_SSE4 Weights pair_weights() {
  constexpr auto w = unpack_x86_detail::pair_weights<Site>();
  return {weight_pair(w.even_near), weight_pair(w.even_far), weight_pair(w.odd_near),
          weight_pair(w.odd_far)};
}

/// The filter of unpack_x86.hpp on the column pairs of a load at `near` and one at `far`: the
/// near pairs weighted by `weight_near`, the far ones by `weight_far`, summed.
FRAMEPIPE_INLINE_SSE4 __m128i filter_pairs(const std::uint8_t* near, const std::uint8_t* far,
                                           __m128i weight_near, __m128i weight_far) {
  const __m128i flip = _mm_set1_epi8(-128);
  const __m128i n = _mm_xor_si128(load16(near), flip);
  const __m128i f = _mm_xor_si128(load16(far), flip);
  return _mm_add_epi16(_mm_maddubs_epi16(weight_near, n), _mm_maddubs_epi16(weight_far, f));
}

/// du (or dv) of the 32 pixels of 16 chroma columns from rows `near` and `far` at column 0 of the
/// block (unpack_x86.hpp's pair filter), in column order: `even_a` / `odd_a` of the even / odd
/// pixels of columns 0..7, `even_b` / `odd_b` of columns 8..15.
template <ChromaSite Site>
FRAMEPIPE_INLINE_SSE4 void chroma32(const std::uint8_t* near, const std::uint8_t* far,
                                    const Weights& w, __m128i& even_a, __m128i& odd_a,
                                    __m128i& even_b, __m128i& odd_b) {
  constexpr int kEven = unpack_x86_detail::kEvenPairAt<Site>;
  // Word j of a load at column `at` is the pair (at + 2 j, at + 2 j + 1).
  const __m128i even_of_even_columns =
      filter_pairs(near + kEven, far + kEven, w.even_near, w.even_far);
  const __m128i even_of_odd_columns =
      filter_pairs(near + kEven + 1, far + kEven + 1, w.even_near, w.even_far);
  const __m128i odd_of_even_columns = filter_pairs(near, far, w.odd_near, w.odd_far);
  const __m128i odd_of_odd_columns = filter_pairs(near + 1, far + 1, w.odd_near, w.odd_far);
  even_a = _mm_unpacklo_epi16(even_of_even_columns, even_of_odd_columns);
  even_b = _mm_unpackhi_epi16(even_of_even_columns, even_of_odd_columns);
  odd_a = _mm_unpacklo_epi16(odd_of_even_columns, odd_of_odd_columns);
  odd_b = _mm_unpackhi_epi16(odd_of_even_columns, odd_of_odd_columns);
}

/// The wide kernel (unpack_row_any.hpp): `width` is a positive multiple of kBlock (two 16-pixel
/// halves per chroma filter step).
template <PixelFormat Out, ChromaSite Site>
FRAMEPIPE_TARGET_SSE4 void unpack_blocks(const std::uint8_t* y, const std::uint8_t* u_near,
                                         const std::uint8_t* u_far, const std::uint8_t* v_near,
                                         const std::uint8_t* v_far, std::uint8_t* dst, int width,
                                         const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  const auto w = pair_weights<Site>();
  for (int x = 0; x < width; x += kBlock) {
    const int i = x / 2;
    __m128i ue_a, uo_a, ue_b, uo_b, ve_a, vo_a, ve_b, vo_b;
    chroma32<Site>(u_near + i, u_far + i, w, ue_a, uo_a, ue_b, uo_b);
    chroma32<Site>(v_near + i, v_far + i, w, ve_a, vo_a, ve_b, vo_b);
    const Rgb a = convert16(y + x, ue_a, uo_a, ve_a, vo_a, c);
    const Rgb b = convert16(y + x + 16, ue_b, uo_b, ve_b, vo_b, c);
    if constexpr (kBpp == 3) {
      store24<Out>(dst + x * kBpp, a);
      store24<Out>(dst + (x + 16) * kBpp, b);
    } else {
      store32<Out>(dst + x * kBpp, a);
      store32<Out>(dst + (x + 16) * kBpp, b);
    }
  }
}

/// Columns per block of the NV12 split kernel.
inline constexpr int kSplitBlock = 8;

/// The NV12 split kernel (unpack_row_any.hpp): `columns` is a positive multiple of kSplitBlock.
FRAMEPIPE_TARGET_SSE4 void split_uv(const std::uint8_t* uv, std::uint8_t* u, std::uint8_t* v,
                                    int columns) {
  static constexpr auto kSplit = unpack_x86_detail::shuffle_split_uv();
  const __m128i split = table16(kSplit);
  for (int i = 0; i < columns; i += kSplitBlock) {
    const __m128i p = _mm_shuffle_epi8(load16(uv + 2 * i), split);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(u + i), p);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(v + i), _mm_unpackhi_epi64(p, p));
  }
}

}  // namespace unpack_sse4_detail

// unpack_row_sse4: unpack_row_any.hpp's wrapper of unpack_blocks and split_uv.
FRAMEPIPE_UNPACK_ROW_ANY(sse4);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_X86
