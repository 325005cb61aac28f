// AVX-512 row kernels (F + BW + VL + VBMI): pack_i420_rows_avx512 and pack_nv12_rows_avx512,
// byte-identical to the scalar kernels in pack_scalar.hpp.
//
// The arithmetic is the SSE4.1 kernel's (pack_sse4.hpp explains it) on 32 lanes; what changes is
// the data movement. A block of 64 pixels is read as 3 or 4 plain 64-byte loads per row, each byte
// once. VBMI's vpermt2b picks any byte out of two 64-byte registers, so one zero-masked vpermt2b
// per channel turns 32 packed pixels (96 or 128 bytes, within two of those loads) straight into
// 32 [E|O] lanes of X << 8, and one vpermt2b takes the luma high bytes of two such groups back to
// 64 pixels in order. The chroma pairing moves 256-bit halves (vshufi64x2), and I420's U/V split
// is one vpermq, NV12's interleave one vpermb. Each block prefetches the source a fixed distance
// ahead (x86.hpp). pack_row_any.hpp's pack_rows_any runs the last partial block (and an odd last
// column) on a padded copy.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/pack_row_any.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/pixel_format.hpp"

#if FRAMEPIPE_KERNELS_X86

FRAMEPIPE_AVX512_WARNINGS_BEGIN  // GCC bug 105593: x86.hpp

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace pack_avx512_detail {

// --- Tables: eo_pixel and the [E|O] lane order are explained in x86.hpp ---------------------

using x86_detail::eo_pixel;

/// Where group `g` (0 or 1: pixels 32g .. 32g + 31) of a 64-pixel block of `bpp`-byte pixels
/// lies in the block's loads: the block is `bpp` aligned-to-itself 64-byte loads (192 or 256
/// bytes, each byte loaded once), and the group's 32 * bpp bytes start `offset` bytes into load
/// `first` and end within load `first + 1`.
struct GroupSpan {
  int first;
  int offset;
};

constexpr GroupSpan group_span(int bpp, int g) { return {32 * bpp * g / 64, 32 * bpp * g % 64}; }

/// vpermt2b indices that gather channel byte `channel` of the 32 pixels of group `g` into 32
/// [E|O] 16-bit lanes from loads `first` (table bytes 0..63) and `first + 1` (64..127) of its
/// block (group_span). The low byte of each lane is zeroed by a write mask, not an index.
constexpr std::array<std::uint8_t, 64> permute_gather64(int bpp, int channel, int g) {
  std::array<std::uint8_t, 64> idx{};
  const int offset = group_span(bpp, g).offset;
  for (int lane = 0; lane < 32; ++lane) {
    const int pos = offset + eo_pixel(lane, 32) * bpp + channel;
    idx[static_cast<std::size_t>(2 * lane + 1)] = static_cast<std::uint8_t>(pos);
  }
  return idx;
}

/// vpermt2b indices that take the high bytes of two groups of 32 [E|O] lanes (table bytes 0..63
/// and 64..127) back to 64 pixels in order.
constexpr std::array<std::uint8_t, 64> permute_luma64() {
  std::array<std::uint8_t, 64> idx{};
  for (int table = 0; table < 2; ++table) {
    for (int lane = 0; lane < 32; ++lane) {
      idx[static_cast<std::size_t>(32 * table + eo_pixel(lane, 32))] =
          static_cast<std::uint8_t>(64 * table + 2 * lane + 1);
    }
  }
  return idx;
}

/// vpermb indices that turn packuswb(U, V) of 32 + 32 samples (per 128-bit lane: 8 U, then 8 V)
/// into U0 V0 U1 V1 ... U31 V31.
constexpr std::array<std::uint8_t, 64> permute_interleave64() {
  std::array<std::uint8_t, 64> idx{};
  for (int i = 0; i < 32; ++i) {
    const int lane = i / 8;
    idx[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(16 * lane + i % 8);
    idx[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(16 * lane + 8 + i % 8);
  }
  return idx;
}

// --- Kernel ----------------------------------------------------------------------------------

struct Consts {
  __m512i yb, yg, yr, yoff;
  __m512i ub, ug, ur, vb, vg, vr, uvoff;
};

/// The channel gathers of one group.
struct Gathers {
  __m512i b, g, r;
};

/// vpermt2b / vpermb / vpermq indices.
struct Tables {
  Gathers a, b;        ///< channel gathers of groups 0 and 1 (group_span)
  __m512i luma;        ///< two groups' luma high bytes -> 64 pixels in order
  __m512i planar;      ///< packuswb(U, V) -> U0..31 | V0..31 (qword indices)
  __m512i interleave;  ///< packuswb(U, V) -> U0 V0 U1 V1 ...
};

struct Channels {
  __m512i b, g, r;
};

/// The odd bytes of 32 16-bit lanes: the gathers write the high byte and zero the low one.
inline constexpr __mmask64 kHighBytes = 0xAAAA'AAAA'AAAA'AAAAull;

FRAMEPIPE_INLINE_AVX512 __m512i table64(const std::array<std::uint8_t, 64>& t) {
  return _mm512_loadu_si512(t.data());
}

FRAMEPIPE_INLINE_AVX512 __m512i splat(int value) {
  return _mm512_set1_epi16(static_cast<short>(value));
}

FRAMEPIPE_INLINE_AVX512 Consts make_consts(const PackCoefficients& k) {
  return {splat(k.y_b), splat(k.y_g), splat(k.y_r),      splat(k.y_offset),
          splat(k.u_b), splat(k.u_g), splat(k.u_r),      splat(k.v_b),
          splat(k.v_g), splat(k.v_r), splat(k.uv_offset)};
}

template <PixelFormat In>
FRAMEPIPE_INLINE_AVX512 Tables make_tables() {
  constexpr FormatInfo f = format_info(In);
  constexpr std::array<std::uint8_t, 64> kBa = permute_gather64(f.pixel_bytes, f.b_index, 0);
  constexpr std::array<std::uint8_t, 64> kGa = permute_gather64(f.pixel_bytes, f.g_index, 0);
  constexpr std::array<std::uint8_t, 64> kRa = permute_gather64(f.pixel_bytes, f.r_index, 0);
  constexpr std::array<std::uint8_t, 64> kBb = permute_gather64(f.pixel_bytes, f.b_index, 1);
  constexpr std::array<std::uint8_t, 64> kGb = permute_gather64(f.pixel_bytes, f.g_index, 1);
  constexpr std::array<std::uint8_t, 64> kRb = permute_gather64(f.pixel_bytes, f.r_index, 1);
  constexpr std::array<std::uint8_t, 64> kLuma = permute_luma64();
  constexpr std::array<std::uint8_t, 64> kInterleave = permute_interleave64();
  return {{table64(kBa), table64(kGa), table64(kRa)},
          {table64(kBb), table64(kGb), table64(kRb)},
          table64(kLuma),
          _mm512_set_epi64(7, 5, 3, 1, 6, 4, 2, 0),
          table64(kInterleave)};
}

/// Gathers the 32 pixels of group `G` of the block that starts at `p`, from its 64-byte loads
/// `first` and `first + 1` (group_span; when the row is 64-byte aligned, neither crosses a cache
/// line). Each group loads its own pair, so that only one group's loads are live at a time
/// (loading the whole block up front cost BGRA32 up to 20% at 1080p); the load that 3-byte groups 0
/// and 1 share has the same address in both.
template <int Bpp, int G>
FRAMEPIPE_INLINE_AVX512 Channels gather(const std::uint8_t* p, const Gathers& t) {
  constexpr int kFirst = group_span(Bpp, G).first;
  static_assert(kFirst + 1 < Bpp);
  const __m512i lo = _mm512_loadu_si512(p + 64 * kFirst);
  const __m512i hi = _mm512_loadu_si512(p + 64 * (kFirst + 1));
  return {_mm512_maskz_permutex2var_epi8(kHighBytes, lo, t.b, hi),
          _mm512_maskz_permutex2var_epi8(kHighBytes, lo, t.g, hi),
          _mm512_maskz_permutex2var_epi8(kHighBytes, lo, t.r, hi)};
}

FRAMEPIPE_INLINE_AVX512 __m512i luma(const Channels& c, const Consts& k) {
  const __m512i bg = _mm512_add_epi16(_mm512_mulhi_epu16(c.b, k.yb), _mm512_mulhi_epu16(c.g, k.yg));
  return _mm512_add_epi16(_mm512_add_epi16(bg, _mm512_mulhi_epu16(c.r, k.yr)), k.yoff);
}

/// S << 5 for 32 chroma samples from one channel's pavgw of the two rows in groups a (samples
/// 0..15) and b (16..31).
FRAMEPIPE_INLINE_AVX512 __m512i chroma_sum(__m512i va, __m512i vb) {
  const __m512i even = _mm512_shuffle_i64x2(va, vb, 0x44);  // E of a | E of b
  const __m512i odd = _mm512_shuffle_i64x2(va, vb, 0xEE);   // O of a | O of b
  return _mm512_srli_epi16(_mm512_avg_epu16(even, odd), 1);
}

FRAMEPIPE_INLINE_AVX512 __m512i chroma(__m512i sb, __m512i sg, __m512i sr, __m512i cb, __m512i cg,
                                       __m512i cr, __m512i offset) {
  const __m512i bg = _mm512_add_epi16(_mm512_mulhi_epi16(sb, cb), _mm512_mulhi_epi16(sg, cg));
  const __m512i sum = _mm512_add_epi16(_mm512_add_epi16(bg, _mm512_mulhi_epi16(sr, cr)), offset);
  return _mm512_srai_epi16(sum, 6);
}

/// One group of both rows: the luma lanes of each row and, per channel, the pavgw of the two
/// rows ((X0 + X1) << 7, exact).
struct Group {
  __m512i y0, y1;
  Channels v;
};

template <int Bpp, int G>
FRAMEPIPE_INLINE_AVX512 Group group(const std::uint8_t* s0, const std::uint8_t* s1, const Consts& k,
                                    const Gathers& t) {
  const Channels r0 = gather<Bpp, G>(s0, t);
  const __m512i y0 = luma(r0, k);
  const Channels r1 = gather<Bpp, G>(s1, t);
  const __m512i y1 = luma(r1, k);
  return {
      y0,
      y1,
      {_mm512_avg_epu16(r0.b, r1.b), _mm512_avg_epu16(r0.g, r1.g), _mm512_avg_epu16(r0.r, r1.r)}};
}

/// 64 pixels of both rows starting at pixel `x` (even): 64 + 64 luma, 32 chroma samples.
template <int Bpp, bool Nv12>
FRAMEPIPE_INLINE_AVX512 void step64(const std::uint8_t* src0, const std::uint8_t* src1,
                                    std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                    std::uint8_t* v, int x, const Consts& k, const Tables& t) {
  const std::uint8_t* s0 = src0 + x * Bpp;
  const std::uint8_t* s1 = src1 + x * Bpp;
  x86_detail::prefetch_ahead<64 * Bpp>(s0, s1);
  const Group a = group<Bpp, 0>(s0, s1, k, t.a);
  const Group b = group<Bpp, 1>(s0, s1, k, t.b);
  _mm512_storeu_si512(y0 + x, _mm512_permutex2var_epi8(a.y0, t.luma, b.y0));
  _mm512_storeu_si512(y1 + x, _mm512_permutex2var_epi8(a.y1, t.luma, b.y1));

  const __m512i sb = chroma_sum(a.v.b, b.v.b);
  const __m512i sg = chroma_sum(a.v.g, b.v.g);
  const __m512i sr = chroma_sum(a.v.r, b.v.r);
  const __m512i cu = chroma(sb, sg, sr, k.ub, k.ug, k.ur, k.uvoff);
  const __m512i cv = chroma(sb, sg, sr, k.vb, k.vg, k.vr, k.uvoff);
  const __m512i uv = _mm512_packus_epi16(cu, cv);  // per 128-bit lane: 8 U, then 8 V
  const int cx = x / 2;
  if constexpr (Nv12) {
    _mm512_storeu_si512(u + 2 * cx, _mm512_permutexvar_epi8(t.interleave, uv));
  } else {
    const __m512i planar = _mm512_permutexvar_epi64(t.planar, uv);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(u + cx), _mm512_castsi512_si256(planar));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(v + cx), _mm512_extracti64x4_epi64(planar, 1));
  }
}

/// Pixels per block of the wide kernel.
inline constexpr int kBlock = 64;

/// The wide kernel (pack_row_any.hpp): `width` is a positive multiple of kBlock.
template <PixelFormat In, bool Nv12>
FRAMEPIPE_TARGET_AVX512 void pack_blocks(const std::uint8_t* src0, const std::uint8_t* src1,
                                         std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                         std::uint8_t* v, int width, const PackCoefficients& k) {
  constexpr int kBpp = format_info(In).pixel_bytes;
  const Consts consts = make_consts(k);
  const Tables tables = make_tables<In>();
  // Two blocks per iteration: more loads in flight at the loop's back edge (kept: it won at
  // 1440p and 2160p, benchmarks/README.md).
  int x = 0;
  for (; x + 2 * kBlock <= width; x += 2 * kBlock) {
    step64<kBpp, Nv12>(src0, src1, y0, y1, u, v, x, consts, tables);
    step64<kBpp, Nv12>(src0, src1, y0, y1, u, v, x + kBlock, consts, tables);
  }
  if (x < width) step64<kBpp, Nv12>(src0, src1, y0, y1, u, v, x, consts, tables);
}

}  // namespace pack_avx512_detail

// pack_i420_rows_avx512 and pack_nv12_rows_avx512: pack_row_any.hpp's wrappers of pack_blocks.
FRAMEPIPE_PACK_ROWS_ANY(avx512);

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

FRAMEPIPE_AVX512_WARNINGS_END

#endif  // FRAMEPIPE_KERNELS_X86
