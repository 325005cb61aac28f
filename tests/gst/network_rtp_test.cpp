// The RTP/UDP recipes with real GStreamer on loopback: H.264 and raw (RFC 4175) into a receiver
// in the same test (count, order and content of the index code), a sender whose receiver is
// absent, and the SDP files opened by ffprobe and ffmpeg -- whose decoded pictures are compared
// with the frames sent. A case whose tool is missing is skipped alone (support/case_skip.hpp).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/network.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_receiver.hpp"
#include "support/index_sender.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

/// Raw video is sent uncompressed: a small size keeps the packet rate low (160x120 UYVY is 38400
/// bytes, 28 packets of 1400 bytes per frame, about 840 packets/s at 30/1).
constexpr Size kRawSize{160, 120};

/// The caps a receiver gives udpsrc for rtp_raw_udp_description() of kRawSize I420.
const char* const kRawRtpCaps =
    "application/x-rtp,media=video,clock-rate=90000,encoding-name=RAW,"
    "sampling=YCbCr-4:2:2,depth=(string)8,width=(string)160,height=(string)120,"
    "colorimetry=(string)BT601-5,payload=96";

}  // namespace

TEST_CASE("RTP/UDP H.264 on loopback: every frame arrives, in order, with its index") {
  if (!test::have_element("x264enc") || !test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("x264enc (gstreamer1.0-plugins-ugly) or avdec_h264 (gstreamer1.0-libav)");
  }
  const std::uint16_t port = test::free_udp_port();
  test::IndexReceiver receiver(
      "udpsrc address=127.0.0.1 port=" + std::to_string(port) +
      " caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96\" ! "
      "rtpjitterbuffer latency=50 ! rtph264depay ! avdec_h264");
  const Stats stats = test::send_indexed(
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
    FRAMEPIPE_SKIP_CASE("x264enc (gstreamer1.0-plugins-ugly)");
  }
  const Stats stats = test::send_indexed(
      AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", test::free_udp_port()),
                 live_sink_options()),
      30);
  CHECK(stats.frames == 30);
}

TEST_CASE("an SDP file that ffprobe opens") {
  const char* ffprobe = "/usr/bin/ffprobe";
  if (!std::ifstream(ffprobe) || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("ffprobe (Debian ffmpeg) or x264enc missing");
  }
  test::TempDir dir("framepipe-sdp");
  const std::string sdp = (dir.path() / "stream.sdp").string();
  const std::uint16_t port = test::free_udp_port();
  write_sdp(sdp, "127.0.0.1", port, VideoCodec::H264);
  std::thread sender([&] {
    test::send_indexed(
        AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", port), live_sink_options()),
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

TEST_CASE("raw RTP/UDP (rtpvrawpay) on loopback: every frame arrives, in order, bit-exact index") {
  if (!test::have_element("rtpvrawpay") || !test::have_element("rtpvrawdepay")) {
    FRAMEPIPE_SKIP_CASE("rtpvrawpay/rtpvrawdepay (gstreamer1.0-plugins-good) missing");
  }
  const std::uint16_t port = test::free_udp_port();
  test::IndexReceiver receiver("udpsrc address=127.0.0.1 port=" + std::to_string(port) +
                               " buffer-size=4000000 caps=\"" + kRawRtpCaps +
                               "\" ! rtpjitterbuffer latency=50 ! rtpvrawdepay");
  const Stats stats = test::send_indexed(
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
    FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg) or rtpvrawpay missing");
  }
  test::TempDir dir("framepipe-raw-sdp");
  const std::string sdp = (dir / "raw.sdp").string();
  const std::string yuv = (dir / "frames.yuv").string();
  const std::uint16_t port = test::free_udp_port();
  write_raw_sdp(sdp, "127.0.0.1", port, kRawSize, {30, 1});
  std::thread sender([&] {
    test::send_indexed(AppSrcSink(rtp_raw_udp_description("127.0.0.1", port), live_sink_options()),
                       180, kRawSize);
  });
  // ffmpeg converts nothing: uyvy422 is what its RFC 4175 depacketizer gives for sampling
  // YCbCr-4:2:2 depth 8. The luma of each pixel is every second byte.
  const auto result = test::run_program(
      "/usr/bin/timeout",
      std::string("20 ") + ffmpeg + " -nostdin -v error -protocol_whitelist file,udp,rtp -i " +
          sdp + " -frames:v 20 -fps_mode passthrough -f rawvideo -pix_fmt uyvy422 -y " + yuv);
  sender.join();
  INFO("ffmpeg said: " << result.output);
  REQUIRE(result.exit_code == 0);
  std::ifstream in(yuv, std::ios::binary);
  const auto pixels = static_cast<std::size_t>(kRawSize.width * kRawSize.height);
  std::vector<std::uint8_t> uyvy(pixels * 2);
  // yuv420p as decoded (a gray output would be range-expanded): luma, then quarter-size chroma.
  std::vector<std::uint8_t> luma(pixels);
  std::vector<std::uint8_t> chroma(pixels / 2);
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

namespace {

/// Mean absolute difference of a decoded luma plane from the frame draw_index() made for
/// `index`, over the rows [top, bottom).
double luma_error(const std::uint8_t* luma, Size size, std::uint32_t index, int top, int bottom) {
  Frame<PixelFormat::I420> sent(size);
  test::draw_index(sent.view(), index);
  double sum = 0;
  for (int y = top; y < bottom; ++y) {
    for (int x = 0; x < size.width; ++x) {
      const int a = luma[static_cast<std::size_t>(y) * static_cast<std::size_t>(size.width) +
                         static_cast<std::size_t>(x)];
      const int b = sent.view().plane(
          0)[static_cast<std::size_t>(y) * sent.view().stride(0) + static_cast<std::size_t>(x)];
      sum += a > b ? a - b : b - a;
    }
  }
  return sum / (static_cast<double>(bottom - top) * size.width);
}

}  // namespace

TEST_CASE("ffmpeg decodes whole H.264 pictures from the RTP recipe (via write_sdp)") {
  const char* ffmpeg = "/usr/bin/ffmpeg";
  if (!std::ifstream(ffmpeg) || !test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg) or x264enc (gstreamer1.0-plugins-ugly) missing");
  }
  const Size size = test::kNetworkSize;
  test::TempDir dir("framepipe-h264-sdp");
  const std::string sdp = (dir / "h264.sdp").string();
  const std::string yuv = (dir / "frames.yuv").string();
  const std::uint16_t port = test::free_udp_port();
  write_sdp(sdp, "127.0.0.1", port, VideoCodec::H264);
  // ffmpeg listens first, so that it sees the stream from its first key frame.
  test::RunResult result;
  std::thread receiver([&] {
    result = test::run_program(
        "/usr/bin/timeout",
        std::string("30 ") + ffmpeg + " -nostdin -v error -protocol_whitelist file,udp,rtp -i " +
            sdp + " -frames:v 75 -fps_mode passthrough -f rawvideo -pix_fmt yuv420p -y " + yuv);
  });
  const bool bound = test::wait_udp_bound(port, 20s);
  Stats stats;
  if (bound) {
    // Key frames at 0, 30, 60...: ffmpeg's 75 frames span two key frames and the P frames after.
    stats = test::send_indexed(
        AppSrcSink(rtp_udp_description(VideoCodec::H264, "127.0.0.1", port), live_sink_options()),
        150, size);
  }
  receiver.join();
  REQUIRE_MESSAGE(bound, "ffmpeg did not open the RTP port: " << result.output);
  INFO("ffmpeg said: " << result.output << "; the sender dropped " << stats.dropped);
  REQUIRE(result.exit_code == 0);
  std::ifstream in(yuv, std::ios::binary);
  const auto pixels = static_cast<std::size_t>(size.width * size.height);
  // yuv420p as decoded (a gray output would be range-expanded): luma, then quarter-size chroma.
  std::vector<std::uint8_t> luma(pixels);
  std::vector<std::uint8_t> chroma(pixels / 2);
  std::vector<std::uint32_t> indices;
  double worst_top = 0;
  double worst_bottom = 0;
  while (in.read(reinterpret_cast<char*>(luma.data()), static_cast<std::streamsize>(pixels)) &&
         in.read(reinterpret_cast<char*>(chroma.data()),
                 static_cast<std::streamsize>(chroma.size()))) {
    const auto index = test::read_index(luma.data(), size.width, size.width, size.height);
    indices.push_back(index.value_or(UINT32_MAX));
    if (!index) continue;
    // Each half of the picture on its own: a key frame split in two leaves one half grey.
    worst_top = std::max(worst_top, luma_error(luma.data(), size, *index, 0, size.height / 2));
    worst_bottom =
        std::max(worst_bottom, luma_error(luma.data(), size, *index, size.height / 2, size.height));
  }
  CAPTURE(worst_top);
  CAPTURE(worst_bottom);
  REQUIRE(indices.size() == 75);
  for (std::size_t i = 0; i < indices.size(); ++i) {
    CAPTURE(i);
    REQUIRE(indices[i] != UINT32_MAX);
    if (i > 0) CHECK(indices[i] > indices[i - 1]);
  }
  // Hard-edged blocks at ultrafast: a whole picture is within a few levels of what was sent.
  CHECK(worst_top < 8.0);
  CHECK(worst_bottom < 8.0);
}
