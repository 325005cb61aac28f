// python_peer_writer: the C++ Writer doing exactly what python/benchmarks/bench.py's
// "push framepipe" case does, so that bench.py can put framepipe.Writer next to it in one run.
// Writer<BGR24, I420Packer, AppSrcSink> into "fakesink sync=false", 1920x1080, the same 8 BGR
// frames as bench.py's frames_bgr() written in turn; each stream is opened before the clock
// starts, and its close() (EOS and its wait) is timed. One line of JSON on stdout:
//   {"fps": frames per second (all streams together), "rss_mib": peak RSS, "streams": N, ...}
//
//   python_peer_writer [--frames 300] [--streams 1] [--threads 1] [--pool-size 4]
//
// --streams 2 runs two Writers in two threads (the C++ side of bench.py's two-thread case).
// Not a test and not a Google Benchmark: bench.py runs it and reads its output.
#include <sys/resource.h>

#include <barrier>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <framepipe/framepipe.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kWidth = 1920;
constexpr int kHeight = 1080;
constexpr std::size_t kRow = std::size_t{kWidth} * 3;

/// bench.py's frames_bgr(): (B, G, R) = (40, 30, 20), a 240-pixel wide (0, 200, 255) band at
/// x = 200 i, and G = 90 + i on every 7th row.
std::vector<std::vector<std::uint8_t>> frames_bgr(int count) {
  std::vector<std::vector<std::uint8_t>> all;
  for (int i = 0; i < count; ++i) {
    std::vector<std::uint8_t> f(kRow * kHeight);
    for (int y = 0; y < kHeight; ++y) {
      std::uint8_t* row = f.data() + static_cast<std::size_t>(y) * kRow;
      for (int x = 0; x < kWidth; ++x) {
        const bool band = x >= 200 * i && x < 200 * i + 240;
        std::uint8_t* p = row + static_cast<std::size_t>(x) * 3;
        p[0] = band ? 0 : 40;
        p[1] = band ? 200 : 30;
        p[2] = band ? 255 : 20;
        if (y % 7 == 0) p[1] = static_cast<std::uint8_t>(90 + i);
      }
    }
    all.push_back(std::move(f));
  }
  return all;
}

struct Args {
  int frames = 300;
  int streams = 1;
  unsigned threads = 1;
  std::size_t pool_size = 4;
};

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const long value = std::strtol(argv[i + 1], nullptr, 10);
    if (name == "--frames") {
      args.frames = static_cast<int>(value);
    } else if (name == "--streams") {
      args.streams = static_cast<int>(value);
    } else if (name == "--threads") {
      args.threads = static_cast<unsigned>(value);
    } else if (name == "--pool-size") {
      args.pool_size = static_cast<std::size_t>(value);
    } else {
      throw std::runtime_error("unknown option " + name);
    }
  }
  if (args.frames < 1 || args.streams < 1) throw std::runtime_error("--frames, --streams >= 1");
  return args;
}

/// The process's peak RSS (VmHWM in /proc/self/status). Not getrusage's ru_maxrss: that one a
/// child inherits from the process it was forked from (bench.py, with its frames), across exec.
double peak_rss_mib() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return 0;
  char line[256];
  long kib = 0;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(status);
  return static_cast<double>(kib) / 1024.0;
}

/// CPU time of the process so far (all its threads: GStreamer's, the packer's), in seconds.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double ms(std::chrono::nanoseconds t) {
  return std::chrono::duration<double, std::milli>(t).count();
}

}  // namespace

int main(int argc, char** argv) try {
  using namespace framepipe;
  using Clock = std::chrono::steady_clock;
  using W = Writer<PixelFormat::BGR24, I420Packer, AppSrcSink>;
  const Args args = parse(argc, argv);
  const auto frames = frames_bgr(8);

  std::vector<std::unique_ptr<W>> writers;
  for (int s = 0; s < args.streams; ++s) {
    AppSrcSinkOptions sink;
    sink.pool_size = args.pool_size;
    writers.push_back(std::make_unique<W>(WriterOptions{.size = {kWidth, kHeight}, .fps = {30, 1}},
                                          I420Packer({.threads = args.threads}),
                                          AppSrcSink("fakesink sync=false", std::move(sink))));
  }
  std::vector<Stats> stats(writers.size());
  std::vector<std::exception_ptr> errors(writers.size());
  std::barrier start(static_cast<std::ptrdiff_t>(writers.size()) + 1);
  std::vector<std::thread> threads;
  for (std::size_t s = 0; s < writers.size(); ++s) {
    threads.emplace_back([&, s] {
      start.arrive_and_wait();
      try {
        for (int i = 0; i < args.frames; ++i) {
          auto& f = frames[static_cast<std::size_t>(i) % frames.size()];
          writers[s]->write(FrameView<PixelFormat::BGR24>(
              {kWidth, kHeight}, {const_cast<std::uint8_t*>(f.data()), nullptr, nullptr},
              {kRow, 0, 0}));
        }
        stats[s] = writers[s]->close();
      } catch (...) {
        errors[s] = std::current_exception();
      }
    });
  }
  start.arrive_and_wait();
  const double cpu_begin = cpu_seconds();
  const auto begin = Clock::now();
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  const double cpu = cpu_seconds() - cpu_begin;
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  const Stats& s = stats[0];
  const double n = static_cast<double>(s.frames);
  std::printf(
      "{\"fps\": %.3f, \"rss_mib\": %.1f, \"cpu_ms_per_frame\": %.4f, \"streams\": %d, \"frames\": "
      "%d, \"convert_ms\": %.4f, "
      "\"acquire_ms\": %.4f, \"submit_ms\": %.4f, \"finish_ms\": %.3f}\n",
      args.frames * args.streams / seconds, peak_rss_mib(),
      cpu * 1e3 / (args.frames * args.streams), args.streams, args.frames, ms(s.convert) / n,
      ms(s.acquire) / n, ms(s.submit) / n, ms(s.finish));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "python_peer_writer: %s\n", e.what());
  return 1;
}
