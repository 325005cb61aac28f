#include "framepipe/convert/yuv_to_rgb_unpacker.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/convert/nv12_packer.hpp"
#include "framepipe/core/chain.hpp"
#include "framepipe/sinks/callback_sink.hpp"
#include "support/color_reference.hpp"
#include "support/yuv_reference.hpp"

using namespace framepipe;
using PF = PixelFormat;

namespace {

struct Caller {};  // the source of a ChainEngine, named in diagnostics only

template <PixelFormat F>
Frame<F> random_yuv(Size size, unsigned seed) {
  Frame<F> f(size);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::generate_n(f.data(), f.size_bytes(), [&] { return static_cast<std::uint8_t>(byte(rng)); });
  return f;
}

/// Pixel (x, y) of an RGB-family view as {R, G, B}.
template <PixelFormat F>
std::array<int, 3> rgb_at(FrameView<F> v, int x, int y) {
  constexpr FormatInfo info = format_info(F);
  const std::uint8_t* p = v.row(0, y) + x * info.pixel_bytes;
  return {p[info.r_index], p[info.g_index], p[info.b_index]};
}

}  // namespace

TEST_CASE("YuvToRgbUnpacker declares I420 and NV12 in, its format out") {
  using U = YuvToRgbUnpacker<PF::BGRA32>;
  static_assert(U::accepts<PF::I420> && U::accepts<PF::NV12>);
  static_assert(!U::accepts<PF::BGR24> && !U::accepts<PF::GRAY8>);
  static_assert(U::output_for<PF::I420> == PF::BGRA32 && U::output_for<PF::NV12> == PF::BGRA32);
  static_assert(ConverterFor<U, PF::NV12> && !ConverterFor<U, PF::RGB24>);
  CHECK(U{}.isa() == active_isa());
}

TEST_CASE("Standalone, the options apply and unset ones are BT.601 limited, centre-sited") {
  const YuvToRgbUnpacker<PF::BGR24> plain;
  CHECK(plain.color_spec_of_input() == ColorSpec{Matrix::BT601, Range::Limited});
  CHECK(plain.color_spec_of_input() == default_color_spec({1920, 1080}));
  CHECK(plain.chroma_site() == ChromaSite::Center);
  const YuvToRgbUnpacker<PF::BGR24> set{
      {.matrix = Matrix::BT709, .range = Range::Full, .chroma_site = ChromaSite::Left}};
  CHECK(set.color_spec_of_input() == ColorSpec{Matrix::BT709, Range::Full});
  CHECK(set.chroma_site() == ChromaSite::Left);
  const YuvToRgbUnpacker<PF::BGR24> range_only{{.range = Range::Full}};
  CHECK(range_only.color_spec_of_input() == ColorSpec{Matrix::BT601, Range::Full});
}

TEST_CASE("start() takes what the stream states for every option left unset") {
  const StreamSpec stream{.format = PF::NV12,
                          .size = {64, 48},
                          .fps = {30, 1},
                          .color = ColorSpec{Matrix::BT2020, Range::Full},
                          .chroma_site = ChromaSite::Left};
  YuvToRgbUnpacker<PF::RGB24> from_stream;
  from_stream.start(stream);
  CHECK(from_stream.color_spec_of_input() == ColorSpec{Matrix::BT2020, Range::Full});
  CHECK(from_stream.chroma_site() == ChromaSite::Left);

  YuvToRgbUnpacker<PF::RGB24> overridden{
      {.matrix = Matrix::BT709, .chroma_site = ChromaSite::Center}};
  overridden.start(stream);
  CHECK(overridden.color_spec_of_input() == ColorSpec{Matrix::BT709, Range::Full});
  CHECK(overridden.chroma_site() == ChromaSite::Center);

  YuvToRgbUnpacker<PF::RGB24> silent_stream{{.range = Range::Full}};
  silent_stream.start({.format = PF::I420, .size = {64, 48}, .fps = {30, 1}});
  CHECK(silent_stream.color_spec_of_input() == ColorSpec{Matrix::BT601, Range::Full});
  CHECK(silent_stream.chroma_site() == ChromaSite::Center);

  // The frames follow what start() resolved.
  const Frame<PF::NV12> src = random_yuv<PF::NV12>({37, 21}, 5);
  Frame<PF::RGB24> got({37, 21});
  Frame<PF::RGB24> expected({37, 21});
  from_stream.convert(src.view(), got.view());
  YuvToRgbUnpacker<PF::RGB24>{
      {.matrix = Matrix::BT2020, .range = Range::Full, .chroma_site = ChromaSite::Left}}
      .convert(src.view(), expected.view());
  CHECK(std::equal(got.data(), got.data() + got.size_bytes(), expected.data()));
  Frame<PF::RGB24> other({37, 21});
  overridden.convert(src.view(), other.view());
  CHECK_FALSE(std::equal(got.data(), got.data() + got.size_bytes(), other.data()));
}

TEST_CASE("In a chain, an unpacker after a packer decodes with the colour the packer states") {
  std::array<int, 3> seen{};
  detail::ChainEngine<Caller, PF::BGR24, I420Packer, YuvToRgbUnpacker<PF::BGR24>,
                      CallbackSink<PF::BGR24>>
      chain{I420Packer{{.matrix = Matrix::BT709, .range = Range::Full}},
            YuvToRgbUnpacker<PF::BGR24>{},
            CallbackSink<PF::BGR24>{
                [&](FrameView<PF::BGR24> f, const FrameTime&) { seen = rgb_at(f, 3, 2); }}};
  chain.open({.size = {16, 8}, .fps = {25, 1}});
  const auto& unpacker = chain.converter<1>();
  CHECK(unpacker.color_spec_of_input() == ColorSpec{Matrix::BT709, Range::Full});
  CHECK(unpacker.chroma_site() == ChromaSite::Center);
  // RGB leaves the chain without a colour description.
  CHECK_FALSE(chain.sink().spec().color.has_value());

  Frame<PF::BGR24> src({16, 8});
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 16; ++x) test::write_rgb(src.view(), x, y, 200, 40, 90);
  }
  Stats stats;
  chain.push(src.view(), FrameTime::at(0, {25, 1}), stats);
  chain.close(stats);
  // A flat colour survives the round trip within the two conversions' rounding.
  CHECK(std::abs(seen[0] - 200) <= 2);
  CHECK(std::abs(seen[1] - 40) <= 2);
  CHECK(std::abs(seen[2] - 90) <= 2);
}

TEST_CASE("Unpackers stay within the proved 0.65 of the exact result, every option") {
  for (Matrix m : {Matrix::BT601, Matrix::BT709, Matrix::BT2020}) {
    for (Range r : {Range::Limited, Range::Full}) {
      for (ChromaSite s : {ChromaSite::Center, ChromaSite::Left}) {
        const UnpackerOptions o{.matrix = m, .range = r, .chroma_site = s};
        const ColorSpec spec{m, r};
        CAPTURE(matrix_name(m));
        CAPTURE(range_name(r));
        CAPTURE(chroma_site_name(s));
        const Frame<PF::I420> i420 = random_yuv<PF::I420>({99, 45}, 11);
        const Frame<PF::NV12> nv12 = random_yuv<PF::NV12>({98, 46}, 12);
        Frame<PF::BGR24> bgr({99, 45});
        Frame<PF::RGBA32> rgba({98, 46});
        YuvToRgbUnpacker<PF::BGR24>{o}.convert(i420.view(), bgr.view());
        YuvToRgbUnpacker<PF::RGBA32>{o}.convert(nv12.view(), rgba.view());
        const auto e1 = test::measure_rgb_error(i420.view(), bgr.view(), spec, s);
        const auto e2 = test::measure_rgb_error(nv12.view(), rgba.view(), spec, s);
        CHECK(e1.max < 0.65);
        CHECK(e2.max < 0.65);
        CHECK(e2.alpha_opaque);
      }
    }
  }
}

TEST_CASE("Unpackers map textbook code values to their colours") {
  // BT.601 limited: Y' 16 / 235 are black / white, neutral chroma stays grey exactly, and the
  // 75% bars' primaries (Y' 65, Cb 100, Cr 212 is 75% red) decode to their RGB within 1.
  Frame<PF::I420> f({4, 2});
  auto fill = [&](int y, int cb, int cr) {
    std::fill_n(f.view().plane(0), 4, static_cast<std::uint8_t>(y));
    std::fill_n(f.view().row(0, 1), 4, static_cast<std::uint8_t>(y));
    std::fill_n(f.view().plane(1), 2, static_cast<std::uint8_t>(cb));
    std::fill_n(f.view().plane(2), 2, static_cast<std::uint8_t>(cr));
  };
  Frame<PF::RGB24> out({4, 2});
  const YuvToRgbUnpacker<PF::RGB24> u;
  fill(16, 128, 128);
  u.convert(f.view(), out.view());
  CHECK(rgb_at(out.view(), 1, 1) == std::array{0, 0, 0});
  fill(235, 128, 128);
  u.convert(f.view(), out.view());
  CHECK(rgb_at(out.view(), 2, 0) == std::array{255, 255, 255});
  for (int y = 17; y < 235; y += 7) {
    fill(y, 128, 128);
    u.convert(f.view(), out.view());
    const auto grey = rgb_at(out.view(), 0, 0);
    CHECK(grey[0] == grey[1]);
    CHECK(grey[1] == grey[2]);
  }
  fill(81, 90, 240);  // BT.601 limited 100% red
  u.convert(f.view(), out.view());
  const auto red = rgb_at(out.view(), 3, 1);
  CHECK(red[0] >= 254);
  CHECK(red[1] <= 1);
  CHECK(red[2] <= 1);
}

TEST_CASE("Centre siting interpolates between samples; left siting keeps even columns exact") {
  // One chroma row: Cb 128 everywhere, Cr steps 128 -> 200 between chroma columns 1 and 2.
  // BT.601 full range so that R = Y' + 1.402 (Cr - 128) is easy to read.
  Frame<PF::I420> f({8, 2});
  std::fill_n(f.view().plane(0), 8, std::uint8_t{100});
  std::fill_n(f.view().row(0, 1), 8, std::uint8_t{100});
  const std::uint8_t cr[] = {128, 128, 200, 200};
  std::fill_n(f.view().plane(1), 4, std::uint8_t{128});
  std::copy(cr, cr + 4, f.view().plane(2));
  Frame<PF::RGB24> centre({8, 2});
  Frame<PF::RGB24> left({8, 2});
  YuvToRgbUnpacker<PF::RGB24>{{.range = Range::Full, .chroma_site = ChromaSite::Center}}.convert(
      f.view(), centre.view());
  YuvToRgbUnpacker<PF::RGB24>{{.range = Range::Full, .chroma_site = ChromaSite::Left}}.convert(
      f.view(), left.view());
  auto red = [](const Frame<PF::RGB24>& g, int x) { return rgb_at(g.view(), x, 0)[0]; };
  // Centre: x = 3 is 3/4 of column 1 (128) + 1/4 of column 2 (200): Cr 146, R = 100 + 25.2.
  CHECK(red(centre, 2) == 100);
  CHECK(red(centre, 3) == 125);
  CHECK(red(centre, 4) == 176);  // 3/4 of 200 + 1/4 of 128: Cr 182, R = 100 + 75.7
  // Left: x = 3 halfway between columns 1 and 2 (Cr 164, R = 150.5), x = 4 is column 2 itself.
  CHECK(red(left, 2) == 100);
  CHECK(abs(red(left, 3) - 150) <= 1);
  CHECK(red(left, 4) == 201);  // Cr 200: R = 100 + 100.9
}

TEST_CASE("An unpacker reads padded strides and leaves the destination's padding alone") {
  const Size size{21, 7};
  const Frame<PF::I420> tight = random_yuv<PF::I420>(size, 3);
  // The same picture in planes with 13 bytes of padding per row.
  std::vector<std::uint8_t> y(34 * 7), u(24 * 4), v(24 * 4);
  for (int r = 0; r < 7; ++r) std::copy_n(tight.view().row(0, r), 21, y.data() + 34 * r);
  for (int r = 0; r < 4; ++r) {
    std::copy_n(tight.view().row(1, r), 11, u.data() + 24 * r);
    std::copy_n(tight.view().row(2, r), 11, v.data() + 24 * r);
  }
  const FrameView<PF::I420> padded(size, {y.data(), u.data(), v.data()}, {34, 24, 24});
  // Destination rows of 84 bytes, 96 apart; the 12 bytes between them must stay 0xAB.
  std::vector<std::uint8_t> out(96 * 7, 0xAB);
  const FrameView<PF::BGRA32> out_view(size, {out.data(), nullptr, nullptr}, {96, 0, 0});
  Frame<PF::BGRA32> expected(size);
  const YuvToRgbUnpacker<PF::BGRA32> u4;
  u4.convert(tight.view(), expected.view());
  u4.convert(padded, out_view);
  for (int r = 0; r < 7; ++r) {
    const auto row = out.begin() + 96 * r;
    CHECK(std::equal(row, row + 84, expected.view().row(0, r)));
    CHECK(std::all_of(row + 84, row + 96, [](std::uint8_t b) { return b == 0xAB; }));
  }
}

TEST_CASE("YuvToRgbUnpacker rejects frames of different sizes") {
  const Frame<PF::I420> src({8, 8});
  Frame<PF::BGR24> dst({8, 6});
  CHECK_THROWS_AS(YuvToRgbUnpacker<PF::BGR24>{}.convert(src.view(), dst.view()), InvalidArgument);
}

TEST_CASE("Band-parallel unpacking writes the same bytes as one thread, any size and count") {
  for (const Size size : {Size{1, 1}, Size{3, 5}, Size{64, 9}, Size{641, 361}, Size{1920, 1080}}) {
    const Frame<PF::NV12> nv12 = random_yuv<PF::NV12>(size, 7);
    const Frame<PF::I420> i420 = random_yuv<PF::I420>(size, 8);
    Frame<PF::BGR24> one(size), many(size);
    const YuvToRgbUnpacker<PF::BGR24> single{{.chroma_site = ChromaSite::Left}};
    for (const unsigned threads : {2u, 3u, 8u}) {
      CAPTURE(size.width);
      CAPTURE(threads);
      const YuvToRgbUnpacker<PF::BGR24> banded{
          {.chroma_site = ChromaSite::Left, .threads = threads}};
      CHECK(banded.threads() == threads);
      single.convert(nv12.view(), one.view());
      banded.convert(nv12.view(), many.view());
      CHECK(std::equal(one.data(), one.data() + one.size_bytes(), many.data()));
      single.convert(i420.view(), one.view());
      banded.convert(i420.view(), many.view());
      CHECK(std::equal(one.data(), one.data() + one.size_bytes(), many.data()));
    }
  }
}
