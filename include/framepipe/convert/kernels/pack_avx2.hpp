// AVX2 row kernels: pack_i420_rows_avx2 and pack_nv12_rows_avx2, byte-identical to the scalar
// kernels in pack_scalar.hpp.
//
// The SSE4.1 kernel's arithmetic (pack_sse4.hpp explains it) on 256-bit vectors. vpshufb cannot
// cross 128-bit lanes, so a "group" of 16 pixels is two plain 32-byte loads and each lane gathers
// the 8 pixels whose bytes that lane of the loads holds (Avx2Layout below: pixels 0..7 | 8..15 of
// 3-byte formats, 0..3 8..11 | 4..7 12..15 of 4-byte ones). Every shuffle stays inside a lane
// except one vpermd per luma row and a vpermq (+ one more for NV12) per chroma row, which put
// the pixels back in order. The block is 32 pixels; pack_row_any.hpp's pack_rows_any runs the last
// partial block (and an odd last column) on a padded copy.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/pack_row_any.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/pixel_format.hpp"

#if FRAMEPIPE_KERNELS_X86

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace pack_avx2_detail {

// --- Tables: eo_pixel and the [E|O] lane order are explained in x86.hpp ---------------------

using x86_detail::eo_pixel;

/// How the AVX2 kernel spreads a group of 16 pixels over the two 128-bit lanes. A group is two
/// plain 32-byte loads, at byte 0 and at `second_load`; vpshufb cannot cross lanes, so lane l
/// holds the 8 pixels `lane_pixels[l]` (listed as adjacent pairs) whose bytes lie in lane l of
/// one of the two loads: pixels 0..7 | 8..15 for 3-byte pixels, 0..3 8..11 | 4..7 12..15 for
/// 4-byte ones.
struct Avx2Layout {
  int second_load;
  std::array<std::array<int, 8>, 2> lane_pixels;
};

constexpr Avx2Layout avx2_layout(int bpp) {
  if (bpp == 3) return {16, {{{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}}}};
  return {32, {{{0, 1, 2, 3, 8, 9, 10, 11}, {4, 5, 6, 7, 12, 13, 14, 15}}}};
}

/// Pixel (0..15 within the group) in 16-bit lane `word` (0..7) of 128-bit lane `lane`: [E|O].
constexpr int avx2_pixel(const Avx2Layout& l, int lane, int word) {
  const auto& px = l.lane_pixels[static_cast<std::size_t>(lane)];
  return px[static_cast<std::size_t>(word < 4 ? 2 * word : 2 * (word - 4) + 1)];
}

/// Rank of `pixel` among the pixels of `lane`, in increasing order.
constexpr int avx2_rank(const Avx2Layout& l, int lane, int pixel) {
  int rank = 0;
  for (int p : l.lane_pixels[static_cast<std::size_t>(lane)]) rank += p < pixel ? 1 : 0;
  return rank;
}

/// vpshufb controls (both lanes) gathering channel byte `channel` of a group into [E|O] lanes of
/// X << 8, from the first and the second load.
struct ShuffleGather32 {
  std::array<std::uint8_t, 32> first{};
  std::array<std::uint8_t, 32> second{};
};

constexpr ShuffleGather32 shuffle_gather32(int bpp, int channel) {
  const Avx2Layout l = avx2_layout(bpp);
  ShuffleGather32 g;
  for (auto& b : g.first) b = 0x80;
  for (auto& b : g.second) b = 0x80;
  for (int lane = 0; lane < 2; ++lane) {
    for (int word = 0; word < 8; ++word) {
      const int pos = avx2_pixel(l, lane, word) * bpp + channel;
      const auto at = static_cast<std::size_t>(16 * lane + 2 * word + 1);
      const int in_first = pos - 16 * lane;
      const int in_second = pos - l.second_load - 16 * lane;
      if (in_first >= 0 && in_first < 16) {
        g.first[at] = static_cast<std::uint8_t>(in_first);
      } else {
        g.second[at] = static_cast<std::uint8_t>(in_second);
      }
    }
  }
  return g;
}

/// vpshufb control (both lanes) that moves the luma high bytes of a group's lane into bytes
/// `at`..`at + 7` of that lane, in increasing pixel order.
constexpr std::array<std::uint8_t, 32> shuffle_luma32(int bpp, int at) {
  const Avx2Layout l = avx2_layout(bpp);
  std::array<std::uint8_t, 32> m{};
  for (auto& b : m) b = 0x80;
  for (int lane = 0; lane < 2; ++lane) {
    for (int word = 0; word < 8; ++word) {
      const int rank = avx2_rank(l, lane, avx2_pixel(l, lane, word));
      m[static_cast<std::size_t>(16 * lane + at + rank)] = static_cast<std::uint8_t>(2 * word + 1);
    }
  }
  return m;
}

/// vpermd indices that take the luma of a 32-pixel step (per lane: 8 pixels of group a at bytes
/// 0..7, then 8 of group b) to pixel order. Each run of 4 consecutive pixels is one dword.
constexpr std::array<int, 8> permute_luma32(int bpp) {
  const Avx2Layout l = avx2_layout(bpp);
  std::array<int, 8> idx{};
  for (int d = 0; d < 8; ++d) {
    const int lane = d / 4;
    const int k = d % 4;
    std::array<int, 8> sorted = l.lane_pixels[static_cast<std::size_t>(lane)];
    for (std::size_t i = 0; i < 8; ++i) {
      for (std::size_t j = i + 1; j < 8; ++j) {
        if (sorted[j] < sorted[i]) std::swap(sorted[i], sorted[j]);
      }
    }
    const int first = (k < 2 ? 0 : 16) + sorted[static_cast<std::size_t>(4 * (k % 2))];
    idx[static_cast<std::size_t>(first / 4)] = d;
  }
  return idx;
}

/// vpshufb control (both lanes) that sorts the chroma samples of a step after packuswb(U, V)
/// and vpermq(0, 2, 1, 3): each lane then holds the 8 samples of lane 0's pairs followed by the
/// 8 of lane 1's (groups a and b), and leaves it holding samples 0..15 in order.
constexpr std::array<std::uint8_t, 32> shuffle_chroma32(int bpp) {
  const Avx2Layout l = avx2_layout(bpp);
  std::array<std::uint8_t, 32> m{};
  for (int lane = 0; lane < 2; ++lane) {
    for (int i = 0; i < 8; ++i) {
      const int pair = (i < 4 ? 0 : 8) + avx2_pixel(l, lane, i % 4) / 2;
      const auto pos = static_cast<std::uint8_t>(8 * lane + i);
      m[static_cast<std::size_t>(pair)] = pos;
      m[static_cast<std::size_t>(16 + pair)] = pos;
    }
  }
  return m;
}

/// vpshufb control (both lanes) that interleaves bytes 0..7 (U) with bytes 8..15 (V) of each
/// lane: U0 V0 U1 V1 ...
constexpr std::array<std::uint8_t, 32> shuffle_interleave32() {
  std::array<std::uint8_t, 32> m{};
  for (int lane = 0; lane < 2; ++lane) {
    for (int i = 0; i < 8; ++i) {
      m[static_cast<std::size_t>(16 * lane + 2 * i)] = static_cast<std::uint8_t>(i);
      m[static_cast<std::size_t>(16 * lane + 2 * i + 1)] = static_cast<std::uint8_t>(8 + i);
    }
  }
  return m;
}

// --- Kernel ----------------------------------------------------------------------------------

struct Consts {
  __m256i yb, yg, yr, yoff;
  __m256i ub, ug, ur, vb, vg, vr, uvoff;
};

/// vpshufb controls (channel gathers from the first and second load of a group, luma pickers for
/// groups a and b, chroma sort, NV12 interleave) and the luma vpermd indices.
struct Tables {
  __m256i b0, b1, g0, g1, r0, r1;
  __m256i luma_a, luma_b, luma_order, chroma_order, interleave;
};

/// One channel per member, as X << 8 in [E|O] 16-bit lanes (8 pixels per 128-bit lane).
struct Channels {
  __m256i b, g, r;
};

FRAMEPIPE_INLINE_AVX2 __m256i load32(const std::uint8_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

FRAMEPIPE_INLINE_AVX2 __m256i table32(const std::array<std::uint8_t, 32>& t) {
  return load32(t.data());
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
  constexpr ShuffleGather32 kB = shuffle_gather32(f.pixel_bytes, f.b_index);
  constexpr ShuffleGather32 kG = shuffle_gather32(f.pixel_bytes, f.g_index);
  constexpr ShuffleGather32 kR = shuffle_gather32(f.pixel_bytes, f.r_index);
  constexpr std::array<std::uint8_t, 32> kLumaA = shuffle_luma32(f.pixel_bytes, 0);
  constexpr std::array<std::uint8_t, 32> kLumaB = shuffle_luma32(f.pixel_bytes, 8);
  constexpr std::array<int, 8> kLumaOrder = permute_luma32(f.pixel_bytes);
  constexpr std::array<std::uint8_t, 32> kChroma = shuffle_chroma32(f.pixel_bytes);
  constexpr std::array<std::uint8_t, 32> kInterleave = shuffle_interleave32();
  return {table32(kB.first),
          table32(kB.second),
          table32(kG.first),
          table32(kG.second),
          table32(kR.first),
          table32(kR.second),
          table32(kLumaA),
          table32(kLumaB),
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kLumaOrder.data())),
          table32(kChroma),
          table32(kInterleave)};
}

/// Gathers the 16 pixels starting at `p` (reads exactly bytes p .. p + 16 * Bpp - 1).
template <int Bpp>
FRAMEPIPE_INLINE_AVX2 Channels gather(const std::uint8_t* p, const Tables& t) {
  constexpr int kSecond = avx2_layout(Bpp).second_load;
  static_assert(kSecond + 32 <= 16 * Bpp);
  const __m256i first = load32(p);
  const __m256i second = load32(p + kSecond);
  return {_mm256_or_si256(_mm256_shuffle_epi8(first, t.b0), _mm256_shuffle_epi8(second, t.b1)),
          _mm256_or_si256(_mm256_shuffle_epi8(first, t.g0), _mm256_shuffle_epi8(second, t.g1)),
          _mm256_or_si256(_mm256_shuffle_epi8(first, t.r0), _mm256_shuffle_epi8(second, t.r1))};
}

FRAMEPIPE_INLINE_AVX2 __m256i luma(const Channels& c, const Consts& k) {
  const __m256i bg = _mm256_add_epi16(_mm256_mulhi_epu16(c.b, k.yb), _mm256_mulhi_epu16(c.g, k.yg));
  return _mm256_add_epi16(_mm256_add_epi16(bg, _mm256_mulhi_epu16(c.r, k.yr)), k.yoff);
}

/// S << 5 for 16 chroma samples from one channel's pavgw of the two rows in groups a and b.
FRAMEPIPE_INLINE_AVX2 __m256i chroma_sum(__m256i va, __m256i vb) {
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
  const __m256i lanes =
      _mm256_or_si256(_mm256_shuffle_epi8(ya, t.luma_a), _mm256_shuffle_epi8(yb, t.luma_b));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(y),
                      _mm256_permutevar8x32_epi32(lanes, t.luma_order));
}

/// One group of both rows: the luma lanes of each row and, per channel, the pavgw of the two
/// rows ((X0 + X1) << 7, exact). Each group is finished before the next is loaded, which keeps
/// the live vectors within the 16 registers.
struct Group {
  __m256i y0, y1;
  Channels v;
};

template <int Bpp>
FRAMEPIPE_INLINE_AVX2 Group group(const std::uint8_t* s0, const std::uint8_t* s1, const Consts& k,
                                  const Tables& t) {
  const Channels r0 = gather<Bpp>(s0, t);
  const __m256i y0 = luma(r0, k);
  const Channels r1 = gather<Bpp>(s1, t);
  const __m256i y1 = luma(r1, k);
  return {
      y0,
      y1,
      {_mm256_avg_epu16(r0.b, r1.b), _mm256_avg_epu16(r0.g, r1.g), _mm256_avg_epu16(r0.r, r1.r)}};
}

/// 32 pixels of both rows starting at pixel `x` (even): 32 + 32 luma, 16 chroma samples.
template <int Bpp, bool Nv12>
FRAMEPIPE_INLINE_AVX2 void step32(const std::uint8_t* src0, const std::uint8_t* src1,
                                  std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                  std::uint8_t* v, int x, const Consts& k, const Tables& t) {
  const std::uint8_t* s0 = src0 + x * Bpp;
  const std::uint8_t* s1 = src1 + x * Bpp;
  x86_detail::prefetch_ahead<32 * Bpp>(s0, s1);
  const Group a = group<Bpp>(s0, s1, k, t);
  const Group b = group<Bpp>(s0 + 16 * Bpp, s1 + 16 * Bpp, k, t);
  store_luma(y0 + x, a.y0, b.y0, t);
  store_luma(y1 + x, a.y1, b.y1, t);

  const __m256i sb = chroma_sum(a.v.b, b.v.b);
  const __m256i sg = chroma_sum(a.v.g, b.v.g);
  const __m256i sr = chroma_sum(a.v.r, b.v.r);
  const __m256i cu = chroma(sb, sg, sr, k.ub, k.ug, k.ur, k.uvoff);
  const __m256i cv = chroma(sb, sg, sr, k.vb, k.vg, k.vr, k.uvoff);
  // packuswb gives each lane its pairs' 8 U then 8 V; vpermq gathers the U halves in the low
  // lane and the V halves in the high one, and the sort puts samples 0..15 in order.
  const __m256i uv = _mm256_permute4x64_epi64(_mm256_packus_epi16(cu, cv), 0xD8);
  const __m256i planar = _mm256_shuffle_epi8(uv, t.chroma_order);  // U0..15 | V0..15
  const int cx = x / 2;
  if constexpr (Nv12) {
    const __m256i halves = _mm256_permute4x64_epi64(planar, 0xD8);  // U0..7 V0..7 | U8.. V8..
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(u + 2 * cx),
                        _mm256_shuffle_epi8(halves, t.interleave));
  } else {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(u + cx), _mm256_castsi256_si128(planar));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(v + cx), _mm256_extracti128_si256(planar, 1));
  }
}

/// Pixels per block of the wide kernel.
inline constexpr int kBlock = 32;

/// The wide kernel (pack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat In, bool Nv12>
FRAMEPIPE_TARGET_AVX2 void pack_blocks(const std::uint8_t* src0, const std::uint8_t* src1,
                                       std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                       std::uint8_t* v, int width, const PackCoefficients& k) {
  constexpr int kBpp = format_info(In).pixel_bytes;
  const Consts consts = make_consts(k);
  const Tables tables = make_tables<In>();
  for (int x = 0; x < width; x += kBlock) {
    step32<kBpp, Nv12>(src0, src1, y0, y1, u, v, x, consts, tables);
  }
}

}  // namespace pack_avx2_detail

// pack_i420_rows_avx2 and pack_nv12_rows_avx2: pack_row_any.hpp's wrappers of pack_blocks.
FRAMEPIPE_PACK_ROWS_ANY(avx2);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

#endif  // FRAMEPIPE_KERNELS_X86
