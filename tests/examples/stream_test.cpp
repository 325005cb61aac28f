// Runs the stream example as a user would: serves the clock over RTSP on loopback for 3 s while a
// GStreamer client reads it, then checks what it printed.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

#ifndef FRAMEPIPE_STREAM_EXE
#  error "FRAMEPIPE_STREAM_EXE must name the stream example binary"
#endif

using namespace std::chrono_literals;

namespace {

/// A TCP port on loopback that was free a moment ago.
std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("stream --to rtsp:// serves the clock to a client and reports the counts") {
  if (!framepipe::test::have_element("x264enc") || !framepipe::test::have_element("avdec_h264") ||
      !framepipe::test::have_element("rtspsrc")) {
    MESSAGE("skipped: x264enc, avdec_h264 or rtspsrc missing");
    std::exit(77);
  }
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(free_tcp_port()) + "/clock";
  framepipe::test::RunResult server;
  std::thread example([&] {
    server = framepipe::test::run_program(
        "/usr/bin/timeout", "20 " + std::string(FRAMEPIPE_STREAM_EXE) + " --to " + url +
                                " --seconds 3 --size 320x240 --fps 30/1");
  });
  std::this_thread::sleep_for(700ms);
  const auto client = framepipe::test::run_program(
      "/usr/bin/timeout", "10 gst-launch-1.0 -q rtspsrc location=" + url +
                              " protocols=tcp ! rtph264depay ! avdec_h264 ! fakesink "
                              "num-buffers=15 sync=false");
  example.join();
  INFO("example printed: " << server.output << "\nclient printed: " << client.output);
  CHECK(client.exit_code == 0);
  CHECK(server.exit_code == 0);
  CHECK(server.output.find("receive: ffplay -rtsp_transport tcp " + url) != std::string::npos);
  CHECK(server.output.find("frames made 90, sent ") != std::string::npos);
}

TEST_CASE("stream rejects a bad --to") {
  const auto r = framepipe::test::run_program(FRAMEPIPE_STREAM_EXE, "--to http://x:1");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("rtsp://, rtp:// or srt://") != std::string::npos);
}
