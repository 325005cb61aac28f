// Kernel variants for the A/B harness (run.sh): old = the kernel before commit 5e2a0d2.
#pragma once
#include <framepipe/convert/kernels/dispatch.hpp>

#include "avx512_old.hpp"
namespace xp {
using namespace framepipe;
namespace nd = framepipe::kernels::avx512_detail;
namespace od = framepipe::kernels::avx512_old;

template <bool NT>
FRAMEPIPE_INLINE_AVX512 void st64(std::uint8_t* p, __m512i v) {
  if constexpr (NT)
    _mm512_stream_si512(reinterpret_cast<__m512i*>(p), v);
  else
    _mm512_storeu_si512(p, v);
}
template <bool NT>
FRAMEPIPE_INLINE_AVX512 void st32(std::uint8_t* p, __m256i v) {
  if constexpr (NT)
    _mm256_stream_si256(reinterpret_cast<__m256i*>(p), v);
  else
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

template <int PF, int HINT>
FRAMEPIPE_INLINE_AVX512 void pf(const std::uint8_t* s0, const std::uint8_t* s1) {
  if constexpr (PF > 0)
    for (int i = 0; i < 192; i += 64) {
      __builtin_prefetch(s0 + PF + i, 0, HINT);
      __builtin_prefetch(s1 + PF + i, 0, HINT);
    }
}

// new load pattern
template <int PF, bool NT, int PFW, int HINT>
FRAMEPIPE_INLINE_AVX512 void stepn(const std::uint8_t* src0, const std::uint8_t* src1,
                                   std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                   std::uint8_t* v, int x, const nd::Consts& k,
                                   const nd::Tables& t) {
  const std::uint8_t* s0 = src0 + x * 3;
  const std::uint8_t* s1 = src1 + x * 3;
  pf<PF, HINT>(s0, s1);
  if constexpr (PFW > 0) {
    __builtin_prefetch(y0 + x + PFW, 1, 3);
    __builtin_prefetch(y1 + x + PFW, 1, 3);
    __builtin_prefetch(u + x / 2 + PFW, 1, 3);
    __builtin_prefetch(v + x / 2 + PFW, 1, 3);
  }
  const nd::Group a = nd::group<3, 0>(s0, s1, k, t.a);
  const nd::Group b = nd::group<3, 1>(s0, s1, k, t.b);
  st64<NT>(y0 + x, _mm512_permutex2var_epi8(a.y0, t.luma, b.y0));
  st64<NT>(y1 + x, _mm512_permutex2var_epi8(a.y1, t.luma, b.y1));
  const __m512i sb = nd::chroma_sum(a.v.b, b.v.b), sg = nd::chroma_sum(a.v.g, b.v.g),
                sr = nd::chroma_sum(a.v.r, b.v.r);
  const __m512i cu = nd::chroma(sb, sg, sr, k.ub, k.ug, k.ur, k.uvoff);
  const __m512i cv = nd::chroma(sb, sg, sr, k.vb, k.vg, k.vr, k.uvoff);
  const __m512i planar = _mm512_permutexvar_epi64(t.planar, _mm512_packus_epi16(cu, cv));
  st32<NT>(u + x / 2, _mm512_castsi512_si256(planar));
  st32<NT>(v + x / 2, _mm512_extracti64x4_epi64(planar, 1));
}
template <int PF, bool NT, int U, int PFW = 0, int HINT = 3>
FRAMEPIPE_TARGET_AVX512 void newk(const std::uint8_t* src0, const std::uint8_t* src1,
                                  std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                  std::uint8_t* v, int width, const PackCoefficients& k) {
  const nd::Consts c = nd::make_consts(k);
  const nd::Tables t = nd::make_tables<PixelFormat::BGR24>();
  int x = 0;
  if constexpr (U == 2)
    for (; x + 128 <= width; x += 128) {
      stepn<PF, NT, PFW, HINT>(src0, src1, y0, y1, u, v, x, c, t);
      stepn<PF, NT, PFW, HINT>(src0, src1, y0, y1, u, v, x + 64, c, t);
    }
  if constexpr (U == 4)
    for (; x + 256 <= width; x += 256) {
      for (int j = 0; j < 256; j += 64)
        stepn<PF, NT, PFW, HINT>(src0, src1, y0, y1, u, v, x + j, c, t);
    }
  for (; x < width; x += 64) stepn<PF, NT, PFW, HINT>(src0, src1, y0, y1, u, v, x, c, t);
  if constexpr (NT) _mm_sfence();
}
// old load pattern + options
template <int PF, int U>
FRAMEPIPE_TARGET_AVX512 void oldk(const std::uint8_t* src0, const std::uint8_t* src1,
                                  std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                  std::uint8_t* v, int width, const PackCoefficients& k) {
  const od::Consts c = od::make_consts(k);
  const od::Tables t = od::make_tables<PixelFormat::BGR24>();
  int x = 0;
  if constexpr (U == 2)
    for (; x + 128 <= width; x += 128) {
      pf<PF, 3>(src0 + x * 3, src1 + x * 3);
      od::step64<3, false>(src0, src1, y0, y1, u, v, x, c, t);
      pf<PF, 3>(src0 + x * 3 + 192, src1 + x * 3 + 192);
      od::step64<3, false>(src0, src1, y0, y1, u, v, x + 64, c, t);
    }
  for (; x < width; x += 64) {
    pf<PF, 3>(src0 + x * 3, src1 + x * 3);
    od::step64<3, false>(src0, src1, y0, y1, u, v, x, c, t);
  }
}
template <framepipe::kernels::PackBlocksFn Wide>
void any(const std::uint8_t* a, const std::uint8_t* b, std::uint8_t* c, std::uint8_t* d,
         std::uint8_t* e, std::uint8_t* f, int w, const PackCoefficients& k) {
  framepipe::kernels::pack_rows_any<PixelFormat::BGR24, false, 64, Wide>(a, b, c, d, e, f, w, k);
}
}  // namespace xp
#define VARIANTS                                                                           \
  V("old", (framepipe::kernels::pack_i420_rows_avx512_old<framepipe::PixelFormat::BGR24>)) \
  V("old_u2", (xp::any<&xp::oldk<0, 2>>))                                                  \
  V("old_pf2k", (xp::any<&xp::oldk<2048, 1>>))                                             \
  V("load1x", (xp::any<&xp::newk<0, false, 1>>))                                           \
  V("load1x_u2", (xp::any<&xp::newk<0, false, 2>>))                                        \
  V("load1x_pf1k", (xp::any<&xp::newk<1024, false, 1>>))                                   \
  V("load1x_pf2k", (xp::any<&xp::newk<2048, false, 1>>))                                   \
  V("load1x_pf4k", (xp::any<&xp::newk<4096, false, 1>>))                                   \
  V("load1x_pf2k_u2", (xp::any<&xp::newk<2048, false, 2>>))                                \
  V("load1x_pf3k_u2", (xp::any<&xp::newk<3072, false, 2>>))                                \
  V("load1x_pf2k_u4", (xp::any<&xp::newk<2048, false, 4>>))                                \
  V("load1x_pf2k_u2_t1", (xp::any<&xp::newk<2048, false, 2, 0, 2>>))                       \
  V("load1x_pf2k_u2_nta", (xp::any<&xp::newk<2048, false, 2, 0, 0>>))                      \
  V("load1x_pf2k_u2_pfw1k", (xp::any<&xp::newk<2048, false, 2, 1024>>))                    \
  V("load1x_pf2k_u2_NT", (xp::any<&xp::newk<2048, true, 2>>))
