// Push mode at 1920x1080: frames from the caller's loop into `fakesink sync=false`, through
// framepipe's Writer (I420Packer + AppSrcSink) and through cv::VideoWriter's GStreamer backend.
// Counters: frames/s, heap allocations per frame in the steady state (C++ and C, see
// alloc_counter.hpp), and the process's peak RSS (run one benchmark per process for a clean peak:
// --benchmark_filter=...).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdlib>
#include <framepipe/framepipe.hpp>
#include <new>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
#  include <opencv2/videoio.hpp>
#endif

namespace {

using framepipe_bench::g_allocations;
using framepipe_bench::g_mallocs;
using framepipe_bench::peak_rss_mib;

/// A few moving 1080p frames, drawn once, written in turn (the drawing is not measured).
const std::vector<cv::Mat>& frames() {
  static const std::vector<cv::Mat> all = [] {
    std::vector<cv::Mat> v;
    for (int i = 0; i < 8; ++i) {
      cv::Mat m(1080, 1920, CV_8UC3, cv::Scalar(40, 30, 20));
      cv::circle(m, {200 + 200 * i, 540}, 120, cv::Scalar(0, 200, 255), cv::FILLED, cv::LINE_AA);
      v.push_back(m);
    }
    return v;
  }();
  return all;
}

/// Downstream descriptions: [0] a bare fakesink (VideoWriter then only copies its BGR frame);
/// [1] I420 into the sink, which is what an encoder downstream makes both writers deliver
/// (framepipe packs in place; VideoWriter's BGR is converted by videoconvert).
const char* const kDownstream[] = {"fakesink sync=false",
                                   "videoconvert ! video/x-raw,format=I420 ! fakesink sync=false"};

void report(benchmark::State& state, std::uint64_t allocations, std::uint64_t mallocs) {
  const auto n = static_cast<double>(state.iterations());
  state.counters["frames/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["allocs/frame"] = static_cast<double>(allocations) / n;
  state.counters["mallocs/frame"] = static_cast<double>(mallocs) / n;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
}

void BM_Push_Framepipe(benchmark::State& state) {
  using namespace framepipe;
  const auto& mats = frames();
  Writer<PixelFormat::BGR24, I420Packer, AppSrcSink> writer{
      {.size = {1920, 1080}, .fps = {30, 1}},
      I420Packer{},
      AppSrcSink{kDownstream[state.range(0)]}};
  state.SetLabel(kDownstream[state.range(0)]);
  for (int i = 0; i < 16; ++i) writer.write(view_of<PixelFormat::BGR24>(mats[i % 8]));  // warm up
  std::size_t i = 0;
  const std::uint64_t before = g_allocations.load();
  const std::uint64_t mallocs_before = g_mallocs.load();
  for (auto _ : state) writer.write(view_of<PixelFormat::BGR24>(mats[i++ % 8]));
  const std::uint64_t allocations = g_allocations.load() - before;
  const std::uint64_t mallocs = g_mallocs.load() - mallocs_before;
  writer.close();
  report(state, allocations, mallocs);
}
BENCHMARK(BM_Push_Framepipe)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();

#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
void BM_Push_VideoWriter(benchmark::State& state) {
  const auto& mats = frames();
  cv::VideoWriter writer(std::string("appsrc ! ") + kDownstream[state.range(0)], cv::CAP_GSTREAMER,
                         0, 30.0, cv::Size(1920, 1080), true);
  state.SetLabel(kDownstream[state.range(0)]);
  if (!writer.isOpened()) {
    state.SkipWithError("cv::VideoWriter could not open its GStreamer pipeline");
    return;
  }
  for (int i = 0; i < 16; ++i) writer.write(mats[static_cast<std::size_t>(i % 8)]);
  std::size_t i = 0;
  const std::uint64_t before = g_allocations.load();
  const std::uint64_t mallocs_before = g_mallocs.load();
  for (auto _ : state) writer.write(mats[i++ % 8]);
  const std::uint64_t allocations = g_allocations.load() - before;
  const std::uint64_t mallocs = g_mallocs.load() - mallocs_before;
  writer.release();
  report(state, allocations, mallocs);
}
BENCHMARK(BM_Push_VideoWriter)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
