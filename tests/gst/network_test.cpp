// The network recipes with real GStreamer on loopback: RTP/UDP H.264 into a receiver in the same
// test (count, order and content of the index code), an SRT listener and caller, a sender whose
// receiver is absent, and the SDP file (opened by ffprobe when it is installed).
#include "framepipe/gst/network.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_receiver.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr Size kSize{320, 240};

/// A free UDP port on loopback (bound and released: the test's receiver binds it next).
std::uint16_t free_udp_port() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
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

/// Writes `frames` index-coded frames in real time into `sink`; returns the Writer's Stats.
Stats send(AppSrcSink sink, std::uint32_t frames) {
  Writer<PixelFormat::I420, AppSrcSink> writer(
      {.size = kSize, .fps = {30, 1}, .pacing = Pacing::RealTime}, std::move(sink));
  Frame<PixelFormat::I420> frame(kSize);
  const auto start = std::chrono::steady_clock::now();
  for (std::uint32_t i = 0; i < frames; ++i) {
    test::draw_index(frame.view(), i);
    writer.write(frame.view());
    std::this_thread::sleep_until(start + i * 33333us);
  }
  return writer.close();
}

}  // namespace

TEST_CASE("descriptions and SDP text") {
  CHECK(encoder_description(VideoCodec::H264, {30, 1}) ==
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30");
  CHECK(encoder_description(VideoCodec::VP8, {30000, 1001}) ==
        "vp8enc deadline=1 keyframe-max-dist=30");
  CHECK(rtp_udp_description(VideoCodec::H264, "127.0.0.1", 5004) ==
        "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! rtph264pay "
        "config-interval=-1 pt=96 ! udpsink host=127.0.0.1 port=5004 sync=false async=false");
  CHECK(srt_listener_description(7001).find("srtsink uri=srt://127.0.0.1:7001?mode=listener ") !=
        std::string::npos);
  CHECK(srt_caller_description("::1", 7001).find("srt://[::1]:7001?mode=caller ") !=
        std::string::npos);
  const std::string sdp = sdp_text("127.0.0.1", 5004, VideoCodec::H264);
  CHECK(sdp.find("m=video 5004 RTP/AVP 96\r\n") != std::string::npos);
  CHECK(sdp.find("a=rtpmap:96 H264/90000\r\n") != std::string::npos);
  CHECK(sdp.find("a=fmtp:96 packetization-mode=1\r\n") != std::string::npos);
  CHECK(sdp.find("c=IN IP4 127.0.0.1\r\n") != std::string::npos);
  CHECK(sdp_text("::1", 5004, VideoCodec::VP8).find("c=IN IP6 ::1\r\n") != std::string::npos);
  CHECK(parse_codec("vp8") == VideoCodec::VP8);
  CHECK_FALSE(parse_codec("av1").has_value());
  CHECK_THROWS_AS(write_sdp("/nonexistent-dir/x.sdp", "127.0.0.1", 5004, VideoCodec::H264), Error);
}

TEST_CASE("RTP/UDP H.264 on loopback: every frame arrives, in order, with its index") {
  if (!test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    MESSAGE("skipped: x264enc (gstreamer1.0-plugins-ugly) or avdec_h264 (gstreamer1.0-libav)");
    std::exit(77);
  }
  const std::uint16_t port = free_udp_port();
  test::IndexReceiver receiver(
      "udpsrc address=127.0.0.1 port=" + std::to_string(port) +
      " caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96\" ! "
      "rtpjitterbuffer latency=50 ! rtph264depay ! avdec_h264");
  const Stats stats = send(
      AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", port), live_sink_options()),
      60);
  const auto got = receiver.collect(60, 10s);
  INFO("receiver error: " << receiver.error() << ", sender dropped " << stats.dropped);
  REQUIRE(got.size() + stats.dropped >= 58);  // loopback UDP: nothing lost on the way
  std::uint64_t gaps = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i] != UINT32_MAX);
    if (i > 0) {
      REQUIRE(got[i] > got[i - 1]);
      gaps += got[i] - got[i - 1] - 1;
    }
  }
  CHECK(got.front() <= stats.dropped);
  CHECK(gaps <= stats.dropped);
}

TEST_CASE("RTP/UDP with nobody listening: the sender keeps going and counts") {
  if (!test::have_element("x264enc")) {
    MESSAGE("skipped: x264enc (gstreamer1.0-plugins-ugly)");
    std::exit(77);
  }
  const Stats stats =
      send(AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", free_udp_port()),
                      live_sink_options()),
           30);
  CHECK(stats.frames == 30);
}

TEST_CASE("SRT listener and caller on loopback") {
  if (!test::have_element("srtsink") || !test::have_element("srtsrc") ||
      !test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    MESSAGE("skipped: srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264");
    std::exit(77);
  }
  const std::uint16_t port = free_udp_port();
  // The sender listens; the receiver calls.
  std::vector<std::uint32_t> got;
  std::string error;
  Stats stats;
  {
    std::thread sender(
        [&] { stats = send(AppSrcSink(srt_listener_description(port), live_sink_options()), 90); });
    std::this_thread::sleep_for(500ms);  // the listener binds when its pipeline starts
    test::IndexReceiver receiver("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) +
                                 "?mode=caller latency=20 ! tsdemux ! h264parse ! avdec_h264");
    got = receiver.collect(20, 15s);
    error = receiver.error();
    sender.join();
  }
  INFO("receiver error: " << error);
  REQUIRE(got.size() == 20);
  for (std::size_t i = 1; i < got.size(); ++i) {
    REQUIRE(got[i] != UINT32_MAX);
    CHECK(got[i] > got[i - 1]);
  }
  CHECK(stats.frames == 90);
}

TEST_CASE("SRT caller into a listening receiver on loopback") {
  if (!test::have_element("srtsink") || !test::have_element("srtsrc") ||
      !test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    MESSAGE("skipped: srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264");
    std::exit(77);
  }
  const std::uint16_t port = free_udp_port();
  test::IndexReceiver receiver("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) +
                               "?mode=listener latency=20 ! tsdemux ! h264parse ! avdec_h264");
  Stats stats;
  std::thread sender([&] {
    stats = send(AppSrcSink(srt_caller_description("127.0.0.1", port), live_sink_options()), 90);
  });
  const auto got = receiver.collect(20, 15s);
  const std::string error = receiver.error();
  sender.join();
  INFO("receiver error: " << error);
  REQUIRE(got.size() == 20);
  for (std::size_t i = 1; i < got.size(); ++i) {
    REQUIRE(got[i] != UINT32_MAX);
    CHECK(got[i] > got[i - 1]);
  }
  CHECK(stats.frames == 90);
}

TEST_CASE("an SDP file that ffprobe opens") {
  const char* ffprobe = "/usr/bin/ffprobe";
  if (!std::ifstream(ffprobe) || !test::have_element("x264enc")) {
    MESSAGE("skipped: ffprobe (Debian ffmpeg) or x264enc missing");
    std::exit(77);
  }
  test::TempDir dir("framepipe-sdp");
  const std::string sdp = (dir.path() / "stream.sdp").string();
  const std::uint16_t port = free_udp_port();
  write_sdp(sdp, "127.0.0.1", port, VideoCodec::H264);
  std::thread sender([&] {
    send(AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", port), live_sink_options()),
         150);
  });
  const auto result = test::run_program(
      "/usr/bin/timeout", std::string("20 ") + ffprobe +
                              " -v error -protocol_whitelist file,udp,rtp -select_streams v:0 "
                              "-show_entries stream=codec_name,width,height -of csv=p=0 " +
                              sdp);
  sender.join();
  INFO("ffprobe said: " << result.output);
  CHECK(result.output.find("h264,320,240") != std::string::npos);
}
