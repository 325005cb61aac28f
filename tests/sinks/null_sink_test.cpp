#include "framepipe/sinks/null_sink.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("NullSink lends a frame of the started format and counts submits") {
  NullSink sink;
  static_assert(NullSink::accepts<PixelFormat::NV12>);
  CHECK_THROWS_AS(sink.acquire<PixelFormat::I420>(), Error);  // not started
  sink.start({.format = PixelFormat::I420, .size = {33, 17}, .fps = {30, 1}});
  const auto v = sink.acquire<PixelFormat::I420>();
  CHECK(v.size() == Size{33, 17});
  CHECK(v.stride(0) == 36);
  v.row(2, 8)[16] = 1;  // the last byte of the V plane is writable
  CHECK_THROWS_AS(sink.acquire<PixelFormat::BGR24>(), Error);  // another format
  sink.submit(FrameTime::at(0, {30, 1}));
  sink.submit(FrameTime::at(1, {30, 1}));
  sink.finish();
  CHECK(sink.frames() == 2);
}

TEST_CASE("A copy of a NullSink starts without storage of its own") {
  NullSink a;
  a.start({.format = PixelFormat::GRAY8, .size = {4, 4}});
  NullSink b = a;
  CHECK_THROWS_AS(b.acquire<PixelFormat::GRAY8>(), Error);
  b.start({.format = PixelFormat::GRAY8, .size = {4, 4}});
  CHECK(b.acquire<PixelFormat::GRAY8>().plane(0) != a.acquire<PixelFormat::GRAY8>().plane(0));
}
