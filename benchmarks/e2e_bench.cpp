// End to end at 1920x1080: BGR frames -> I420 -> appsrc ! fakesink sync=false, 300 frames per
// iteration (one stream: PLAYING, 300 frames, EOS, NULL), four ways:
//   BM_E2E_Framepipe     Pipeline{generator, I420Packer, AppSrcSink}: the packer writes into the
//                        pool frame that becomes the GstBuffer (zero copy, bounded pool of 4)
//   BM_E2E_LibyuvPool    the strongest hand-written loop: libyuv::RGB24ToI420 straight into a
//                        buffer acquired from a GstVideoBufferPool of 4 and mapped with
//                        gst_video_frame_map, pushed with gst_app_src_push_buffer (needs libyuv)
//   BM_E2E_HandWritten   what a careful C++ user writes by hand: cv::cvtColor(COLOR_BGR2YUV_I420)
//                        into a reused cv::Mat, gst_buffer_new_allocate + gst_buffer_fill,
//                        gst_app_src_push_buffer into `appsrc ! fakesink sync=false`
//   BM_E2E_VideoWriter   cv::VideoWriter's GStreamer backend (BGR into appsrc) to the same sink,
//                        with videoconvert making the same I420 (needs OpenCV videoio); the
//                        writer is opened outside the timed region, its release (EOS) is timed
// The BGR source is drawn once; each way only converts and pushes it (its first row changes per
// frame so that every frame differs). Counters: frames/s, heap allocations per frame in the
// steady state (operator new is replaced below; counted from frame 16 to frame 299 of each
// stream), and the process's peak RSS (run one benchmark per process for a clean figure:
// --benchmark_filter=...).
#include <benchmark/benchmark.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <framepipe/framepipe.hpp>
#include <new>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#if FRAMEPIPE_BENCH_HAVE_LIBYUV
#  include <gst/video/video.h>
#  include <libyuv.h>
#endif
#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
#  include <opencv2/videoio.hpp>
#endif

namespace {

constexpr int kWidth = 1920;
constexpr int kHeight = 1080;
constexpr std::uint64_t kFrames = 300;
/// Allocations are counted over frames [kSteadyFrom, kFrames - 1): after start-up.
constexpr std::uint64_t kSteadyFrom = 16;

using framepipe_bench::g_allocations;
using framepipe_bench::g_mallocs;
using framepipe_bench::peak_rss_mib;

/// The 1080p BGR source: gradients and a disc, drawn once.
const cv::Mat& source() {
  static const cv::Mat mat = [] {
    cv::Mat m(kHeight, kWidth, CV_8UC3);
    for (int y = 0; y < kHeight; ++y) {
      auto* row = m.ptr<std::uint8_t>(y);
      for (int x = 0; x < kWidth; ++x) {
        row[3 * x + 0] = static_cast<std::uint8_t>(x / 8);
        row[3 * x + 1] = static_cast<std::uint8_t>(y / 5);
        row[3 * x + 2] = static_cast<std::uint8_t>((x + y) / 12);
      }
    }
    cv::circle(m, {960, 540}, 300, cv::Scalar(0, 200, 255), cv::FILLED, cv::LINE_AA);
    return m;
  }();
  return mat;
}

/// Makes frame `index` differ from the last one at the cost of one row.
void touch(std::uint8_t* first_row, std::uint64_t index) {
  std::memset(first_row, static_cast<int>(index & 0xff), 3 * kWidth);
}

/// Allocation count at the start of the steady state and at its end, per stream.
struct SteadyCount {
  std::uint64_t from = 0;
  std::uint64_t mallocs_from = 0;
  std::uint64_t total = 0;
  std::uint64_t mallocs = 0;
  std::uint64_t frames = 0;
  void at(std::uint64_t index) {
    if (index == kSteadyFrom) {
      from = g_allocations.load(std::memory_order_relaxed);
      mallocs_from = g_mallocs.load(std::memory_order_relaxed);
    }
    if (index == kFrames - 1) {
      total += g_allocations.load(std::memory_order_relaxed) - from;
      mallocs += g_mallocs.load(std::memory_order_relaxed) - mallocs_from;
      frames += kFrames - 1 - kSteadyFrom;
    }
  }
};

void report(benchmark::State& state, const SteadyCount& steady) {
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations() * kFrames),
                                                  benchmark::Counter::kIsRate);
  state.counters["allocs/frame"] =
      steady.frames > 0 ? static_cast<double>(steady.total) / static_cast<double>(steady.frames)
                        : -1.0;
  // Includes GStreamer's own per-buffer bookkeeping and its streaming thread's, so it is an upper
  // bound on what the code under test allocates.
  state.counters["mallocs/frame"] =
      steady.frames > 0 ? static_cast<double>(steady.mallocs) / static_cast<double>(steady.frames)
                        : -1.0;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

void BM_E2E_Framepipe(benchmark::State& state) {
  using namespace framepipe;
  const cv::Mat& bgr = source();
  SteadyCount steady;
  FunctionGenerator<PixelFormat::BGR24> generator{
      {.size = {kWidth, kHeight}}, [&](FrameView<PixelFormat::BGR24> f, const FrameTime& t) {
        steady.at(t.index);
        if (t.index == 0) {  // the pipeline's BGR frame persists: fill it once per stream
          for (int y = 0; y < kHeight; ++y) std::memcpy(f.row(0, y), bgr.ptr(y), 3 * kWidth);
        }
        touch(f.row(0, 0), t.index);
      }};
  Pipeline pipeline{std::move(generator), I420Packer{}, AppSrcSink{"fakesink sync=false"}};
  state.SetLabel(std::string("ISA ") + std::string(isa_name(pipeline.converter<0>().isa())));
  for (auto _ : state) {
    const Stats s = pipeline.run({.frames = kFrames, .fps = {30, 1}});
    if (s.frames != kFrames || s.dropped != 0) state.SkipWithError("frames went missing");
  }
  report(state, steady);
}
BENCHMARK(BM_E2E_Framepipe)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

/// The 1080p text clock (OpenCV clears and draws every frame: about as costly as the packer) into
/// I420 and appsrc ! fakesink, sequential (arg 0) and with RunOptions::overlap (arg 1): on two
/// cores the clock of frame i + 1 is drawn while frame i is packed and pushed (two lanes, each
/// drawing and packing its own frames).
/// Runs `pipeline` (a generator -> I420Packer -> AppSrcSink) kFrames at a time, sequential or
/// overlapped, and reports frames/s and where the last run's time went per frame: drawing and
/// packing (summed over both lanes when overlapped, so each is the cost of the step, not a share
/// of the wall time).
template <class P>
void run_generator_rows(benchmark::State& state, P& pipeline, const SteadyCount* steady = nullptr) {
  using namespace framepipe;
  const bool overlap = state.range(0) != 0;
  state.SetLabel(overlap ? "overlap" : "sequential");
  Stats last;
  for (auto _ : state) {
    last = pipeline.run({.frames = kFrames, .fps = {30, 1}, .overlap = overlap});
    if (last.frames != kFrames || last.dropped != 0) state.SkipWithError("frames went missing");
  }
  state.counters["frames/s"] = benchmark::Counter(static_cast<double>(state.iterations() * kFrames),
                                                  benchmark::Counter::kIsRate);
  state.counters["draw_ms"] =
      std::chrono::duration<double, std::milli>(last.generate).count() / kFrames;
  state.counters["pack_ms"] =
      std::chrono::duration<double, std::milli>(last.convert).count() / kFrames;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  if (steady != nullptr) report(state, *steady);
}

void BM_E2E_TextClock(benchmark::State& state) {
  using namespace framepipe;
  Pipeline pipeline{TextClockGenerator{{.size = {kWidth, kHeight}}}, I420Packer{},
                    AppSrcSink{"fakesink sync=false"}};
  run_generator_rows(state, pipeline);
}
BENCHMARK(BM_E2E_TextClock)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();

/// A generator about as costly as the packer: a diagonal gradient scrolling one pixel per frame,
/// each row copied from a precomputed line at its offset (6 MB written per 1080p frame, as a
/// camera's DMA or a decoder would). The text clock's drawing costs about twice the packing now,
/// and drawing is one step at a time in an overlapped run, so that row's gain is capped there.
void BM_E2E_Scroll(benchmark::State& state) {
  using namespace framepipe;
  std::vector<std::uint8_t> line(static_cast<std::size_t>(3 * (kWidth + 256)));
  for (std::size_t i = 0; i < line.size(); ++i) line[i] = static_cast<std::uint8_t>(i / 3);
  SteadyCount steady;  // the draws come in frame order, overlapped too
  Pipeline pipeline{FunctionGenerator<PixelFormat::BGR24>{
                        {.size = {kWidth, kHeight}},
                        [&line, &steady](FrameView<PixelFormat::BGR24> f, const FrameTime& t) {
                          steady.at(t.index);
                          for (int y = 0; y < f.height(); ++y) {
                            const auto offset = static_cast<std::size_t>(
                                3 * ((t.index + static_cast<std::uint64_t>(y)) % 256));
                            std::memcpy(f.row(0, y), line.data() + offset,
                                        static_cast<std::size_t>(3 * f.width()));
                          }
                        }},
                    I420Packer{}, AppSrcSink{"fakesink sync=false"}};
  run_generator_rows(state, pipeline, &steady);
}
BENCHMARK(BM_E2E_Scroll)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(3.0)
    ->UseRealTime();

/// Waits (bounded) for EOS or an error on `pipeline`'s bus; false on error or timeout.
bool wait_eos(GstElement* pipeline) {
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* message = gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const bool ok = message != nullptr && GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS;
  if (message != nullptr) gst_message_unref(message);
  gst_object_unref(bus);
  return ok;
}

/// The I420 caps the hand-written loops give their appsrc.
GstCaps* i420_caps() {
  return gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                             kWidth, "height", G_TYPE_INT, kHeight, "framerate", GST_TYPE_FRACTION,
                             30, 1, nullptr);
}

/// What the hand-written loops share: `appsrc name=src ! fakesink sync=false` with i420_caps(),
/// and one stream through it.
class HandWrittenStream {
 public:
  HandWrittenStream() {
    framepipe::ensure_gstreamer_initialized();
    pipeline_ = gst_parse_launch("appsrc name=src ! fakesink sync=false", nullptr);
    appsrc_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
    GstCaps* caps = i420_caps();
    g_object_set(appsrc_, "caps", caps, "format", GST_FORMAT_TIME, nullptr);
    gst_caps_unref(caps);
  }
  HandWrittenStream(const HandWrittenStream&) = delete;
  HandWrittenStream& operator=(const HandWrittenStream&) = delete;
  ~HandWrittenStream() {
    gst_object_unref(appsrc_);
    gst_object_unref(pipeline_);
  }

  /// One stream of kFrames: PLAYING; per frame, the steady-state count, touch() of `bgr`, the
  /// buffer `make_buffer()` fills from it (nullptr: stop, the error already given to `state`),
  /// stamped and pushed; then EOS, the bounded wait for it, and NULL.
  template <class MakeBuffer>
  void run(benchmark::State& state, SteadyCount& steady, cv::Mat& bgr, MakeBuffer&& make_buffer) {
    gst_element_set_state(pipeline_, GST_STATE_PLAYING);
    for (std::uint64_t i = 0; i < kFrames; ++i) {
      steady.at(i);
      touch(bgr.ptr(0), i);
      GstBuffer* buffer = make_buffer();
      if (buffer == nullptr) break;
      GST_BUFFER_PTS(buffer) = gst_util_uint64_scale(i, GST_SECOND, 30);
      GST_BUFFER_DURATION(buffer) = gst_util_uint64_scale(1, GST_SECOND, 30);
      if (gst_app_src_push_buffer(GST_APP_SRC(appsrc_), buffer) != GST_FLOW_OK) {
        state.SkipWithError("push failed");
        break;
      }
    }
    gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
    if (!wait_eos(pipeline_)) state.SkipWithError("no EOS");
    gst_element_set_state(pipeline_, GST_STATE_NULL);
  }

 private:
  GstElement* pipeline_ = nullptr;
  GstElement* appsrc_ = nullptr;
};

#if FRAMEPIPE_BENCH_HAVE_LIBYUV
void BM_E2E_LibyuvPool(benchmark::State& state) {
  HandWrittenStream stream;
  cv::Mat bgr = source().clone();
  GstCaps* caps = i420_caps();
  GstVideoInfo info;
  gst_video_info_from_caps(&info, caps);
  // A pool of 4, like framepipe's: acquire blocks while all 4 are downstream.
  GstBufferPool* pool = gst_video_buffer_pool_new();
  GstStructure* config = gst_buffer_pool_get_config(pool);
  gst_buffer_pool_config_set_params(config, caps, static_cast<guint>(GST_VIDEO_INFO_SIZE(&info)), 4,
                                    4);
  gst_caps_unref(caps);
  if (!gst_buffer_pool_set_config(pool, config) || !gst_buffer_pool_set_active(pool, TRUE)) {
    state.SkipWithError("GstBufferPool could not be configured");
    gst_object_unref(pool);
    return;
  }
  SteadyCount steady;
  for (auto _ : state) {
    stream.run(state, steady, bgr, [&]() -> GstBuffer* {
      GstBuffer* buffer = nullptr;
      if (gst_buffer_pool_acquire_buffer(pool, &buffer, nullptr) != GST_FLOW_OK) {
        state.SkipWithError("acquire failed");
        return nullptr;
      }
      GstVideoFrame frame;
      if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_WRITE)) {
        gst_buffer_unref(buffer);
        state.SkipWithError("map failed");
        return nullptr;
      }
      // libyuv's "RGB24" is B, G, R in memory: OpenCV's BGR.
      libyuv::RGB24ToI420(bgr.ptr(), static_cast<int>(bgr.step[0]),
                          static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                          GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0),
                          static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 1)),
                          GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 1),
                          static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 2)),
                          GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 2), kWidth, kHeight);
      gst_video_frame_unmap(&frame);
      return buffer;
    });
  }
  gst_buffer_pool_set_active(pool, FALSE);
  gst_object_unref(pool);
  report(state, steady);
}
BENCHMARK(BM_E2E_LibyuvPool)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
#endif

void BM_E2E_HandWritten(benchmark::State& state) {
  HandWrittenStream stream;
  cv::Mat bgr = source().clone();
  cv::Mat i420;  // reused: cvtColor allocates it once
  SteadyCount steady;
  for (auto _ : state) {
    stream.run(state, steady, bgr, [&] {
      cv::cvtColor(bgr, i420, cv::COLOR_BGR2YUV_I420);
      const gsize size = i420.total() * i420.elemSize();
      GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
      gst_buffer_fill(buffer, 0, i420.data, size);
      return buffer;
    });
  }
  report(state, steady);
}
BENCHMARK(BM_E2E_HandWritten)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
void BM_E2E_VideoWriter(benchmark::State& state) {
  cv::Mat bgr = source().clone();
  SteadyCount steady;
  for (auto _ : state) {
    // Opening builds and starts the GStreamer pipeline: not timed, as the other entries build
    // theirs before the loop. The stream itself, up to EOS in release(), is timed.
    state.PauseTiming();
    cv::VideoWriter writer("appsrc ! videoconvert ! video/x-raw,format=I420 ! fakesink sync=false",
                           cv::CAP_GSTREAMER, 0, 30.0, cv::Size(kWidth, kHeight), true);
    state.ResumeTiming();
    if (!writer.isOpened()) {
      state.SkipWithError("cv::VideoWriter could not open its GStreamer pipeline");
      return;
    }
    for (std::uint64_t i = 0; i < kFrames; ++i) {
      steady.at(i);
      touch(bgr.ptr(0), i);
      writer.write(bgr);
    }
    writer.release();  // EOS and wait
  }
  report(state, steady);
}
BENCHMARK(BM_E2E_VideoWriter)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
