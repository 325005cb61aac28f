// The network recipes with real GStreamer on loopback: RTP/UDP H.264 and raw (RFC 4175) into a
// receiver in the same test (count, order and content of the index code), an SRT listener and
// caller, a sender whose receiver is absent, the typed errors (an SRT caller nobody answers:
// PeerUnreachable; an SRT listener on a port in use: AddressInUse), and the SDP files (opened by
// ffprobe and ffmpeg when they are installed).
#include "framepipe/gst/network.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/bus.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_receiver.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr Size kSize{320, 240};

/// Raw video is sent uncompressed: a small size keeps the packet rate low (160x120 UYVY is 38400
/// bytes, 28 packets of 1400 bytes per frame, about 840 packets/s at 30/1).
constexpr Size kRawSize{160, 120};

/// The caps a receiver gives udpsrc for rtp_raw_udp_description() of kRawSize I420.
const char* const kRawRtpCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,"
    "sampling=YCbCr-4:2:2,depth=(string)8,width=(string)160,height=(string)120,"
    "colorimetry=(string)BT601-5,payload=96";

/// Writes `frames` index-coded frames of `size` in real time into `sink`; returns the Writer's
/// Stats.
Stats send(AppSrcSink sink, std::uint32_t frames, Size size = kSize) {
  Writer<PixelFormat::I420, AppSrcSink> writer(
      {.size = size, .fps = {30, 1}, .pacing = Pacing::RealTime}, std::move(sink));
  Frame<PixelFormat::I420> frame(size);
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
  CHECK(srt_caller_description("::1", 7001).find("srt://[::1]:7001?mode=caller&conntimeo=3000 ") !=
        std::string::npos);
  CHECK(srt_caller_description("127.0.0.1", 7001, VideoCodec::H264, {30, 1}, 1500ms)
            .find("srtsink uri=srt://127.0.0.1:7001?mode=caller&conntimeo=1500 ") !=
        std::string::npos);
  CHECK(rtp_raw_udp_description("127.0.0.1", 5004) ==
        "videoconvert ! video/x-raw,format=UYVY ! rtpvrawpay pt=96 mtu=1400 ! udpsink "
        "host=127.0.0.1 port=5004 sync=false async=false");
  const std::string raw = raw_sdp_text("127.0.0.1", 5004, {160, 120});
  CHECK(raw.find("m=video 5004 RTP/AVP 96\r\n") != std::string::npos);
  CHECK(raw.find("a=rtpmap:96 raw/90000\r\n") != std::string::npos);
  CHECK(raw.find("a=fmtp:96 sampling=YCbCr-4:2:2; width=160; height=120; depth=8; "
                 "colorimetry=BT601-5\r\n") != std::string::npos);
  CHECK(raw.find("a=framerate:30\r\n") != std::string::npos);
  CHECK(raw_sdp_text("::1", 5004, {1280, 720}, {30, 1}, ColorSpec{Matrix::BT709, Range::Limited})
            .find("colorimetry=BT709-2\r\n") != std::string::npos);
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
  const std::uint16_t port = test::free_udp_port();
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
      send(AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", test::free_udp_port()),
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
  const std::uint16_t port = test::free_udp_port();
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
  const std::uint16_t port = test::free_udp_port();
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
  const std::uint16_t port = test::free_udp_port();
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

TEST_CASE("parse_srt_uri reads host, port, mode and conntimeo") {
  const auto caller = detail::parse_srt_uri("srt://127.0.0.1:7001?mode=caller&conntimeo=1500");
  REQUIRE(caller.has_value());
  CHECK(caller->host == "127.0.0.1");
  CHECK(caller->port == 7001);
  CHECK(caller->mode == "caller");
  CHECK(caller->connect_timeout == 1500ms);
  const auto listener = detail::parse_srt_uri("srt://[::1]:9?mode=listener");
  REQUIRE(listener.has_value());
  CHECK(listener->host == "::1");
  CHECK(listener->mode == "listener");
  CHECK(listener->connect_timeout == 3000ms);
  CHECK(detail::parse_srt_uri("srt://h:1")->mode == "caller");
  CHECK_FALSE(detail::parse_srt_uri("udp://127.0.0.1:5004").has_value());
  CHECK_FALSE(detail::parse_srt_uri("srt://127.0.0.1").has_value());
  CHECK_FALSE(detail::parse_srt_uri("srt://127.0.0.1:70000").has_value());
}

TEST_CASE("raw RTP/UDP (rtpvrawpay) on loopback: every frame arrives, in order, bit-exact index") {
  if (!test::have_element("rtpvrawpay") || !test::have_element("rtpvrawdepay")) {
    MESSAGE("skipped: rtpvrawpay/rtpvrawdepay (gstreamer1.0-plugins-good) missing");
    std::exit(77);
  }
  const std::uint16_t port = test::free_udp_port();
  test::IndexReceiver receiver("udpsrc address=127.0.0.1 port=" + std::to_string(port) +
                               " buffer-size=4000000 caps=\"" + kRawRtpCaps +
                               "\" ! rtpjitterbuffer latency=50 ! rtpvrawdepay");
  const Stats stats = send(
      AppSrcSink(rtp_raw_udp_description("127.0.0.1", port), live_sink_options()), 60, kRawSize);
  const auto got = receiver.collect(60, 10s);
  INFO("receiver error: " << receiver.error() << ", sender dropped " << stats.dropped
                          << ", received " << got.size());
  CHECK(stats.frames == 60);
  REQUIRE(got.size() + stats.dropped >= 58);  // loopback UDP: at most a frame lost on the way
  std::uint64_t gaps = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    REQUIRE(got[i] != UINT32_MAX);  // uncompressed: every code reads back
    if (i > 0) {
      REQUIRE(got[i] > got[i - 1]);
      gaps += got[i] - got[i - 1] - 1;
    }
  }
  CHECK(got.front() <= stats.dropped + 1);
  CHECK(gaps <= stats.dropped + 1);
}

TEST_CASE("ffmpeg opens the raw SDP file and decodes the frames framepipe sent") {
  const char* ffmpeg = "/usr/bin/ffmpeg";
  if (!std::ifstream(ffmpeg) || !test::have_element("rtpvrawpay")) {
    MESSAGE("skipped: ffmpeg (Debian ffmpeg) or rtpvrawpay missing");
    std::exit(77);
  }
  test::TempDir dir("framepipe-raw-sdp");
  const std::string sdp = (dir / "raw.sdp").string();
  const std::string yuv = (dir / "frames.yuv").string();
  const std::uint16_t port = test::free_udp_port();
  write_raw_sdp(sdp, "127.0.0.1", port, kRawSize, {30, 1});
  std::thread sender([&] {
    send(AppSrcSink(rtp_raw_udp_description("127.0.0.1", port), live_sink_options()), 180,
         kRawSize);
  });
  // ffmpeg converts nothing: uyvy422 is what its RFC 4175 depacketizer gives for sampling
  // YCbCr-4:2:2 depth 8. The luma of each pixel is every second byte.
  const auto result = test::run_program(
      "/usr/bin/timeout", std::string("20 ") + ffmpeg +
                              " -nostdin -v error -protocol_whitelist file,udp,rtp -i " + sdp +
                              " -frames:v 20 -f rawvideo -pix_fmt uyvy422 -y " + yuv);
  sender.join();
  INFO("ffmpeg said: " << result.output);
  REQUIRE(result.exit_code == 0);
  std::ifstream in(yuv, std::ios::binary);
  const auto pixels = static_cast<std::size_t>(kRawSize.width * kRawSize.height);
  std::vector<std::uint8_t> uyvy(pixels * 2);
  std::vector<std::uint8_t> luma(pixels);
  std::vector<std::uint32_t> indices;
  while (in.read(reinterpret_cast<char*>(uyvy.data()), static_cast<std::streamsize>(uyvy.size()))) {
    for (std::size_t i = 0; i < pixels; ++i) luma[i] = uyvy[2 * i + 1];
    const auto index =
        test::read_index(luma.data(), kRawSize.width, kRawSize.width, kRawSize.height);
    indices.push_back(index.value_or(UINT32_MAX));
  }
  REQUIRE(indices.size() == 20);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    CAPTURE(i);
    CHECK(indices[i] != UINT32_MAX);
    if (i > 0) CHECK(indices[i] > indices[i - 1]);
  }
}

TEST_CASE(
    "an SRT caller that nobody answers ends with PeerUnreachable within its connect timeout") {
  if (!test::have_element("srtsink") || !test::have_element("x264enc")) {
    MESSAGE("skipped: srtsink (gstreamer1.0-plugins-bad) or x264enc missing");
    std::exit(77);
  }
  // A loopback port nobody listens on (bound and released).
  const std::uint16_t port = test::free_udp_port();
  std::uint32_t written = 0;
  std::optional<PeerUnreachable> caught;
  test::within(30s, [&] {
    try {
      Writer<PixelFormat::I420, AppSrcSink> writer(
          {.size = kSize, .fps = {30, 1}, .pacing = Pacing::RealTime},
          AppSrcSink(srt_caller_description("127.0.0.1", port, VideoCodec::H264, {30, 1}, 1000ms),
                     live_sink_options()));
      Frame<PixelFormat::I420> frame(kSize);
      // 10 s of frames at most: the error comes about 1 s (the connect timeout) in.
      for (; written < 300; ++written) {
        test::draw_index(frame.view(), written);
        writer.write(frame.view());
        std::this_thread::sleep_for(33ms);
      }
      writer.close();
    } catch (const PeerUnreachable& e) {
      caught = e;
    }
  });
  REQUIRE_MESSAGE(caught.has_value(), "no PeerUnreachable after " << written << " frames");
  MESSAGE("after " << written << " frames: " << std::string(caught->what()));
  CHECK(caught->host() == "127.0.0.1");
  CHECK(caught->port() == port);
  CHECK(caught->connect_timeout() == 1000ms);
  CHECK(caught->element().find("srtsink") == 0);
  CHECK(caught->message().find("Connection does not exist") != std::string::npos);
  CHECK(written < 300);
  const StreamError& as_stream_error = *caught;  // still a StreamError for generic handlers
  CHECK(std::string(as_stream_error.what()).find("no peer answered at 127.0.0.1:") !=
        std::string::npos);
}

TEST_CASE("an SRT listener on a port another socket holds ends with AddressInUse") {
  if (!test::have_element("srtsink") || !test::have_element("x264enc")) {
    MESSAGE("skipped: srtsink (gstreamer1.0-plugins-bad) or x264enc missing");
    std::exit(77);
  }
  // Another program's UDP socket on the port (SRT runs over UDP).
  const test::HeldPort holder(SOCK_DGRAM);
  const std::uint16_t port = holder.port();
  std::optional<AddressInUse> caught;
  test::within(30s, [&] {
    try {
      send(AppSrcSink(srt_listener_description(port), live_sink_options()), 30);
    } catch (const AddressInUse& e) {
      caught = e;
    }
  });
  REQUIRE_MESSAGE(caught.has_value(), "the listener did not fail with AddressInUse");
  MESSAGE(std::string(caught->what()));
  CHECK(caught->address() == "127.0.0.1");
  CHECK(caught->port() == port);
  CHECK(caught->element().find("srtsink") == 0);
  CHECK(std::string(caught->what()).find("is already in use") != std::string::npos);
  // The same listener on a free port starts: the error was the port, nothing else.
  CHECK(send(AppSrcSink(srt_listener_description(test::free_udp_port()), live_sink_options()), 10)
            .frames == 10);
}

TEST_CASE("an SRT caller whose listener goes away keeps sending: no error, every frame counted") {
  if (!test::have_element("srtsink") || !test::have_element("srtsrc") ||
      !test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    MESSAGE("skipped: srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264");
    std::exit(77);
  }
  const std::uint16_t port = test::free_udp_port();
  std::optional<test::IndexReceiver> receiver;
  receiver.emplace("srtsrc uri=srt://127.0.0.1:" + std::to_string(port) +
                   "?mode=listener latency=20 ! tsdemux ! h264parse ! avdec_h264");
  Stats stats;
  test::within(60s, [&] {
    std::thread sender([&] {
      stats = send(
          AppSrcSink(srt_caller_description("127.0.0.1", port, VideoCodec::H264, {30, 1}, 1000ms),
                     live_sink_options()),
          120);
    });
    const auto got = receiver->collect(10, 15s);
    receiver.reset();  // the listener goes away about a second into the 4 s stream
    sender.join();
    CHECK(got.size() == 10);
  });
  CHECK(stats.frames == 120);
}
