// Pull mode at 1920x1080: frames of a GStreamer source into the caller's loop as BGR, through
// framepipe's Reader (appsink I420, mapped in place, unpacked once) and through cv::VideoCapture's
// GStreamer backend (the same source, `! videoconvert ! video/x-raw,format=BGR ! appsink`, which
// is what VideoCapture needs for BGR). Two sources: videotestsrc (no decoder: the measurement is
// the hand-over and the conversion) and an H.264 file decoded by decodebin (for context).
// Counters: frames/s, heap allocations per frame in the steady state (C++ and C, see
// alloc_counter.hpp), and the process's peak RSS (run one benchmark per process for a clean peak:
// --benchmark_filter=...). Each iteration reads one frame and touches one pixel of it.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <framepipe/gst/reader.hpp>
#include <framepipe/opencv/mat_view.hpp>
#include <string>

#include "alloc_counter.hpp"
#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
#  include <opencv2/videoio.hpp>
#endif

namespace {

using framepipe_bench::g_allocations;
using framepipe_bench::g_mallocs;
using framepipe_bench::peak_rss_mib;

constexpr int kDecodedFrames = 400;

/// A 1080p H.264 file of kDecodedFrames frames (x264enc, made once per machine in the temp dir).
std::string h264_file() {
  static const std::string path = [] {
    const auto file = std::filesystem::temp_directory_path() / "framepipe_reader_bench_1080p.mkv";
    if (!std::filesystem::exists(file)) {
      const std::string command =
          "gst-launch-1.0 -q videotestsrc num-buffers=" + std::to_string(kDecodedFrames) +
          " pattern=ball ! video/x-raw,format=I420,width=1920,height=1080,framerate=30/1 ! "
          "x264enc speed-preset=ultrafast tune=zerolatency bitrate=8000 ! h264parse ! "
          "matroskamux ! filesink location=" +
          file.string();
      if (std::system(command.c_str()) != 0) return std::string();
    }
    return file.string();
  }();
  return path;
}

/// [0]: no decoder; [1]: H.264 decoded by decodebin (avdec_h264).
std::string source(std::int64_t which) {
  if (which == 0) {
    return "videotestsrc pattern=black ! "
           "video/x-raw,format=I420,width=1920,height=1080,framerate=30/1";
  }
  return "filesrc location=" + h264_file() + " ! decodebin";
}

std::int64_t frames_available(std::int64_t which) { return which == 0 ? 0 : kDecodedFrames; }

void report(benchmark::State& state, std::uint64_t allocations, std::uint64_t mallocs,
            std::uint64_t checksum) {
  const auto n = static_cast<double>(state.iterations());
  state.counters["frames/s"] = benchmark::Counter(n, benchmark::Counter::kIsRate);
  state.counters["allocs/frame"] = static_cast<double>(allocations) / n;
  state.counters["mallocs/frame"] = static_cast<double>(mallocs) / n;
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  benchmark::DoNotOptimize(checksum);
}

constexpr int kWarmUp = 16;

void BM_Read_Framepipe(benchmark::State& state) {
  using namespace framepipe;
  const std::string description = source(state.range(0));
  state.SetLabel(state.range(0) == 0 ? "videotestsrc I420" : "H.264 file, decodebin");
  if (state.range(0) == 1 && h264_file().empty()) {
    state.SkipWithError("could not make the H.264 file (x264enc: gstreamer1.0-plugins-ugly)");
    return;
  }
  Reader<PixelFormat::BGR24> reader{description};
  std::uint64_t checksum = 0;
  for (int i = 0; i < kWarmUp; ++i) checksum += reader.read()->view().row(0, 540)[960];
  const std::uint64_t before = g_allocations.load();
  const std::uint64_t mallocs_before = g_mallocs.load();
  for (auto _ : state) {
    auto frame = reader.read();
    if (!frame) {
      state.SkipWithError("the stream ended");
      break;
    }
    checksum += frame->view().row(0, 540)[960];
  }
  const std::uint64_t allocations = g_allocations.load() - before;
  const std::uint64_t mallocs = g_mallocs.load() - mallocs_before;
  reader.close();
  report(state, allocations, mallocs, checksum);
}

#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
void BM_Read_VideoCapture(benchmark::State& state) {
  const std::string description =
      source(state.range(0)) + " ! videoconvert ! video/x-raw,format=BGR ! appsink sync=false";
  state.SetLabel(state.range(0) == 0 ? "videotestsrc I420" : "H.264 file, decodebin");
  if (state.range(0) == 1 && h264_file().empty()) {
    state.SkipWithError("could not make the H.264 file (x264enc: gstreamer1.0-plugins-ugly)");
    return;
  }
  cv::VideoCapture capture(description, cv::CAP_GSTREAMER);
  if (!capture.isOpened()) {
    state.SkipWithError("cv::VideoCapture could not open its GStreamer pipeline");
    return;
  }
  cv::Mat frame;
  std::uint64_t checksum = 0;
  for (int i = 0; i < kWarmUp; ++i) {
    capture.read(frame);
    checksum += frame.at<cv::Vec3b>(540, 960)[0];
  }
  const std::uint64_t before = g_allocations.load();
  const std::uint64_t mallocs_before = g_mallocs.load();
  for (auto _ : state) {
    if (!capture.read(frame)) {
      state.SkipWithError("the stream ended");
      break;
    }
    checksum += frame.at<cv::Vec3b>(540, 960)[0];
  }
  const std::uint64_t allocations = g_allocations.load() - before;
  const std::uint64_t mallocs = g_mallocs.load() - mallocs_before;
  capture.release();
  report(state, allocations, mallocs, checksum);
}
#endif

/// Row 0 runs as long as MinTime asks; row 1 reads a fixed number of the file's frames.
void rows(benchmark::internal::Benchmark* b) { b->Unit(benchmark::kMillisecond)->UseRealTime(); }

}  // namespace

BENCHMARK(BM_Read_Framepipe)->Arg(0)->MinTime(3.0)->Apply(rows);
BENCHMARK(BM_Read_Framepipe)->Arg(1)->Iterations(frames_available(1) - kWarmUp - 4)->Apply(rows);
#if FRAMEPIPE_BENCH_HAVE_VIDEOIO
BENCHMARK(BM_Read_VideoCapture)->Arg(0)->MinTime(3.0)->Apply(rows);
BENCHMARK(BM_Read_VideoCapture)->Arg(1)->Iterations(frames_available(1) - kWarmUp - 4)->Apply(rows);
#endif

BENCHMARK_MAIN();
