// AVX2 unpack kernels: unpack_row_avx2, byte-identical to unpack_row_scalar.
//
// The SSE4.1 kernel (unpack_sse4.hpp explains it) on 256-bit vectors: a block is 32 pixels.
// Loads are flat, and every 128-bit lane of packuswb holds 16 consecutive pixels in [E|O] order,
// so the in-lane pshufb tables are the SSE4.1 ones; only the final stores cross lanes
// (vperm2i128). The SSE4.1 description follows.
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
namespace unpack_avx2_detail {

struct Consts {
  __m256i yk, yoff, rv, gu, gv, bu, high;
};

/// One channel per member, clamped bytes in [E|O] order (8 even pixels, then 8 odd).
struct Rgb {
  __m256i r, g, b;
};

FRAMEPIPE_INLINE_AVX2 __m256i splat(int value) {
  return _mm256_set1_epi16(static_cast<short>(value));
}

FRAMEPIPE_INLINE_AVX2 __m256i load32(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

/// A 16-byte pshufb control repeated for both 128-bit lanes: a 32-byte constant that pshufb can
/// take as its memory operand, so the tables hold no register.
constexpr std::array<std::uint8_t, 32> both_lanes(const std::array<std::uint8_t, 16>& t) {
  std::array<std::uint8_t, 32> m{};
  for (std::size_t i = 0; i < 32; ++i) m[i] = t[i % 16];
  return m;
}

FRAMEPIPE_INLINE_AVX2 __m256i table32(const std::array<std::uint8_t, 32>& t) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.data()));
}

FRAMEPIPE_INLINE_AVX2 Consts make_consts(const UnpackCoefficients& k) {
  return {splat(k.y_k), splat(k.y_offset), splat(k.r_v), splat(k.g_u),
          splat(k.g_v), splat(k.b_u),      splat(0xFF00)};
}

FRAMEPIPE_INLINE_AVX2 __m256i channel(__m256i l, __m256i term) {
  return _mm256_srai_epi16(_mm256_add_epi16(l, term), 5);
}

/// The 32 pixels of luma word vector `y16` (lane i: the pixel pair of chroma column i) with the du
/// and dv of their even and odd pixels.
FRAMEPIPE_INLINE_AVX2 Rgb convert32(__m256i y16, __m256i ue, __m256i uo, __m256i ve, __m256i vo,
                                    const Consts& c) {
  const __m256i le = _mm256_add_epi16(_mm256_mulhi_epu16(_mm256_slli_epi16(y16, 8), c.yk), c.yoff);
  const __m256i lo =
      _mm256_add_epi16(_mm256_mulhi_epu16(_mm256_and_si256(y16, c.high), c.yk), c.yoff);
  const __m256i re = channel(le, _mm256_mulhi_epi16(ve, c.rv));
  const __m256i ro = channel(lo, _mm256_mulhi_epi16(vo, c.rv));
  const __m256i ge =
      channel(le, _mm256_add_epi16(_mm256_mulhi_epi16(ue, c.gu), _mm256_mulhi_epi16(ve, c.gv)));
  const __m256i go =
      channel(lo, _mm256_add_epi16(_mm256_mulhi_epi16(uo, c.gu), _mm256_mulhi_epi16(vo, c.gv)));
  const __m256i be = channel(le, _mm256_mulhi_epi16(ue, c.bu));
  const __m256i bo = channel(lo, _mm256_mulhi_epi16(uo, c.bu));
  return {_mm256_packus_epi16(re, ro), _mm256_packus_epi16(ge, go), _mm256_packus_epi16(be, bo)};
}

/// The channel that sits at byte `slot` of a pixel of format `Out`.
template <PixelFormat Out>
FRAMEPIPE_INLINE_AVX2 __m256i at_slot(const Rgb& rgb, int slot) {
  constexpr FormatInfo f = format_info(Out);
  return slot == f.r_index ? rgb.r : (slot == f.g_index ? rgb.g : rgb.b);
}

/// Output vector `part` (0..2) of 16 pixels of a 3-byte format from the channels at byte 0, 1, 2.
template <int Part>
FRAMEPIPE_INLINE_AVX2 __m256i rgb24_part(__m256i s0, __m256i s1, __m256i s2) {
  using unpack_x86_detail::shuffle_rgb24;
  static constexpr auto kM0 = both_lanes(shuffle_rgb24(Part, 0));
  static constexpr auto kM1 = both_lanes(shuffle_rgb24(Part, 1));
  static constexpr auto kM2 = both_lanes(shuffle_rgb24(Part, 2));
  return _mm256_or_si256(
      _mm256_or_si256(_mm256_shuffle_epi8(s0, table32(kM0)), _mm256_shuffle_epi8(s1, table32(kM1))),
      _mm256_shuffle_epi8(s2, table32(kM2)));
}

/// Writes 64 pixels of a 3-byte format: `a` holds pixels [0..15 | 32..47] of them (per 128-bit
/// lane), `b` pixels [16..31 | 48..63].
template <PixelFormat Out>
FRAMEPIPE_INLINE_AVX2 void store24(std::uint8_t* dst, const Rgb& a, const Rgb& b) {
  // Lane L of part k holds output bytes 16 k .. 16 k + 15 of the lane's 16 pixels.
  const __m256i a0 = rgb24_part<0>(at_slot<Out>(a, 0), at_slot<Out>(a, 1), at_slot<Out>(a, 2));
  const __m256i a1 = rgb24_part<1>(at_slot<Out>(a, 0), at_slot<Out>(a, 1), at_slot<Out>(a, 2));
  const __m256i a2 = rgb24_part<2>(at_slot<Out>(a, 0), at_slot<Out>(a, 1), at_slot<Out>(a, 2));
  const __m256i b0 = rgb24_part<0>(at_slot<Out>(b, 0), at_slot<Out>(b, 1), at_slot<Out>(b, 2));
  const __m256i b1 = rgb24_part<1>(at_slot<Out>(b, 0), at_slot<Out>(b, 1), at_slot<Out>(b, 2));
  const __m256i b2 = rgb24_part<2>(at_slot<Out>(b, 0), at_slot<Out>(b, 1), at_slot<Out>(b, 2));
  auto* out = reinterpret_cast<__m256i*>(dst);
  _mm256_storeu_si256(out + 0, _mm256_permute2x128_si256(a0, a1, 0x20));
  _mm256_storeu_si256(out + 1, _mm256_permute2x128_si256(a2, b0, 0x20));
  _mm256_storeu_si256(out + 2, _mm256_permute2x128_si256(b1, b2, 0x20));
  _mm256_storeu_si256(out + 3, _mm256_permute2x128_si256(a0, a1, 0x31));
  _mm256_storeu_si256(out + 4, _mm256_permute2x128_si256(a2, b0, 0x31));
  _mm256_storeu_si256(out + 5, _mm256_permute2x128_si256(b1, b2, 0x31));
}

/// Writes the 16 pixels of each 128-bit lane of `rgb` in a 4-byte format: lane 0 at `lane0`,
/// lane 1 at `lane1`.
template <PixelFormat Out>
FRAMEPIPE_INLINE_AVX2 void store32(std::uint8_t* lane0, std::uint8_t* lane1, const Rgb& rgb) {
  static constexpr auto kOrder = both_lanes(unpack_x86_detail::shuffle_eo_to_pixels());
  const __m256i order = table32(kOrder);
  const __m256i s0 = _mm256_shuffle_epi8(at_slot<Out>(rgb, 0), order);
  const __m256i s1 = _mm256_shuffle_epi8(at_slot<Out>(rgb, 1), order);
  const __m256i s2 = _mm256_shuffle_epi8(at_slot<Out>(rgb, 2), order);
  const __m256i alpha = _mm256_set1_epi8(-1);
  const __m256i a = _mm256_unpacklo_epi8(s0, s1);
  const __m256i b = _mm256_unpackhi_epi8(s0, s1);
  const __m256i c = _mm256_unpacklo_epi8(s2, alpha);
  const __m256i d = _mm256_unpackhi_epi8(s2, alpha);
  // Lane L of q0..q3 holds pixels 16 L + 0..3, 4..7, 8..11, 12..15.
  const __m256i q0 = _mm256_unpacklo_epi16(a, c);
  const __m256i q1 = _mm256_unpackhi_epi16(a, c);
  const __m256i q2 = _mm256_unpacklo_epi16(b, d);
  const __m256i q3 = _mm256_unpackhi_epi16(b, d);
  auto* out0 = reinterpret_cast<__m256i*>(lane0);
  auto* out1 = reinterpret_cast<__m256i*>(lane1);
  _mm256_storeu_si256(out0 + 0, _mm256_permute2x128_si256(q0, q1, 0x20));
  _mm256_storeu_si256(out0 + 1, _mm256_permute2x128_si256(q2, q3, 0x20));
  _mm256_storeu_si256(out1 + 0, _mm256_permute2x128_si256(q0, q1, 0x31));
  _mm256_storeu_si256(out1 + 1, _mm256_permute2x128_si256(q2, q3, 0x31));
}

inline constexpr int kBlock = 64;

/// The pmaddubsw weights of the chroma filter (unpack_x86.hpp), a pair per 16-bit lane.
struct Weights {
  __m256i even_near, even_far, odd_near, odd_far;
};

FRAMEPIPE_INLINE_AVX2 __m256i weight_pair(std::array<std::uint8_t, 2> p) {
  return _mm256_set1_epi16(static_cast<short>(p[0] | (p[1] << 8)));
}

template <ChromaSite Site>
FRAMEPIPE_INLINE_AVX2 Weights pair_weights() {
  constexpr auto w = unpack_x86_detail::pair_weights<Site>();
  return {weight_pair(w.even_near), weight_pair(w.even_far), weight_pair(w.odd_near),
          weight_pair(w.odd_far)};
}

/// The filter of unpack_x86.hpp on the column pairs of a load at `near` and one at `far`: the
/// near pairs weighted by `weight_near`, the far ones by `weight_far`, summed.
FRAMEPIPE_INLINE_AVX2 __m256i filter_pairs(const std::uint8_t* near, const std::uint8_t* far,
                                           __m256i weight_near, __m256i weight_far) {
  const __m256i flip = _mm256_set1_epi8(-128);
  const __m256i n = _mm256_xor_si256(load32(near), flip);
  const __m256i f = _mm256_xor_si256(load32(far), flip);
  return _mm256_add_epi16(_mm256_maddubs_epi16(weight_near, n),
                          _mm256_maddubs_epi16(weight_far, f));
}

/// du (or dv) of the 64 pixels of 32 chroma columns from rows `near` and `far` at column 0 of the
/// block (unpack_x86.hpp's pair filter): `even_a` / `odd_a` of the even / odd pixels of columns
/// [0..7 | 16..23] (per 128-bit lane), `even_b` / `odd_b` of columns [8..15 | 24..31].
template <ChromaSite Site>
FRAMEPIPE_INLINE_AVX2 void chroma64(const std::uint8_t* near, const std::uint8_t* far,
                                    const Weights& w, __m256i& even_a, __m256i& odd_a,
                                    __m256i& even_b, __m256i& odd_b) {
  constexpr int kEven = unpack_x86_detail::kEvenPairAt<Site>;
  // Word j of a load at column `at` is the pair (at + 2 j, at + 2 j + 1).
  const __m256i even_of_even_columns =
      filter_pairs(near + kEven, far + kEven, w.even_near, w.even_far);
  const __m256i even_of_odd_columns =
      filter_pairs(near + kEven + 1, far + kEven + 1, w.even_near, w.even_far);
  const __m256i odd_of_even_columns = filter_pairs(near, far, w.odd_near, w.odd_far);
  const __m256i odd_of_odd_columns = filter_pairs(near + 1, far + 1, w.odd_near, w.odd_far);
  even_a = _mm256_unpacklo_epi16(even_of_even_columns, even_of_odd_columns);
  even_b = _mm256_unpackhi_epi16(even_of_even_columns, even_of_odd_columns);
  odd_a = _mm256_unpacklo_epi16(odd_of_even_columns, odd_of_odd_columns);
  odd_b = _mm256_unpackhi_epi16(odd_of_even_columns, odd_of_odd_columns);
}

/// 16 luma bytes at `low` and 16 at `high` as the two 128-bit lanes of one vector.
FRAMEPIPE_INLINE_AVX2 __m256i load_lanes(const std::uint8_t* low, const std::uint8_t* high) {
  return _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(low))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(high)), 1);
}

/// The wide kernel (unpack_row_any.hpp): `width` is a positive multiple of kBlock. A block is 64
/// pixels; its luma is loaded in the 128-bit lane order the chroma filter leaves (pixels
/// [0..15 | 32..47] and [16..31 | 48..63]), and the stores put the lanes back in place.
template <PixelFormat Out, ChromaSite Site>
FRAMEPIPE_TARGET_AVX2 void unpack_blocks(const std::uint8_t* y, const std::uint8_t* u_near,
                                         const std::uint8_t* u_far, const std::uint8_t* v_near,
                                         const std::uint8_t* v_far, std::uint8_t* dst, int width,
                                         const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  const auto w = pair_weights<Site>();
  for (int x = 0; x < width; x += kBlock) {
    const int i = x / 2;
    __m256i ue_a, uo_a, ue_b, uo_b, ve_a, vo_a, ve_b, vo_b;
    chroma64<Site>(u_near + i, u_far + i, w, ue_a, uo_a, ue_b, uo_b);
    chroma64<Site>(v_near + i, v_far + i, w, ve_a, vo_a, ve_b, vo_b);
    const Rgb a = convert32(load_lanes(y + x, y + x + 32), ue_a, uo_a, ve_a, vo_a, c);
    const Rgb b = convert32(load_lanes(y + x + 16, y + x + 48), ue_b, uo_b, ve_b, vo_b, c);
    std::uint8_t* out = dst + x * kBpp;
    if constexpr (kBpp == 3) {
      store24<Out>(out, a, b);
    } else {
      store32<Out>(out, out + 32 * kBpp, a);
      store32<Out>(out + 16 * kBpp, out + 48 * kBpp, b);
    }
  }
}

/// Columns per block of the NV12 split kernel.
inline constexpr int kSplitBlock = 16;

/// The NV12 split kernel (unpack_row_any.hpp): `columns` is a positive multiple of kSplitBlock.
FRAMEPIPE_TARGET_AVX2 void split_uv(const std::uint8_t* uv, std::uint8_t* u, std::uint8_t* v,
                                    int columns) {
  static constexpr auto kSplit = both_lanes(unpack_x86_detail::shuffle_split_uv());
  const __m256i split = table32(kSplit);
  for (int i = 0; i < columns; i += kSplitBlock) {
    // Per lane 8 U then 8 V bytes; the qword permute gathers the 16 U and the 16 V.
    const __m256i t = _mm256_shuffle_epi8(load32(uv + 2 * i), split);
    const __m256i p = _mm256_permute4x64_epi64(t, 0xD8);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u + i), _mm256_castsi256_si128(p));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(v + i), _mm256_extracti128_si256(p, 1));
  }
}

}  // namespace unpack_avx2_detail

// unpack_row_avx2: unpack_row_any.hpp's wrapper of unpack_blocks and split_uv.
FRAMEPIPE_UNPACK_ROW_ANY(avx2);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_X86
