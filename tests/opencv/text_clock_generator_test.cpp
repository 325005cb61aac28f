#include "framepipe/opencv/text_clock_generator.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace framepipe;

namespace {

struct InkBox {
  int left = 1 << 30, top = 1 << 30, right = -1, bottom = -1;
  long pixels = 0;
};

/// The bounding box of every non-black pixel.
InkBox find_ink(FrameView<PixelFormat::BGR24> f) {
  InkBox box;
  for (int y = 0; y < f.height(); ++y) {
    for (int x = 0; x < f.width(); ++x) {
      const std::uint8_t* p = f.row(0, y) + 3 * x;
      if (p[0] | p[1] | p[2]) {
        box.left = std::min(box.left, x);
        box.right = std::max(box.right, x);
        box.top = std::min(box.top, y);
        box.bottom = std::max(box.bottom, y);
        ++box.pixels;
      }
    }
  }
  return box;
}

}  // namespace

TEST_CASE("TextClockGenerator formats the time with six decimals") {
  CHECK(TextClockGenerator::text_for(FrameTime::at(0, {30, 1})) == "0.000000");
  CHECK(TextClockGenerator::text_for(FrameTime::at(37, {30, 1})) == "1.233333");
  CHECK(TextClockGenerator::text_for(FrameTime::at(149, {30, 1})) == "4.966667");
}

TEST_CASE("TextClockGenerator draws centred text on black, in the colour asked for") {
  TextClockGenerator gen{{.size = {320, 240}, .color = {255, 200, 0}}};
  CHECK(gen.size() == Size{320, 240});
  Frame<PixelFormat::BGR24> frame({320, 240});
  std::fill_n(frame.data(), frame.size_bytes(), std::uint8_t{77});  // must be cleared
  gen.generate(frame.view(), FrameTime::at(37, {30, 1}));

  const InkBox ink = find_ink(frame.view());
  REQUIRE(ink.pixels > 200);
  // Centred: the ink's midpoint is within a few pixels of the frame's centre.
  CHECK(std::abs((ink.left + ink.right) / 2 - 160) <= 4);
  CHECK(std::abs((ink.top + ink.bottom) / 2 - 120) <= 6);
  // Corners stay black.
  CHECK(ink.left > 20);
  CHECK(ink.top > 60);
  CHECK(ink.bottom < 180);

  // Drawn in BGR, so a colour of R=255, G=200, B=0 lands as such (anti-aliased edges are the same
  // colour scaled towards black): blue is never set, and full-strength pixels are exact.
  bool blue_free = true;
  bool has_full_colour = false;
  for (int y = 0; y < 240; ++y) {
    for (int x = 0; x < 320; ++x) {
      const std::uint8_t* p = frame.view().row(0, y) + 3 * x;
      blue_free = blue_free && p[0] == 0;
      has_full_colour = has_full_colour || (p[2] == 255 && p[1] == 200);
    }
  }
  CHECK(blue_free);
  CHECK(has_full_colour);
}

TEST_CASE("TextClockGenerator draws in the tutorial's yellow by default") {
  // The tutorial's putText colour was (0, 255, 255): yellow in BGR. The README's picture shows it.
  CHECK(TextClockOptions{}.color == Rgb{255, 255, 0});
  TextClockGenerator gen;
  Frame<PixelFormat::BGR24> frame(gen.size());
  gen.generate(frame.view(), FrameTime::at(37, {30, 1}));
  int yellow = 0;
  int other = 0;
  for (int y = 0; y < frame.height(); ++y) {
    for (int x = 0; x < frame.width(); ++x) {
      const std::uint8_t* p = frame.view().row(0, y) + 3 * x;
      if (p[0] == 0 && p[1] == 255 && p[2] == 255) ++yellow;
      if (p[0] != 0 || p[1] != p[2]) ++other;  // blue, or red and green apart: not a yellow
    }
  }
  CHECK(yellow > 0);  // a thin anti-aliased stroke: few pixels at full strength
  CHECK(other == 0);
}

TEST_CASE("TextClockGenerator scales its font with the frame, and works at tiny and odd sizes") {
  TextClockGenerator big{{.size = {1280, 720}}};
  CHECK(big.options().font_scale == doctest::Approx(3.0));
  CHECK(big.options().thickness == 3);
  Frame<PixelFormat::BGR24> frame({1280, 720});
  big.generate(frame.view(), FrameTime::at(1, {30, 1}));
  const InkBox ink = find_ink(frame.view());
  CHECK(ink.right - ink.left > 400);

  for (Size s : {Size{1, 1}, Size{3, 3}, Size{321, 241}}) {
    TextClockGenerator tiny{{.size = {s.width, s.height}}};
    Frame<PixelFormat::BGR24> f(s);
    CHECK_NOTHROW(tiny.generate(f.view(), FrameTime::at(5, {30, 1})));
  }
}

TEST_CASE("TextClockGenerator rejects bad options") {
  CHECK_THROWS_AS(TextClockGenerator({.size = {0, 240}}), InvalidArgument);
  CHECK_THROWS_AS(TextClockGenerator({.size = {320, 240}, .font_scale = -1}), InvalidArgument);
}
