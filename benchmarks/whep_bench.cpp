// WHEP and HLS measured in Debian's Chromium (headless, tests/browser/whep_latency.mjs), at
// 720p30:
//   - glass-to-glass latency: the producer draws each frame's index into the picture
//     (tests/support/index_code.hpp) and notes the wall-clock time it made the frame; the page
//     (examples/web/, over WHEP, or over HLS with hls.js) reads the index back from a canvas when
//     it presents the frame (requestVideoFrameCallback's expectedDisplayTime) -- same machine,
//     same clock. p50 and p99 in ms.
//   - the producer process's CPU (all its threads: drawing, encoding, webrtcbin, hlssink2) with 1
//     and with 4 WHEP viewers, and with 1 HLS player, in CPU seconds per second, over the same
//     window.
// HLS is the shape of `stream --to whep://... --hls`: the H.264 encode of a WhepServer feeds
// hlssink2 (1 s or 2 s segments, 3 in the playlist), served from the same HttpServer.
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
#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../tests/support/index_code.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/web/hls_handler.hpp"
#include "framepipe/web/hls_output.hpp"
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

/// What one run measured.
struct Measured {
  std::vector<double> latencies;  ///< presented - made, ms, sorted
  double cpu_per_s = 0;
  std::string error;
};

/// Feeds `server` 720p30 frames with the index code, calls `ready()` (which waits until the
/// stream can be played), runs whep_latency.mjs on `page_url` with `pages` pages, and matches
/// each index it reads back with the time that frame was made.
template <class Ready>
Measured measure(WhepServer& server, const std::string& page_url, int pages, Ready ready) {
  Measured out;
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
  ready();
  const std::string command = "cd '" + std::string(FRAMEPIPE_SOURCE_DIR) +
                              "/tests/browser' && timeout 120 node whep_latency.mjs '" + page_url +
                              "' " + std::to_string(pages) + " 10 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  double cpu_start = 0;
  double wall_start = 0;
  std::array<char, 512> line{};
  while (pipe != nullptr && std::fgets(line.data(), static_cast<int>(line.size()), pipe)) {
    std::istringstream words(line.data());
    std::string kind;
    words >> kind;
    if (kind == "frame") {
      std::uint32_t index = 0;
      double shown = 0;
      words >> index >> shown;
      if (out.latencies.empty() && cpu_start == 0) {
        cpu_start = cpu_seconds();
        wall_start = wall_ms();
      }
      const std::lock_guard lock(mutex);
      const auto it = made.find(index);
      if (it != made.end()) out.latencies.push_back(shown - it->second);
    } else if (kind == "error") {
      out.error = line.data();
    }
  }
  const double cpu = cpu_seconds() - cpu_start;
  const double wall = (wall_ms() - wall_start) / 1000;
  if (pipe != nullptr) ::pclose(pipe);
  stop.store(true);
  producer.join();
  out.cpu_per_s = cpu / wall;
  std::sort(out.latencies.begin(), out.latencies.end());
  return out;
}

/// p50, p99, frames read and CPU into `state`'s counters; false (and the run skipped) when too
/// few frames were read back.
bool report(benchmark::State& state, const Measured& m) {
  if (m.latencies.size() < 100) {
    state.SkipWithError(("too few frames read back: " + m.error).c_str());
    return false;
  }
  const auto at = [&](double q) {
    return m
        .latencies[std::min(m.latencies.size() - 1,
                            static_cast<std::size_t>(q * static_cast<double>(m.latencies.size())))];
  };
  state.counters["p50_ms"] = at(0.50);
  state.counters["p99_ms"] = at(0.99);
  state.counters["frames_read"] = static_cast<double>(m.latencies.size());
  state.counters["cpu_per_s"] = m.cpu_per_s;
  return true;
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
    if (!report(state, measure(server, server.page_url(), pages, [] {}))) return;
  }
}

/// One run: the same, H.264, the encode also into hlssink2 (segments of `state.range(0)` s, 3 in
/// the playlist), one page playing it with hls.js (the player page, ?protocol=hls&player=hlsjs).
void hls_glass_to_glass(benchmark::State& state) {
  const auto segment = std::chrono::seconds(state.range(0));
  const std::filesystem::path hls_js = std::filesystem::path(FRAMEPIPE_SOURCE_DIR) /
                                       "tests/browser/node_modules/hls.js/dist/hls.min.js";
  std::string why = missing();
  if (why.empty() && !std::filesystem::exists(hls_js)) why = "no hls.js in tests/browser";
  if (!why.empty()) {
    state.SkipWithError(why.c_str());
    for (auto _ : state) {
    }
    return;
  }
  std::ifstream in(hls_js, std::ios::binary);
  const std::string script((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (auto _ : state) {
    HlsOutput hls({.segment_duration = segment, .playlist_length = 3, .max_files = 5});
    WhepServer server({.path = "/bench",
                       .codec = VideoCodec::H264,
                       .encoded_branches = {hls.tee_branch_description()},
                       .page_directory = std::string(FRAMEPIPE_SOURCE_DIR) + "/examples/web"});
    // As the stream example serves it: a playlist no one keeps, with 1 s segments.
    HlsCacheControl cache;
    if (segment == std::chrono::seconds(1)) cache.playlist = "no-cache";
    serve_hls(server.http(), "/bench/hls/", hls, cache);
    server.http().route("/bench/hls.min.js", [&script](const HttpRequest& request) {
      HttpServer::respond(request.message, 200, "text/javascript; charset=utf-8", script);
    });
    // hls.js gives up on a playlist that is not there yet: start it once three segments are
    // listed (where a player starts), as a viewer arriving at a running stream would.
    const auto listed_three = [&hls] {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (std::chrono::steady_clock::now() < deadline) {
        std::ifstream playlist(hls.playlist_path());
        const std::string text((std::istreambuf_iterator<char>(playlist)),
                               std::istreambuf_iterator<char>());
        std::size_t listed = 0;
        for (auto at = text.find(".ts"); at != std::string::npos; at = text.find(".ts", at + 1)) {
          ++listed;
        }
        if (listed >= 3) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    };
    const std::string page = server.page_url() + "?protocol=hls&player=hlsjs";
    if (!report(state, measure(server, page, 1, listed_three))) return;
  }
}

BENCHMARK(whep_glass_to_glass)->Arg(1)->Arg(4)->Iterations(1)->Unit(benchmark::kSecond);
BENCHMARK(hls_glass_to_glass)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
