// A downstream program using framepipe's public API: pack a white BGR frame into I420.
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <framepipe/framepipe.hpp>

int main() {
  using namespace framepipe;
  Frame<PixelFormat::BGR24> src({64, 48});
  Frame<PixelFormat::I420> dst({64, 48});
  const auto in = src.view();
  for (int y = 0; y < in.height(); ++y) {
    std::memset(in.plane(0) + static_cast<std::size_t>(y) * in.stride(0), 255,
                static_cast<std::size_t>(in.width()) * 3);
  }
  I420Packer{}.convert(src.view(), dst.view());
  const int luma = dst.view().plane(0)[0];
  if (luma != 235) {
    std::fprintf(stderr, "consumer: white BGR packed to Y = %d, expected 235\n", luma);
    return 1;
  }
  std::printf("consumer: white BGR packed to Y = %d\n", luma);
  return 0;
}
