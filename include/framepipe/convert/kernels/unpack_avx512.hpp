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

/// (S << 4) - 32768 of the even and the odd pixels, S the interpolated chroma sum, from the
/// biased vertical sums (unpack_row_any.hpp's biased_sum: the weights add up to 4).
template <ChromaSite Site>
FRAMEPIPE_INLINE_AVX512 void chroma(const std::uint16_t* v, __m512i& even, __m512i& odd) {
  const __m512i mid = load64(v);
  const __m512i right = load64(v + 1);
  if constexpr (Site == ChromaSite::Center) {
    const __m512i mid3 = _mm512_add_epi16(_mm512_add_epi16(mid, mid), mid);
    even = _mm512_add_epi16(mid3, load64(v - 1));
    odd = _mm512_add_epi16(mid3, right);
  } else {
    even = _mm512_slli_epi16(mid, 2);
    odd = _mm512_slli_epi16(_mm512_add_epi16(mid, right), 1);
  }
}

FRAMEPIPE_INLINE_AVX512 __m512i channel(__m512i l, __m512i term) {
  return _mm512_srai_epi16(_mm512_add_epi16(l, term), 5);
}

/// The 64 pixels of a block starting at luma `y`, with the du and dv of their even and odd
/// pixels.
FRAMEPIPE_INLINE_AVX512 Rgb convert64_from(const std::uint8_t* y, __m512i ue, __m512i uo,
                                           __m512i ve, __m512i vo, const Consts& c) {
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

/// The 64 pixels of a block starting at luma `y` and chroma sums `vu`, `vv`.
template <ChromaSite Site>
FRAMEPIPE_INLINE_AVX512 Rgb convert64(const std::uint8_t* y, const std::uint16_t* vu,
                                      const std::uint16_t* vv, const Consts& c) {
  __m512i ue, uo, ve, vo;
  chroma<Site>(vu, ue, uo);
  chroma<Site>(vv, ve, vo);
  return convert64_from(y, ue, uo, ve, vo, c);
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

inline constexpr int kBlock = 64;

/// Columns per block of the vertical-sum kernel.
inline constexpr int kSumBlock = 32;

/// biased_sum (unpack_row_any.hpp), per 16-bit lane.
FRAMEPIPE_INLINE_AVX512 __m512i vertical_sum(__m512i near, __m512i far) {
  const __m512i sum = _mm512_add_epi16(_mm512_add_epi16(_mm512_add_epi16(near, near), near), far);
  return _mm512_sub_epi16(_mm512_slli_epi16(sum, 4), _mm512_set1_epi16(8192));
}

/// 32 bytes widened to 16-bit lanes.
FRAMEPIPE_INLINE_AVX512 __m512i widen(const std::uint8_t* p) {
  return _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

/// The vertical-sum kernel (unpack_row_any.hpp): `columns` is a positive multiple of kSumBlock.
template <bool Nv12>
FRAMEPIPE_TARGET_AVX512 void vertical_sums(const std::uint8_t* u_near, const std::uint8_t* u_far,
                                           const std::uint8_t* v_near, const std::uint8_t* v_far,
                                           std::uint16_t* vu, std::uint16_t* vv, int columns) {
  for (int i = 0; i < columns; i += 32) {
    __m512i u, v;
    if constexpr (Nv12) {
      const __m512i n = _mm512_loadu_si512(u_near + 2 * i);
      const __m512i f = _mm512_loadu_si512(u_far + 2 * i);
      const __m512i low = _mm512_set1_epi16(0xFF);
      u = vertical_sum(_mm512_and_si512(n, low), _mm512_and_si512(f, low));
      v = vertical_sum(_mm512_srli_epi16(n, 8), _mm512_srli_epi16(f, 8));
    } else {
      u = vertical_sum(widen(u_near + i), widen(u_far + i));
      v = vertical_sum(widen(v_near + i), widen(v_far + i));
    }
    _mm512_storeu_si512(vu + i, u);
    _mm512_storeu_si512(vv + i, v);
  }
}

/// The wide kernel (unpack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat Out, ChromaSite Site>
FRAMEPIPE_TARGET_AVX512 void unpack_blocks(const std::uint8_t* y, const std::uint16_t* vu,
                                           const std::uint16_t* vv, std::uint8_t* dst, int width,
                                           const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    const Rgb rgb = convert64<Site>(y + x, vu + x / 2, vv + x / 2, c);
    store<Out>(dst + x * kBpp, rgb);
  }
}

/// du and dv, (C << 8) - 32768, of the 32 chroma columns at `u`, `v` (ChromaFilter::Replicate:
/// S = 16 C); for NV12 `u` is the interleaved row, whose 16-bit words are U | V << 8.
template <bool Nv12>
FRAMEPIPE_INLINE_AVX512 void replicated_chroma(const std::uint8_t* u, const std::uint8_t* v,
                                               __m512i& du, __m512i& dv) {
  const __m512i bias = _mm512_set1_epi16(-32768);
  if constexpr (Nv12) {
    const __m512i uv = load64(u);
    du = _mm512_xor_si512(_mm512_slli_epi16(uv, 8), bias);
    dv =
        _mm512_xor_si512(_mm512_and_si512(uv, _mm512_set1_epi16(static_cast<short>(0xFF00))), bias);
  } else {
    du = _mm512_xor_si512(_mm512_slli_epi16(widen(u), 8), bias);
    dv = _mm512_xor_si512(_mm512_slli_epi16(widen(v), 8), bias);
  }
}

/// The wide ChromaFilter::Replicate kernel (unpack_row_any.hpp): `width` is a positive multiple
/// of kBlock. The even and the odd pixel of a column share du and dv, so each chroma product is
/// formed once for both.
template <bool Nv12, PixelFormat Out>
FRAMEPIPE_TARGET_AVX512 void unpack_replicate_blocks(const std::uint8_t* y, const std::uint8_t* u,
                                                     const std::uint8_t* v, std::uint8_t* dst,
                                                     int width, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const Consts c = make_consts(k);
  for (int x = 0; x < width; x += kBlock) {
    __m512i du, dv;
    replicated_chroma<Nv12>(u + (Nv12 ? x : x / 2), v + x / 2, du, dv);
    const Rgb rgb = convert64_from(y + x, du, du, dv, dv, c);
    store<Out>(dst + x * kBpp, rgb);
  }
}

}  // namespace unpack_avx512_detail

// unpack_row_avx512: unpack_row_any.hpp's wrapper of unpack_blocks and vertical_sums.
// unpack_row_replicate_avx512: unpack_row_any.hpp's wrapper of unpack_replicate_blocks.
FRAMEPIPE_UNPACK_ROW_REPLICATE_ANY(avx512);

FRAMEPIPE_UNPACK_ROW_ANY(avx512);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

FRAMEPIPE_AVX512_WARNINGS_END

#endif  // FRAMEPIPE_KERNELS_X86
