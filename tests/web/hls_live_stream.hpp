// A live HLS stream for the web tests: a test pattern at real-time pace through AppSrcSink into an
// HlsOutput, on its own thread until destruction, and what a test reads of its playlist.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/network.hpp"
#include "framepipe/web/hls_output.hpp"
#include "support/raw_http_client.hpp"

namespace framepipe::test {

/// `#EXT-X-MEDIA-SEQUENCE` of `playlist`; nullopt when it has none.
inline std::optional<unsigned long> media_sequence(std::string_view playlist) {
  constexpr std::string_view tag = "#EXT-X-MEDIA-SEQUENCE:";
  const std::size_t at = playlist.find(tag);
  if (at == std::string_view::npos) return std::nullopt;
  return std::stoul(std::string(playlist.substr(at + tag.size(), 12)));
}

/// The URIs (non-comment lines) `playlist` lists, in order.
inline std::vector<std::string> listed_segments(std::string_view playlist) {
  std::vector<std::string> names;
  std::size_t start = 0;
  while (start < playlist.size()) {
    std::size_t end = playlist.find('\n', start);
    if (end == std::string_view::npos) end = playlist.size();
    std::string_view line = playlist.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && line.front() != '#') names.emplace_back(line);
    start = end + 1;
  }
  return names;
}

/// A test pattern of `size` at `fps`, paced in real time, written as HLS by `output()` from
/// construction until destruction (request_stop(), then the thread is joined).
class LiveHlsStream {
 public:
  explicit LiveHlsStream(HlsOptions options, Size size = {320, 240}, FrameRate fps = {30, 1})
      : hls_(std::move(options)),
        pipeline_(TestPatternGenerator({.size = size}), I420Packer{},
                  AppSrcSink(hls_.description(fps), live_sink_options())) {
    thread_ = std::thread([this, fps] {
      try {
        pipeline_.run({.fps = fps, .duration = std::chrono::hours(1), .pacing = Pacing::RealTime});
      } catch (const std::exception& error) {
        const std::lock_guard lock(mutex_);
        error_ = error.what();
      }
    });
  }
  LiveHlsStream(const LiveHlsStream&) = delete;
  LiveHlsStream& operator=(const LiveHlsStream&) = delete;
  ~LiveHlsStream() { stop(); }

  /// Ends the stream (EOS through the pipeline) and waits for its thread.
  void stop() {
    if (!thread_.joinable()) return;
    pipeline_.request_stop();
    thread_.join();
  }

  const HlsOutput& output() const { return hls_; }
  /// What the run threw, "" while it has not.
  std::string error() const {
    const std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  HlsOutput hls_;
  Pipeline<TestPatternGenerator, I420Packer, AppSrcSink> pipeline_;
  mutable std::mutex mutex_;
  std::string error_;
  std::thread thread_;
};

/// GETs `target` from 127.0.0.1:port until it is a playlist listing at least `segments`
/// segments, at most for `limit` (then fails the test); returns that playlist.
inline std::string wait_for_playlist(std::uint16_t port, const std::string& target,
                                     std::size_t segments,
                                     std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    const RawHttpResponse response = raw_http_get(port, target);
    if (response.status == 200 && listed_segments(response.body).size() >= segments) {
      return response.body;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL("no playlist with " << segments << " segments at " << target << " within "
                               << limit.count() << " s; last answer " << response.status << ": "
                               << response.body);
      return {};
    }
    // A new segment comes once a second: look again in a tenth of that.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace framepipe::test
