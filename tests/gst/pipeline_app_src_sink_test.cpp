// Pipeline runs into AppSrcSink that end early -- a stage throws, a stop is requested -- still end
// the stream: the file is playable and the same Pipeline runs again. Sequential and overlapped
// (RunOptions::overlap) runs alike.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

#include "framepipe/convert/function_converter.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/generators/function_generator.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;
using PF = PixelFormat;

namespace {

/// Flat grey frames; throws when asked to draw frame `throw_at`.
FunctionGenerator<PF::BGR24> failing_generator(std::uint64_t throw_at) {
  return FunctionGenerator<PF::BGR24>{{.size = {64, 48}},
                                      [throw_at](FrameView<PF::BGR24> f, const FrameTime& t) {
                                        if (t.index == throw_at)
                                          throw std::runtime_error("the camera went away");
                                        for (int y = 0; y < f.height(); ++y)
                                          std::fill_n(f.row(0, y), 3 * f.width(), 128);
                                      }};
}

std::string webm_sink(const std::filesystem::path& file) {
  return "videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=\"" + file.string() + "\"";
}

}  // namespace

TEST_CASE("A generator that throws mid-run leaves a playable file, and the pipeline runs again") {
  for (const bool overlap : {false, true}) {
    CAPTURE(overlap);
    test::TempDir dir("pipeline_abort");
    const auto first = dir.path() / "first.webm";
    Pipeline p{failing_generator(10), I420Packer{}, AppSrcSink{webm_sink(first)}};
    CHECK_THROWS_WITH(p.run({.frames = 30, .overlap = overlap}), "the camera went away");
    // Overlapped too, every frame before the failing one reaches the sink, and no later one.
    CHECK(p.stats().frames == 10);
    CHECK(test::decode_file(first).frames.size() == 10);

    // The sink was ended, not left streaming: another run starts (it throws at the same frame).
    CHECK_THROWS_WITH(p.run({.frames = 30, .overlap = overlap}), "the camera went away");
    CHECK(test::decode_file(first).frames.size() == 10);
  }
}

TEST_CASE(
    "A converter that throws in an overlapped run leaves a playable file of the frames before") {
  test::TempDir dir("pipeline_overlap_convert");
  const auto file = dir.path() / "converted.webm";
  int converted = 0;  // one lane at a time calls the converter, in frame order
  Pipeline p{failing_generator(1000),
             FunctionConverter<PF::BGR24, PF::BGR24>{
                 [&](FrameView<PF::BGR24> in, FrameView<PF::BGR24> out) {
                   if (++converted == 13) throw std::runtime_error("the lens cap is on");
                   for (int y = 0; y < in.height(); ++y)
                     std::copy_n(in.row(0, y), 3 * in.width(), out.row(0, y));
                 }},
             I420Packer{}, AppSrcSink{webm_sink(file)}};
  CHECK_THROWS_WITH(p.run({.frames = 100, .overlap = true}), "the lens cap is on");
  CHECK(p.stats().frames == 12);
  CHECK(test::decode_file(file).frames.size() == 12);
}

TEST_CASE("request_stop() ends a run into AppSrcSink through EOS: the file is playable") {
  for (const bool overlap : {false, true}) {
    CAPTURE(overlap);
    test::TempDir dir("pipeline_stop");
    const auto file = dir.path() / "stopped.webm";
    std::uint64_t drawn = 0;
    Pipeline<FunctionGenerator<PF::BGR24>, I420Packer, AppSrcSink>* self = nullptr;
    Pipeline p{FunctionGenerator<PF::BGR24>{{.size = {64, 48}},
                                            [&](FrameView<PF::BGR24>, const FrameTime&) {
                                              if (++drawn == 7) self->request_stop();
                                            }},
               I420Packer{}, AppSrcSink{webm_sink(file)}};
    self = &p;
    const Stats s = p.run({.frames = 1000, .overlap = overlap});
    // The stop lands while the 7th frame is drawn: that frame may or may not reach the sink, and
    // in an overlapped run neither may the 6th (the other lane converts it meanwhile); the 5th
    // was pushed before the 7th was drawn, on the same lane.
    CHECK(s.frames >= (overlap ? 5 : 6));
    CHECK(s.frames <= 7);
    CHECK(test::decode_file(file).frames.size() == s.frames);
  }
}

TEST_CASE(
    "request_stop() ends a run whose sink waits for frames downstream holds, within a bound") {
  // Nobody pulls from the appsink, so it keeps every frame; with a fixed pool of 4 the run soon
  // waits in acquire() for a frame that never comes back.
  Pipeline p{TestPatternGenerator{{.size = {64, 48}}}, I420Packer{},
             AppSrcSink{"appsink name=out sync=false max-buffers=0",
                        {.pool_size = 4, .max_pool_bytes = 0, .acquire_timeout = 60s}}};
  Stats result;
  std::thread runner([&] { result = p.run({.frames = 1000}); });
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!p.sink().acquire_waiting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  REQUIRE(p.sink().acquire_waiting());
  const auto asked = std::chrono::steady_clock::now();
  p.request_stop();
  runner.join();
  // Far below the 60 s acquire_timeout and the 10 s eos_timeout: the wait was cut short and the
  // stream ended through the bounded abort().
  CHECK(std::chrono::steady_clock::now() - asked < 8s);
  CHECK(result.frames == 4);
  CHECK(p.sink().slots_in_use() == 0);  // the pipeline was stopped: every frame came back
}

namespace {

/// Counts the buffers crossing a pad (a probe that holds nothing).
GstPadProbeReturn count_buffer(GstPad*, GstPadProbeInfo*, gpointer counter) noexcept {
  static_cast<std::atomic<std::uint64_t>*>(counter)->fetch_add(1);
  return GST_PAD_PROBE_OK;
}

/// Holds the streaming thread on the pad until the pad flushes (a stop).
GstPadProbeReturn block_buffer(GstPad*, GstPadProbeInfo*, gpointer) noexcept {
  return GST_PAD_PROBE_OK;
}

}  // namespace

// Before ChainEngine::abort(Stats*) Stats reported all four frames delivered: the engine never
// read the sink's counters again after the abort.
TEST_CASE("after an abort, the frames flushed out of appsrc count as dropped, not delivered") {
  // The first frame stops at `gate` (a blocking probe), the next three queue inside appsrc; with
  // a fixed pool of 4 the run then waits in acquire(), and request_stop() ends it through the
  // bounded abort(), whose stop flushes the three frames out of appsrc.
  Pipeline p{TestPatternGenerator{{.size = {64, 48}}}, I420Packer{},
             AppSrcSink{"identity name=gate ! fakesink sync=false",
                        {.pool_size = 4, .max_pool_bytes = 0, .acquire_timeout = 60s}}};
  std::atomic<std::uint64_t> left_appsrc{0};
  const detail::GstObjectPtr<GstPad> appsrc_pad(
      gst_element_get_static_pad(p.sink().element(AppSrcSinkOptions{}.appsrc_name).get(), "src"));
  const detail::GstObjectPtr<GstPad> gate_pad(
      gst_element_get_static_pad(p.sink().element("gate").get(), "src"));
  gst_pad_add_probe(appsrc_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &count_buffer, &left_appsrc,
                    nullptr);
  gst_pad_add_probe(
      gate_pad.get(),
      static_cast<GstPadProbeType>(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BLOCK),
      &block_buffer, nullptr, nullptr);
  Stats result;
  std::thread runner([&] { result = p.run({.frames = 1000}); });
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!p.sink().acquire_waiting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  REQUIRE(p.sink().acquire_waiting());
  p.request_stop();
  runner.join();
  INFO("made " << result.frames << ", left appsrc " << left_appsrc.load() << ", dropped "
               << result.dropped << " (the sink counted " << p.sink().dropped() << ")");
  CHECK(result.frames == 4);
  CHECK(left_appsrc.load() == 1);
  CHECK(p.sink().dropped() == 3);
  // Made = sent + dropped: what Stats calls delivered is what left appsrc.
  CHECK(result.frames == left_appsrc.load() + result.dropped);
  CHECK(result.delivered() == left_appsrc.load());
}
