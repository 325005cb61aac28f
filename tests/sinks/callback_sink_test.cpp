#include "framepipe/sinks/callback_sink.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("CallbackSink hands every submitted frame and time to its function") {
  int frames = 0;
  bool finished = false;
  CallbackSink<PixelFormat::BGR24> sink{[&](FrameView<PixelFormat::BGR24> f, const FrameTime& t) {
                                          CHECK(f.row(0, 1)[5] == t.index);
                                          ++frames;
                                        },
                                        [&] { finished = true; }};
  CHECK_THROWS_AS(sink.acquire(), Error);
  sink.start({.format = PixelFormat::BGR24, .size = {2, 2}, .fps = {30, 1}});
  for (std::uint64_t i = 0; i < 3; ++i) {
    sink.acquire().row(0, 1)[5] = static_cast<std::uint8_t>(i);
    sink.submit(FrameTime::at(i, {30, 1}));
  }
  sink.finish();
  CHECK(frames == 3);
  CHECK(finished);
  CHECK(sink.spec().size == Size{2, 2});
}
