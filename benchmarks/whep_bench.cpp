// WHEP measured in Debian's Chromium (headless, tests/browser/whep_latency.mjs), at 720p30:
//   - glass-to-glass latency: the producer draws each frame's index into the picture
//     (tests/support/index_code.hpp) and notes the wall-clock time it made the frame; the page
//     reads the index back from a canvas when it presents the frame (requestVideoFrameCallback's
//     expectedDisplayTime) -- same machine, same clock. p50 and p99 in ms.
//   - the producer process's CPU (all its threads: drawing, VP8 encoding, webrtcbin) with 1 and
//     with 4 viewers, in CPU seconds per second, over the same window.
// Needs chromium, node and tests/browser/node_modules (scripts/install-deps.sh --test); skips with
// the reason otherwise. Run: build/release/benchmarks/whep_bench
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../tests/support/index_code.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/web/whep_server.hpp"

namespace {

using namespace framepipe;

constexpr Size kSize{1280, 720};

double wall_ms() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string missing() {
  if (::access("/usr/bin/chromium", X_OK) != 0) return "no /usr/bin/chromium";
  if (!std::filesystem::exists(std::filesystem::path(FRAMEPIPE_SOURCE_DIR) /
                               "tests/browser/node_modules/puppeteer-core")) {
    return "no tests/browser/node_modules (scripts/install-deps.sh --test)";
  }
  return {};
}

/// One run: a WhepServer at 720p30 with the index code, `pages` players, `seconds` of frames.
void whep_glass_to_glass(benchmark::State& state) {
  const auto pages = static_cast<int>(state.range(0));
  if (const std::string why = missing(); !why.empty()) {
    state.SkipWithError(why.c_str());
    for (auto _ : state) {
    }
    return;
  }
  for (auto _ : state) {
    WhepServer server({.path = "/bench",
                       .max_viewers = 16,
                       .page_directory = std::string(FRAMEPIPE_SOURCE_DIR) + "/examples/web"});
    std::mutex mutex;
    std::unordered_map<std::uint32_t, double> made;  // index -> wall ms
    std::atomic<bool> stop{false};
    std::thread producer([&] {
      Writer<PixelFormat::I420, WhepSink> writer(
          {.size = kSize, .fps = {30, 1}, .pacing = Pacing::RealTime}, server.sink());
      Frame<PixelFormat::I420> frame(kSize);
      const auto start = std::chrono::steady_clock::now();
      for (std::uint32_t i = 0; !stop.load(); ++i) {
        test::draw_index(frame.view(), i & 0xffffU);
        {
          const std::lock_guard lock(mutex);
          made[i & 0xffffU] = wall_ms();
        }
        writer.write(frame.view());
        std::this_thread::sleep_until(start + (i + 1) * std::chrono::microseconds(33333));
      }
      writer.close();
    });
    const std::string command = "cd '" + std::string(FRAMEPIPE_SOURCE_DIR) +
                                "/tests/browser' && timeout 120 node whep_latency.mjs '" +
                                server.page_url() + "' " + std::to_string(pages) + " 10 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    std::vector<double> latencies;
    double cpu_start = 0;
    double wall_start = 0;
    std::array<char, 512> line{};
    std::string error;
    while (pipe != nullptr && std::fgets(line.data(), static_cast<int>(line.size()), pipe)) {
      std::istringstream words(line.data());
      std::string kind;
      words >> kind;
      if (kind == "frame") {
        std::uint32_t index = 0;
        double shown = 0;
        words >> index >> shown;
        if (latencies.empty() && cpu_start == 0) {
          cpu_start = cpu_seconds();
          wall_start = wall_ms();
        }
        const std::lock_guard lock(mutex);
        const auto it = made.find(index);
        if (it != made.end()) latencies.push_back(shown - it->second);
      } else if (kind == "error") {
        error = line.data();
      }
    }
    const double cpu = cpu_seconds() - cpu_start;
    const double wall = (wall_ms() - wall_start) / 1000;
    if (pipe != nullptr) ::pclose(pipe);
    stop.store(true);
    producer.join();
    if (latencies.size() < 100) {
      state.SkipWithError(("too few frames read back: " + error).c_str());
      return;
    }
    std::sort(latencies.begin(), latencies.end());
    const auto at = [&](double q) {
      return latencies[std::min(
          latencies.size() - 1,
          static_cast<std::size_t>(q * static_cast<double>(latencies.size())))];
    };
    state.counters["p50_ms"] = at(0.50);
    state.counters["p99_ms"] = at(0.99);
    state.counters["frames_read"] = static_cast<double>(latencies.size());
    state.counters["cpu_per_s"] = cpu / wall;
  }
}

BENCHMARK(whep_glass_to_glass)->Arg(1)->Arg(4)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
