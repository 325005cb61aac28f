// Sending index-coded frames in real time through an AppSrcSink, for the network tests.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/srt.hpp"
#include "support/index_code.hpp"

namespace framepipe::test {

/// The frame size of the network tests.
inline constexpr Size kNetworkSize{320, 240};

/// Writes `frames` index-coded frames of `size` at 30/1 in real time (paced on the wall clock)
/// into `sink`; returns the Writer's Stats.
inline Stats send_indexed(AppSrcSink sink, std::uint32_t frames, Size size = kNetworkSize) {
  Writer<PixelFormat::I420, AppSrcSink> writer(
      {.size = size, .fps = {30, 1}, .pacing = Pacing::RealTime}, std::move(sink));
  Frame<PixelFormat::I420> frame(size);
  const auto start = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < frames; ++i) {
    draw_index(frame.view(), i);
    writer.write(frame.view());
    std::this_thread::sleep_until(start + i * std::chrono::microseconds(33333));
  }
  return writer.close();
}

/// Waits until something binds UDP `port` on `host` (a receiver or listener started elsewhere),
/// at most `limit`; false when nothing did.
inline bool wait_udp_bound(const std::string& host, std::uint16_t port,
                           std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!framepipe::detail::udp_port_in_use(host, port)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace framepipe::test
