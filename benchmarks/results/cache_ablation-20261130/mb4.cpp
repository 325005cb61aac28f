// BGRA32 twin of mb.cpp (run.sh): the AVX-512 and AVX2 kernels on BGRA32 -> I420.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <framepipe/color/coefficients.hpp>
#include <framepipe/convert/kernels/dispatch.hpp>
#include <framepipe/core/frame.hpp>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "variants4.hpp"
using namespace framepipe;
using F = PixelFormat;
using Clock = std::chrono::steady_clock;
using Fn = std::function<void(const uint8_t*, const uint8_t*, uint8_t*, uint8_t*, uint8_t*,
                              uint8_t*, int)>;
__attribute__((target("avx2"), noinline)) uint64_t read_all(const uint8_t* p, size_t n) {
  __m256i acc = _mm256_setzero_si256();
  for (size_t i = 0; i + 32 <= n; i += 32)
    acc = _mm256_add_epi64(
        acc, _mm256_sad_epu8(_mm256_loadu_si256((const __m256i*)(p + i)), _mm256_setzero_si256()));
  return (uint64_t)_mm256_extract_epi64(acc, 0);
}
volatile uint64_t sink;
int main(int argc, char** argv) {
  int w = argc > 1 ? std::atoi(argv[1]) : 3840, h = argc > 2 ? std::atoi(argv[2]) : 2160;
  int reps = argc > 3 ? std::atoi(argv[3]) : 30;
  std::string only = argc > 4 ? argv[4] : "";
  bool rd = argc > 5 && std::atoi(argv[5]);
  Frame<F::BGRA32> src({w, h});
  {
    std::mt19937 g(1);
    auto v = src.view();
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w * 4; ++x) v.row(0, y)[x] = uint8_t(g());
  }
  Frame<F::I420> dst({w, h});
  const size_t n = size_t(w) * h * 3 / 2;
  std::memset(dst.view().plane(0), 0, n);
  const PackCoefficients k = pack_coefficients(ColorSpec{Matrix::BT709, Range::Limited});
  std::vector<std::pair<std::string, Fn>> vs;
  auto base = kernels::select_pack_rows<F::BGRA32, F::I420>(Isa::Avx512);
  vs.push_back({"base", [&](auto a, auto b, auto c, auto d, auto e, auto f, int ww) {
                  base(a, b, c, d, e, f, ww, k);
                }});
#define V(name, expr)                                                                 \
  if (only.empty() || std::string(name).find(only) != std::string::npos)              \
    vs.push_back({name, [&](auto a, auto b, auto c, auto d, auto e, auto f, int ww) { \
                    expr(a, b, c, d, e, f, ww, k);                                    \
                  }});
  VARIANTS
  std::vector<std::vector<double>> t(vs.size());
  std::vector<uint8_t> ref;
  auto s = src.view();
  auto d = dst.view();
  for (int r = 0; r < reps + 1; ++r) {
    for (size_t i = 0; i < vs.size(); ++i) {
      auto t0 = Clock::now();
      for (int y = 0; y < h; y += 2) {
        const int yn = y + 1 < h ? y + 1 : y;
        vs[i].second(s.row(0, y), s.row(0, yn), d.row(0, y), d.row(0, yn), d.row(1, y / 2),
                     d.row(2, y / 2), w);
      }
      if (rd) sink = sink + read_all(d.plane(0), n);
      auto t1 = Clock::now();
      if (r > 0) t[i].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (r == 0) {
        if (i == 0)
          ref.assign(d.plane(0), d.plane(0) + n);
        else if (std::memcmp(ref.data(), d.plane(0), n) != 0)
          std::printf("MISMATCH %s\n", vs[i].first.c_str());
        std::memset(d.plane(0), 0, n);
      }
    }
  }
  for (size_t i = 0; i < vs.size(); ++i) {
    auto& x = t[i];
    std::sort(x.begin(), x.end());
    std::printf("%-20s %5dx%-5d %s best %.3f  p25 %.3f  med %.3f  p75 %.3f ms\n",
                vs[i].first.c_str(), w, h, rd ? "+read" : "     ", x[0], x[x.size() / 4],
                x[x.size() / 2], x[3 * x.size() / 4]);
  }
}
