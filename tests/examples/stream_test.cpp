// Runs the stream example as a user would, on loopback: RTSP (a GStreamer client), RTP/UDP H.264
// and raw with --sdp, and an SRT listener, each received by the very command lines the example
// prints (gst-launch-1.0 with a fakesink for autovideosink, ffmpeg for ffplay where it is
// installed); then checks the printed counts and the exit code.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

#ifndef FRAMEPIPE_STREAM_EXE
#  error "FRAMEPIPE_STREAM_EXE must name the stream example binary"
#endif

using namespace std::chrono_literals;

namespace {

/// Whether `path` exists (an external tool a test runs).
bool have_program(const char* path) { return std::ifstream(path).good(); }

/// The example's last line, "frames made M, sent S, dropped D (late L)...": M, S, D.
struct Counts {
  unsigned long long made = 0, sent = 0, dropped = 0;
};
std::optional<Counts> counts_in(const std::string& output) {
  const auto at = output.rfind("frames made ");
  if (at == std::string::npos) return std::nullopt;
  Counts c;
  if (std::sscanf(output.c_str() + at, "frames made %llu, sent %llu, dropped %llu", &c.made,
                  &c.sent, &c.dropped) != 3) {
    return std::nullopt;
  }
  return c;
}

/// `line` with " ! autovideosink" at its end replaced by a fakesink that ends the receiver after
/// `frames` frames: the printed receiver, run headless and bounded.
std::string headless(std::string line, int frames) {
  const std::string sink = " ! autovideosink";
  REQUIRE(line.size() > sink.size());
  REQUIRE(line.compare(line.size() - sink.size(), sink.size(), sink) == 0);
  line.resize(line.size() - sink.size());
  return line + " ! fakesink num-buffers=" + std::to_string(frames) + " sync=false";
}

/// Runs the stream example with `args` for `seconds` on a thread; `receivers` runs meanwhile
/// (after `warmup`, for the example to start) and the example's result is returned once both are
/// done.
template <class Fn>
framepipe::test::RunResult with_stream(const std::string& args, Fn receivers,
                                       std::chrono::milliseconds warmup = 1000ms) {
  framepipe::test::RunResult server;
  std::thread example([&] {
    server = framepipe::test::run_program("/usr/bin/timeout",
                                          "30 " + std::string(FRAMEPIPE_STREAM_EXE) + " " + args);
  });
  std::this_thread::sleep_for(warmup);
  receivers();
  example.join();
  return server;
}

/// Checks the example ended well and its counts add up: made = seconds x 30, sent + dropped =
/// made.
void check_counts(const framepipe::test::RunResult& server, unsigned long long made) {
  CHECK(server.exit_code == 0);
  const auto counts = counts_in(server.output);
  REQUIRE(counts.has_value());
  CHECK(counts->made == made);
  CHECK(counts->sent + counts->dropped == counts->made);
  CHECK(counts->sent > 0);
}

/// Streams with `args` and meanwhile runs the two receivers the example prints: its gst-launch
/// line `gst` (made headless) and, where ffmpeg is installed, ffmpeg on `ffmpeg_input` (the input
/// of the printed `ffplay ffplay_args` line). Checks that both lines were printed as run, that
/// each receiver exited 0, and the counts for `made` frames.
void check_printed_receivers(const std::string& args, const std::string& gst,
                             const std::string& ffplay_args, const std::string& ffmpeg_input,
                             bool ffmpeg, unsigned long long made) {
  framepipe::test::RunResult gst_client, ffmpeg_client;
  const auto server = with_stream(args, [&] {
    gst_client = framepipe::test::run_program("/usr/bin/timeout", "10 " + headless(gst, 15));
    if (ffmpeg) {
      ffmpeg_client = framepipe::test::run_program(
          "/usr/bin/timeout",
          "10 /usr/bin/ffmpeg -nostdin -v error " + ffmpeg_input + " -frames:v 10 -f null -");
    }
  });
  INFO("example printed: " << server.output << "\ngst-launch printed: " << gst_client.output
                           << "\nffmpeg printed: " << ffmpeg_client.output);
  CHECK(server.output.find("     or: " + gst + "\n") != std::string::npos);
  CHECK(server.output.find("receive: ffplay " + ffplay_args + "\n") != std::string::npos);
  CHECK(gst_client.exit_code == 0);
  if (ffmpeg) CHECK(ffmpeg_client.exit_code == 0);
  check_counts(server, made);
}

}  // namespace

TEST_CASE("stream --to rtsp:// serves the clock to a client and reports the counts") {
  if (!framepipe::test::have_element("x264enc") || !framepipe::test::have_element("avdec_h264") ||
      !framepipe::test::have_element("rtspsrc")) {
    MESSAGE("skipped: x264enc, avdec_h264 or rtspsrc missing");
    std::exit(77);
  }
  const std::string url =
      "rtsp://127.0.0.1:" + std::to_string(framepipe::test::free_tcp_port()) + "/clock";
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

TEST_CASE("stream --to rtp:// --sdp: the printed gst-launch and ffplay receivers work") {
  if (!framepipe::test::have_element("x264enc") || !framepipe::test::have_element("avdec_h264")) {
    MESSAGE("skipped: x264enc or avdec_h264 missing");
    std::exit(77);
  }
  const bool ffmpeg = have_program("/usr/bin/ffmpeg");
  if (!ffmpeg) MESSAGE("ffmpeg missing (Debian ffmpeg): the printed ffplay line is not run");
  const framepipe::test::TempDir dir("framepipe-stream-rtp");
  const std::string sdp = (dir / "out.sdp").string();
  const std::uint16_t port = framepipe::test::free_udp_port();
  const std::string p = std::to_string(port);
  const std::string gst =
      "gst-launch-1.0 udpsrc address=127.0.0.1 port=" + p +
      " caps=\"application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96\" ! "
      "rtpjitterbuffer latency=50 ! rtph264depay ! avdec_h264 ! videoconvert ! autovideosink";
  const std::string ffplay_args = "-protocol_whitelist file,udp,rtp -i " + sdp;
  check_printed_receivers(
      "--to rtp://127.0.0.1:" + p + " --sdp " + sdp + " --seconds 6 --size 320x240", gst,
      ffplay_args, ffplay_args, ffmpeg, 180);
}

TEST_CASE("stream --to rtp:// --codec raw: the printed receivers read the uncompressed stream") {
  if (!framepipe::test::have_element("rtpvrawpay") ||
      !framepipe::test::have_element("rtpvrawdepay")) {
    MESSAGE("skipped: rtpvrawpay/rtpvrawdepay (gstreamer1.0-plugins-good) missing");
    std::exit(77);
  }
  const bool ffmpeg = have_program("/usr/bin/ffmpeg");
  if (!ffmpeg) MESSAGE("ffmpeg missing (Debian ffmpeg): the printed ffplay line is not run");
  const framepipe::test::TempDir dir("framepipe-stream-raw");
  const std::string sdp = (dir / "raw.sdp").string();
  const std::string p = std::to_string(framepipe::test::free_udp_port());
  const std::string gst =
      "gst-launch-1.0 udpsrc address=127.0.0.1 port=" + p +
      " buffer-size=4000000 caps=\"application/x-rtp,media=video,clock-rate=90000,"
      "encoding-name=RAW,sampling=YCbCr-4:2:2,depth=(string)8,width=(string)160,"
      "height=(string)120,colorimetry=(string)BT601-5,payload=96\" ! rtpjitterbuffer latency=50 ! "
      "rtpvrawdepay ! videoconvert ! autovideosink";
  const std::string ffplay_args = "-protocol_whitelist file,udp,rtp -i " + sdp;
  check_printed_receivers(
      "--to rtp://127.0.0.1:" + p + " --sdp " + sdp + " --codec raw --seconds 5 --size 160x120",
      gst, ffplay_args, ffplay_args, ffmpeg, 150);
}

TEST_CASE("stream --to srt://: the printed gst-launch and ffplay callers receive the stream") {
  if (!framepipe::test::have_element("srtsink") || !framepipe::test::have_element("srtsrc") ||
      !framepipe::test::have_element("x264enc") || !framepipe::test::have_element("avdec_h264")) {
    MESSAGE("skipped: srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264 missing");
    std::exit(77);
  }
  const bool ffmpeg = have_program("/usr/bin/ffmpeg");
  if (!ffmpeg) MESSAGE("ffmpeg missing (Debian ffmpeg): the printed ffplay line is not run");
  const std::string url = "srt://127.0.0.1:" + std::to_string(framepipe::test::free_udp_port());
  const std::string gst =
      "gst-launch-1.0 srtsrc uri=" + url + " ! decodebin ! videoconvert ! autovideosink";
  check_printed_receivers("--to " + url + " --seconds 6 --size 320x240", gst, url, "-i " + url,
                          ffmpeg, 180);
}

TEST_CASE("stream --to srt:// on a port another socket holds says so and exits 1") {
  if (!framepipe::test::have_element("srtsink") || !framepipe::test::have_element("x264enc")) {
    MESSAGE("skipped: srtsink or x264enc missing");
    std::exit(77);
  }
  const framepipe::test::HeldPort holder(SOCK_DGRAM);  // another program's socket (SRT is UDP)
  const std::string port = std::to_string(holder.port());
  const auto r = framepipe::test::run_program(
      "/usr/bin/timeout", "20 " + std::string(FRAMEPIPE_STREAM_EXE) +
                              " --to srt://127.0.0.1:" + port + " --seconds 3 --size 320x240");
  INFO("example printed: " << r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("127.0.0.1:" + port + " is already in use") != std::string::npos);
}

TEST_CASE("stream --codec raw is for rtp:// only") {
  const auto r =
      framepipe::test::run_program(FRAMEPIPE_STREAM_EXE, "--to srt://127.0.0.1:7001 --codec raw");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--codec raw is for rtp:// only") != std::string::npos);
}
