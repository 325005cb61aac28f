// SSE4.1 row kernels (they use SSSE3's pshufb and SSE2 arithmetic): pack_i420_rows_sse4 and
// pack_nv12_rows_sse4, byte-identical to the scalar kernels in pack_scalar.hpp.
//
// Per 16 pixels of each of the two rows: four 16-byte loads, then for each channel two pshufb +
// por per 8 pixels give the channel as X << 8 in 16-bit lanes (even pixels first, then odd — see
// x86.hpp). Luma is coefficients.hpp's formula as written: 3 pmulhuw + 3 paddw, and the result is
// the high byte of each lane (the sum never exceeds 65408, so no clamp is needed), picked back
// into pixel order by one pshufb per 8 pixels. Chroma: pavgw of the two rows' lanes is
// (X0 + X1) << 7 exactly (both operands are multiples of 256, so pavgw's +1 never rounds), pavgw
// of the even and odd halves is S << 6 exactly, one psrlw makes S << 5; then 3 pmulhw + 3 paddw
// + psraw per plane, and packuswb clamps to 0..255 exactly as the scalar kernel does.
// The block is 16 pixels; pack_row_any.hpp's pack_rows_any runs the last partial block (and an odd
// last column) on a padded copy.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/pack_row_any.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/pixel_format.hpp"

#if FRAMEPIPE_KERNELS_X86

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace pack_sse4_detail {

// --- Tables: eo_pixel and the [E|O] lane order are explained in x86.hpp ---------------------

using x86_detail::eo_pixel;

/// pshufb controls that gather channel byte `channel` of 8 pixels of `bpp` bytes into eight
/// [E|O] 16-bit lanes, from two 16-byte loads: `first` at the group's first byte and `second` at
/// byte 8 * bpp - 16 (so the loads never pass the group's last byte). 0x80 zeroes a byte.
struct ShuffleGather16 {
  std::array<std::uint8_t, 16> first{};
  std::array<std::uint8_t, 16> second{};
};

constexpr ShuffleGather16 shuffle_gather16(int bpp, int channel) {
  ShuffleGather16 g;
  const int second_at = 8 * bpp - 16;
  for (int lane = 0; lane < 8; ++lane) {
    const int pos = eo_pixel(lane, 8) * bpp + channel;
    const auto lo = static_cast<std::size_t>(2 * lane);
    g.first[lo] = g.second[lo] = 0x80;
    if (pos < 16) {
      g.first[lo + 1] = static_cast<std::uint8_t>(pos);
      g.second[lo + 1] = 0x80;
    } else {
      g.first[lo + 1] = 0x80;
      g.second[lo + 1] = static_cast<std::uint8_t>(pos - second_at);
    }
  }
  return g;
}

/// pshufb control that moves the high bytes of eight [E|O] lanes into pixel order, at bytes
/// `at`..`at + 7` of the result (0x80 elsewhere).
constexpr std::array<std::uint8_t, 16> shuffle_luma16(int at) {
  std::array<std::uint8_t, 16> m{};
  for (auto& b : m) b = 0x80;
  for (int lane = 0; lane < 8; ++lane) {
    m[static_cast<std::size_t>(at + eo_pixel(lane, 8))] = static_cast<std::uint8_t>(2 * lane + 1);
  }
  return m;
}

/// pshufb control that interleaves bytes 0..7 (U) with bytes 8..15 (V): U0 V0 U1 V1 ...
constexpr std::array<std::uint8_t, 16> shuffle_interleave16() {
  std::array<std::uint8_t, 16> m{};
  for (int i = 0; i < 8; ++i) {
    m[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(i);
    m[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(8 + i);
  }
  return m;
}

// --- Kernel ----------------------------------------------------------------------------------

struct Consts {
  __m128i yb, yg, yr, yoff;
  __m128i ub, ug, ur, vb, vg, vr, uvoff;
};

/// pshufb controls: channel gathers (from the first and second load of a group), luma pickers for
/// the first and second group of a step, and the U/V interleave for NV12.
struct Tables {
  __m128i b0, b1, g0, g1, r0, r1;
  __m128i luma_a, luma_b, interleave;
};

/// One channel per member, as X << 8 in eight [E|O] lanes.
struct Channels {
  __m128i b, g, r;
};

FRAMEPIPE_INLINE_SSE4 __m128i load16(const std::uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

FRAMEPIPE_INLINE_SSE4 __m128i table16(const std::array<std::uint8_t, 16>& t) {
  return load16(t.data());
}

FRAMEPIPE_INLINE_SSE4 __m128i splat(int value) { return _mm_set1_epi16(static_cast<short>(value)); }

FRAMEPIPE_INLINE_SSE4 Consts make_consts(const PackCoefficients& k) {
  return {splat(k.y_b), splat(k.y_g), splat(k.y_r),      splat(k.y_offset),
          splat(k.u_b), splat(k.u_g), splat(k.u_r),      splat(k.v_b),
          splat(k.v_g), splat(k.v_r), splat(k.uv_offset)};
}

template <PixelFormat In>
FRAMEPIPE_INLINE_SSE4 Tables make_tables() {
  constexpr FormatInfo f = format_info(In);
  constexpr ShuffleGather16 kB = shuffle_gather16(f.pixel_bytes, f.b_index);
  constexpr ShuffleGather16 kG = shuffle_gather16(f.pixel_bytes, f.g_index);
  constexpr ShuffleGather16 kR = shuffle_gather16(f.pixel_bytes, f.r_index);
  constexpr std::array<std::uint8_t, 16> kLumaA = shuffle_luma16(0);
  constexpr std::array<std::uint8_t, 16> kLumaB = shuffle_luma16(8);
  constexpr std::array<std::uint8_t, 16> kInterleave = shuffle_interleave16();
  return {table16(kB.first),  table16(kB.second), table16(kG.first),
          table16(kG.second), table16(kR.first),  table16(kR.second),
          table16(kLumaA),    table16(kLumaB),    table16(kInterleave)};
}

/// Gathers 8 pixels starting at `p` (reads exactly bytes p .. p + 8 * Bpp - 1).
template <int Bpp>
FRAMEPIPE_INLINE_SSE4 Channels gather8(const std::uint8_t* p, const Tables& t) {
  const __m128i first = load16(p);
  const __m128i second = load16(p + 8 * Bpp - 16);
  return {_mm_or_si128(_mm_shuffle_epi8(first, t.b0), _mm_shuffle_epi8(second, t.b1)),
          _mm_or_si128(_mm_shuffle_epi8(first, t.g0), _mm_shuffle_epi8(second, t.g1)),
          _mm_or_si128(_mm_shuffle_epi8(first, t.r0), _mm_shuffle_epi8(second, t.r1))};
}

/// Y' << 8 plus the rounding bits, per lane; the high byte is the luma sample.
FRAMEPIPE_INLINE_SSE4 __m128i luma(const Channels& c, const Consts& k) {
  const __m128i bg = _mm_add_epi16(_mm_mulhi_epu16(c.b, k.yb), _mm_mulhi_epu16(c.g, k.yg));
  return _mm_add_epi16(_mm_add_epi16(bg, _mm_mulhi_epu16(c.r, k.yr)), k.yoff);
}

/// S << 5 for 8 chroma samples from one channel's pavgw of the two rows in groups a and b.
FRAMEPIPE_INLINE_SSE4 __m128i chroma_sum(__m128i va, __m128i vb) {
  const __m128i s6 = _mm_avg_epu16(_mm_unpacklo_epi64(va, vb), _mm_unpackhi_epi64(va, vb));
  return _mm_srli_epi16(s6, 1);
}

/// One chroma plane as signed 16-bit lanes (packuswb clamps them).
FRAMEPIPE_INLINE_SSE4 __m128i chroma(__m128i sb, __m128i sg, __m128i sr, __m128i cb, __m128i cg,
                                     __m128i cr, __m128i offset) {
  const __m128i bg = _mm_add_epi16(_mm_mulhi_epi16(sb, cb), _mm_mulhi_epi16(sg, cg));
  const __m128i sum = _mm_add_epi16(_mm_add_epi16(bg, _mm_mulhi_epi16(sr, cr)), offset);
  return _mm_srai_epi16(sum, 6);
}

FRAMEPIPE_INLINE_SSE4 void store_luma(std::uint8_t* y, __m128i ya, __m128i yb, const Tables& t) {
  const __m128i out = _mm_or_si128(_mm_shuffle_epi8(ya, t.luma_a), _mm_shuffle_epi8(yb, t.luma_b));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(y), out);
}

/// One group of both rows: the luma lanes of each row and, per channel, the pavgw of the two
/// rows ((X0 + X1) << 7, exact). Each group is finished before the next is loaded, which keeps
/// the live vectors within the 16 registers.
struct Group {
  __m128i y0, y1;
  Channels v;
};

template <int Bpp>
FRAMEPIPE_INLINE_SSE4 Group group(const std::uint8_t* s0, const std::uint8_t* s1, const Consts& k,
                                  const Tables& t) {
  const Channels r0 = gather8<Bpp>(s0, t);
  const __m128i y0 = luma(r0, k);
  const Channels r1 = gather8<Bpp>(s1, t);
  const __m128i y1 = luma(r1, k);
  return {
      y0, y1, {_mm_avg_epu16(r0.b, r1.b), _mm_avg_epu16(r0.g, r1.g), _mm_avg_epu16(r0.r, r1.r)}};
}

/// 16 pixels of both rows starting at pixel `x` (even): 16 + 16 luma, 8 chroma samples.
template <int Bpp, bool Nv12>
FRAMEPIPE_INLINE_SSE4 void step16(const std::uint8_t* src0, const std::uint8_t* src1,
                                  std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                  std::uint8_t* v, int x, const Consts& k, const Tables& t) {
  const std::uint8_t* s0 = src0 + x * Bpp;
  const std::uint8_t* s1 = src1 + x * Bpp;
  x86_detail::prefetch_ahead<16 * Bpp>(s0, s1);
  const Group a = group<Bpp>(s0, s1, k, t);
  const Group b = group<Bpp>(s0 + 8 * Bpp, s1 + 8 * Bpp, k, t);
  store_luma(y0 + x, a.y0, b.y0, t);
  store_luma(y1 + x, a.y1, b.y1, t);

  const __m128i sb = chroma_sum(a.v.b, b.v.b);
  const __m128i sg = chroma_sum(a.v.g, b.v.g);
  const __m128i sr = chroma_sum(a.v.r, b.v.r);
  const __m128i cu = chroma(sb, sg, sr, k.ub, k.ug, k.ur, k.uvoff);
  const __m128i cv = chroma(sb, sg, sr, k.vb, k.vg, k.vr, k.uvoff);
  const __m128i uv = _mm_packus_epi16(cu, cv);  // U0..U7 V0..V7
  const int cx = x / 2;
  if constexpr (Nv12) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u + 2 * cx), _mm_shuffle_epi8(uv, t.interleave));
  } else {
    _mm_storel_epi64(reinterpret_cast<__m128i*>(u + cx), uv);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(v + cx), _mm_unpackhi_epi64(uv, uv));
  }
}

/// Pixels per block of the wide kernel.
inline constexpr int kBlock = 16;

/// The wide kernel (pack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat In, bool Nv12>
FRAMEPIPE_TARGET_SSE4 void pack_blocks(const std::uint8_t* src0, const std::uint8_t* src1,
                                       std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                       std::uint8_t* v, int width, const PackCoefficients& k) {
  constexpr int kBpp = format_info(In).pixel_bytes;
  const Consts consts = make_consts(k);
  const Tables tables = make_tables<In>();
  for (int x = 0; x < width; x += kBlock) {
    step16<kBpp, Nv12>(src0, src1, y0, y1, u, v, x, consts, tables);
  }
}

}  // namespace pack_sse4_detail

// pack_i420_rows_sse4 and pack_nv12_rows_sse4: pack_row_any.hpp's wrappers of pack_blocks.
FRAMEPIPE_PACK_ROWS_ANY(sse4);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_X86
