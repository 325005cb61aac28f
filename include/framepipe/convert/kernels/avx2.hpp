// AVX2 row kernels: pack_i420_rows_avx2 and pack_nv12_rows_avx2, byte-identical to the scalar
// kernels in scalar.hpp.
//
// The SSE4.1 kernel (sse4.hpp, which explains the arithmetic) run on two 128-bit lanes at once.
// vpshufb cannot cross lanes, so each 256-bit "group" holds 8 pixels per lane, and the two groups
// of a 32-pixel step interleave by 8: group a holds pixels 0..7 | 16..23, group b 8..15 | 24..31.
// Then the luma pickers and the chroma pairing never cross a lane either, and only I420's
// U/V split needs one vpermq. Rows of 32 pixels or more end with an overlapping step; shorter
// rows go to the SSE4.1 kernel, an odd last column to the scalar one.
#pragma once

#include <cstdint>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/scalar.hpp"
#include "framepipe/convert/kernels/sse4.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/pixel_format.hpp"

#if FRAMEPIPE_KERNELS_X86

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace avx2_detail {

struct Consts {
  __m256i yb, yg, yr, yoff;
  __m256i ub, ug, ur, vb, vg, vr, uvoff;
};

struct Tables {
  __m256i b0, b1, g0, g1, r0, r1;
  __m256i luma_a, luma_b, interleave;
};

/// One channel per member, as X << 8 in [E|O] lanes (8 pixels per 128-bit lane).
struct Channels {
  __m256i b, g, r;
};

/// Two 16-byte loads into the low and high lane.
FRAMEPIPE_INLINE_AVX2 __m256i load2x16(const std::uint8_t* lo, const std::uint8_t* hi) {
  const __m128i l = _mm_loadu_si128(reinterpret_cast<const __m128i*>(lo));
  const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(hi));
  return _mm256_inserti128_si256(_mm256_castsi128_si256(l), h, 1);
}

FRAMEPIPE_INLINE_AVX2 __m256i table16x2(const std::array<std::uint8_t, 16>& t) {
  return load2x16(t.data(), t.data());
}

FRAMEPIPE_INLINE_AVX2 __m256i splat(int value) {
  return _mm256_set1_epi16(static_cast<short>(value));
}

FRAMEPIPE_INLINE_AVX2 Consts make_consts(const PackCoefficients& k) {
  return {splat(k.y_b), splat(k.y_g), splat(k.y_r),      splat(k.y_offset),
          splat(k.u_b), splat(k.u_g), splat(k.u_r),      splat(k.v_b),
          splat(k.v_g), splat(k.v_r), splat(k.uv_offset)};
}

template <PixelFormat In>
FRAMEPIPE_INLINE_AVX2 Tables make_tables() {
  constexpr FormatInfo f = format_info(In);
  constexpr detail::ShuffleGather16 kB = detail::shuffle_gather16(f.pixel_bytes, f.b_index);
  constexpr detail::ShuffleGather16 kG = detail::shuffle_gather16(f.pixel_bytes, f.g_index);
  constexpr detail::ShuffleGather16 kR = detail::shuffle_gather16(f.pixel_bytes, f.r_index);
  constexpr std::array<std::uint8_t, 16> kLumaA = detail::shuffle_luma16(0);
  constexpr std::array<std::uint8_t, 16> kLumaB = detail::shuffle_luma16(8);
  constexpr std::array<std::uint8_t, 16> kInterleave = detail::shuffle_interleave16();
  return {table16x2(kB.first),  table16x2(kB.second), table16x2(kG.first),
          table16x2(kG.second), table16x2(kR.first),  table16x2(kR.second),
          table16x2(kLumaA),    table16x2(kLumaB),    table16x2(kInterleave)};
}

/// Gathers pixels 0..7 and 16..23 counted from `p` (reads only bytes of those pixels).
template <int Bpp>
FRAMEPIPE_INLINE_AVX2 Channels gather(const std::uint8_t* p, const Tables& t) {
  const __m256i first = load2x16(p, p + 16 * Bpp);
  const __m256i second = load2x16(p + 8 * Bpp - 16, p + 24 * Bpp - 16);
  return {_mm256_or_si256(_mm256_shuffle_epi8(first, t.b0), _mm256_shuffle_epi8(second, t.b1)),
          _mm256_or_si256(_mm256_shuffle_epi8(first, t.g0), _mm256_shuffle_epi8(second, t.g1)),
          _mm256_or_si256(_mm256_shuffle_epi8(first, t.r0), _mm256_shuffle_epi8(second, t.r1))};
}

FRAMEPIPE_INLINE_AVX2 __m256i luma(const Channels& c, const Consts& k) {
  const __m256i bg = _mm256_add_epi16(_mm256_mulhi_epu16(c.b, k.yb), _mm256_mulhi_epu16(c.g, k.yg));
  return _mm256_add_epi16(_mm256_add_epi16(bg, _mm256_mulhi_epu16(c.r, k.yr)), k.yoff);
}

FRAMEPIPE_INLINE_AVX2 __m256i chroma_sum(__m256i a0, __m256i a1, __m256i b0, __m256i b1) {
  const __m256i va = _mm256_avg_epu16(a0, a1);
  const __m256i vb = _mm256_avg_epu16(b0, b1);
  const __m256i s6 = _mm256_avg_epu16(_mm256_unpacklo_epi64(va, vb), _mm256_unpackhi_epi64(va, vb));
  return _mm256_srli_epi16(s6, 1);
}

FRAMEPIPE_INLINE_AVX2 __m256i chroma(__m256i sb, __m256i sg, __m256i sr, __m256i cb, __m256i cg,
                                     __m256i cr, __m256i offset) {
  const __m256i bg = _mm256_add_epi16(_mm256_mulhi_epi16(sb, cb), _mm256_mulhi_epi16(sg, cg));
  const __m256i sum = _mm256_add_epi16(_mm256_add_epi16(bg, _mm256_mulhi_epi16(sr, cr)), offset);
  return _mm256_srai_epi16(sum, 6);
}

FRAMEPIPE_INLINE_AVX2 void store_luma(std::uint8_t* y, __m256i ya, __m256i yb, const Tables& t) {
  const __m256i out =
      _mm256_or_si256(_mm256_shuffle_epi8(ya, t.luma_a), _mm256_shuffle_epi8(yb, t.luma_b));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), out);
}

/// 32 pixels of both rows starting at pixel `x` (even): 32 + 32 luma, 16 chroma samples.
template <int Bpp, bool Nv12>
FRAMEPIPE_INLINE_AVX2 void step32(const std::uint8_t* src0, const std::uint8_t* src1,
                                  std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                  std::uint8_t* v, int x, const Consts& k, const Tables& t) {
  const std::uint8_t* s0 = src0 + x * Bpp;
  const std::uint8_t* s1 = src1 + x * Bpp;
  const Channels a0 = gather<Bpp>(s0, t);
  const Channels b0 = gather<Bpp>(s0 + 8 * Bpp, t);
  const Channels a1 = gather<Bpp>(s1, t);
  const Channels b1 = gather<Bpp>(s1 + 8 * Bpp, t);
  store_luma(y0 + x, luma(a0, k), luma(b0, k), t);
  store_luma(y1 + x, luma(a1, k), luma(b1, k), t);

  const __m256i sb = chroma_sum(a0.b, a1.b, b0.b, b1.b);
  const __m256i sg = chroma_sum(a0.g, a1.g, b0.g, b1.g);
  const __m256i sr = chroma_sum(a0.r, a1.r, b0.r, b1.r);
  const __m256i cu = chroma(sb, sg, sr, k.ub, k.ug, k.ur, k.uvoff);
  const __m256i cv = chroma(sb, sg, sr, k.vb, k.vg, k.vr, k.uvoff);
  const __m256i uv = _mm256_packus_epi16(cu, cv);  // U0..7 V0..7 | U8..15 V8..15
  const int cx = x / 2;
  if constexpr (Nv12) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(u + 2 * cx),
                        _mm256_shuffle_epi8(uv, t.interleave));
  } else {
    const __m256i planar = _mm256_permute4x64_epi64(uv, 0xD8);  // U0..15 | V0..15
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u + cx), _mm256_castsi256_si128(planar));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(v + cx), _mm256_extracti128_si256(planar, 1));
  }
}

template <PixelFormat In, bool Nv12>
FRAMEPIPE_INLINE_AVX2 void pack_rows(const std::uint8_t* src0, const std::uint8_t* src1,
                                     std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                     std::uint8_t* v, int width, const PackCoefficients& k) {
  constexpr int kBpp = format_info(In).pixel_bytes;
  constexpr int kChromaStep = Nv12 ? 2 : 1;
  constexpr int kStep = 32;
  if (width < kStep) {
    sse4_detail::pack_rows<In, Nv12>(src0, src1, y0, y1, u, v, width, k);
    return;
  }
  const Consts consts = make_consts(k);
  const Tables tables = make_tables<In>();
  const int even = width & ~1;
  int x = 0;
  for (; x <= even - kStep; x += kStep) {
    step32<kBpp, Nv12>(src0, src1, y0, y1, u, v, x, consts, tables);
  }
  if (x < even) step32<kBpp, Nv12>(src0, src1, y0, y1, u, v, even - kStep, consts, tables);
  if (even != width) {
    const int c = even / 2 * kChromaStep;
    detail::pack_rows_scalar<In, kChromaStep>(src0 + even * kBpp, src1 + even * kBpp, y0 + even,
                                              y1 + even, u + c, v + c, 1, k);
  }
}

}  // namespace avx2_detail

/// AVX2 twin of pack_i420_rows_scalar (same contract, same bytes).
template <PixelFormat In>
FRAMEPIPE_TARGET_AVX2 void pack_i420_rows_avx2(const std::uint8_t* src0, const std::uint8_t* src1,
                                               std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                               std::uint8_t* v, int width,
                                               const PackCoefficients& k) {
  avx2_detail::pack_rows<In, false>(src0, src1, y0, y1, u, v, width, k);
}

/// AVX2 twin of pack_nv12_rows_scalar: `u` is the interleaved UV row (`v` == `u + 1`).
template <PixelFormat In>
FRAMEPIPE_TARGET_AVX2 void pack_nv12_rows_avx2(const std::uint8_t* src0, const std::uint8_t* src1,
                                               std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                               std::uint8_t* v, int width,
                                               const PackCoefficients& k) {
  avx2_detail::pack_rows<In, true>(src0, src1, y0, y1, u, v, width, k);
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_X86
