// The accuracy figures of docs/colour.md, "Unpacking: bilinear or replicated chroma" (2026-12-05).
// Built from the worktree root with
//   g++ -O2 -std=c++20 -Iinclude -Ibenchmarks -Itests \
//       benchmarks/results/replicate_accuracy-20261205/replicate_accuracy.cpp -o /tmp/acc
// output.txt beside it is what it printed. Error: |byte - exact|, exact = the float model of
// tests/support/yuv_reference.hpp (bilinear chroma between the centre-sited samples).
#include <cstdio>
#include <random>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/convert/kernels/unpack_dispatch.hpp"
#include "natural_frame.hpp"
#include "support/yuv_reference.hpp"
using namespace framepipe;
int main() {
  const ColorSpec spec{Matrix::BT601, Range::Limited};
  const auto k = unpack_coefficients(spec);
  auto report = [&](const char* name, const Frame<PixelFormat::I420>& src) {
    for (ChromaFilter f : {ChromaFilter::Bilinear, ChromaFilter::Replicate}) {
      Frame<PixelFormat::BGR24> out(src.size());
      kernels::unpack_yuv420_frame(src.view(), out.view(), k, ChromaSite::Center, Isa::Scalar, f);
      auto e = test::measure_rgb_error(src.view(), out.view(), spec, ChromaSite::Center);
      // share of bytes off by more than 1, 2, 4
      const auto sv = src.view();
      const auto ov = out.view();
      long n1 = 0, n2 = 0, n4 = 0, n = 0;
      for (int y = 0; y < sv.height(); ++y)
        for (int x = 0; x < sv.width(); ++x) {
          auto want = test::real_rgb(sv, x, y, spec, ChromaSite::Center);
          for (int c = 0; c < 3; ++c) {
            double d = std::abs(ov.row(0, y)[3 * x + (2 - c)] - want[c]);
            ++n;
            n1 += d > 1;
            n2 += d > 2;
            n4 += d > 4;
          }
        }
      std::printf("%s %s: max %.2f mean %.3f; >1: %.2f%% >2: %.2f%% >4: %.2f%%\n", name,
                  f == ChromaFilter::Replicate ? "replicate" : "bilinear ", e.max, e.mean(),
                  100.0 * n1 / n, 100.0 * n2 / n, 100.0 * n4 / n);
    }
  };
  {
    auto bgr = framepipe_bench::natural_frame<PixelFormat::BGR24>(1920, 1080);
    Frame<PixelFormat::I420> yuv(bgr.size());
    I420Packer{}.convert(bgr.view(), yuv.view());
    report("natural 1920x1080 (peer_bench's frame)", yuv);
  }
  {
    Frame<PixelFormat::I420> yuv({1920, 1080});
    std::mt19937 rng(1);
    std::uniform_int_distribution<int> b(0, 255);
    for (std::size_t i = 0; i < yuv.size_bytes(); ++i)
      yuv.data()[i] = static_cast<std::uint8_t>(b(rng));
    report("random 1920x1080", yuv);
  }
}
