// AppSrcSink under load and in live use, through Pipeline: bounded memory with a slow consumer
// (nothing lost with Block, every loss counted with the drop policies), counters readable while
// running, real-time pacing measured at a sync=false sink, live latency, request_stop() leaving a
// playable file.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/generators/function_generator.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr FrameRate kRate{30, 1};
constexpr Size kVga{640, 480};
constexpr std::uint64_t kSlowFrames = 2000;

/// Writes the frame index into the first 8 bytes of the frame: what reaches the sink tells which
/// frame it is, and that its memory was not reused while GStreamer held it.
FunctionGenerator<PixelFormat::I420> stamping_generator() {
  return FunctionGenerator<PixelFormat::I420>{
      {.size = {kVga.width, kVga.height}}, [](FrameView<PixelFormat::I420> f, const FrameTime& t) {
        std::memcpy(f.plane(0), &t.index, sizeof t.index);
      }};
}

/// What reached fakesink: the stamp (see stamping_generator) and OFFSET of a buffer.
struct StampEntry {
  std::uint64_t stamp;
  std::uint64_t offset;
};

std::optional<StampEntry> read_stamp(GstBuffer* buffer) noexcept {
  StampEntry entry{~std::uint64_t{0}, GST_BUFFER_OFFSET(buffer)};
  GstMapInfo map;
  if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    if (map.size >= sizeof entry.stamp) std::memcpy(&entry.stamp, map.data, sizeof entry.stamp);
    gst_buffer_unmap(buffer, &map);
  }
  return entry;
}

using StampRecorder = test::HandoffRecorder<StampEntry>;

/// identity sleeps 1.5 ms per buffer in appsrc's streaming thread: downstream takes ~3 s for the
/// 2,000 frames a generator that only stamps them makes in a few milliseconds.
constexpr const char* kSlowDownstream =
    "identity sleep-time=1500 ! fakesink name=out sync=false enable-last-sample=false";

struct SlowRun {
  Stats stats;
  std::vector<StampEntry> received;
  std::size_t peak_slots = 0;
  std::uint64_t sink_dropped = 0;
  std::uint64_t sink_pushed = 0;
  std::size_t max_seen_in_use = 0;  // sampled from another thread during the run
  std::size_t allocated = 0;        // slots the pool allocated
  std::size_t peak_live = 0;        // most GstBuffers alive downstream of appsrc at once
};

SlowRun run_slow(Backpressure policy) {
  AppSrcSink sink{
      kSlowDownstream,
      {.pool_size = 4, .backpressure = policy, .acquire_timeout = 10s, .appsrc_name = "src"}};
  const StampRecorder recorder(sink.element("out").get(), &read_stamp, kSlowFrames);
  // Buffers alive past appsrc, counted by GStreamer (probe + weak reference), not by the pool.
  const detail::GstObjectPtr<GstPad> pad(
      gst_element_get_static_pad(sink.element("src").get(), "src"));
  const test::LiveBufferCounter live(pad.get());
  Pipeline pipeline{stamping_generator(), std::move(sink)};
  std::atomic<bool> done{false};
  std::atomic<std::size_t> max_in_use{0};
  std::thread watcher([&] {
    while (!done.load()) {
      max_in_use = std::max(max_in_use.load(), pipeline.sink().slots_in_use());
      std::this_thread::sleep_for(200us);
    }
  });
  SlowRun r;
  try {
    r.stats = pipeline.run({.frames = kSlowFrames, .fps = kRate});
  } catch (...) {
    done = true;
    watcher.join();
    throw;
  }
  done = true;
  watcher.join();
  r.received = recorder.entries();
  r.peak_slots = pipeline.sink().peak_slots_in_use();
  r.sink_dropped = pipeline.sink().dropped();
  r.sink_pushed = pipeline.sink().pushed();
  r.max_seen_in_use = max_in_use;
  r.allocated = pipeline.sink().slots_allocated();
  r.peak_live = live.peak();
  return r;
}

void check_received_in_order(const SlowRun& r) {
  for (std::size_t i = 0; i < r.received.size(); ++i) {
    CAPTURE(i);
    REQUIRE(r.received[i].stamp == r.received[i].offset);  // its own pixels, not another frame's
    if (i > 0) REQUIRE(r.received[i].offset > r.received[i - 1].offset);
  }
}

}  // namespace

// ---- A slow consumer: memory stays bounded; nothing is lost, or every loss is counted ----------

TEST_CASE("slow consumer, Block: 2,000 VGA frames, never more than the pool, none lost") {
  const SlowRun r = run_slow(Backpressure::Block);
  CHECK(r.stats.frames == kSlowFrames);
  CHECK(r.stats.dropped == 0);
  CHECK(r.sink_dropped == 0);
  CHECK(r.sink_pushed == kSlowFrames);
  // A producer merely ahead of a slow consumer waits: the pool does not grow for it.
  CHECK(r.allocated == 4);
  CHECK(r.peak_slots <= 4);
  CHECK(r.peak_slots >= 3);  // the producer really was ahead: the pool filled up
  CHECK(r.max_seen_in_use <= 4);
  CHECK(r.peak_live >= 1);
  CHECK(r.peak_live <= 4);
  CHECK(r.stats.acquire > 1s);  // the time went into waiting for downstream
  REQUIRE(r.received.size() == kSlowFrames);
  for (std::uint64_t i = 0; i < kSlowFrames; ++i) {
    CAPTURE(i);
    REQUIRE(r.received[i].offset == i);
    REQUIRE(r.received[i].stamp == i);
  }
}

TEST_CASE("slow consumer, DropNewest: acquire() never waits, every lost frame is counted") {
  const SlowRun r = run_slow(Backpressure::DropNewest);
  CHECK(r.stats.frames == kSlowFrames);
  CHECK(r.stats.dropped > 0);
  CHECK(r.stats.dropped == r.sink_dropped);
  CHECK(r.stats.delivered() == r.received.size());
  CHECK(r.received.size() + r.stats.dropped == kSlowFrames);  // lost ones are all counted
  CHECK(r.sink_pushed == r.received.size());
  CHECK(r.allocated == 4);  // drop policies never grow the pool
  CHECK(r.peak_slots <= 4);
  CHECK(r.max_seen_in_use <= 4);
  CHECK(r.peak_live <= 4);
  check_received_in_order(r);
  // The first frames find free slots; the new ones are the ones that go.
  REQUIRE(r.received.size() >= 4);
  for (std::uint64_t i = 0; i < 4; ++i) CHECK(r.received[i].offset == i);
}

TEST_CASE("slow consumer, DropOldest: the newest frames win, every lost frame is counted") {
  const SlowRun r = run_slow(Backpressure::DropOldest);
  CHECK(r.stats.frames == kSlowFrames);
  CHECK(r.stats.dropped > 0);
  CHECK(r.stats.dropped == r.sink_dropped);
  CHECK(r.stats.delivered() == r.received.size());
  CHECK(r.received.size() + r.stats.dropped == kSlowFrames);
  CHECK(r.allocated == 4);
  CHECK(r.peak_slots <= 4);
  CHECK(r.max_seen_in_use <= 4);
  CHECK(r.peak_live <= 4);
  check_received_in_order(r);
  REQUIRE(!r.received.empty());
  CHECK(r.received.back().offset == kSlowFrames - 1);  // the last frame always gets through
}

// ---- Drop policies, frame by frame
// ----------------------------------------------------------------

TEST_CASE("DropNewest: with every slot held downstream, new frames go to a scratch frame") {
  AppSrcSink sink{"appsink name=out sync=false",
                  {.pool_size = 2, .backpressure = Backpressure::DropNewest}};
  sink.start({PixelFormat::GRAY8, {8, 8}, kRate});
  const auto started = std::chrono::steady_clock::now();
  std::vector<const std::uint8_t*> lent;
  for (std::uint64_t i = 0; i < 5; ++i) {
    const FrameView<PixelFormat::GRAY8> f = sink.acquire<PixelFormat::GRAY8>();
    f.plane(0)[0] = static_cast<std::uint8_t>(i);
    lent.push_back(f.plane(0));
    sink.submit(FrameTime::at(i, kRate));
  }
  CHECK(std::chrono::steady_clock::now() - started < 2s);  // nobody pulls, yet nothing waited
  CHECK(sink.pushed() == 2);
  CHECK(sink.dropped() == 3);
  CHECK(sink.counters().dropped == 3);
  CHECK(lent[2] == lent[3]);  // the scratch frame, reused
  CHECK(lent[2] != lent[0]);
  CHECK(lent[2] != lent[1]);
  const ElementRef appsink = sink.element("out");
  for (std::uint8_t i = 0; i < 2; ++i) {
    const detail::SamplePtr sample = test::pull_sample(appsink.get());
    GstMapInfo map;
    REQUIRE(gst_buffer_map(gst_sample_get_buffer(sample.get()), &map, GST_MAP_READ));
    CHECK(map.data[0] == i);
    gst_buffer_unmap(gst_sample_get_buffer(sample.get()), &map);
  }
  sink.finish();
  CHECK(sink.dropped() == 3);
}

TEST_CASE("DropOldest: a full appsrc queue discards its oldest frame, counted") {
  // fakesink sync=true holds frame 0 (an hour in the future) in the streaming thread; later frames
  // queue in appsrc, which keeps pool_size - 2 = 2 of them and discards the oldest.
  AppSrcSink sink{"fakesink sync=true",
                  {.pool_size = 4,
                   .backpressure = Backpressure::DropOldest,
                   .eos_timeout = 300ms,
                   .appsrc_name = "src"}};
  sink.start({PixelFormat::GRAY8, {8, 8}, kRate});
  const ElementRef appsrc = sink.element("src");
  guint64 max_buffers = 0;
  g_object_get(appsrc.get(), "max-buffers", &max_buffers, nullptr);
  CHECK(max_buffers == 2);
  sink.acquire<PixelFormat::GRAY8>();
  sink.submit(FrameTime{0, 3600 * GST_SECOND, 1});
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  guint64 queued = 1;
  while (queued != 0 && std::chrono::steady_clock::now() < deadline) {
    g_object_get(appsrc.get(), "current-level-buffers", &queued, nullptr);
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(queued == 0);  // frame 0 left appsrc: the sink holds it
  for (std::uint64_t i = 1; i < 10; ++i) {
    sink.acquire<PixelFormat::GRAY8>();
    sink.submit(FrameTime{i, 3600 * GST_SECOND + i, 1});
  }
  CHECK(sink.pushed() == 10);
  CHECK(sink.dropped() == 7);  // frames 1..7 were discarded; 8 and 9 wait in appsrc
  CHECK(sink.slots_in_use() == 3);
  CHECK(sink.peak_slots_in_use() == 4);
  CHECK_THROWS_AS(sink.finish(), Timeout);  // EOS cannot pass the frame an hour ahead
  // Stopping flushed 8 and 9 out of appsrc: lost too, and counted.
  CHECK(sink.dropped() == 9);
  CHECK(sink.slots_in_use() == 0);
}

// ---- Live use through Pipeline ----------------------------------------------------------------

/// When a buffer reached fakesink, by the steady clock, and its pts.
struct ArrivalEntry {
  std::chrono::steady_clock::time_point at;
  std::uint64_t pts;
};

std::optional<ArrivalEntry> read_arrival(GstBuffer* buffer) noexcept {
  return ArrivalEntry{std::chrono::steady_clock::now(), GST_BUFFER_PTS(buffer)};
}

TEST_CASE("real-time pacing hands each frame over at its time, not before (sync=false sink)") {
  // fakesink sync=false renders each buffer the moment it arrives, so the hand-off times are the
  // pacing of Pipeline and AppSrcSink alone. Only loose bounds: a loaded machine makes frames
  // late, never early, so "not early" is the sharp check and "roughly on time" the loose one.
  AppSrcSink sink{"fakesink name=live sync=false enable-last-sample=false"};
  const test::HandoffRecorder<ArrivalEntry> recorder(sink.element("live").get(), &read_arrival, 30);
  Pipeline pipeline{FunctionGenerator<PixelFormat::GRAY8>{
                        {.size = {64, 48}}, [](FrameView<PixelFormat::GRAY8>, auto&) {}},
                    std::move(sink)};
  const Stats s = pipeline.run({.frames = 30, .fps = kRate, .pacing = Pacing::RealTime});
  CHECK(s.frames + s.late == 30);
  const std::vector<ArrivalEntry> arrivals = recorder.entries();
  REQUIRE(arrivals.size() == s.frames);
  REQUIRE(arrivals.size() >= 10);
  const auto origin = arrivals.front().at - std::chrono::nanoseconds(arrivals.front().pts);
  std::size_t near = 0;
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    CAPTURE(i);
    const auto due = origin + std::chrono::nanoseconds(arrivals[i].pts);
    CHECK(arrivals[i].at >= due - 20ms);  // never handed over early
    if (arrivals[i].at <= due + 250ms) ++near;
  }
  // The last frame came about a second after the first: the run was paced, not free-running.
  CHECK(arrivals.back().at - arrivals.front().at >= 800ms);
  CHECK(near * 2 >= arrivals.size());  // most frames within a generous tolerance of their time
}

TEST_CASE(
    "a live run states appsrc's latency: no \"add queues\" warning; real warnings still come") {
  std::vector<std::pair<LogLevel, std::string>> logged;
  AppSrcSink sink{
      "identity name=grumbler ! fakesink name=live sync=true",
      {.appsrc_name = "src", .on_log = [&logged](LogLevel level, const std::string& text) {
         logged.emplace_back(level, text);
       }}};
  GstElement* grumbler = sink.element("grumbler").get();
  const ElementRef appsrc = sink.element("src");
  Pipeline pipeline{FunctionGenerator<PixelFormat::GRAY8>{
                        {.size = {64, 48}},
                        [grumbler](FrameView<PixelFormat::GRAY8>, const FrameTime& t) {
                          if (t.index == 5) {
                            GST_ELEMENT_WARNING(grumbler, STREAM, FAILED,
                                                ("framepipe live test warning"), (nullptr));
                          }
                        }},
                    std::move(sink)};
  const Stats s = pipeline.run({.frames = 15, .fps = kRate, .pacing = Pacing::RealTime});
  CHECK(s.frames + s.late == 15);
  gint64 min_latency = 1;
  gint64 max_latency = 0;
  g_object_get(appsrc.get(), "min-latency", &min_latency, "max-latency", &max_latency, nullptr);
  CHECK(min_latency == 0);
  CHECK(max_latency == -1);  // appsrc's queue is unbounded with Block
  for (const auto& [level, text] : logged) {
    CAPTURE(text);
    CHECK(text.find("add queues") == std::string::npos);
  }
  // The check above can fail: on_log does receive warnings from this pipeline.
  CHECK(std::any_of(logged.begin(), logged.end(), [](const auto& entry) {
    return entry.second.find("framepipe live test warning") != std::string::npos;
  }));
}

TEST_CASE(
    "request_stop() from another thread leaves a playable WebM with every frame run() counted") {
  const test::TempDir dir;
  const std::filesystem::path file = dir / "stopped.webm";
  Pipeline pipeline{FunctionGenerator<PixelFormat::BGR24>{
                        {.size = {160, 120}},
                        [](FrameView<PixelFormat::BGR24> f, const FrameTime& t) {
                          for (int y = 0; y < f.height(); ++y) {
                            std::memset(f.row(0, y), static_cast<int>(t.index * 7 % 256), 3 * 160);
                          }
                        }},
                    I420Packer{},
                    AppSrcSink{"videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=" +
                               file.string()}};
  Stats result;
  std::thread runner([&] { result = pipeline.run({.frames = 100000, .fps = kRate}); });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pipeline.stats().frames < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  pipeline.request_stop();
  runner.join();
  CHECK(result.frames >= 20);
  CHECK(result.frames < 100000);
  CHECK(result.dropped == 0);
  const test::DecodedVideo video = test::decode_file(file);
  CHECK(video.frames.size() == result.frames);
}
