// AppSrcSink against real GStreamer elements: zero copy, bounded pool, exact timestamps, caps that
// describe the data (proved by a colour round trip through videoconvert), errors as exceptions.
#include "framepipe/gst/app_src_sink.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/generators/function_generator.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr FrameRate kRate{30, 1};

/// Smooth, colourful content: each channel a slow sinusoid of x and y (at most ~4 levels per
/// pixel), so 4:2:0 subsampling loses little and the round trip measures colour, not detail.
/// R = sin(x/37 + y/53 + p), G = sin(x/61 - y/29 + 1 + p), B = cos(x/45 + y/41 + 2 + p), each
/// computed by the angle-sum identity from per-column and per-row tables (fast under ASan too).
template <PixelFormat F>
void draw_smooth(FrameView<F> frame, double phase = 0.0) {
  constexpr FormatInfo info = format_info(F);
  struct Wave {
    double x_rate, y_rate, offset;
    bool cosine;
  };
  constexpr Wave kWaves[3] = {{1 / 37.0, 1 / 53.0, 0.0, false},
                              {1 / 61.0, -1 / 29.0, 1.0, false},
                              {1 / 45.0, 1 / 41.0, 2.0, true}};
  const int channel_index[3] = {info.r_index, info.g_index, info.b_index};
  const auto w = static_cast<std::size_t>(frame.width());
  std::vector<double> sin_x(3 * w), cos_x(3 * w);
  for (std::size_t c = 0; c < 3; ++c) {
    for (std::size_t x = 0; x < w; ++x) {
      const double a = static_cast<double>(x) * kWaves[c].x_rate + kWaves[c].offset + phase;
      sin_x[c * w + x] = std::sin(a);
      cos_x[c * w + x] = std::cos(a);
    }
  }
  for (int y = 0; y < frame.height(); ++y) {
    std::uint8_t* row = frame.row(0, y);
    for (std::size_t c = 0; c < 3; ++c) {
      const double b = y * kWaves[c].y_rate;
      const double sin_y = std::sin(b);
      const double cos_y = std::cos(b);
      for (std::size_t x = 0; x < w; ++x) {
        const double sx = sin_x[c * w + x];
        const double cx = cos_x[c * w + x];
        // sin(a + b) and cos(a + b)
        const double v = kWaves[c].cosine ? cx * cos_y - sx * sin_y : sx * cos_y + cx * sin_y;
        row[x * static_cast<std::size_t>(info.pixel_bytes) +
            static_cast<std::size_t>(channel_index[c])] =
            static_cast<std::uint8_t>(std::lround(128.0 + 110.0 * v));
      }
    }
    if constexpr (info.pixel_bytes == 4) {
      for (std::size_t x = 0; x < w; ++x) row[x * 4 + 3] = 255;
    }
  }
}

struct ColorError {
  int max = 0;      ///< largest absolute difference of any channel of any pixel
  double mean = 0;  ///< mean absolute difference over all channels and pixels
};

template <PixelFormat F>
ColorError compare_with_rgb(FrameView<F> expected, FrameView<PixelFormat::RGB24> actual) {
  REQUIRE(expected.size() == actual.size());
  constexpr FormatInfo info = format_info(F);
  ColorError e;
  std::uint64_t sum = 0;
  for (int y = 0; y < expected.height(); ++y) {
    const std::uint8_t* a = expected.row(0, y);
    const std::uint8_t* b = actual.row(0, y);
    for (int x = 0; x < expected.width(); ++x) {
      const std::uint8_t* pa = a + static_cast<std::ptrdiff_t>(x) * info.pixel_bytes;
      const std::uint8_t* pb = b + static_cast<std::ptrdiff_t>(x) * 3;
      const int source_index[3] = {info.r_index, info.g_index, info.b_index};
      for (int c = 0; c < 3; ++c) {
        const int d = std::abs(int{pa[source_index[c]]} - int{pb[c]});
        e.max = std::max(e.max, d);
        sum += static_cast<std::uint64_t>(d);
      }
    }
  }
  e.mean = static_cast<double>(sum) /
           (3.0 * static_cast<double>(expected.width()) * static_cast<double>(expected.height()));
  return e;
}

std::uint8_t* mapped_data(GstBuffer* buffer) {
  GstMapInfo map;
  REQUIRE(gst_buffer_map(buffer, &map, GST_MAP_READ));
  std::uint8_t* data = map.data;
  gst_buffer_unmap(buffer, &map);
  return data;
}

/// Waits (bounded) for `sink.slots_in_use()` to reach `expected`: a streaming thread may drop its
/// last reference a moment after the test thread saw the buffer.
bool wait_slots_in_use(const AppSrcSink& sink, std::size_t expected,
                       std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (sink.slots_in_use() != expected) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// Waits (bounded) until `done()` holds.
template <class Condition>
bool wait_until(Condition done, std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// What reached fakesink: a buffer's data pointer and pts. fakesink keeps no reference afterwards
/// (with enable-last-sample=false), so every slot is back in the pool once the buffer is rendered.
struct HandoffEntry {
  const std::uint8_t* data;
  std::uint64_t pts;
};

std::optional<HandoffEntry> read_pointer_and_pts(GstBuffer* buffer) noexcept {
  GstMapInfo map;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return std::nullopt;
  const HandoffEntry entry{map.data, GST_BUFFER_PTS(buffer)};
  gst_buffer_unmap(buffer, &map);
  return entry;
}

/// Any acquire() in these tests that waits this long is a bug: throw Timeout, do not hang.
constexpr std::chrono::milliseconds kAcquireGuard{10000};

}  // namespace

// ---- Zero copy and the pool ---------------------------------------------------------------------

TEST_CASE("the buffer that reaches appsink is the memory the packer wrote into") {
  AppSrcSink sink{"appsink name=out sync=false enable-last-sample=false",
                  {.acquire_timeout = kAcquireGuard}};
  const Size size{320, 240};
  sink.start({PixelFormat::I420, size, kRate, ColorSpec{}});
  const ElementRef appsink = sink.element("out");
  CHECK(sink.slots_in_use() == 0);

  Frame<PixelFormat::BGR24> source(size);
  const I420Packer packer;
  const std::uint8_t* previous = nullptr;
  for (std::uint64_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    draw_smooth(source.view(), static_cast<double>(i));
    const FrameView<PixelFormat::I420> lent = sink.acquire<PixelFormat::I420>();
    packer.convert(source.view(), lent);
    sink.submit(FrameTime::at(i, kRate));

    detail::SamplePtr sample = test::pull_sample(appsink.get());
    GstBuffer* buffer = gst_sample_get_buffer(sample.get());
    CHECK(gst_buffer_n_memory(buffer) == 1);
    CHECK(mapped_data(buffer) == lent.plane(0));  // the very bytes the packer wrote: no copy
    CHECK(gst_buffer_get_video_meta(buffer) == nullptr);  // the default layout needs none
    CHECK(gst_buffer_get_size(buffer) == default_layout(PixelFormat::I420, size).size);
    Frame<PixelFormat::I420> expected(size);
    packer.convert(source.view(), expected.view());
    CHECK(std::equal(expected.data(), expected.data() + expected.size_bytes(), lent.plane(0)));
    CHECK(lent.plane(0) != previous);  // two slots alternate, see below
    previous = lent.plane(0);
    // appsink (1.22) keeps the buffer it returned last inside a GstSample it reuses for the next
    // pull: the previous frame's slot came back at this pull, this one stays lent until the next.
    sample.reset();
    CHECK(wait_slots_in_use(sink, 1));
  }
  sink.finish();
}

TEST_CASE("every slot comes back once GStreamer lets go of the buffer") {
  AppSrcSink sink{"fakesink name=out sync=false enable-last-sample=false",
                  {.acquire_timeout = kAcquireGuard}};
  const Size size{64, 48};
  sink.start({PixelFormat::NV12, size, kRate});
  const test::HandoffRecorder<HandoffEntry> recorder(sink.element("out").get(),
                                                     &read_pointer_and_pts);
  std::vector<const std::uint8_t*> lent;
  for (std::uint64_t i = 0; i < 8; ++i) {
    lent.push_back(sink.acquire<PixelFormat::NV12>().plane(0));
    CHECK(sink.slots_in_use() >= 1);
    sink.submit(FrameTime::at(i, kRate));
    CHECK(wait_slots_in_use(sink, 0));  // fakesink rendered it and dropped the last reference
  }
  sink.finish();
  const std::vector<HandoffEntry> received = recorder.entries();
  REQUIRE(received.size() == lent.size());
  for (std::size_t i = 0; i < lent.size(); ++i) CHECK(received[i].data == lent[i]);
  CHECK(sink.slots_in_use() == 0);
}

TEST_CASE("a Pipeline hands the generator's memory to GStreamer unchanged") {
  std::vector<const std::uint8_t*> drawn;
  FunctionGenerator<PixelFormat::I420> generator{
      {.size = {64, 48}}, [&drawn](FrameView<PixelFormat::I420> f, const FrameTime& t) {
        drawn.push_back(f.plane(0));
        std::fill_n(f.plane(0), default_layout(PixelFormat::I420, f.size()).size,
                    static_cast<std::uint8_t>(t.index));
      }};
  AppSrcSink sink{"fakesink name=out sync=false enable-last-sample=false",
                  {.pool_size = 3, .acquire_timeout = kAcquireGuard}};
  const test::HandoffRecorder<HandoffEntry> recorder(sink.element("out").get(),
                                                     &read_pointer_and_pts);
  Pipeline pipeline{std::move(generator), std::move(sink)};
  const Stats stats = pipeline.run({.frames = 20, .fps = kRate});
  CHECK(stats.frames == 20);

  const std::vector<HandoffEntry> received = recorder.entries();
  REQUIRE(received.size() == 20);
  REQUIRE(drawn.size() == 20);
  std::vector<const std::uint8_t*> distinct;
  for (std::size_t i = 0; i < received.size(); ++i) {
    CAPTURE(i);
    CHECK(received[i].data == drawn[i]);
    CHECK(received[i].pts == FrameTime::at(i, kRate).pts);
    if (std::find(distinct.begin(), distinct.end(), drawn[i]) == distinct.end()) {
      distinct.push_back(drawn[i]);
    }
  }
  CHECK(distinct.size() <= 3);  // the pool is reused: never more blocks than pool_size
  CHECK(pipeline.sink().slots_in_use() == 0);
}

TEST_CASE("acquire() blocks while every slot is in flight, until GStreamer frees one") {
  AppSrcSink sink{"appsink name=out sync=false enable-last-sample=false",
                  {.pool_size = 2, .max_pool_bytes = 0, .acquire_timeout = kAcquireGuard}};
  CHECK(sink.pool_size() == 2);
  const Size size{32, 16};
  sink.start({PixelFormat::GRAY8, size, kRate});
  CHECK(sink.slot_limit() == 2);  // max_pool_bytes = 0: a fixed pool
  const ElementRef appsink = sink.element("out");
  for (std::uint64_t i = 0; i < 2; ++i) {
    sink.acquire<PixelFormat::GRAY8>();
    sink.submit(FrameTime::at(i, kRate));
  }
  CHECK(wait_slots_in_use(sink, 2));  // appsink queues both until they are pulled
  std::atomic<bool> acquired{false};
  std::uint8_t* third = nullptr;
  std::thread producer([&] {
    third = sink.acquire<PixelFormat::GRAY8>().plane(0);
    acquired = true;
  });
  // Release nothing until acquire() is known to wait (no sleep decides the order).
  const bool waiting = wait_until([&] { return sink.acquire_waiting(); });
  CHECK(waiting);
  CHECK(!acquired.load());
  // The second pull makes appsink drop the first buffer (see the zero-copy test).
  detail::SamplePtr first = test::pull_sample(appsink.get());
  const std::uint8_t* first_data = mapped_data(gst_sample_get_buffer(first.get()));
  first.reset();
  test::pull_sample(appsink.get()).reset();
  producer.join();
  CHECK(acquired.load());
  CHECK(third == first_data);  // the slot GStreamer gave back, not a new one
  CHECK(sink.slots_allocated() == 2);
  CHECK(sink.slots_in_use() == 2);
  sink.submit(FrameTime::at(2, kRate));
  test::pull_sample(appsink.get()).reset();
  sink.finish();
}

TEST_CASE("acquire() with a limit throws Timeout naming the element that holds the frames") {
  AppSrcSink sink{"appsink name=hoarder sync=false",
                  {.pool_size = 1, .max_pool_bytes = 0, .acquire_timeout = 200ms}};
  sink.start({PixelFormat::GRAY8, {4, 4}, kRate});
  sink.acquire<PixelFormat::GRAY8>();
  sink.submit(FrameTime::at(0, kRate));  // nobody pulls: appsink holds the only slot
  const auto before = std::chrono::steady_clock::now();
  try {
    sink.acquire<PixelFormat::GRAY8>();
    FAIL("no Timeout");
  } catch (const Timeout& e) {
    const std::string what = e.what();
    CHECK(e.limit() == 200ms);
    CHECK(what.find("\"hoarder\" (appsink)") != std::string::npos);
    CHECK(what.find("max_pool_bytes") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - before >= 150ms);
  // appsink holds EOS back until its queue is pulled empty.
  test::pull_sample(sink.element("hoarder").get()).reset();
  sink.finish();
}

TEST_CASE("the pool's limit holds against the GstBuffers alive downstream, counted by GStreamer") {
  // Budget for exactly 3 frames; appsink (never pulled yet) keeps every buffer. The buffers alive
  // are counted from GStreamer's side (a probe and a weak reference per buffer), not the pool's.
  const Size size{32, 16};
  const std::size_t frame = default_layout(PixelFormat::GRAY8, size).size;
  AppSrcSink sink{"appsink name=out sync=false enable-last-sample=false",
                  {.pool_size = 1,
                   .max_pool_bytes = 3 * detail::SlotPool::cost_of(frame),
                   .acquire_timeout = 300ms,
                   .appsrc_name = "src"}};
  sink.start({PixelFormat::GRAY8, size, kRate});
  CHECK(sink.slot_limit() == 3);
  const detail::GstObjectPtr<GstPad> pad(
      gst_element_get_static_pad(sink.element("src").get(), "src"));
  const test::LiveBufferCounter live(pad.get());
  for (std::uint64_t i = 0; i < 3; ++i) {
    sink.acquire<PixelFormat::GRAY8>();
    sink.submit(FrameTime::at(i, kRate));
    // Each frame left appsrc before the next was asked for, so the pool grew for it.
    REQUIRE(wait_until([&] { return live.alive() == i + 1; }));
  }
  CHECK(sink.slots_allocated() == 3);
  CHECK_THROWS_AS(sink.acquire<PixelFormat::GRAY8>(), Timeout);  // no fourth frame
  CHECK(live.alive() == 3);
  CHECK(live.peak() == 3);
  CHECK(sink.slots_in_use() == live.alive());
  // Two pulls free the first buffer (appsink keeps the last one it returned).
  const ElementRef appsink = sink.element("out");
  test::pull_sample(appsink.get()).reset();
  test::pull_sample(appsink.get()).reset();
  REQUIRE(wait_until([&] { return live.alive() == 2; }));
  sink.acquire<PixelFormat::GRAY8>();  // the freed slot, not a new one
  CHECK(sink.slots_allocated() == 3);
  sink.abort();
  // After the stop, whatever appsink still keeps (its reused last sample) is exactly what the
  // pool still lends.
  CHECK(wait_until([&] { return sink.slots_in_use() == live.alive(); }));
  CHECK(live.alive() <= 1);
  CHECK(live.peak() == 3);
}

TEST_CASE("the pool outlives the sink while downstream still holds a buffer") {
  detail::SamplePtr kept;
  std::uint8_t* data = nullptr;
  {
    AppSrcSink sink{"appsink name=out sync=false enable-last-sample=false"};
    const Size size{16, 8};
    sink.start({PixelFormat::GRAY8, size, kRate});
    const FrameView<PixelFormat::GRAY8> frame = sink.acquire<PixelFormat::GRAY8>();
    std::fill_n(frame.plane(0), default_layout(PixelFormat::GRAY8, size).size, std::uint8_t{77});
    data = frame.plane(0);
    sink.submit(FrameTime::at(0, kRate));
    kept = test::pull_sample(sink.element("out").get());
    sink.finish();
    CHECK(sink.slots_in_use() == 1);
  }  // the sink, its pipeline and its handle on the pool are gone; `kept` still refers to a slot
  GstBuffer* buffer = gst_sample_get_buffer(kept.get());
  CHECK(mapped_data(buffer) == data);
  GstMapInfo map;
  REQUIRE(gst_buffer_map(buffer, &map, GST_MAP_READ));
  CHECK(std::all_of(map.data, map.data + map.size, [](std::uint8_t v) { return v == 77; }));
  gst_buffer_unmap(buffer, &map);
  kept.reset();  // frees the pool (ASan would see a use after free or a leak here)
}

TEST_CASE("AppSrcSink is movable and the moved-to sink keeps working") {
  AppSrcSink first{"fakesink sync=false"};
  AppSrcSink second = std::move(first);
  second.start({PixelFormat::RGBA32, {8, 8}, kRate});
  second.acquire<PixelFormat::RGBA32>();
  second.submit(FrameTime::at(0, kRate));
  second.finish();
  second.finish();                                               // idempotent
  CHECK_THROWS_AS(first.acquire<PixelFormat::RGBA32>(), Error);  // NOLINT(bugprone-use-after-move)
  AppSrcSink third{"fakesink"};
  third = std::move(second);
  CHECK(third.pool_size() == 4);
}

// ---- Timestamps ---------------------------------------------------------------------------------

TEST_CASE("buffers carry exact pts, duration and offset") {
  for (const FrameRate rate : {FrameRate{30, 1}, FrameRate{30000, 1001}}) {
    CAPTURE(rate.num);
    CAPTURE(rate.den);
    AppSrcSink sink{"appsink name=out sync=false"};
    sink.start({PixelFormat::GRAY8, {4, 4}, rate});
    const ElementRef appsink = sink.element("out");
    for (const std::uint64_t index :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{3'000'000}}) {
      CAPTURE(index);
      const FrameTime time = FrameTime::at(index, rate);
      sink.acquire<PixelFormat::GRAY8>();
      sink.submit(time);
      const detail::SamplePtr sample = test::pull_sample(appsink.get());
      const GstBuffer* buffer = gst_sample_get_buffer(sample.get());
      const auto num = static_cast<guint64>(rate.num);
      const auto den = static_cast<guint64>(rate.den);
      const guint64 pts = gst_util_uint64_scale(index, GST_SECOND * den, num);
      const guint64 next = gst_util_uint64_scale(index + 1, GST_SECOND * den, num);
      CHECK(GST_BUFFER_PTS(buffer) == time.pts);
      CHECK(GST_BUFFER_PTS(buffer) == pts);
      CHECK(GST_BUFFER_DURATION(buffer) == time.duration);
      CHECK(GST_BUFFER_DURATION(buffer) == next - pts);
      CHECK(GST_BUFFER_OFFSET(buffer) == index);
    }
    sink.finish();
  }
  // The frame the issue quotes: 3,000,000 at 30000/1001 is 100100 s exactly.
  CHECK(FrameTime::at(3'000'000, {30000, 1001}).pts == 100'100'000'000'000ULL);
}

// ---- Caps ---------------------------------------------------------------------------------------

namespace {

struct ReceivedCaps {
  std::string text;
  std::string format;
  int width = 0;
  int height = 0;
  int fps_n = 0;
  int fps_d = 0;
  GstVideoColorimetry colorimetry{};
  std::string colorimetry_text;
  std::string chroma_site;
};

ReceivedCaps caps_at_appsink(const StreamSpec& spec) {
  AppSrcSink sink{"appsink name=out sync=false"};
  sink.start(spec);
  const ElementRef appsink = sink.element("out");
  sink.acquire<PixelFormat::I420>();
  sink.submit(FrameTime::at(0, spec.fps));
  const detail::SamplePtr sample = test::pull_sample(appsink.get());
  sink.finish();
  ReceivedCaps r;
  GstCaps* caps = gst_sample_get_caps(sample.get());
  REQUIRE(caps != nullptr);
  r.text = detail::take_gchar(gst_caps_to_string(caps));
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  r.format = gst_structure_get_string(s, "format");
  gst_structure_get_int(s, "width", &r.width);
  gst_structure_get_int(s, "height", &r.height);
  gst_structure_get_fraction(s, "framerate", &r.fps_n, &r.fps_d);
  const char* colorimetry = gst_structure_get_string(s, "colorimetry");
  REQUIRE(colorimetry != nullptr);
  r.colorimetry_text = colorimetry;
  REQUIRE(gst_video_colorimetry_from_string(&r.colorimetry, colorimetry));
  const char* site = gst_structure_get_string(s, "chroma-site");
  r.chroma_site = site != nullptr ? site : "";
  return r;
}

}  // namespace

TEST_CASE("the caps that reach appsink state format, size, rate, colorimetry and chroma-site") {
  struct Case {
    Matrix matrix;
    Range range;
    GstVideoColorMatrix gst_matrix;
    GstVideoColorRange gst_range;
  };
  for (const Case c :
       {Case{Matrix::BT601, Range::Limited, GST_VIDEO_COLOR_MATRIX_BT601,
             GST_VIDEO_COLOR_RANGE_16_235},
        Case{Matrix::BT601, Range::Full, GST_VIDEO_COLOR_MATRIX_BT601, GST_VIDEO_COLOR_RANGE_0_255},
        Case{Matrix::BT709, Range::Limited, GST_VIDEO_COLOR_MATRIX_BT709,
             GST_VIDEO_COLOR_RANGE_16_235},
        Case{Matrix::BT709, Range::Full, GST_VIDEO_COLOR_MATRIX_BT709, GST_VIDEO_COLOR_RANGE_0_255},
        Case{Matrix::BT2020, Range::Limited, GST_VIDEO_COLOR_MATRIX_BT2020,
             GST_VIDEO_COLOR_RANGE_16_235}}) {
    CAPTURE(matrix_name(c.matrix));
    CAPTURE(range_name(c.range));
    const StreamSpec spec{
        PixelFormat::I420, {321, 241}, {30000, 1001}, ColorSpec{c.matrix, c.range}};
    const ReceivedCaps r = caps_at_appsink(spec);
    CAPTURE(r.text);
    CHECK(r.format == "I420");
    CHECK(r.width == 321);
    CHECK(r.height == 241);
    CHECK(r.fps_n == 30000);
    CHECK(r.fps_d == 1001);
    CHECK(r.colorimetry.matrix == c.gst_matrix);
    CHECK(r.colorimetry.range == c.gst_range);
    CHECK(r.chroma_site == "jpeg");
    CHECK(r.text == caps_string(spec));
  }
  // Named forms for the common cases, so a reader of a log sees the standard.
  CHECK(caps_at_appsink({PixelFormat::I420, {320, 240}, kRate, ColorSpec{}}).colorimetry_text ==
        "bt601");
  CHECK(caps_at_appsink(
            {PixelFormat::I420, {320, 240}, kRate, ColorSpec{Matrix::BT709, Range::Limited}})
            .colorimetry_text == "bt709");
}

TEST_CASE("caps_string: stated colour, or the default (BT.601) when unset") {
  const std::string hd = caps_string({PixelFormat::NV12, {1280, 720}, {60, 1}});
  CHECK(hd.find("format=(string)NV12") != std::string::npos);
  CHECK(hd.find("colorimetry=(string)bt601") != std::string::npos);
  CHECK(hd.find("chroma-site=(string)jpeg") != std::string::npos);
  CHECK(hd.find("framerate=(fraction)60/1") != std::string::npos);
  CHECK(hd.find("interlace-mode=(string)progressive") != std::string::npos);
  CHECK(hd.find("pixel-aspect-ratio=(fraction)1/1") != std::string::npos);
  const std::string sd = caps_string({PixelFormat::I420, {720, 576}, {25, 1}});
  CHECK(sd.find("colorimetry=(string)bt601") != std::string::npos);
  const std::string rgb = caps_string({PixelFormat::BGR24, {640, 480}, {25, 1}});
  CHECK(rgb.find("format=(string)BGR") != std::string::npos);
  CHECK(rgb.find("colorimetry=(string)sRGB") != std::string::npos);
  CHECK(rgb.find("chroma-site") == std::string::npos);
  CHECK_THROWS_AS(caps_string({PixelFormat::I420, {0, 480}, {25, 1}}), InvalidArgument);
  CHECK_THROWS_AS(caps_string({PixelFormat::I420, {640, 480}, {0, 1}}), InvalidArgument);
}

TEST_CASE("appsrc is set up as a timed stream, live only for real-time pacing") {
  for (const Pacing pacing : {Pacing::AsFastAsPossible, Pacing::RealTime}) {
    AppSrcSink sink{"fakesink sync=false", {.appsrc_name = "src"}};
    sink.start({.format = PixelFormat::I420, .size = {16, 16}, .fps = kRate, .pacing = pacing});
    const ElementRef appsrc = sink.element("src");
    gboolean live = FALSE;
    GstFormat format = GST_FORMAT_UNDEFINED;
    GstAppStreamType type = GST_APP_STREAM_TYPE_RANDOM_ACCESS;
    g_object_get(appsrc.get(), "is-live", &live, "format", &format, "stream-type", &type, nullptr);
    CHECK((live == TRUE) == (pacing == Pacing::RealTime));
    CHECK(format == GST_FORMAT_TIME);
    CHECK(type == GST_APP_STREAM_TYPE_STREAM);
    CHECK(sink.caps() == caps_string({PixelFormat::I420, {16, 16}, kRate}));
    sink.finish();
  }
}

// ---- Colour round trip --------------------------------------------------------------------------

namespace {

// Decodes I420 back to RGB faithfully. Measured with GStreamer 1.22:
// - A plain `videoconvert ! video/x-raw,format=RGB` takes videoconvert's I420 -> packed RGB fast
//   path: chroma replicated (chroma-resampler is ignored there) and an 8-bit fixed-point matrix
//   that truncates. In limited range it comes out 2-4 levels too dark on average (max error 9,
//   mean 2.8 on this content) whatever framepipe does; see the "default path" test below.
// - Through Y444_16LE, videoconvert takes its general path: chroma upsampled by the resampler at
//   the positions the caps' chroma-site states, then a 16-bit matrix. What remains (max 6, mean
//   <= 1.6) is 4:2:0 itself plus about +1 level in R and B, which comes from GStreamer widening
//   8-bit chroma to 16 bits as v * 257 rather than v * 256.
// - dither=none: the 16 -> 8 bit step measured the same with bayer (the default), but without
//   dither the result is deterministic by construction.
constexpr const char* kDecodeToRgb =
    "videoconvert ! video/x-raw,format=Y444_16LE ! videoconvert dither=none ! "
    "video/x-raw,format=RGB ! appsink name=out sync=false";
// What a user gets from a plain videoconvert (the fast path described above).
constexpr const char* kDefaultDecodeToRgb =
    "videoconvert ! video/x-raw,format=RGB ! appsink name=out sync=false";

/// Packs `source` with `color`, sends it through `sink` (restarted for each frame, so one
/// pipeline serves many sizes) with caps stating `stated` (normally the same), and returns what
/// videoconvert decoded back to RGB.
template <PixelFormat F>
Frame<PixelFormat::RGB24> round_trip(AppSrcSink& sink, const Frame<F>& source, ColorSpec color,
                                     ColorSpec stated) {
  const I420Packer packer{{.matrix = color.matrix, .range = color.range}};
  REQUIRE(packer.color_spec(source.size()) == color);
  sink.start({PixelFormat::I420, source.size(), kRate, stated});
  const ElementRef appsink = sink.element("out");
  packer.convert(source.view(), sink.acquire<PixelFormat::I420>());
  sink.submit(FrameTime::at(0, kRate));
  const detail::SamplePtr sample = test::pull_sample(appsink.get());
  Frame<PixelFormat::RGB24> decoded = test::frame_from_sample<PixelFormat::RGB24>(sample.get());
  sink.finish();
  return decoded;
}

template <PixelFormat F>
Frame<PixelFormat::RGB24> round_trip(const Frame<F>& source, ColorSpec color, ColorSpec stated,
                                     const char* decoder = kDecodeToRgb) {
  AppSrcSink sink{decoder};
  return round_trip(sink, source, color, stated);
}

// Tolerance of the whole chain: framepipe's packer (each byte within 1 of exact), 4:2:0 chroma
// (averaged, then interpolated back) and videoconvert's decode. Measured on this smooth content
// over every format, size, matrix and range below: max 6 (BT.709 limited, 320x240 and up), mean
// <= 1.22. Caps that misstate the range or the matrix miss by 20 to 29 levels (mean 8 to 9).
constexpr int kMaxError = 6;
constexpr double kMeanError = 1.5;

template <PixelFormat F>
void check_round_trip(AppSrcSink& sink, Size size, ColorSpec color) {
  CAPTURE(format_name(F));
  CAPTURE(size.width);
  CAPTURE(size.height);
  CAPTURE(matrix_name(color.matrix));
  CAPTURE(range_name(color.range));
  Frame<F> source(size);
  draw_smooth(source.view(), 0.3 * size.width);
  const Frame<PixelFormat::RGB24> decoded = round_trip(sink, source, color, color);
  const ColorError e = compare_with_rgb(source.view(), decoded.view());
  INFO("measured: max " << e.max << " mean " << e.mean);
  CHECK(e.max <= kMaxError);
  CHECK(e.mean <= kMeanError);
}

template <PixelFormat F>
void check_round_trips() {
  AppSrcSink sink{kDecodeToRgb};
  for (const Size size : {Size{320, 240}, Size{1, 1}, Size{3, 3}, Size{321, 241}, Size{639, 479}}) {
    for (const Matrix matrix : {Matrix::BT601, Matrix::BT709}) {
      for (const Range range : {Range::Limited, Range::Full}) {
        check_round_trip<F>(sink, size, {matrix, range});
      }
    }
  }
  check_round_trip<F>(sink, {1920, 1080}, {Matrix::BT709, Range::Limited});
}

}  // namespace

TEST_CASE("round trip through videoconvert: BGR24") { check_round_trips<PixelFormat::BGR24>(); }
TEST_CASE("round trip through videoconvert: RGB24") { check_round_trips<PixelFormat::RGB24>(); }
TEST_CASE("round trip through videoconvert: BGRA32") { check_round_trips<PixelFormat::BGRA32>(); }
TEST_CASE("round trip through videoconvert: RGBA32") { check_round_trips<PixelFormat::RGBA32>(); }

TEST_CASE("round trip through a plain videoconvert stays close, within its fast path's error") {
  // GStreamer's own 8-bit fast path (see kDecodeToRgb): a looser bound, for what users see.
  const Size size{320, 240};
  Frame<PixelFormat::BGR24> source(size);
  draw_smooth(source.view());
  for (const Matrix matrix : {Matrix::BT601, Matrix::BT709}) {
    for (const Range range : {Range::Limited, Range::Full}) {
      const ColorSpec color{matrix, range};
      const ColorError e = compare_with_rgb(
          source.view(), round_trip(source, color, color, kDefaultDecodeToRgb).view());
      MESSAGE("plain videoconvert, " << matrix_name(matrix) << " " << range_name(range) << ": max "
                                     << e.max << " mean " << e.mean);
      CHECK(e.max <= 10);
      CHECK(e.mean <= 3.0);
    }
  }
}

TEST_CASE("round trip: caps that lie about the colour fail the tolerance (the check can fail)") {
  const Size size{320, 240};
  Frame<PixelFormat::BGR24> source(size);
  draw_smooth(source.view());
  const ColorSpec packed{Matrix::BT601, Range::Limited};
  for (const ColorSpec lie :
       {ColorSpec{Matrix::BT601, Range::Full}, ColorSpec{Matrix::BT709, Range::Limited}}) {
    CAPTURE(matrix_name(lie.matrix));
    CAPTURE(range_name(lie.range));
    const ColorError e = compare_with_rgb(source.view(), round_trip(source, packed, lie).view());
    MESSAGE("packed BT.601 limited, caps say " << matrix_name(lie.matrix) << " "
                                               << range_name(lie.range) << ": max " << e.max
                                               << " mean " << e.mean);
    CHECK(e.max > kMaxError);
    CHECK(e.mean > kMeanError);
  }
}

// ---- Bad input ----------------------------------------------------------------------------------

TEST_CASE("a description GStreamer cannot parse throws ParseError") {
  for (const char* bad : {"! ! !", "videoconvert ! ! fakesink", "fakesink no-such-property=1"}) {
    CAPTURE(bad);
    try {
      AppSrcSink sink{bad};
      FAIL("no exception");
    } catch (const ParseError& e) {
      const std::string what = e.what();
      CHECK(what.find(bad) != std::string::npos);
      CHECK(!e.gst_message().empty());
    }
  }
}

TEST_CASE("an element no plugin provides throws MissingElement naming it") {
  for (const char* description :
       {"nosuchelement_xyz", "videoconvert ! nosuchelement_xyz ! fakesink"}) {
    CAPTURE(description);
    try {
      AppSrcSink sink{description};
      FAIL("no exception");
    } catch (const MissingElement& e) {
      CHECK(e.element() == "nosuchelement_xyz");
      CHECK(std::string(e.what()).find("nosuchelement_xyz") != std::string::npos);
      CHECK(!e.gst_message().empty());
    }
  }
}

TEST_CASE("MissingElement names the package that ships a well-known element") {
  const MissingElement x264("x264enc", "no element \"x264enc\"");
  CHECK(std::string(x264.what()).find("apt-get install gstreamer1.0-plugins-ugly") !=
        std::string::npos);
  const MissingElement unknown("nosuchelement_xyz", "no element");
  CHECK(std::string(unknown.what()).find("gst-inspect-1.0 nosuchelement_xyz") != std::string::npos);
}

TEST_CASE("bad arguments throw InvalidArgument") {
  CHECK_THROWS_AS(AppSrcSink{""}, InvalidArgument);
  CHECK_THROWS_AS(AppSrcSink{"  \n"}, InvalidArgument);
  CHECK_THROWS_AS((AppSrcSink{"fakesink", {.pool_size = 0}}), InvalidArgument);
  CHECK_THROWS_AS((AppSrcSink{"fakesink", {.appsrc_name = ""}}), InvalidArgument);

  AppSrcSink sink{"fakesink"};
  CHECK_THROWS_AS(sink.start({PixelFormat::I420, {0, 240}, kRate}), InvalidArgument);
  CHECK_THROWS_AS(sink.start({PixelFormat::I420, {320, 0}, kRate}), InvalidArgument);
  CHECK_THROWS_AS(sink.start({PixelFormat::I420, {320, 240}, {30, 0}}), InvalidArgument);
  CHECK_THROWS_AS(sink.acquire<PixelFormat::I420>(), Error);  // not started
  CHECK_THROWS_AS(sink.submit(FrameTime{}), Error);
  CHECK_THROWS_AS(sink.element("nothing_called_this"), InvalidArgument);
  CHECK_THROWS_AS(Frame<PixelFormat::I420>({0, 10}), InvalidArgument);
  CHECK_THROWS_AS(FrameView<PixelFormat::I420>::wrap(nullptr, {0, 10}), InvalidArgument);
  CHECK_THROWS_AS((FunctionGenerator<PixelFormat::BGR24>{{.size = {0, 240}}, {}}), InvalidArgument);

  sink.start({PixelFormat::I420, {16, 16}, kRate});
  CHECK_THROWS_AS(sink.acquire<PixelFormat::NV12>(), InvalidArgument);  // not the stream's format
  CHECK_THROWS_AS(sink.start({PixelFormat::I420, {16, 16}, kRate}), Error);  // already running
  sink.finish();
  // A finished sink can start again.
  sink.start({PixelFormat::NV12, {18, 10}, kRate});
  sink.acquire<PixelFormat::NV12>();
  sink.submit(FrameTime::at(0, kRate));
  sink.finish();
}

// ---- Errors from the running pipeline -----------------------------------------------------------

namespace {

/// Starts `sink` on small I420 frames, submits `frames`, then finishes: the way Pipeline drives it.
void run_frames(AppSrcSink& sink, int frames, Size size = {64, 48}) {
  sink.start({PixelFormat::I420, size, kRate});
  for (int i = 0; i < frames; ++i) {
    const FrameView<PixelFormat::I420> f = sink.acquire<PixelFormat::I420>();
    std::fill_n(f.plane(0), default_layout(PixelFormat::I420, size).size, std::uint8_t{128});
    sink.submit(FrameTime::at(static_cast<std::uint64_t>(i), kRate));
  }
  sink.finish();
}

}  // namespace

TEST_CASE("a sink that cannot open its file throws StreamError naming it") {
  AppSrcSink sink{"filesink name=writer location=/nonexistent-dir/x/y.raw"};
  const auto started = std::chrono::steady_clock::now();
  try {
    run_frames(sink, 5);
    FAIL("no exception");
  } catch (const StreamError& e) {
    CHECK(e.element() == "writer");
    CHECK(!e.message().empty());
    const std::string what = e.what();
    CHECK(what.find("writer") != std::string::npos);
    CHECK(what.find(e.message()) != std::string::npos);
    CHECK(e.domain() == "gst-resource-error-quark");
    CHECK(what.find("/nonexistent-dir/x/y.raw") !=
          std::string::npos);  // the path it could not open
  }
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("an error in the middle of the stream throws StreamError, even while acquire() waits") {
  // identity error-after=N posts an ERROR and stops the stream at its Nth buffer; the pool of 2 is
  // then never given back, so acquire() must notice the error on the bus instead of waiting.
  AppSrcSink sink{"identity name=breaker error-after=3 ! fakesink sync=false", {.pool_size = 2}};
  const auto started = std::chrono::steady_clock::now();
  try {
    run_frames(sink, 200);
    FAIL("no exception");
  } catch (const StreamError& e) {
    CHECK(e.element() == "breaker");
    CHECK(!e.message().empty());
  }
  CHECK(std::chrono::steady_clock::now() - started < 5s);
  sink.finish();  // after an error: stops quietly
  CHECK(sink.slots_in_use() == 0);
}

TEST_CASE("caps downstream refuses throw NotNegotiated with the offered caps") {
  AppSrcSink sink{"video/x-raw,format=GRAY16_LE ! fakesink"};
  const auto started = std::chrono::steady_clock::now();
  try {
    run_frames(sink, 10);
    FAIL("no exception");
  } catch (const NotNegotiated& e) {
    const std::string what = e.what();
    CHECK(e.offered_caps() == caps_string({PixelFormat::I420, {64, 48}, kRate}));
    CHECK(what.find("format=(string)I420") != std::string::npos);
    CHECK(what.find("not-negotiated") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("finish() throws Timeout when EOS does not arrive in time") {
  // A live-synchronised sink waits for each buffer's running time; one frame far in the future
  // keeps EOS queued behind it.
  AppSrcSink sink{"fakesink sync=true", {.eos_timeout = 300ms}};
  sink.start({PixelFormat::GRAY8, {4, 4}, kRate});
  sink.acquire<PixelFormat::GRAY8>();
  sink.submit(FrameTime{0, 0, 1});
  sink.acquire<PixelFormat::GRAY8>();
  sink.submit(FrameTime{1, 3600 * GST_SECOND, 1});
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(sink.finish(), Timeout);
  const auto waited = std::chrono::steady_clock::now() - started;
  CHECK(waited >= 250ms);
  CHECK(waited < 5s);
}

TEST_CASE("warnings from the bus go to the log callback") {
  std::vector<std::pair<LogLevel, std::string>> logged;
  AppSrcSink sink{"identity name=grumbler ! fakesink sync=false",
                  {.on_log = [&logged](LogLevel level, const std::string& text) {
                    logged.emplace_back(level, text);
                  }}};
  sink.start({PixelFormat::GRAY8, {4, 4}, kRate});
  GST_ELEMENT_WARNING(sink.element("grumbler").get(), STREAM, FAILED, ("framepipe test warning"),
                      ("details for developers"));
  sink.acquire<PixelFormat::GRAY8>();
  sink.submit(FrameTime::at(0, kRate));
  sink.finish();
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].first == LogLevel::Warning);
  CHECK(logged[0].second.find("grumbler") != std::string::npos);
  CHECK(logged[0].second.find("framepipe test warning") != std::string::npos);
  CHECK(logged[0].second.find("details for developers") != std::string::npos);
}

// ---- Shutdown -----------------------------------------------------------------------------------

TEST_CASE("the destructor without finish() still finalises a WebM file") {
  const test::TempDir dir;
  const std::filesystem::path file = dir / "x.webm";
  const Size size{320, 240};
  {
    AppSrcSink sink{"videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=" +
                    file.string()};
    sink.start({PixelFormat::I420, size, kRate, ColorSpec{}});
    Frame<PixelFormat::BGR24> source(size);
    const I420Packer packer;
    for (std::uint64_t i = 0; i < 10; ++i) {
      draw_smooth(source.view(), 0.1 * static_cast<double>(i));
      packer.convert(source.view(), sink.acquire<PixelFormat::I420>());
      sink.submit(FrameTime::at(i, kRate));
    }
  }  // no finish(): the destructor sends EOS and waits, so webmmux writes its index
  REQUIRE(std::filesystem::exists(file));
  const test::DecodedVideo video = test::decode_file(file);
  CHECK(video.frames.size() == 10);
  for (std::size_t i = 0; i < video.pts.size(); ++i) {
    CAPTURE(i);
    // Matroska stores milliseconds, rounded.
    const auto exact = static_cast<std::int64_t>(FrameTime::at(i, kRate).pts);
    CHECK(std::abs(static_cast<std::int64_t>(video.pts[i]) - exact) <= GST_MSECOND / 2);
  }
  REQUIRE(!video.frames.empty());
  CHECK(video.frames[0].size() == size);
}

TEST_CASE("the destructor does not hang when downstream never finishes") {
  const auto started = std::chrono::steady_clock::now();
  {
    AppSrcSink sink{"fakesink sync=true", {.eos_timeout = 200ms}};
    sink.start({PixelFormat::GRAY8, {4, 4}, kRate});
    sink.acquire<PixelFormat::GRAY8>();
    sink.submit(FrameTime{0, 3600 * GST_SECOND, 1});
  }
  CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("attaching to a pipeline the caller built") {
  GError* raw_error = nullptr;
  ElementRef built = ElementRef::adopt(gst_parse_launch(
      "appsrc name=mine ! videoconvert ! video/x-raw,format=RGB ! appsink name=out sync=false",
      &raw_error));
  REQUIRE(raw_error == nullptr);
  REQUIRE(built);
  CHECK_THROWS_WITH_AS(AppSrcSink(built, {}),
                       "framepipe::AppSrcSink: the pipeline has no appsrc named \"framepipe_src\"",
                       InvalidArgument);
  CHECK_THROWS_WITH_AS(AppSrcSink(built, {.appsrc_name = "out"}),
                       "framepipe::AppSrcSink: the pipeline has no appsrc named \"out\"",
                       InvalidArgument);  // an appsink is no appsrc
  AppSrcSink sink{built, {.appsrc_name = "mine"}};
  CHECK(sink.pipeline().get() == built.get());
  sink.start({PixelFormat::BGR24, {8, 6}, kRate});
  const FrameView<PixelFormat::BGR24> f = sink.acquire<PixelFormat::BGR24>();
  for (int y = 0; y < 6; ++y) std::fill_n(f.row(0, y), 24, std::uint8_t{200});
  sink.submit(FrameTime::at(0, kRate));
  const detail::SamplePtr sample = test::pull_sample(sink.element("out").get());
  const Frame<PixelFormat::RGB24> rgb = test::frame_from_sample<PixelFormat::RGB24>(sample.get());
  CHECK(rgb.view().row(0, 5)[23] == 200);
  sink.finish();
}

TEST_CASE("attaching with owns_state = false leaves the pipeline's state and bus to the caller") {
  GError* raw_error = nullptr;
  ElementRef built = ElementRef::adopt(
      gst_parse_launch("appsrc name=framepipe_src ! fakesink name=out sync=false", &raw_error));
  REQUIRE(raw_error == nullptr);
  REQUIRE(built);
  CHECK_THROWS_AS(AppSrcSink("fakesink", {.owns_state = false}), InvalidArgument);
  const detail::BusPtr bus(gst_element_get_bus(built.get()));
  {
    AppSrcSink sink{built, {.owns_state = false}};
    sink.start({PixelFormat::GRAY8, {8, 6}, kRate});
    GstState state = GST_STATE_VOID_PENDING;
    gst_element_get_state(built.get(), &state, nullptr, 0);
    CHECK(state == GST_STATE_NULL);  // start() did not play it: the caller does
    REQUIRE(gst_element_set_state(built.get(), GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
    for (std::uint64_t i = 0; i < 5; ++i) {
      sink.acquire<PixelFormat::GRAY8>();
      sink.submit(FrameTime::at(i, kRate));
    }
    sink.finish();  // sends EOS and returns: the caller waits for it
    const detail::MessagePtr eos(gst_bus_timed_pop_filtered(
        bus.get(), 5 * GST_SECOND,
        static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR)));
    REQUIRE(eos);
    CHECK(GST_MESSAGE_TYPE(eos.get()) == GST_MESSAGE_EOS);
    gst_element_get_state(built.get(), &state, nullptr, 0);
    CHECK(state == GST_STATE_PLAYING);  // finish() left the state alone
    CHECK(sink.pushed() == 5);
  }
  GstState state = GST_STATE_VOID_PENDING;
  gst_element_get_state(built.get(), &state, nullptr, 0);
  CHECK(state == GST_STATE_PLAYING);  // so did the destructor
  gst_element_set_state(built.get(), GST_STATE_NULL);
}
