#include "framepipe/convert/rgb_to_yuv_packer.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <vector>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/convert/nv12_packer.hpp"
#include "support/color_reference.hpp"

using namespace framepipe;
using PF = PixelFormat;

namespace {

template <PixelFormat In, class Packer>
void check_bands_match_one_thread(Size size, unsigned threads) {
  constexpr PixelFormat kOut = Packer::template output_for<In>;
  Frame<In> src(size);
  test::fill_random(src.view(), static_cast<unsigned>(size.width * 31 + size.height));
  Frame<kOut> one(size), many(size);
  std::fill_n(many.data(), many.size_bytes(), std::uint8_t{0xAB});  // padding must match too
  std::fill_n(one.data(), one.size_bytes(), std::uint8_t{0xAB});
  Packer{{.matrix = Matrix::BT709, .range = Range::Full}}.convert(src.view(), one.view());
  const Packer banded{{.matrix = Matrix::BT709, .range = Range::Full, .threads = threads}};
  banded.convert(src.view(), many.view());
  banded.convert(src.view(), many.view());  // the same threads, a second frame
  CHECK(std::equal(one.data(), one.data() + one.size_bytes(), many.data()));
}

}  // namespace

TEST_CASE("Band-parallel packing writes the same bytes as one thread, any size and thread count") {
  const std::vector<Size> sizes{{1, 1},   {2, 1},     {1, 3},       {5, 7},      {33, 17},
                                {130, 9}, {640, 481}, {1920, 1080}, {3840, 2160}};
  for (const Size size : sizes) {
    for (unsigned threads = 1; threads <= 8; ++threads) {
      if (size.width * size.height > 1920 * 1080 && threads > 2 && threads != 8) continue;
      CAPTURE(size.width);
      CAPTURE(size.height);
      CAPTURE(threads);
      check_bands_match_one_thread<PF::BGR24, I420Packer>(size, threads);
      check_bands_match_one_thread<PF::RGBA32, Nv12Packer>(size, threads);
      if (size.width < 200) {
        check_bands_match_one_thread<PF::RGB24, Nv12Packer>(size, threads);
        check_bands_match_one_thread<PF::BGRA32, I420Packer>(size, threads);
      }
    }
  }
}

TEST_CASE("A packer's band threads are its own: a copy starts without them") {
  const I420Packer a{{.threads = 2}};
  CHECK(a.threads() == 2);
  const I420Packer b = a;
  CHECK(b.threads() == 2);
  CHECK(I420Packer{}.threads() == 1);
  CHECK(I420Packer{{.threads = 0}}.threads() >= 1);
}
