// Sending index-coded frames in real time through an AppSrcSink, for the network tests.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
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

/// True when a UDP socket of this machine is bound to local `port` (any address), read from
/// /proc/net/udp and udp6 -- without binding anything, which would race the program being
/// waited for.
inline bool udp_port_bound(std::uint16_t port) {
  char hex[8];
  std::snprintf(hex, sizeof hex, ":%04X ", static_cast<unsigned>(port));
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // "  sl  local_address rem_address ...": the local port ends the second field.
      std::istringstream fields(line);
      std::string slot, local;
      fields >> slot >> local;
      if ((local + " ").find(hex) != std::string::npos) return true;
    }
  }
  return false;
}

/// Waits until something binds UDP `port` (a receiver or listener started elsewhere), at most
/// `limit`; false when nothing did.
inline bool wait_udp_bound(std::uint16_t port, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!udp_port_bound(port)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace framepipe::test
