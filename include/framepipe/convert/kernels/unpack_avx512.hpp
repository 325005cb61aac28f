// SSE4.1 unpack kernels: unpack_row_avx512, byte-identical to unpack_row_scalar.
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

FRAMEPIPE_AVX512_WARNINGS_BEGIN  // GCC bug 105593: x86.hpp

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace unpack_avx512_detail {

/// Byte position of pixel `p` (0..63) after packuswb of 32 even and 32 odd lanes: each 128-bit
/// lane holds 16 consecutive pixels in [E|O] order.
constexpr int eo_position64(int p) {
  return 16 * (p / 16) + unpack_x86_detail::eo_position(p % 16);
}

/// Indices and masks that build output vector `part` (64 bytes) of a `bpp`-byte format from the
/// three channels in [E|O] order: `from01` for vpermt2b over the channels at bytes 0 and 1 of a
/// pixel (64 + position for byte 1), `from2` with `mask2` for the channel at byte 2, and
/// `mask_alpha` the alpha bytes.
struct PixelPermute {
  std::array<std::uint8_t, 64> from01{};
  std::array<std::uint8_t, 64> from2{};
  __mmask64 mask2 = 0;
  __mmask64 mask_alpha = 0;
};

constexpr PixelPermute pixel_permute(int bpp, int part) {
  PixelPermute t;
  for (int j = 0; j < 64; ++j) {
    const int o = 64 * part + j;
    const int slot = o % bpp;
    const int at = eo_position64(o / bpp);
    const auto bit = __mmask64{1} << j;
    if (slot == 0) {
      t.from01[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(at);
    } else if (slot == 1) {
      t.from01[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(64 + at);
    } else if (slot == 2) {
      t.from2[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(at);
      t.mask2 |= bit;
    } else {
      t.mask_alpha |= bit;
    }
  }
  return t;
}

struct Consts {
  __m512i yk, yoff, rv, gu, gv, bu, high;
};

/// One channel per member, clamped bytes in [E|O] order (8 even pixels, then 8 odd).
struct Rgb {
  __m512i r, g, b;
};

FRAMEPIPE_INLINE_AVX512 __m512i splat(int value) {
  return _mm512_set1_epi16(static_cast<short>(value));
}

FRAMEPIPE_INLINE_AVX512 __m512i load64(const void* p) { return _mm512_loadu_si512(p); }

FRAMEPIPE_INLINE_AVX512 __m512i table64(const std::array<std::uint8_t, 64>& t) {
  return _mm512_loadu_si512(t.data());
}

FRAMEPIPE_INLINE_AVX512 Consts make_consts(const UnpackCoefficients& k) {
  return {splat(k.y_k), splat(k.y_offset), splat(k.r_v), splat(k.g_u),
          splat(k.g_v), splat(k.b_u),      splat(0xFF00)};
}

FRAMEPIPE_INLINE_AVX512 __m512i channel(__m512i l, __m512i term) {
  return _mm512_srai_epi16(_mm512_add_epi16(l, term), 5);
}

/// The 64 pixels of a block starting at luma `y`, with the du and dv of their even and odd pixels.
FRAMEPIPE_INLINE_AVX512 Rgb convert64(const std::uint8_t* y, __m512i ue, __m512i uo, __m512i ve,
                                      __m512i vo, const Consts& c) {
  const __m512i y16 = load64(y);
  const __m512i le = _mm512_add_epi16(_mm512_mulhi_epu16(_mm512_slli_epi16(y16, 8), c.yk), c.yoff);
  const __m512i lo =
      _mm512_add_epi16(_mm512_mulhi_epu16(_mm512_and_si512(y16, c.high), c.yk), c.yoff);
  const __m512i re = channel(le, _mm512_mulhi_epi16(ve, c.rv));
  const __m512i ro = channel(lo, _mm512_mulhi_epi16(vo, c.rv));
  const __m512i ge =
      channel(le, _mm512_add_epi16(_mm512_mulhi_epi16(ue, c.gu), _mm512_mulhi_epi16(ve, c.gv)));
  const __m512i go =
      channel(lo, _mm512_add_epi16(_mm512_mulhi_epi16(uo, c.gu), _mm512_mulhi_epi16(vo, c.gv)));
  const __m512i be = channel(le, _mm512_mulhi_epi16(ue, c.bu));
  const __m512i bo = channel(lo, _mm512_mulhi_epi16(uo, c.bu));
  return {_mm512_packus_epi16(re, ro), _mm512_packus_epi16(ge, go), _mm512_packus_epi16(be, bo)};
}

/// The channel that sits at byte `slot` of a pixel of format `Out`.
template <PixelFormat Out>
FRAMEPIPE_INLINE_AVX512 __m512i at_slot(const Rgb& rgb, int slot) {
  constexpr FormatInfo f = format_info(Out);
  return slot == f.r_index ? rgb.r : (slot == f.g_index ? rgb.g : rgb.b);
}

/// Output vector `Part` of 64 bytes: one vpermt2b from the channels at bytes 0 and 1 of a pixel,
/// one masked vpermb from the channel at byte 2, and for 4-byte formats alpha = 255.
template <int Bpp, int Part>
FRAMEPIPE_INLINE_AVX512 __m512i pixels_part(__m512i s0, __m512i s1, __m512i s2) {
  static constexpr PixelPermute kP = pixel_permute(Bpp, Part);
  const __m512i t = _mm512_permutex2var_epi8(s0, table64(kP.from01), s1);
  const __m512i u = _mm512_mask_permutexvar_epi8(t, kP.mask2, table64(kP.from2), s2);
  if constexpr (Bpp == 4) return _mm512_mask_mov_epi8(u, kP.mask_alpha, _mm512_set1_epi8(-1));
  return u;
}

template <PixelFormat Out>
FRAMEPIPE_INLINE_AVX512 void store(std::uint8_t* dst, const Rgb& rgb) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const __m512i s0 = at_slot<Out>(rgb, 0);
  const __m512i s1 = at_slot<Out>(rgb, 1);
  const __m512i s2 = at_slot<Out>(rgb, 2);
  _mm512_storeu_si512(dst, pixels_part<kBpp, 0>(s0, s1, s2));
  _mm512_storeu_si512(dst + 64, pixels_part<kBpp, 1>(s0, s1, s2));
  _mm512_storeu_si512(dst + 128, pixels_part<kBpp, 2>(s0, s1, s2));
  if constexpr (kBpp == 4) _mm512_storeu_si512(dst + 192, pixels_part<kBpp, 3>(s0, s1, s2));
}

inline constexpr int kBlock = 128;

/// vpermt2w indices that interleave the words of the even-column and the odd-column results
/// (operands 1 and 2) back into column order: columns 32 `half` .. 32 `half` + 31.
constexpr std::array<std::uint16_t, 32> interleave_columns(int half) {
  std::array<std::uint16_t, 32> t{};
  for (int j = 0; j < 32; ++j) {
    const int column = 32 * half + j;
    t[static_cast<std::size_t>(j)] = static_cast<std::uint16_t>(32 * (column % 2) + column / 2);
  }
  return t;
}

/// The pmaddubsw weights of the chroma filter (unpack_x86.hpp), a pair per 16-bit lane.
struct Weights {
  __m512i even_near, even_far, odd_near, odd_far;
};

FRAMEPIPE_INLINE_AVX512 __m512i weight_pair(std::array<std::uint8_t, 2> p) {
  return _mm512_set1_epi16(static_cast<short>(p[0] | (p[1] << 8)));
}

template <ChromaSite Site>
FRAMEPIPE_INLINE_AVX512 Weights pair_weights() {
  constexpr auto w = unpack_x86_detail::pair_weights<Site>();
  return {weight_pair(w.even_near), weight_pair(w.even_far), weight_pair(w.odd_near),
          weight_pair(w.odd_far)};
}

/// The filter of unpack_x86.hpp on the column pairs of a load at `near` and one at `far`: the
/// near pairs weighted by `weight_near`, the far ones by `weight_far`, summed.
FRAMEPIPE_INLINE_AVX512 __m512i filter_pairs(const std::uint8_t* near, const std::uint8_t* far,
                                             __m512i weight_near, __m512i weight_far) {
  const __m512i flip = _mm512_set1_epi8(-128);
  const __m512i n = _mm512_xor_si512(load64(near), flip);
  const __m512i f = _mm512_xor_si512(load64(far), flip);
  return _mm512_add_epi16(_mm512_maddubs_epi16(weight_near, n),
                          _mm512_maddubs_epi16(weight_far, f));
}

/// du (or dv) of the 128 pixels of 64 chroma columns from rows `near` and `far` at column 0 of the
/// block (unpack_x86.hpp's pair filter), in column order: `even_a` / `odd_a` of the even / odd
/// pixels of columns 0..31, `even_b` / `odd_b` of columns 32..63.
template <ChromaSite Site>
FRAMEPIPE_INLINE_AVX512 void chroma128(const std::uint8_t* near, const std::uint8_t* far,
                                       const Weights& w, __m512i& even_a, __m512i& odd_a,
                                       __m512i& even_b, __m512i& odd_b) {
  static constexpr auto kFirst = interleave_columns(0);
  static constexpr auto kSecond = interleave_columns(1);
  constexpr int kEven = unpack_x86_detail::kEvenPairAt<Site>;
  // Word j of a load at column `at` is the pair (at + 2 j, at + 2 j + 1).
  const __m512i even_of_even_columns =
      filter_pairs(near + kEven, far + kEven, w.even_near, w.even_far);
  const __m512i even_of_odd_columns =
      filter_pairs(near + kEven + 1, far + kEven + 1, w.even_near, w.even_far);
  const __m512i odd_of_even_columns = filter_pairs(near, far, w.odd_near, w.odd_far);
  const __m512i odd_of_odd_columns = filter_pairs(near + 1, far + 1, w.odd_near, w.odd_far);
  const __m512i first = _mm512_loadu_si512(kFirst.data());
  const __m512i second = _mm512_loadu_si512(kSecond.data());
  even_a = _mm512_permutex2var_epi16(even_of_even_columns, first, even_of_odd_columns);
  even_b = _mm512_permutex2var_epi16(even_of_even_columns, second, even_of_odd_columns);
  odd_a = _mm512_permutex2var_epi16(odd_of_even_columns, first, odd_of_odd_columns);
  odd_b = _mm512_permutex2var_epi16(odd_of_even_columns, second, odd_of_odd_columns);
}

/// The wide kernel (unpack_row_any.hpp): `width` is a positive multiple of kBlock (two 64-pixel
/// halves per chroma filter step).
template <PixelFormat Out, ChromaSite Site>
FRAMEPIPE_TARGET_AVX512 void unpack_blocks(const std::uint8_t* y, const std::uint8_t* u_near,
                                           const std::uint8_t* u_far, const std::uint8_t* v_near,
                                           const std::uint8_t* v_far, std::uint8_t* dst, int width,
                                           const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  const auto w = pair_weights<Site>();
  for (int x = 0; x < width; x += kBlock) {
    const int i = x / 2;
    __m512i ue_a, uo_a, ue_b, uo_b, ve_a, vo_a, ve_b, vo_b;
    chroma128<Site>(u_near + i, u_far + i, w, ue_a, uo_a, ue_b, uo_b);
    chroma128<Site>(v_near + i, v_far + i, w, ve_a, vo_a, ve_b, vo_b);
    store<Out>(dst + x * kBpp, convert64(y + x, ue_a, uo_a, ve_a, vo_a, c));
    store<Out>(dst + (x + 64) * kBpp, convert64(y + x + 64, ue_b, uo_b, ve_b, vo_b, c));
  }
}

/// Columns per block of the NV12 split kernel.
inline constexpr int kSplitBlock = 32;

/// vpermb indices that split 32 interleaved NV12 columns into 32 U then 32 V bytes.
constexpr std::array<std::uint8_t, 64> split_uv_indices() {
  std::array<std::uint8_t, 64> t{};
  for (int j = 0; j < 32; ++j) {
    t[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(2 * j);
    t[static_cast<std::size_t>(32 + j)] = static_cast<std::uint8_t>(2 * j + 1);
  }
  return t;
}

/// The NV12 split kernel (unpack_row_any.hpp): `columns` is a positive multiple of kSplitBlock.
FRAMEPIPE_TARGET_AVX512 void split_uv(const std::uint8_t* uv, std::uint8_t* u, std::uint8_t* v,
                                      int columns) {
  static constexpr auto kSplit = split_uv_indices();
  const __m512i split = table64(kSplit);
  for (int i = 0; i < columns; i += kSplitBlock) {
    const __m512i p = _mm512_permutexvar_epi8(split, load64(uv + 2 * i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(u + i), _mm512_castsi512_si256(p));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(v + i), _mm512_extracti64x4_epi64(p, 1));
  }
}

}  // namespace unpack_avx512_detail

// unpack_row_avx512: unpack_row_any.hpp's wrapper of unpack_blocks and split_uv.
FRAMEPIPE_UNPACK_ROW_ANY(avx512);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

FRAMEPIPE_AVX512_WARNINGS_END

#endif  // FRAMEPIPE_KERNELS_X86
