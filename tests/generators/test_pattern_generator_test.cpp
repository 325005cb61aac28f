#include "framepipe/generators/test_pattern_generator.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace framepipe;

TEST_CASE("TestPatternGenerator is deterministic and moves with the frame index") {
  TestPatternGenerator gen{{.size = {64, 48}}};
  CHECK(gen.size() == Size{64, 48});
  Frame<PixelFormat::BGR24> a({64, 48}), b({64, 48}), c({64, 48});
  gen.generate(a.view(), FrameTime::at(3, {30, 1}));
  gen.generate(b.view(), FrameTime::at(3, {30, 1}));
  gen.generate(c.view(), FrameTime::at(4, {30, 1}));
  CHECK(std::equal(a.data(), a.data() + a.size_bytes(), b.data()));
  CHECK_FALSE(std::equal(a.data(), a.data() + a.size_bytes(), c.data()));
  // Ramps: red grows to the right, green downwards.
  const auto v = a.view();
  CHECK(v.row(0, 40)[3 * 63 + 2] > v.row(0, 40)[3 * 0 + 2]);
  CHECK(v.row(0, 47)[3 * 50 + 1] > v.row(0, 0)[3 * 50 + 1]);
  // The white box sits at (3, 3) at frame 3.
  CHECK(v.row(0, 3)[3 * 3] == 255);
  CHECK(v.row(0, 3)[3 * 3 + 1] == 255);
  CHECK(v.row(0, 3)[3 * 3 + 2] == 255);
}

TEST_CASE("TestPatternGenerator handles 1x1 and rejects 0x0") {
  TestPatternGenerator gen{{.size = {1, 1}}};
  Frame<PixelFormat::BGR24> f({1, 1});
  CHECK_NOTHROW(gen.generate(f.view(), FrameTime::at(100, {30, 1})));
  CHECK_THROWS_AS(TestPatternGenerator({.size = {0, 0}}), InvalidArgument);
}
