#include "framepipe/convert/i420_packer.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdlib>
#include <vector>

#include "framepipe/convert/nv12_packer.hpp"
#include "support/color_reference.hpp"

using namespace framepipe;
using test::ErrorStats;

namespace {

const Size kSizes[] = {{320, 240}, {1920, 1080}, {1, 1}, {3, 3}, {321, 241}, {639, 479}};
const ColorSpec kSpecs[] = {
    {Matrix::BT601, Range::Limited},  {Matrix::BT601, Range::Full},
    {Matrix::BT709, Range::Limited},  {Matrix::BT709, Range::Full},
    {Matrix::BT2020, Range::Limited}, {Matrix::BT2020, Range::Full},
};

template <PixelFormat In>
void check_accuracy(bool random_content) {
  for (Size size : kSizes) {
    Frame<In> src(size);
    if (random_content) {
      test::fill_random(src.view(), 1234u + static_cast<unsigned>(size.width));
    } else {
      test::fill_smooth(src.view());
    }
    Frame<PixelFormat::I420> dst(size);
    for (ColorSpec spec : kSpecs) {
      I420Packer{{.matrix = spec.matrix, .range = spec.range}}.convert(src.view(), dst.view());
      const ErrorStats e = test::measure_yuv420_error(src.view(), dst.view(), spec);
      INFO(format_name(In), " ", size.width, "x", size.height, " ", matrix_name(spec.matrix), " ",
           range_name(spec.range), (random_content ? " random" : " smooth"));
      // Every byte within ±1 of the exact real-number result (the accuracy bound).
      CHECK(e.max_y <= 1.0);
      CHECK(e.max_c <= 1.0);
      // And the rounding is not biased: over many samples the mean error stays near that of
      // exact rounding (0.25). Tiny frames have too few samples for a mean to say anything.
      if (e.count >= 1000) CHECK(e.mean() < 0.3);
    }
  }
}

std::array<std::uint8_t, 3> pack_one(ColorSpec spec, std::uint8_t r, std::uint8_t g,
                                     std::uint8_t b) {
  Frame<PixelFormat::RGB24> src({2, 2});
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 2; ++x) test::write_rgb(src.view(), x, y, r, g, b);
  }
  Frame<PixelFormat::I420> dst({2, 2});
  I420Packer{{.matrix = spec.matrix, .range = spec.range}}.convert(src.view(), dst.view());
  return {dst.view().plane(0)[0], dst.view().plane(1)[0], dst.view().plane(2)[0]};
}

}  // namespace

TEST_CASE("I420Packer stays within ±1 of the exact result on random frames") {
  check_accuracy<PixelFormat::BGR24>(true);
  check_accuracy<PixelFormat::RGB24>(true);
  check_accuracy<PixelFormat::BGRA32>(true);
  check_accuracy<PixelFormat::RGBA32>(true);
}

TEST_CASE("I420Packer stays within ±1 of the exact result on smooth frames") {
  check_accuracy<PixelFormat::BGR24>(false);
  check_accuracy<PixelFormat::RGB24>(false);
  check_accuracy<PixelFormat::BGRA32>(false);
  check_accuracy<PixelFormat::RGBA32>(false);
}

TEST_CASE("I420Packer maps reference colours to their textbook values") {
  using A = std::array<std::uint8_t, 3>;
  const ColorSpec bt601{Matrix::BT601, Range::Limited};
  CHECK(pack_one(bt601, 0, 0, 0) == A{16, 128, 128});
  CHECK(pack_one(bt601, 255, 255, 255) == A{235, 128, 128});
  CHECK(pack_one(bt601, 128, 128, 128) == A{126, 128, 128});
  CHECK(pack_one(bt601, 255, 0, 0) == A{81, 90, 240});   // red
  CHECK(pack_one(bt601, 0, 255, 0) == A{145, 54, 34});   // green
  CHECK(pack_one(bt601, 0, 0, 255) == A{41, 240, 110});  // blue
  const ColorSpec bt709{Matrix::BT709, Range::Limited};
  CHECK(pack_one(bt709, 255, 0, 0) == A{63, 102, 240});
  CHECK(pack_one(bt709, 0, 255, 0) == A{173, 42, 26});
  const ColorSpec full{Matrix::BT601, Range::Full};
  CHECK(pack_one(full, 0, 0, 0) == A{0, 128, 128});
  CHECK(pack_one(full, 255, 255, 255) == A{255, 128, 128});
  CHECK(pack_one(full, 0, 0, 255) == A{29, 255, 107});
}

TEST_CASE("I420Packer writes the BT.2020 colour bars' textbook code values, within ±1") {
  // The 8-bit Y'CbCr code values of 100% and 75% colour bars, from the BT.2020 formulas
  // (Rec. ITU-R BT.2020-2, "Signal format" and "Digital representation"): E'Y = 0.2627 E'R +
  // 0.6780 E'G + 0.0593 E'B, E'CB = (E'B - E'Y) / 1.8814, E'CR = (E'R - E'Y) / 1.4746, quantised
  // with n = 8: narrow range D'Y = round(219 E'Y + 16), D'C = round(224 E'C + 128); full range
  // (as Rec. ITU-R BT.2100 defines it) D'Y = round(255 E'Y), D'C = round(255 E'C + 128) clipped
  // to 0..255. Computed from those formulas outside framepipe, not with its code. The 75% bars'
  // R'G'B' are 0.75 of full scale; as 8-bit input that is 191 (0.749), which ±1 absorbs.
  struct Bar {
    const char* name;
    int rgb;  // which of R (4), G (2), B (1) are on
    std::array<int, 3> limited100, full100, limited75, full75;
  };
  const Bar bars[] = {
      {"white", 7, {235, 128, 128}, {255, 128, 128}, {180, 128, 128}, {191, 128, 128}},
      {"yellow", 6, {222, 16, 137}, {240, 1, 138}, {171, 44, 135}, {180, 32, 136}},
      {"cyan", 3, {177, 159, 16}, {188, 164, 1}, {137, 151, 44}, {141, 155, 32}},
      {"green", 2, {164, 47, 25}, {173, 36, 11}, {127, 67, 51}, {130, 59, 40}},
      {"magenta", 5, {87, 209, 231}, {82, 220, 245}, {69, 189, 205}, {62, 197, 216}},
      {"red", 4, {74, 97, 240}, {67, 92, 255}, {59, 105, 212}, {50, 101, 224}},
      {"blue", 1, {29, 240, 119}, {15, 255, 118}, {26, 212, 121}, {11, 224, 120}},
      {"black", 0, {16, 128, 128}, {0, 128, 128}, {16, 128, 128}, {0, 128, 128}},
  };
  const auto within_1 = [](std::array<std::uint8_t, 3> got, std::array<int, 3> want) {
    for (std::size_t i = 0; i < 3; ++i) {
      if (std::abs(got[i] - want[i]) > 1) return false;
    }
    return true;
  };
  const ColorSpec limited{Matrix::BT2020, Range::Limited};
  const ColorSpec full{Matrix::BT2020, Range::Full};
  for (const Bar& bar : bars) {
    const auto at = [&](ColorSpec spec, std::uint8_t high) {
      const auto on = [&](int bit) { return (bar.rgb & bit) != 0 ? high : std::uint8_t{0}; };
      return pack_one(spec, on(4), on(2), on(1));
    };
    CAPTURE(bar.name);
    CHECK(within_1(at(limited, 255), bar.limited100));
    CHECK(within_1(at(full, 255), bar.full100));
    CHECK(within_1(at(limited, 191), bar.limited75));
    CHECK(within_1(at(full, 191), bar.full75));
  }
}

TEST_CASE("I420Packer chooses BT.601 at every size, in the range asked for") {
  CHECK(I420Packer{}.color_spec({720, 576}) == ColorSpec{Matrix::BT601, Range::Limited});
  CHECK(I420Packer{}.color_spec({1280, 720}) == ColorSpec{Matrix::BT601, Range::Limited});
  CHECK(I420Packer{}.color_spec({3840, 2160}) == ColorSpec{Matrix::BT601, Range::Limited});
  CHECK(I420Packer{{.range = Range::Full}}.color_spec({1280, 720}) ==
        ColorSpec{Matrix::BT601, Range::Full});
  CHECK(I420Packer{{.matrix = Matrix::BT709}}.color_spec({1280, 720}) ==
        ColorSpec{Matrix::BT709, Range::Limited});
  CHECK(I420Packer{{.matrix = Matrix::BT2020}}.color_spec({320, 240}) ==
        ColorSpec{Matrix::BT2020, Range::Limited});
}

TEST_CASE("I420Packer averages the chroma of each 2x2 block, and of the samples at odd edges") {
  // 3x3 RGB: the top-left block mixes red and blue, the right column and bottom row are edges.
  Frame<PixelFormat::RGB24> src({3, 3});
  const auto v = src.view();
  for (int y = 0; y < 3; ++y) {
    for (int x = 0; x < 3; ++x) {
      const bool red = (x + y) % 2 == 0;
      test::write_rgb(v, x, y, red ? 255 : 0, 0, red ? 0 : 255);
    }
  }
  Frame<PixelFormat::I420> dst({3, 3});
  const ColorSpec spec{Matrix::BT601, Range::Full};
  I420Packer{{.matrix = spec.matrix, .range = spec.range}}.convert(v, dst.view());
  const test::RealYuv mixed = test::real_yuv(spec, 127.5, 0, 127.5);  // 2 red + 2 blue
  CHECK(std::abs(dst.view().plane(1)[0] - mixed.cb) <= 0.5 + 0.05);
  CHECK(std::abs(dst.view().plane(2)[0] - mixed.cr) <= 0.5 + 0.05);
  // Bottom-right sample (2, 2) is alone in its block: it is red.
  const test::RealYuv red = test::real_yuv(spec, 255, 0, 0);
  CHECK(std::abs(dst.view().row(1, 1)[1] - red.cb) <= 0.55);
  CHECK(std::abs(dst.view().row(2, 1)[1] - test::clamp_real(red.cr)) <= 0.55);
}

TEST_CASE("I420Packer honours padded strides and leaves padding alone") {
  const Size size{37, 11};
  const std::size_t src_stride = 37 * 3 + 29;
  std::vector<std::uint8_t> src_bytes(src_stride * 11, 0);
  const FrameView<PixelFormat::BGR24> src(size, {src_bytes.data(), nullptr, nullptr},
                                          {src_stride, 0, 0});
  test::fill_random(src, 99);
  Frame<PixelFormat::BGR24> tight(size);
  for (int y = 0; y < size.height; ++y) {
    std::copy_n(src.row(0, y), 37 * 3, tight.view().row(0, y));
  }

  // Destination planes with generous strides, pre-filled with a marker.
  const std::size_t ys = 64, cs = 40;
  std::vector<std::uint8_t> yb(ys * 11, 0xAB), ub(cs * 6, 0xAB), vb(cs * 6, 0xAB);
  const FrameView<PixelFormat::I420> dst(size, {yb.data(), ub.data(), vb.data()}, {ys, cs, cs});
  I420Packer{}.convert(src, dst);

  Frame<PixelFormat::I420> expected(size);
  I420Packer{}.convert(tight.view(), expected.view());
  for (int y = 0; y < 11; ++y) {
    CHECK(std::equal(yb.begin() + static_cast<long>(ys) * y,
                     yb.begin() + static_cast<long>(ys) * y + 37, expected.view().row(0, y)));
    CHECK(yb[ys * static_cast<std::size_t>(y) + 37] == 0xAB);
  }
  for (int y = 0; y < 6; ++y) {
    CHECK(std::equal(ub.begin() + static_cast<long>(cs) * y,
                     ub.begin() + static_cast<long>(cs) * y + 19, expected.view().row(1, y)));
    CHECK(std::equal(vb.begin() + static_cast<long>(cs) * y,
                     vb.begin() + static_cast<long>(cs) * y + 19, expected.view().row(2, y)));
    CHECK(ub[cs * static_cast<std::size_t>(y) + 19] == 0xAB);
  }
}

TEST_CASE("Nv12Packer writes the same samples as I420Packer, interleaved") {
  for (Size size : {Size{1, 1}, Size{5, 3}, Size{64, 48}, Size{321, 241}}) {
    Frame<PixelFormat::BGRA32> src(size);
    test::fill_random(src.view(), 7);
    Frame<PixelFormat::I420> i420(size);
    Frame<PixelFormat::NV12> nv12(size);
    I420Packer{}.convert(src.view(), i420.view());
    Nv12Packer{}.convert(src.view(), nv12.view());
    bool same = true;
    for (int y = 0; y < size.height; ++y) {
      same = same && std::equal(i420.view().row(0, y), i420.view().row(0, y) + size.width,
                                nv12.view().row(0, y));
    }
    for (int y = 0; y < (size.height + 1) / 2; ++y) {
      for (int x = 0; x < (size.width + 1) / 2; ++x) {
        same = same && nv12.view().row(1, y)[2 * x] == i420.view().row(1, y)[x] &&
               nv12.view().row(1, y)[2 * x + 1] == i420.view().row(2, y)[x];
      }
    }
    CHECK(same);
  }
}

TEST_CASE("I420Packer rejects frames of different sizes") {
  Frame<PixelFormat::BGR24> src({4, 4});
  Frame<PixelFormat::I420> dst({4, 2});
  CHECK_THROWS_AS(I420Packer{}.convert(src.view(), dst.view()), InvalidArgument);
}

TEST_CASE("The standalone conversion from the design compiles and runs as written") {
  Frame<PixelFormat::BGR24> src({1920, 1080});
  Frame<PixelFormat::I420> dst({1920, 1080});
  I420Packer{}.convert(src.view(), dst.view());
  CHECK(dst.view().plane(0)[0] == 16);  // black, BT.709 limited
  CHECK(dst.view().plane(1)[0] == 128);
}
