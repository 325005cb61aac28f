// AppSinkSource against real GStreamer elements: format and caps into StreamSpec, pts, EOS,
// videoconvert only when needed, typed errors, bounded memory, drops, interrupt, caps changes,
// attach mode, and a source destroyed mid-stream.
#include "framepipe/gst/app_sink_source.hpp"

#include <doctest/doctest.h>
#include <gst/app/gstappsrc.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/gst/error.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using PF = PixelFormat;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSmall =
    "videotestsrc num-buffers=10 ! video/x-raw,width=64,height=48,framerate=30/1";

/// Waits (bounded) until `done()` holds; false when `limit` passed first.
template <class Predicate>
bool wait_until(Predicate done, std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

/// A caller's pipeline: a live-free test source into an appsink named "frames".
ElementRef caller_pipeline(const char* description) {
  ensure_gstreamer_initialized();
  GError* error = nullptr;
  GstElement* parsed = gst_parse_launch(description, &error);
  REQUIRE(error == nullptr);
  return ElementRef::adopt(GST_ELEMENT(gst_object_ref_sink(parsed)));
}

constexpr const char* kCallerPipeline =
    "videotestsrc ! video/x-raw,format=I420,width=64,height=48,framerate=30/1 ! "
    "appsink name=frames";

void set_state_bounded(const ElementRef& pipeline, GstState state) {
  REQUIRE(gst_element_set_state(pipeline.get(), state) != GST_STATE_CHANGE_FAILURE);
  REQUIRE(gst_element_get_state(pipeline.get(), nullptr, nullptr, 10 * GST_SECOND) !=
          GST_STATE_CHANGE_FAILURE);
}

}  // namespace

TEST_CASE("AppSinkSource: spec from the caps, every frame in order with its pts, then EOS") {
  AppSinkSource<PF::I420> source{
      "videotestsrc num-buffers=10 ! "
      "video/x-raw,width=64,height=48,framerate=30/1,colorimetry=bt709,chroma-site=jpeg"};
  const StreamSpec spec = source.start();
  CHECK(spec.format == PF::I420);
  CHECK(spec.size == Size{64, 48});
  CHECK(spec.fps == FrameRate{30, 1});
  REQUIRE(spec.color.has_value());
  CHECK(spec.color->matrix == Matrix::BT709);
  CHECK(spec.color->range == Range::Limited);
  CHECK(spec.chroma_site == ChromaSite::Center);
  CHECK_FALSE(source.converting());
  for (std::uint64_t i = 0; i < 10; ++i) {
    auto frame = source.next();
    REQUIRE(frame.has_value());
    CHECK(frame->time() == FrameTime::at(i, {30, 1}));
    CHECK(frame->view().size() == Size{64, 48});
    CHECK(frame->view().stride(0) >= 64);
  }
  CHECK_FALSE(source.next().has_value());
  CHECK_FALSE(source.next().has_value());
  CHECK(source.dropped() == 0);
  source.stop();
  CHECK_FALSE(source.next().has_value());
}

TEST_CASE("AppSinkSource: colour and chroma siting of the caps") {
  struct Case {
    const char* caps;
    ColorSpec color;
    ChromaSite site;
  };
  const Case cases[] = {
      {"colorimetry=bt601,chroma-site=mpeg2", {Matrix::BT601, Range::Limited}, ChromaSite::Left},
      {"colorimetry=bt709,chroma-site=jpeg", {Matrix::BT709, Range::Limited}, ChromaSite::Center},
      {"colorimetry=1:4:0:0,chroma-site=jpeg", {Matrix::BT601, Range::Full}, ChromaSite::Center},
      // A full range with no matrix (what avdec_h264 states for yuvj420p without a matrix tag).
      {"colorimetry=1:0:0:0,chroma-site=jpeg", {Matrix::BT601, Range::Full}, ChromaSite::Center},
      {"colorimetry=bt2020,chroma-site=mpeg2", {Matrix::BT2020, Range::Limited}, ChromaSite::Left},
  };
  for (const Case& c : cases) {
    CAPTURE(c.caps);
    AppSinkSource<PF::NV12> source{std::string(kSmall) + ",format=NV12," + c.caps};
    const StreamSpec spec = source.start();
    REQUIRE(spec.color.has_value());
    CHECK(*spec.color == c.color);
    CHECK(spec.chroma_site == c.site);
  }
  // RGB and gray frames carry no Y'CbCr colour.
  AppSinkSource<PF::GRAY8> gray{kSmall};
  CHECK_FALSE(gray.start().color.has_value());
}

TEST_CASE("AppSinkSource: the caller's matrix and range win over the caps") {
  AppSinkSource<PF::I420> source{std::string(kSmall) + ",format=I420,colorimetry=bt709",
                                 {.matrix = Matrix::BT2020, .range = Range::Full}};
  const StreamSpec spec = source.start();
  REQUIRE(spec.color.has_value());
  CHECK(*spec.color == ColorSpec{Matrix::BT2020, Range::Full});
  AppSinkSource<PF::I420> range_only{std::string(kSmall) + ",format=I420,colorimetry=bt709",
                                     {.range = Range::Full}};
  CHECK(*range_only.start().color == ColorSpec{Matrix::BT709, Range::Full});
}

TEST_CASE("AppSinkSource: chroma halved by the inserted videoconvert is said, not hidden") {
  struct Case {
    const char* format;
    bool lost;
  };
  for (const Case c : {Case{"Y444", true}, Case{"Y42B", true}, Case{"NV12", false}}) {
    CAPTURE(c.format);
    std::vector<std::string> warnings;
    AppSinkSource<PF::I420> source{std::string(kSmall) + ",format=" + c.format,
                                   {.on_log = [&](LogLevel level, const std::string& line) {
                                     if (level == LogLevel::Warning) warnings.push_back(line);
                                   }}};
    source.start();
    CHECK(source.converting());
    CHECK(source.upstream_caps().find(c.format) != std::string::npos);
    CHECK(source.caps().find("I420") != std::string::npos);
    CHECK(warnings.size() == (c.lost ? 1U : 0U));
    if (!warnings.empty()) CHECK(warnings[0].find(c.format) != std::string::npos);
  }  // An RGB source converts from the full-chroma frames: nothing is lost, nothing said.
  std::vector<std::string> warnings;
  AppSinkSource<PF::BGR24> rgb{std::string(kSmall) + ",format=Y444",
                               {.on_log = [&](LogLevel level, const std::string& line) {
                                 if (level == LogLevel::Warning) warnings.push_back(line);
                               }}};
  rgb.start();
  CHECK(rgb.converting());
  CHECK(warnings.empty());
  CHECK(rgb.next().has_value());
}

TEST_CASE("AppSinkSource: the lent view is the mapped buffer itself (zero copy)") {
  AppSinkSource<PF::I420> source{kSmall};
  // Record, on the streaming thread, where each buffer's memory lies.
  std::mutex m;
  std::vector<const std::uint8_t*> mapped;
  const ElementRef sink = source.element("framepipe_sink");
  const detail::GstObjectPtr<GstPad> pad(gst_element_get_static_pad(sink.get(), "sink"));
  struct Ctx {
    std::mutex* m;
    std::vector<const std::uint8_t*>* mapped;
  } ctx{&m, &mapped};
  gst_pad_add_probe(
      pad.get(), GST_PAD_PROBE_TYPE_BUFFER,
      [](GstPad*, GstPadProbeInfo* info, gpointer data) -> GstPadProbeReturn {
        auto* c = static_cast<Ctx*>(data);
        GstMapInfo map;
        if (gst_buffer_map(GST_PAD_PROBE_INFO_BUFFER(info), &map, GST_MAP_READ)) {
          const std::lock_guard lock(*c->m);
          c->mapped->push_back(map.data);
          gst_buffer_unmap(GST_PAD_PROBE_INFO_BUFFER(info), &map);
        }
        return GST_PAD_PROBE_OK;
      },
      &ctx, nullptr);
  source.start();
  std::size_t i = 0;
  while (auto frame = source.next()) {
    const std::lock_guard lock(m);
    REQUIRE(i < mapped.size());
    CHECK(static_cast<const void*>(frame->view().plane(0)) == static_cast<const void*>(mapped[i]));
    ++i;
  }
  CHECK(i == 10);
}

TEST_CASE("AppSinkSource: videoconvert only when upstream cannot produce the format") {
  std::vector<std::string> log;
  const auto on_log = [&](LogLevel, const std::string& text) { log.push_back(text); };
  {
    AppSinkSource<PF::BGR24> direct{kSmall, {.on_log = on_log}};
    direct.start();
    CHECK_FALSE(direct.converting());  // videotestsrc paints BGR itself
  }
  CHECK(log.empty());
  AppSinkSource<PF::BGR24> converted{std::string(kSmall) + ",format=I420", {.on_log = on_log}};
  const StreamSpec spec = converted.start();
  CHECK(converted.converting());
  CHECK(spec.format == PF::BGR24);
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("inserting videoconvert") != std::string::npos);
  int frames = 0;
  while (converted.next()) ++frames;
  CHECK(frames == 10);
}

TEST_CASE("AppSinkSource: a decoder's pad that cannot link is retried through videoconvert") {
  test::TempDir dir("app_sink_source");
  const auto file = dir.path() / "in.webm";
  REQUIRE(system(("gst-launch-1.0 -q videotestsrc num-buffers=5 ! "
                  "video/x-raw,width=66,height=50 ! vp8enc ! webmmux ! filesink location=\"" +
                  file.string() + "\"")
                     .c_str()) == 0);
  const std::string description = "filesrc location=\"" + file.string() + "\" ! decodebin";
  // vp8dec makes I420: NV12 needs videoconvert, found only at run time (decodebin's pad).
  CHECK_THROWS_AS(AppSinkSource<PF::NV12>(description, {.convert = VideoConvert::Never}).start(),
                  NotNegotiated);
  std::vector<std::string> log;
  AppSinkSource<PF::NV12> source{
      description, {.on_log = [&](LogLevel, const std::string& text) { log.push_back(text); }}};
  const StreamSpec spec = source.start();
  CHECK(source.converting());
  CHECK(spec.size == Size{66, 50});
  CHECK(log.size() == 1);
  int frames = 0;
  while (source.next()) ++frames;
  CHECK(frames == 5);
  // I420 straight from the decoder: its own (padded) layout, no videoconvert.
  AppSinkSource<PF::I420> direct{description};
  direct.start();
  CHECK_FALSE(direct.converting());
  auto frame = direct.next();
  REQUIRE(frame.has_value());
  CHECK(frame->view().stride(0) >= 66);
}

TEST_CASE("AppSinkSource: typed errors for a bad description, a missing element, no video") {
  CHECK_THROWS_AS(AppSinkSource<PF::I420>("videotestsrc ! ! identity"), ParseError);
  CHECK_THROWS_AS(AppSinkSource<PF::I420>("videotestsrc ! framepipe_no_such_element"),
                  MissingElement);
  CHECK_THROWS_AS(AppSinkSource<PF::I420>("   "), InvalidArgument);
  CHECK_THROWS_AS(AppSinkSource<PF::I420>("videotestsrc", {.max_buffers = 0}), InvalidArgument);
  // Audio cannot become video, not even through videoconvert.
  try {
    AppSinkSource<PF::I420> audio{"audiotestsrc num-buffers=3"};
    audio.start();
    FAIL("no exception");
  } catch (const NotNegotiated& e) {
    CHECK(std::string(e.what()).find("I420") != std::string::npos);
  }
  CHECK_THROWS_AS(AppSinkSource<PF::I420>(std::string(kSmall) + ",format=GRAY16_LE",
                                          {.convert = VideoConvert::Never}),
                  NotNegotiated);
  // A resource error names what failed.
  AppSinkSource<PF::I420> missing{"filesrc location=/nonexistent/framepipe.webm ! decodebin"};
  CHECK_THROWS_AS(missing.start(), StreamError);
  CHECK_THROWS_AS(missing.next(), StreamError);  // repeated until the next start()
}

TEST_CASE("AppSinkSource: a slow reader holds at most max_buffers frames and loses none") {
  AppSinkSource<PF::I420> source{
      "videotestsrc num-buffers=60 ! video/x-raw,width=64,height=48,framerate=30/1",
      {.max_buffers = 2}};
  source.start();
  REQUIRE(wait_until([&] { return source.queued() == 2; }));  // the producer fills the queue
  // The third frame waits inside the appsink: nothing beyond the queue is taken from upstream.
  CHECK(source.received() == 2);
  std::uint64_t i = 0;
  while (auto frame = source.next()) {
    CHECK(frame->time().pts == FrameTime::at(i, {30, 1}).pts);
    ++i;
  }
  CHECK(i == 60);
  CHECK(source.counters().dropped == 0);
}

TEST_CASE("AppSinkSource: with drop, a slow reader gets the newest frames and every drop counts") {
  AppSinkSource<PF::I420> source{
      "videotestsrc num-buffers=60 ! video/x-raw,width=64,height=48,framerate=30/1",
      {.max_buffers = 3, .backpressure = Backpressure::DropOldest}};
  source.start();
  // The producer never waits: all 60 frames arrive although nothing is read.
  REQUIRE(wait_until([&] { return source.received() == 60; }));
  std::vector<std::uint64_t> pts;
  while (auto frame = source.next()) pts.push_back(frame->time().pts);
  CHECK(source.dropped() == 57);
  const std::vector<std::uint64_t> newest = {FrameTime::at(57, {30, 1}).pts,
                                             FrameTime::at(58, {30, 1}).pts,
                                             FrameTime::at(59, {30, 1}).pts};
  CHECK(pts == newest);
}

TEST_CASE("AppSinkSource: with DropNewest, a slow reader gets the oldest frames") {
  AppSinkSource<PF::I420> source{
      "videotestsrc num-buffers=60 ! video/x-raw,width=64,height=48,framerate=30/1",
      {.max_buffers = 3, .backpressure = Backpressure::DropNewest}};
  source.start();
  REQUIRE(wait_until([&] { return source.received() == 60; }));
  std::vector<std::uint64_t> pts;
  while (auto frame = source.next()) pts.push_back(frame->time().pts);
  CHECK(source.dropped() == 57);
  const std::vector<std::uint64_t> oldest = {
      FrameTime::at(0, {30, 1}).pts, FrameTime::at(1, {30, 1}).pts, FrameTime::at(2, {30, 1}).pts};
  CHECK(pts == oldest);
}

TEST_CASE("AppSinkSource: interrupt() ends a blocked next(); pull_timeout bounds the wait") {
  const std::string slow =
      "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=1/30";
  {
    AppSinkSource<PF::I420> source{slow, {.pull_timeout = 60s}};
    source.start();
    REQUIRE(source.next().has_value());  // frame 0 at once; frame 1 only in 30 s
    // interrupt() is sticky, so next() throws in either order; no sleep makes the order.
    std::thread other([&] { source.interrupt(); });
    test::within(20s, [&] { CHECK_THROWS_AS(source.next(), Interrupted); });
    other.join();
    CHECK_THROWS_AS(source.next(), Interrupted);  // until the next start()
    source.stop();
    source.start();  // works again
  }
  AppSinkSource<PF::I420> source{slow, {.pull_timeout = 300ms}};
  source.start();
  REQUIRE(source.next().has_value());
  try {
    test::within(20s, [&] { (void)source.next(); });
    FAIL("no Timeout");
  } catch (const Timeout& e) {
    CHECK(std::string(e.what()).find("framepipe_sink") != std::string::npos);
  }
}

TEST_CASE("AppSinkSource: destroyed mid-stream, with the producer blocked on a full queue") {
  test::within(30s, [] {
    AppSinkSource<PF::I420> source{"videotestsrc ! video/x-raw,width=320,height=240",
                                   {.max_buffers = 1}};
    source.start();
    for (int i = 0; i < 3; ++i) REQUIRE(source.next().has_value());
    auto held = source.next();  // a lent frame released after stop() is fine too
    // The producer is blocked on the full queue.
    REQUIRE(wait_until([&] { return source.queued() == 1; }));
    source.stop();
    CHECK_FALSE(source.next().has_value());
  });
  test::within(30s, [] {
    AppSinkSource<PF::I420> source{"videotestsrc ! video/x-raw,width=320,height=240",
                                   {.max_buffers = 1}};
    source.start();
    (void)source.next();
  });
}

TEST_CASE("AppSinkSource: attached to a caller's appsink; a caps change mid-stream is refused") {
  ensure_gstreamer_initialized();
  GError* error = nullptr;
  ElementRef pipeline = ElementRef::adopt(
      gst_parse_launch("appsrc name=in format=time ! appsink name=frames", &error));
  REQUIRE(error == nullptr);
  CHECK_THROWS_WITH_AS(
      AppSinkSource<PF::GRAY8>(pipeline, {.appsink_name = "in"}),  // an appsrc is no appsink
      "framepipe::AppSinkSource: the pipeline has no appsink named \"in\"", InvalidArgument);
  AppSinkSource<PF::GRAY8> source{pipeline, {.appsink_name = "frames"}};
  const ElementRef in{ElementRef::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "in"))};
  const auto push = [&](int width, int height, std::uint64_t pts) {
    const std::string text = "video/x-raw,format=GRAY8,width=" + std::to_string(width) +
                             ",height=" + std::to_string(height) + ",framerate=25/1";
    const detail::CapsPtr caps(gst_caps_from_string(text.c_str()));
    GstBuffer* buffer =
        gst_buffer_new_and_alloc(static_cast<gsize>(((width + 3) / 4 * 4) * height));
    gst_buffer_memset(buffer, 0, static_cast<guint8>(pts), gst_buffer_get_size(buffer));
    GST_BUFFER_PTS(buffer) = pts * 40 * GST_MSECOND;
    GST_BUFFER_DURATION(buffer) = 40 * GST_MSECOND;
    GstSample* sample = gst_sample_new(buffer, caps.get(), nullptr, nullptr);
    gst_buffer_unref(buffer);
    REQUIRE(gst_app_src_push_sample(GST_APP_SRC(in.get()), sample) == GST_FLOW_OK);
    gst_sample_unref(sample);
  };
  push(32, 24, 0);
  push(32, 24, 1);
  push(16, 8, 2);
  const StreamSpec spec = source.start();
  CHECK(spec.size == Size{32, 24});
  CHECK(spec.fps == FrameRate{25, 1});
  for (std::uint64_t i = 0; i < 2; ++i) {
    auto frame = source.next();
    REQUIRE(frame.has_value());
    CHECK(frame->time().pts == i * 40'000'000);
    CHECK(frame->time().duration == 40'000'000);
    CHECK(frame->view().row(0, 5)[7] == i);
  }
  try {
    (void)source.next();
    FAIL("no error");
  } catch (const StreamError& e) {
    const std::string what = e.what();
    CHECK(what.find("caps changed") != std::string::npos);
    CHECK(what.find("width=(int)32") != std::string::npos);
    CHECK(what.find("width=(int)16") != std::string::npos);
  }
}

TEST_CASE("AppSinkSource: an error beside the end of the stream is an error, every time") {
  // identity posts its error and the source then sends EOS: both are pending when the queue runs
  // dry, and the error must win.
  for (int run = 0; run < 20; ++run) {
    CAPTURE(run);
    test::within(30s, [] {
      AppSinkSource<PF::I420> source{
          "videotestsrc num-buffers=100 ! video/x-raw,format=I420,width=320,height=240 ! "
          "identity error-after=50"};
      source.start();
      int frames = 0;
      try {
        while (source.next()) ++frames;
        FAIL("the stream ended without its error after ", frames, " frames");
      } catch (const StreamError& e) {
        CHECK(std::string(e.what()).find("identity") != std::string::npos);
      }
      CHECK(frames < 50);
      CHECK_THROWS_AS(source.next(), StreamError);  // and on every call after it
    });
  }
}

TEST_CASE("AppSinkSource: a Timeout leaves the stream open; the next frame still comes") {
  const ElementRef pipeline = caller_pipeline("appsrc name=in format=time ! appsink name=frames");
  AppSinkSource<PF::GRAY8> source{pipeline, {.pull_timeout = 200ms, .appsink_name = "frames"}};
  const ElementRef in{ElementRef::adopt(gst_bin_get_by_name(GST_BIN(pipeline.get()), "in"))};
  const detail::CapsPtr caps(
      gst_caps_from_string("video/x-raw,format=GRAY8,width=16,height=8,framerate=25/1"));
  gst_app_src_set_caps(GST_APP_SRC(in.get()), caps.get());
  const auto push = [&](std::uint64_t i) {
    GstBuffer* buffer = gst_buffer_new_and_alloc(16 * 8);
    gst_buffer_memset(buffer, 0, static_cast<guint8>(i), 16 * 8);
    GST_BUFFER_PTS(buffer) = i * 40 * GST_MSECOND;
    GST_BUFFER_DURATION(buffer) = 40 * GST_MSECOND;
    REQUIRE(gst_app_src_push_buffer(GST_APP_SRC(in.get()), buffer) == GST_FLOW_OK);
  };
  // PAUSED starts appsrc, so it takes buffers; start() then sets PLAYING.
  REQUIRE(gst_element_set_state(pipeline.get(), GST_STATE_PAUSED) != GST_STATE_CHANGE_FAILURE);
  push(0);
  source.start();
  REQUIRE(source.next().has_value());
  test::within(20s, [&] { CHECK_THROWS_AS(source.next(), Timeout); });
  push(1);
  test::within(20s, [&] {
    auto frame = source.next();
    REQUIRE(frame.has_value());
    CHECK(frame->time().pts == 40'000'000);
    CHECK(frame->view().row(0, 3)[2] == 1);
  });
  gst_app_src_end_of_stream(GST_APP_SRC(in.get()));
  test::within(20s, [&] { CHECK_FALSE(source.next().has_value()); });
}

TEST_CASE("AppSinkSource: attached, owns_state = false, destroyed while the pipeline streams") {
  // The streaming thread may be inside new_sample when the source goes away: the state it uses
  // must outlive it (ASan: heap-use-after-free before the fix).
  for (int run = 0; run < 30; ++run) {
    CAPTURE(run);
    test::within(30s, [run] {
      const ElementRef pipeline = caller_pipeline(kCallerPipeline);
      {
        AppSinkSource<PF::I420> source{pipeline,
                                       {.max_buffers = 1 + static_cast<std::size_t>(run % 3),
                                        .appsink_name = "frames",
                                        .owns_state = false}};
        set_state_bounded(pipeline, GST_STATE_PLAYING);
        source.start();
        for (int i = 0; i < run % 4; ++i) REQUIRE(source.next().has_value());
      }
      // The pipeline keeps streaming without the source (frames go nowhere), and stops when told.
      set_state_bounded(pipeline, GST_STATE_NULL);
    });
  }
}

TEST_CASE("AppSinkSource: attached, owns_state = false, PLAYING before start() loses no frame") {
  for (int run = 0; run < 10; ++run) {
    CAPTURE(run);
    test::within(30s, [] {
      const ElementRef pipeline = caller_pipeline(
          "videotestsrc num-buffers=20 ! video/x-raw,format=I420,width=64,height=48,"
          "framerate=30/1 ! appsink name=frames");
      AppSinkSource<PF::I420> source{
          pipeline, {.max_buffers = 2, .appsink_name = "frames", .owns_state = false}};
      set_state_bounded(pipeline, GST_STATE_PLAYING);
      REQUIRE(wait_until([&] { return source.received() > 0; }));  // a frame before start()
      source.start();
      std::uint64_t i = 0;
      while (auto frame = source.next()) {
        CHECK(frame->time().pts == FrameTime::at(i, {30, 1}).pts);
        ++i;
      }
      CHECK(i == 20);
      set_state_bounded(pipeline, GST_STATE_NULL);
    });
  }
}

TEST_CASE("AppSinkSource: attached, owns_state = false, every order of start, PLAYING, NULL") {
  SUBCASE("the caller's NULL with a full queue returns; the queued frames still come") {
    test::within(30s, [] {
      const ElementRef pipeline = caller_pipeline(kCallerPipeline);
      AppSinkSource<PF::I420> source{
          pipeline,
          {.max_buffers = 1, .pull_timeout = 300ms, .appsink_name = "frames", .owns_state = false}};
      set_state_bounded(pipeline, GST_STATE_PLAYING);
      source.start();
      // The queue is full and the producer waits for room.
      REQUIRE(wait_until([&] { return source.queued() == 1 && source.received() >= 1; }));
      set_state_bounded(pipeline, GST_STATE_NULL);
      REQUIRE(source.next().has_value());
      CHECK_THROWS_AS(source.next(), Timeout);  // nothing more comes; bounded
    });
  }
  SUBCASE("start() first, PLAYING from another thread") {
    test::within(30s, [] {
      const ElementRef pipeline = caller_pipeline(kCallerPipeline);
      AppSinkSource<PF::I420> source{pipeline, {.appsink_name = "frames", .owns_state = false}};
      std::thread caller([&] { set_state_bounded(pipeline, GST_STATE_PLAYING); });
      const StreamSpec spec = source.start();
      caller.join();
      CHECK(spec.size == Size{64, 48});
      for (int i = 0; i < 5; ++i) REQUIRE(source.next().has_value());
      set_state_bounded(pipeline, GST_STATE_NULL);
    });
  }
  SUBCASE("destroyed before start() while PLAYING, then NULL") {
    test::within(30s, [] {
      const ElementRef pipeline = caller_pipeline(kCallerPipeline);
      {
        AppSinkSource<PF::I420> source{
            pipeline, {.max_buffers = 1, .appsink_name = "frames", .owns_state = false}};
        set_state_bounded(pipeline, GST_STATE_PLAYING);
        REQUIRE(wait_until([&] { return source.received() > 0; }));
      }
      set_state_bounded(pipeline, GST_STATE_NULL);
    });
  }
  SUBCASE("stop(), the pipeline streams on, start() again") {
    test::within(30s, [] {
      const ElementRef pipeline = caller_pipeline(kCallerPipeline);
      AppSinkSource<PF::I420> source{
          pipeline, {.max_buffers = 1, .appsink_name = "frames", .owns_state = false}};
      set_state_bounded(pipeline, GST_STATE_PLAYING);
      source.start();
      REQUIRE(source.next().has_value());
      source.stop();
      const std::uint64_t seen = source.received();
      REQUIRE(wait_until([&] { return source.received() > seen + 3; }));  // not stalled
      source.start();
      REQUIRE(source.next().has_value());
      set_state_bounded(pipeline, GST_STATE_NULL);
    });
  }
}
