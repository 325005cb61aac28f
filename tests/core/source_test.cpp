#include "framepipe/core/source.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

#include "framepipe/convert/function_converter.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/sinks/callback_sink.hpp"
#include "framepipe/sinks/null_sink.hpp"
#include "support/vector_source.hpp"

using namespace framepipe;
using namespace std::chrono_literals;
using PF = PixelFormat;
using Source420 = test::VectorSource<PF::I420>;

namespace {

void count_release(void* owner, void*) noexcept { ++*static_cast<int*>(owner); }

const StreamSpec kSpec{.size = {8, 6},
                       .fps = {25, 1},
                       .color = ColorSpec{Matrix::BT709, Range::Full},
                       .chroma_site = ChromaSite::Left};

/// I420 -> GRAY8 by taking the luma plane, recording which plane it read.
auto luma_of(std::vector<const std::uint8_t*>& read_from) {
  return FunctionConverter<PF::I420, PF::GRAY8>{
      [&read_from](FrameView<PF::I420> in, FrameView<PF::GRAY8> out) {
        read_from.push_back(in.plane(0));
        for (int y = 0; y < in.height(); ++y) std::copy_n(in.row(0, y), in.width(), out.row(0, y));
      }};
}

}  // namespace

TEST_CASE("LentFrame gives its frame back once: on release, on destruction, never twice") {
  int released = 0;
  Frame<PF::GRAY8> memory({2, 2});
  {
    LentFrame<PF::GRAY8> a(memory.view(), FrameTime::at(3, {30, 1}), &count_release, &released,
                           nullptr);
    CHECK(static_cast<bool>(a));
    CHECK(a.view().plane(0) == memory.data());
    CHECK(a.time().index == 3);
    LentFrame<PF::GRAY8> b = std::move(a);
    CHECK_FALSE(static_cast<bool>(a));  // NOLINT(bugprone-use-after-move): moved-from is empty
    CHECK(released == 0);
    b.release();
    CHECK(released == 1);
    b.release();
    CHECK(released == 1);
    LentFrame<PF::GRAY8> c(memory.view(), {}, &count_release, &released, nullptr);
    c = LentFrame<PF::GRAY8>(memory.view(), {}, &count_release, &released, nullptr);
    CHECK(released == 2);  // assigning over c gave c's frame back
  }
  CHECK(released == 3);  // and c's second frame at the end of the scope
}

TEST_CASE("Source is the conjunction of its named traits") {
  static_assert(Source<Source420>);
  static_assert(OpensStream<Source420> && LendsFrames<Source420> && HasStop<Source420>);
  static_assert(!Source<NullSink>);
  static_assert(detail::MeansToLend<Source420>);
  CHECK(Source<test::VectorSource<PF::NV12>>);
}

TEST_CASE("Pipeline with a lending source: the first converter reads each lent frame in place") {
  Source420::Log log;
  std::vector<const std::uint8_t*> read_from;
  std::vector<std::uint8_t> first_bytes;
  StreamSpec sink_spec;
  CallbackSink<PF::GRAY8> sink{[&](FrameView<PF::GRAY8> f, const FrameTime& t) {
    first_bytes.push_back(f.row(0, 0)[0]);
    CHECK(t == FrameTime::at(t.index, {25, 1}));
  }};
  Pipeline p{Source420{kSpec, 5, &log}, luma_of(read_from), sink};
  const Stats s = p.run({});  // frames = 0: to the end of the stream
  CHECK(s.frames == 5);
  CHECK(read_from == log.lent);  // zero copy: the converter read the source's own memory
  CHECK(log.released == 5);      // every frame went back
  CHECK(first_bytes == std::vector<std::uint8_t>{0, 1, 2, 3, 4});
  CHECK(log.starts == 1);
  CHECK(log.stops == 1);
  sink_spec = p.sink().spec();
  CHECK(sink_spec.size == Size{8, 6});
  CHECK(sink_spec.fps == FrameRate{25, 1});
  CHECK_FALSE(sink_spec.color.has_value());  // gray: no Y'CbCr colour any more

  CHECK(p.run({.frames = 2}).frames == 2);  // frames cuts the stream short
  CHECK(log.released == 7);
  CHECK(p.run({.duration = 100ms}).frames == 3);  // pts 0, 40, 80 ms
}

TEST_CASE("Pipeline with a lending source and no converter hands the source's colour on") {
  Source420::Log log;
  CallbackSink<PF::I420> sink{[](FrameView<PF::I420>, const FrameTime&) {}};
  Pipeline p{Source420{kSpec, 2, &log}, sink};
  CHECK(p.run({}).frames == 2);
  CHECK(p.sink().spec().color == kSpec.color);
  CHECK(p.sink().spec().chroma_site == ChromaSite::Left);
  CHECK(log.released == 2);
}

TEST_CASE("A lending source that throws ends the stream and is stopped; the pipeline runs again") {
  Source420::Log log;
  int finished = 0;
  CallbackSink<PF::I420> sink{[](FrameView<PF::I420>, const FrameTime&) {}, [&] { ++finished; }};
  Pipeline p{Source420{kSpec, 5, &log, std::nullopt, 2}, sink};
  CHECK_THROWS_WITH(p.run({}), "the source failed");
  CHECK(finished == 1);  // CallbackSink has no abort(): finished instead
  CHECK(log.stops == 1);
  CHECK(log.released == 2);
  CHECK_THROWS_WITH(p.run({}), "the source failed");
  CHECK(log.starts == 2);
}

TEST_CASE("request_stop() ends a run waiting for a live source's next frame") {
  Source420::Log log;
  int finished = 0;
  CallbackSink<PF::I420> sink{[](FrameView<PF::I420>, const FrameTime&) {}, [&] { ++finished; }};
  Pipeline p{Source420{kSpec, 10, &log, 3}, sink};
  Stats result;
  std::thread runner([&] { result = p.run({}); });
  REQUIRE(p.first_stage().wait_until_blocked(10s));
  p.request_stop();
  runner.join();
  CHECK(result.frames == 3);
  CHECK(finished == 1);  // the sink is healthy: the stream ends through finish()
  CHECK(log.stops == 1);
}
