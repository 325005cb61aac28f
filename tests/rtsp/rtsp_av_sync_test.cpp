// A/V sync through RTSP, received by ffmpeg: a producer writes a white flash frame and a 10 ms 1
// kHz beep at the start of every second (30 fps, 48 kHz) in real time into an RtspServer, whose
// media carries H.264 as stream 0 and Opus as stream 1; `ffmpeg -rtsp_transport tcp` records them
// (stream copy) for 23 s. In the recording, the beep onsets and the flash pts must agree within a
// frame (33 ms) at about 1 s and about 20 s after its first flash, without drift. Without ffmpeg
// or an element, the case reports skipped.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "framepipe/audio/beep_generator.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/rtsp/rtsp_server.hpp"
#include "support/av_sync_analysis.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

namespace {

constexpr FrameRate kFps{30, 1};
constexpr std::uint32_t kRate = 48000;
constexpr Size kSize{160, 120};
// The producer's bound: ffmpeg records 23 s of it, and gets 90 s to connect and do so.
constexpr std::uint64_t kMaxFrames = 150 * 30;

bool have_ffmpeg() {
  return std::system("ffmpeg -version >/dev/null 2>&1") == 0 &&
         std::system("timeout --version >/dev/null 2>&1") == 0;
}

/// Writes the flash-and-beep stream in real time into `server` until `stop` (or kMaxFrames).
class Producer {
 public:
  explicit Producer(const RtspServer& server)
      : writer_({.size = kSize,
                 .fps = kFps,
                 .pacing = Pacing::RealTime,
                 .audio = AudioSpec{AudioFormat::S16LE, kRate, 2}},
                server.sink()) {
    test::fill(black_.view(), 16);
    test::fill(white_.view(), 235);
    thread_ = std::thread([this] { run(); });
  }
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;
  ~Producer() { stop(); }

  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  RtspSink& sink() { return writer_.sink(); }

 private:
  void run() {
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < kMaxFrames && !stop_.load(); ++i) {
      // The audio up to this frame's end goes first, as Pipeline sends it with WithAudio.
      writer_.write_audio_from(beeps_, FrameTime::at(i + 1, kFps).pts);
      writer_.write(i % 30 == 0 ? white_.view() : black_.view());
      // Pacing the producer to the stream's rate (not a synchronisation).
      std::this_thread::sleep_until(start +
                                    std::chrono::nanoseconds(FrameTime::at(i + 1, kFps).pts));
    }
    writer_.close();
  }

  Frame<PixelFormat::I420> black_{kSize};
  Frame<PixelFormat::I420> white_{kSize};
  BeepGenerator<> beeps_{{.rate = kRate, .channels = 2, .frequency = 1000.0, .amplitude = 0.5}};
  Writer<PixelFormat::I420, RtspSink> writer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace

TEST_CASE("A/V sync through RTSP, recorded by ffmpeg: beep and flash within a frame, no drift") {
  if (!have_ffmpeg()) FRAMEPIPE_SKIP_CASE("ffmpeg (or coreutils' timeout) is not installed");
  for (const char* e : {"x264enc", "opusenc", "rtpopuspay"}) {
    if (!test::have_element(e)) FRAMEPIPE_SKIP_CASE("an element is missing (x264enc, opusenc)");
  }
  RtspServer server;
  Producer producer(server);
  test::TempDir dir("framepipe-rtsp-av-sync");
  const std::string file = (dir / "received.mkv").string();
  const test::RunResult run = test::run_program(
      "timeout", "90 ffmpeg -nostdin -hide_banner -y -rtsp_transport tcp -i " + server.url() +
                     " -map 0:v:0 -map 0:a:0 -c copy -t 23 \"" + file + "\"");
  producer.stop();
  INFO("ffmpeg said: " << run.output);
  REQUIRE(run.exit_code == 0);
  const RtspSink& sink = producer.sink();
  MESSAGE("frames made " << sink.made() << " sent " << sink.sent() << " dropped " << sink.dropped()
                         << "; audio buffers made " << sink.audio_made() << " sent "
                         << sink.audio_sent() << " dropped " << sink.audio_dropped());
  CHECK(sink.made() == sink.sent() + sink.dropped());
  CHECK(sink.audio_made() == sink.audio_sent() + sink.audio_dropped());
  CHECK(sink.audio_sent() > 0);

  const std::vector<double> flashes = test::flash_times(file);
  const test::DecodedAudio audio = test::decode_audio(file, dir, kRate);
  REQUIRE(flashes.size() >= 21);
  std::ostringstream table;
  // beep onset - flash pts (ms) at each flash with a beep near it (a live sender may drop either).
  std::vector<std::pair<double, double>> offsets;
  for (const double flash : flashes) {
    const auto onset = test::beep_onset(audio, kRate, flash - 0.5, flash + 0.5);
    table << " " << flash << "s:";
    if (!onset) {
      table << "none";
      continue;
    }
    offsets.emplace_back(flash, (*onset - flash) * 1000.0);
    table << offsets.back().second;
  }
  MESSAGE("beep onset - flash pts (ms) at each flash:" << table.str());
  // About 1 s and about 20 s after the first flash the recording has.
  const double first = flashes.front();
  const auto near_1 = std::find_if(offsets.begin(), offsets.end(),
                                   [&](const auto& o) { return o.first >= first + 0.5; });
  const auto near_20 = std::find_if(offsets.begin(), offsets.end(),
                                    [&](const auto& o) { return o.first >= first + 19.5; });
  REQUIRE(near_1 != offsets.end());
  REQUIRE(near_20 != offsets.end());
  const double at_1 = near_1->second;
  const double at_20 = near_20->second;
  CHECK_MESSAGE(std::abs(at_1) <= 33.0, "beep - flash near 1 s: ", at_1, " ms");
  CHECK_MESSAGE(std::abs(at_20) <= 33.0, "beep - flash near 20 s: ", at_20, " ms");
  MESSAGE("drift from ~1 s to ~20 s: " << at_20 - at_1 << " ms");
  CHECK(std::abs(at_20 - at_1) <= 5.0);
}
