// Runs the stream example as a user would, on loopback: RTSP (a GStreamer client), RTP/UDP H.264
// and raw with --sdp, an SRT listener, and HLS over HTTP, each received by the very command lines
// the example prints (gst-launch-1.0 with a fakesink for autovideosink, ffmpeg for ffplay where it
// is installed); then checks the printed counts and the exit code.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/opencv/text_clock_generator.hpp"
#include "framepipe/sinks/callback_sink.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/index_receiver.hpp"
#include "support/raw_http_client.hpp"
#include "support/run_program.hpp"

#ifndef FRAMEPIPE_STREAM_EXE
#  error "FRAMEPIPE_STREAM_EXE must name the stream example binary"
#endif

using namespace std::chrono_literals;

namespace {

/// A program running in the background whose output the test can wait for: `"program" args`
/// through the shell, stdout and stderr together, read line by line on a thread.
class Program {
 public:
  Program(const std::string& program, const std::string& args) {
    const std::string command = "\"" + program + "\" " + args + " 2>&1";
    pipe_ = popen(command.c_str(), "r");
    REQUIRE(pipe_ != nullptr);
    reader_ = std::thread([this] {
      std::array<char, 512> chunk{};
      while (std::fgets(chunk.data(), static_cast<int>(chunk.size()), pipe_) != nullptr) {
        const std::lock_guard lock(mutex_);
        output_ += chunk.data();
        changed_.notify_all();
      }
      const int status = pclose(pipe_);
      const std::lock_guard lock(mutex_);
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      done_ = true;
      changed_.notify_all();
    });
  }
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;
  ~Program() { finish(); }

  /// Waits until the output holds `text` (true), or the program ended or `timeout` passed.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout,
                      [&] { return done_ || output_.find(text) != std::string::npos; });
    return output_.find(text) != std::string::npos;
  }

  /// Hands the output so far to `stop` (which ends the program), then waits for it to end.
  template <class Stop>
  framepipe::test::RunResult finish_after(Stop stop) {
    {
      const std::lock_guard lock(mutex_);
      stop(output_);
    }
    return finish();
  }

  /// Waits for the program to end (it must bound itself, e.g. through timeout(1)).
  framepipe::test::RunResult finish() {
    if (reader_.joinable()) reader_.join();
    const std::lock_guard lock(mutex_);
    return {exit_code_, output_};
  }

 private:
  FILE* pipe_ = nullptr;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string output_;
  int exit_code_ = -1;
  bool done_ = false;
  std::thread reader_;
};

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

/// Runs the stream example with `args`; `receivers` runs once it printed its receivers (it has
/// set its sender up by then: an RTSP server listens; an SRT caller retries its handshake until
/// the listener is up; a UDP receiver needs nothing), and the example's result is returned once
/// both are done.
template <class Fn>
framepipe::test::RunResult with_stream(const std::string& args, Fn receivers) {
  Program example("/usr/bin/timeout", "30 " + std::string(FRAMEPIPE_STREAM_EXE) + " " + args);
  REQUIRE(example.wait_for("     or: ", 20s));
  receivers();
  return example.finish();
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

/// The luma of the frames the example draws at `size` and 30/1 (TextClockGenerator through
/// I420Packer, as the example runs them), frame i at i / 30 s, for the first `frames` frames.
std::vector<std::vector<std::uint8_t>> clock_luma(framepipe::Size size, std::uint64_t frames) {
  using namespace framepipe;
  std::vector<std::vector<std::uint8_t>> out;
  Pipeline p{TextClockGenerator{{.size = size}}, I420Packer{},
             CallbackSink<PixelFormat::I420>{[&](FrameView<PixelFormat::I420> f, const FrameTime&) {
               std::vector<std::uint8_t> luma(static_cast<std::size_t>(size.width * size.height));
               for (int y = 0; y < size.height; ++y) {
                 std::copy_n(f.plane(0) + static_cast<std::size_t>(y) * f.stride(0), size.width,
                             luma.begin() + static_cast<std::ptrdiff_t>(y) * size.width);
               }
               out.push_back(std::move(luma));
             }}};
  p.run({.frames = frames, .fps = {30, 1}});
  return out;
}

/// Checks that every picture ffmpeg decoded is a whole frame the example drew, in order: for
/// each, the drawn frame closest to it (picture_error(), the worst 16x16 block) must be within a
/// few levels and later than the previous one's. A key frame split in two, and the P frames
/// referencing its broken half, show smeared digits: tens of levels off in their blocks.
void check_whole_clock_pictures(const framepipe::test::FfmpegLuma& decoded, framepipe::Size size,
                                const std::vector<std::vector<std::uint8_t>>& drawn) {
  constexpr int kMaxPictureError = 24;
  REQUIRE(decoded.frames.size() >= 60);
  std::size_t previous = 0;
  int worst = 0;
  for (std::size_t i = 0; i < decoded.frames.size(); ++i) {
    int best = 1000;
    std::size_t best_at = 0;
    for (std::size_t j = 0; j < drawn.size(); ++j) {
      const int e =
          framepipe::test::picture_error(decoded.frames[i].data(), size.width, drawn[j].data(),
                                         size.width, size.width, size.height);
      if (e < best) {
        best = e;
        best_at = j;
      }
    }
    INFO("decoded frame " << i << " is closest to drawn frame " << best_at << ", " << best
                          << " levels off in its worst block");
    REQUIRE(best <= kMaxPictureError);
    if (i > 0) REQUIRE(best_at > previous);
    previous = best_at;
    worst = std::max(worst, best);
  }
  MESSAGE(decoded.frames.size() << " pictures decoded by ffmpeg, each at most " << worst
                                << " levels off the frame drawn");
}

}  // namespace

TEST_CASE("stream --to rtsp://: the printed receivers play it, ffmpeg's pictures are whole") {
  if (!framepipe::test::have_element("x264enc") || !framepipe::test::have_element("avdec_h264") ||
      !framepipe::test::have_element("rtspsrc")) {
    FRAMEPIPE_SKIP_CASE("x264enc, avdec_h264 or rtspsrc missing");
  }
  const bool ffmpeg = have_program("/usr/bin/ffmpeg");
  if (!ffmpeg) MESSAGE("ffmpeg missing (Debian ffmpeg): its pictures are not checked");
  const framepipe::Size size{320, 240};
  const std::string url =
      "rtsp://127.0.0.1:" + std::to_string(framepipe::test::free_tcp_port()) + "/clock";
  Program example("/usr/bin/timeout", "30 " + std::string(FRAMEPIPE_STREAM_EXE) + " --to " + url +
                                          " --seconds 8 --size 320x240 --fps 30/1");
  // The server listens before the example prints its receivers.
  REQUIRE(example.wait_for("receive: ffplay", 20s));
  const auto client = framepipe::test::run_program(
      "/usr/bin/timeout", "10 gst-launch-1.0 -q rtspsrc location=" + url +
                              " protocols=tcp ! rtph264depay ! avdec_h264 ! fakesink "
                              "num-buffers=15 sync=false");
  std::optional<framepipe::test::FfmpegLuma> decoded;
  const framepipe::test::TempDir dir("framepipe-stream-rtsp");
  if (ffmpeg) {
    decoded = framepipe::test::ffmpeg_luma("-rtsp_transport tcp -i " + url, size, 90, 15,
                                           (dir / "clock.yuv").string());
  }
  const auto server = example.finish();
  INFO("example printed: " << server.output << "\nclient printed: " << client.output
                           << "\nffmpeg printed: " << (decoded ? decoded->run.output : ""));
  CHECK(client.exit_code == 0);
  CHECK(server.exit_code == 0);
  CHECK(server.output.find("receive: ffplay -rtsp_transport tcp " + url) != std::string::npos);
  CHECK(server.output.find("frames made 240, sent ") != std::string::npos);
  if (decoded) {
    CHECK(decoded->run.exit_code == 0);
    check_whole_clock_pictures(*decoded, size, clock_luma(size, 240));
  }
}

TEST_CASE(
    "stream --auth: 401 without the password, whole pictures with it, the password never shown") {
  if (!framepipe::test::have_element("x264enc") || !have_program("/usr/bin/ffmpeg")) {
    FRAMEPIPE_SKIP_CASE("x264enc or ffmpeg (Debian ffmpeg) missing");
  }
  const std::string password = "s3cret-Pw9";
  const framepipe::Size size{320, 240};
  const std::string port = std::to_string(framepipe::test::free_tcp_port());
  const std::string url = "rtsp://127.0.0.1:" + port + "/clock";
  // gst-rtsp-server's own debug output too: the password must not be in it.
  Program example("/usr/bin/env", "GST_DEBUG=rtsp*:6 /usr/bin/timeout 30 " +
                                      std::string(FRAMEPIPE_STREAM_EXE) + " --to " + url +
                                      " --auth viewer:" + password +
                                      " --seconds 8 --size 320x240 --fps 30/1");
  REQUIRE(example.wait_for("receive: ffplay", 20s));
  const framepipe::test::TempDir dir("framepipe-stream-auth");
  const auto anonymous = framepipe::test::ffmpeg_luma("-rtsp_transport tcp -i " + url, size, 5, 10,
                                                      (dir / "anonymous.yuv").string());
  const auto viewer = framepipe::test::ffmpeg_luma(
      "-rtsp_transport tcp -i rtsp://viewer:" + password + "@127.0.0.1:" + port + "/clock", size,
      90, 15, (dir / "viewer.yuv").string());
  const auto server = example.finish();
  INFO("ffmpeg without the password printed: " << anonymous.run.output);
  CHECK(anonymous.run.exit_code != 0);
  CHECK(anonymous.run.output.find("401") != std::string::npos);
  CHECK(anonymous.frames.empty());
  CHECK(server.exit_code == 0);
  CHECK(server.output.find("receive: ffplay -rtsp_transport tcp rtsp://viewer:PASSWORD@127.0.0.1:" +
                           port + "/clock\n") != std::string::npos);
  CHECK(server.output.find(password) == std::string::npos);
  // Basic sends "viewer:s3cret-Pw9" in base64; gst-rtsp-server logged the requests at LOG.
  CHECK(server.output.find("dmlld2VyOnMzY3JldC1Qdzk") == std::string::npos);
  CHECK(server.output.find("rtspclient") != std::string::npos);  // its debug output was on
  INFO("ffmpeg with the password printed: " << viewer.run.output);
  CHECK(viewer.run.exit_code == 0);
  check_whole_clock_pictures(viewer, size, clock_luma(size, 240));
}

TEST_CASE("stream --tls-cert --tls-key serves rtsps://, which ffmpeg plays whole") {
  if (!framepipe::test::have_element("x264enc") || !have_program("/usr/bin/ffmpeg") ||
      !have_program("/usr/bin/openssl")) {
    FRAMEPIPE_SKIP_CASE("x264enc, ffmpeg (Debian ffmpeg) or openssl missing");
  }
  const framepipe::test::TempDir dir("framepipe-stream-tls");
  const std::string certificate = (dir / "cert.pem").string();
  const std::string key = (dir / "key.pem").string();
  REQUIRE(framepipe::test::run_program("/usr/bin/openssl",
                                       "req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
                                       "/CN=127.0.0.1 -keyout " +
                                           key + " -out " + certificate)
              .exit_code == 0);
  const framepipe::Size size{320, 240};
  const std::string port = std::to_string(framepipe::test::free_tcp_port());
  // Under ASan, LeakSanitizer's own tracer crashes (signal 11, "LeakSanitizer has encountered a
  // fatal error") when it stops the TLS server's threads at exit, so this one run checks no
  // leaks; every other case and test still does.
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string no_leak_check =
      "ASAN_OPTIONS=" + std::string(asan != nullptr ? asan : "") + ":detect_leaks=0";
  Program example("/usr/bin/env",
                  no_leak_check + " /usr/bin/timeout 30 " + std::string(FRAMEPIPE_STREAM_EXE) +
                      " --to rtsp://127.0.0.1:" + port + "/clock --tls-cert " + certificate +
                      " --tls-key " + key + " --seconds 8 --size 320x240 --fps 30/1");
  REQUIRE(example.wait_for("receive: ffplay", 20s));
  const std::string url = "rtsps://127.0.0.1:" + port + "/clock";
  const auto decoded = framepipe::test::ffmpeg_luma("-rtsp_transport tcp -i " + url, size, 90, 15,
                                                    (dir / "clock.yuv").string());
  const auto server = example.finish();
  INFO("example printed: " << server.output << "\nffmpeg printed: " << decoded.run.output);
  CHECK(server.exit_code == 0);
  CHECK(server.output.find("serving " + url) != std::string::npos);
  CHECK(decoded.run.exit_code == 0);
  check_whole_clock_pictures(decoded, size, clock_luma(size, 240));
}

TEST_CASE("stream rejects a bad --to") {
  const auto r = framepipe::test::run_program(FRAMEPIPE_STREAM_EXE, "--to http://x:1");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("rtsp://, rtp:// or srt://") != std::string::npos);
  CHECK(r.output.find("hls://") != std::string::npos);
}

/// GETs http://127.0.0.1:port/target until it is a playlist listing at least `segments`
/// segments (true), or `limit` passed (false); hlssink2 lists a segment a second.
bool wait_for_segments(std::uint16_t port, const std::string& target, std::size_t segments,
                       std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto response = framepipe::test::raw_http_get(port, target);
    std::size_t listed = 0;
    for (std::size_t at = response.body.find(".ts"); at != std::string::npos;
         at = response.body.find(".ts", at + 1)) {
      ++listed;
    }
    if (response.status == 200 && listed >= segments) return true;
    std::this_thread::sleep_for(100ms);  // a poll, bounded by the deadline
  }
  return false;
}

TEST_CASE("stream --to hls://: ffmpeg and the printed gst-launch read the playlist; whole clock") {
  if (!framepipe::test::have_element("x264enc") || !framepipe::test::have_element("hlssink2")) {
    FRAMEPIPE_SKIP_CASE("x264enc (-ugly) or hlssink2 (-bad) missing");
  }
  if (!have_program("/usr/bin/ffmpeg")) FRAMEPIPE_SKIP_CASE("ffmpeg (Debian ffmpeg) missing");
  const bool gst =
      framepipe::test::have_element("hlsdemux") && framepipe::test::have_element("avdec_h264");
  if (!gst) MESSAGE("hlsdemux or avdec_h264 missing: the printed gst-launch is not run");
  const framepipe::Size size{320, 240};
  const std::uint16_t port = framepipe::test::free_tcp_port();
  const std::string playlist = "http://127.0.0.1:" + std::to_string(port) + "/clock/hls/index.m3u8";
  Program example("/usr/bin/timeout", "40 " + std::string(FRAMEPIPE_STREAM_EXE) +
                                          " --to hls://127.0.0.1:" + std::to_string(port) +
                                          "/clock --seconds 12 --size 320x240 --fps 30/1");
  REQUIRE(example.wait_for("     or: ", 20s));
  // Players start three segments back from the live edge (1 s segments, 3 listed by default).
  const bool listed = wait_for_segments(port, "/clock/hls/index.m3u8", 3, 20s);
  const framepipe::test::TempDir dir("framepipe-stream-hls");
  const auto decoded =
      framepipe::test::ffmpeg_luma("-i " + playlist, size, 90, 15, (dir / "clock.yuv").string());
  framepipe::test::RunResult gst_client;
  const std::string gst_line = "gst-launch-1.0 souphttpsrc location=" + playlist +
                               " ! hlsdemux ! decodebin ! videoconvert ! autovideosink";
  std::size_t gst_frames = 0;
  if (gst) {
    // hlsdemux keeps a live playlist going when a sink has had enough (num-buffers ends nothing),
    // so the printed line runs for 6 s with a verbose fakesink, and its frames are counted.
    std::string line = gst_line;
    line.replace(line.find(" ! autovideosink"), std::string::npos,
                 " ! fakesink silent=false sync=false");
    line.insert(std::string("gst-launch-1.0 ").size(), "-v ");
    gst_client = framepipe::test::run_program("/usr/bin/timeout", "6 " + line);
    for (std::size_t at = gst_client.output.find("chain   ******* "); at != std::string::npos;
         at = gst_client.output.find("chain   ******* ", at + 1)) {
      ++gst_frames;
    }
  }
  const auto server = example.finish();
  INFO("example printed: " << server.output << "\nffmpeg printed: " << decoded.run.output
                           << "\ngst-launch printed: " << gst_client.output.substr(0, 2000));
  CHECK(listed);
  CHECK(server.output.find("serving HLS at " + playlist) != std::string::npos);
  CHECK(server.output.find("receive: ffplay " + playlist + "\n") != std::string::npos);
  CHECK(server.output.find("     or: " + gst_line + "\n") != std::string::npos);
  CHECK(server.output.find("open: http://127.0.0.1:" + std::to_string(port) +
                           "/clock/?protocol=hls") != std::string::npos);
  if (gst) CHECK(gst_frames >= 15);
  CHECK(decoded.run.exit_code == 0);
  check_whole_clock_pictures(decoded, size, clock_luma(size, 360));
  check_counts(server, 360);
}

TEST_CASE("stream: HLS is H.264 only, and its options are for hls:// and whep:// --hls") {
  const auto vp8 =
      framepipe::test::run_program(FRAMEPIPE_STREAM_EXE, "--to hls://127.0.0.1:8888/x --codec vp8");
  CHECK(vp8.exit_code == 2);
  CHECK(vp8.output.find("hls:// is H.264 only") != std::string::npos);
  const auto whep_vp8 = framepipe::test::run_program(
      FRAMEPIPE_STREAM_EXE, "--to whep://127.0.0.1:8889/x --hls --codec vp8");
  CHECK(whep_vp8.exit_code == 2);
  CHECK(whep_vp8.output.find("--hls needs --codec h264") != std::string::npos);
  const auto segment = framepipe::test::run_program(FRAMEPIPE_STREAM_EXE,
                                                    "--to rtsp://127.0.0.1:8554/x --segment 2");
  CHECK(segment.exit_code == 2);
  CHECK(segment.output.find("--segment, --playlist-length and --hls-js are for hls://") !=
        std::string::npos);
  const auto zero =
      framepipe::test::run_program(FRAMEPIPE_STREAM_EXE, "--to hls://127.0.0.1:8888/x --segment 0");
  CHECK(zero.exit_code == 2);
  const auto short_playlist = framepipe::test::run_program(
      FRAMEPIPE_STREAM_EXE, "--to hls://127.0.0.1:8888/x --playlist-length 2");
  CHECK(short_playlist.exit_code == 2);
  CHECK(short_playlist.output.find("--playlist-length must be 3 to 100") != std::string::npos);
}

TEST_CASE("stream --to rtp:// --sdp: the printed gst-launch and ffplay receivers work") {
  if (!framepipe::test::have_element("x264enc") || !framepipe::test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("x264enc or avdec_h264 missing");
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
    FRAMEPIPE_SKIP_CASE("rtpvrawpay/rtpvrawdepay (gstreamer1.0-plugins-good) missing");
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
    FRAMEPIPE_SKIP_CASE("srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264 missing");
  }
  const bool ffmpeg = have_program("/usr/bin/ffmpeg");
  if (!ffmpeg) MESSAGE("ffmpeg missing (Debian ffmpeg): the printed ffplay line is not run");
  const std::string url = "srt://127.0.0.1:" + std::to_string(framepipe::test::free_udp_port());
  const std::string gst =
      "gst-launch-1.0 srtsrc uri=" + url + " ! decodebin ! videoconvert ! autovideosink";
  check_printed_receivers("--to " + url + " --seconds 6 --size 320x240", gst, url, "-i " + url,
                          ffmpeg, 180);
}

TEST_CASE(
    "stream --to srt:// --passphrase: receivers with a placeholder; with the secret they play") {
  if (!framepipe::test::have_element("srtsink") || !framepipe::test::have_element("srtsrc") ||
      !framepipe::test::have_element("x264enc") || !framepipe::test::have_element("avdec_h264")) {
    FRAMEPIPE_SKIP_CASE("srtsink/srtsrc (gstreamer1.0-plugins-bad), x264enc or avdec_h264 missing");
  }
  const std::string secret = "s3cret-Passphrase.for~SRT";
  const std::string url = "srt://127.0.0.1:" + std::to_string(framepipe::test::free_udp_port());
  const std::string printed_gst = "gst-launch-1.0 srtsrc uri=" + url +
                                  " passphrase=PASSPHRASE pbkeylen=24 ! decodebin ! videoconvert "
                                  "! autovideosink";
  std::string gst = printed_gst;
  gst.replace(gst.find("PASSPHRASE"), 10, secret);
  framepipe::test::RunResult gst_client;
  const auto server = with_stream(
      "--to " + url + " --passphrase " + secret + " --pbkeylen 24 --seconds 5 --size 320x240", [&] {
        gst_client = framepipe::test::run_program("/usr/bin/timeout", "10 " + headless(gst, 15));
      });
  INFO("example printed: " << server.output << "\ngst-launch printed: " << gst_client.output);
  CHECK(server.output.find(secret) == std::string::npos);  // the secret is never printed
  CHECK(server.output.find("     or: " + printed_gst + "\n") != std::string::npos);
  CHECK(server.output.find("receive: ffplay \"" + url + "?passphrase=PASSPHRASE&pbkeylen=24\"\n") !=
        std::string::npos);
  CHECK(gst_client.exit_code == 0);
  check_counts(server, 150);
}

TEST_CASE("stream --passphrase: a bad one exits 1 without printing it; srt:// only") {
  const auto short_one = framepipe::test::run_program(
      FRAMEPIPE_STREAM_EXE, "--to srt://127.0.0.1:7001 --passphrase tooshort");
  CHECK(short_one.exit_code == 1);
  CHECK(short_one.output.find("tooshort") == std::string::npos);
  CHECK(short_one.output.find("10 to 79") != std::string::npos);
  const auto rtp = framepipe::test::run_program(
      FRAMEPIPE_STREAM_EXE, "--to rtp://127.0.0.1:5004 --passphrase 0123456789");
  CHECK(rtp.exit_code == 2);
  CHECK(rtp.output.find("--passphrase is for srt:// only") != std::string::npos);
}

TEST_CASE("stream --to srt:// on a port another socket holds says so and exits 1") {
  if (!framepipe::test::have_element("srtsink") || !framepipe::test::have_element("x264enc")) {
    FRAMEPIPE_SKIP_CASE("srtsink or x264enc missing");
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

/// Why the page cannot be played in Chromium here ("" when it can).
std::string missing_browser(const std::filesystem::path& modules) {
  if (::access("/usr/bin/chromium", X_OK) != 0 ||
      std::system("node --version > /dev/null 2>&1") != 0 ||
      !std::filesystem::exists(modules / "puppeteer-core") ||
      !std::filesystem::exists(modules / "hls.js/dist/hls.min.js")) {
    return "chromium, node, or tests/browser/node_modules (npm ci in tests/browser)";
  }
  if (!framepipe::test::have_element("x264enc") || !framepipe::test::have_element("hlssink2")) {
    return "x264enc (-ugly) or hlssink2 (-bad) missing";
  }
  return {};
}

/// Runs `stream --to SCHEME://127.0.0.1:<port>/clock` + `options` at its default size, waits for
/// it to print the page's HLS URL (`<page>?protocol=hls`) and list three segments, then opens the
/// page with each of `queries` in Chromium (tests/browser/hls_page.mjs): each plays >= 2 s over HLS
/// at 640x360. The example ends by a SIGINT (through timeout(1), which hands it on) and must exit
/// 0.
void check_page_plays_hls(const std::string& scheme, const std::string& options,
                          const std::vector<std::string>& queries) {
  const std::filesystem::path source = FRAMEPIPE_SOURCE_DIR;
  const std::filesystem::path modules = source / "tests/browser/node_modules";
  const std::uint16_t port = framepipe::test::free_tcp_port();
  const std::string page = "http://127.0.0.1:" + std::to_string(port) + "/clock/";
  Program example("/bin/sh", "-c 'echo pid $$; exec /usr/bin/timeout 90 " +
                                 std::string(FRAMEPIPE_STREAM_EXE) + " --to " + scheme +
                                 "://127.0.0.1:" + std::to_string(port) + "/clock " + options +
                                 "'");
  REQUIRE(example.wait_for(page + "?protocol=hls", 20s));
  REQUIRE(wait_for_segments(port, "/clock/hls/index.m3u8", 3, 20s));
  const std::string script = (source / "tests/browser/hls_page.mjs").string();
  for (const std::string& query : queries) {
    framepipe::test::RunResult run;
    framepipe::test::within(120s, [&] {
      run = framepipe::test::run_program("node", "\"" + script + "\" \"" + page + query +
                                                     "\" /usr/bin/chromium \"" + modules.string() +
                                                     "\" 2 framepipe");
    });
    MESSAGE(scheme << " " << query << ": " << run.output);
    CHECK(run.exit_code == 0);
    CHECK(run.output.find("\"done\":true") != std::string::npos);
    CHECK(run.output.find("\"protocol\":\"hls\"") != std::string::npos);
    if (query.find("hlsjs") != std::string::npos) {
      CHECK(run.output.find("\"native\":false") != std::string::npos);
    }
    CHECK(run.output.find("\"videoWidth\":640,") != std::string::npos);
    CHECK(run.output.find("\"videoHeight\":360,") != std::string::npos);
  }
  const framepipe::test::RunResult ended = example.finish_after([](const std::string& output) {
    const auto at = output.find("pid ");
    if (at != std::string::npos) ::kill(std::stoi(output.substr(at + 4)), SIGINT);
  });
  INFO("example printed: " << ended.output);
  CHECK(ended.exit_code == 0);
  CHECK(ended.output.find("(stopped by a signal)") != std::string::npos);
}

TEST_CASE("stream --to hls://: Chromium plays the page's HLS switch, >= 2 s at 640x360") {
  const std::filesystem::path modules =
      std::filesystem::path(FRAMEPIPE_SOURCE_DIR) / "tests/browser/node_modules";
  if (const std::string why = missing_browser(modules); !why.empty()) {
    FRAMEPIPE_SKIP_CASE(why.c_str());
  }
  // hls.js, as in every browser without native HLS; then the page's own choice (Chromium 156
  // says "maybe" to canPlayType and plays it natively; others take hls.js).
  check_page_plays_hls("hls", "", {"?hls&player=hlsjs", "?protocol=hls"});
}

TEST_CASE("stream --to whep:// --hls: the page's HLS switch plays the one encode's HLS") {
  const std::filesystem::path modules =
      std::filesystem::path(FRAMEPIPE_SOURCE_DIR) / "tests/browser/node_modules";
  if (const std::string why = missing_browser(modules); !why.empty()) {
    FRAMEPIPE_SKIP_CASE(why.c_str());
  }
  if (!framepipe::test::have_element("webrtcbin") || !framepipe::test::have_element("nicesrc")) {
    FRAMEPIPE_SKIP_CASE("webrtcbin or libnice's plugin missing");
  }
  check_page_plays_hls("whep", "--hls", {"?player=hlsjs#hls"});
}
