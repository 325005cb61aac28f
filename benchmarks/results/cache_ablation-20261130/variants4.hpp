// Kernel variants for mb4.cpp (BGRA32): old = the kernel before commit 5e2a0d2.
#pragma once
#include <framepipe/convert/kernels/dispatch.hpp>

#include "avx512_old.hpp"
namespace xp {
using namespace framepipe;
namespace nd = framepipe::kernels::avx512_detail;
template <int PF, bool SHARED>
FRAMEPIPE_INLINE_AVX512 void stepn(const std::uint8_t* src0, const std::uint8_t* src1,
                                   std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                   std::uint8_t* v, int x, const nd::Consts& k,
                                   const nd::Tables& t) {
  const std::uint8_t* s0 = src0 + x * 4;
  const std::uint8_t* s1 = src1 + x * 4;
  if constexpr (PF > 0) framepipe::kernels::x86_detail::prefetch_ahead<PF>(s0, s1);
  const nd::Group a = nd::group<4, 0>(s0, s1, k, t.a);
  const nd::Group b = nd::group<4, 1>(s0, s1, k, SHARED ? t.a : t.b);
  _mm512_storeu_si512(y0 + x, _mm512_permutex2var_epi8(a.y0, t.luma, b.y0));
  _mm512_storeu_si512(y1 + x, _mm512_permutex2var_epi8(a.y1, t.luma, b.y1));
  const __m512i sb = nd::chroma_sum(a.v.b, b.v.b), sg = nd::chroma_sum(a.v.g, b.v.g),
                sr = nd::chroma_sum(a.v.r, b.v.r);
  const __m512i cu = nd::chroma(sb, sg, sr, k.ub, k.ug, k.ur, k.uvoff);
  const __m512i cv = nd::chroma(sb, sg, sr, k.vb, k.vg, k.vr, k.uvoff);
  const __m512i planar = _mm512_permutexvar_epi64(t.planar, _mm512_packus_epi16(cu, cv));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(u + x / 2), _mm512_castsi512_si256(planar));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(v + x / 2), _mm512_extracti64x4_epi64(planar, 1));
}
template <int PF, bool SHARED, int U>
FRAMEPIPE_TARGET_AVX512 void newk(const std::uint8_t* src0, const std::uint8_t* src1,
                                  std::uint8_t* y0, std::uint8_t* y1, std::uint8_t* u,
                                  std::uint8_t* v, int width, const PackCoefficients& k) {
  const nd::Consts c = nd::make_consts(k);
  const nd::Tables t = nd::make_tables<PixelFormat::BGRA32>();
  int x = 0;
  if constexpr (U == 2)
    for (; x + 128 <= width; x += 128) {
      stepn<PF, SHARED>(src0, src1, y0, y1, u, v, x, c, t);
      stepn<PF, SHARED>(src0, src1, y0, y1, u, v, x + 64, c, t);
    }
  for (; x < width; x += 64) stepn<PF, SHARED>(src0, src1, y0, y1, u, v, x, c, t);
}
template <framepipe::kernels::PackBlocksFn Wide>
void any(const std::uint8_t* a, const std::uint8_t* b, std::uint8_t* c, std::uint8_t* d,
         std::uint8_t* e, std::uint8_t* f, int w, const PackCoefficients& k) {
  framepipe::kernels::pack_rows_any<PixelFormat::BGRA32, false, 64, Wide>(a, b, c, d, e, f, w, k);
}
}  // namespace xp
#define VARIANTS                                                                            \
  V("old", (framepipe::kernels::pack_i420_rows_avx512_old<framepipe::PixelFormat::BGRA32>)) \
  V("pf_u1", (xp::any<&xp::newk<256, false, 1>>))                                           \
  V("pf_shared_u1", (xp::any<&xp::newk<256, true, 1>>))                                     \
  V("pf_shared_u2", (xp::any<&xp::newk<256, true, 2>>))
