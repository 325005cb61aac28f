// Subtitles beside video and audio in one pipeline: the clock's text each second as a
// `text/x-raw` track of a Matroska file, decoded by ffmpeg (-map 0:s) with the right texts and
// times. Without ffmpeg, or an element, the case reports skipped.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "framepipe/audio/beep_generator.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

using namespace framepipe;

namespace {

constexpr FrameRate kFps{30, 1};

/// "00:00:03,000" for 3 s.
std::string srt_time(std::uint64_t seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%02llu:%02llu:%02llu,000",
                static_cast<unsigned long long>(seconds / 3600),
                static_cast<unsigned long long>(seconds / 60 % 60),
                static_cast<unsigned long long>(seconds % 60));
  return text;
}

const char* const kDescription =
    "appsrc name=video ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast ! "
    "h264parse ! queue ! mux.  "
    "appsrc name=audio ! audioconvert ! opusenc ! queue ! mux.  "
    "appsrc name=text ! text/x-raw,format=utf8 ! queue ! mux.  "
    "matroskamux name=mux ! filesink location=\"FILE\"";

}  // namespace

TEST_CASE("subtitles: the clock's text each second, decoded by ffmpeg with its times") {
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) {
    FRAMEPIPE_SKIP_CASE("ffmpeg is not installed");
  }
  for (const char* e : {"x264enc", "opusenc", "matroskamux"}) {
    if (!test::have_element(e)) FRAMEPIPE_SKIP_CASE("an element is missing (x264enc, opusenc)");
  }
  test::TempDir dir("framepipe-subtitles");
  const std::string file = (dir / "subs.mkv").string();
  std::string description = kDescription;
  description.replace(description.find("FILE"), 4, file);
  constexpr std::uint64_t kSeconds = 5;
  {
    Frame<PixelFormat::I420> frame({64, 48});
    BeepGenerator beeps{{.rate = 48000, .channels = 2}};
    Writer<PixelFormat::I420, AppSrcSink> w{
        {.size = {64, 48},
         .fps = kFps,
         .audio = AudioSpec{AudioFormat::S16LE, 48000, 2},
         .subtitles = true},
        AppSrcSink::launch(
            description,
            {.appsrc_name = "video", .audio_appsrc_name = "audio", .text_appsrc_name = "text"})};
    for (std::uint64_t i = 0; i < kSeconds * 30; ++i) {
      const FrameTime t = FrameTime::at(i, kFps);
      if (i % 30 == 0) {  // each second's text before its frames: the muxer has it in time
        const std::uint64_t second = i / 30;
        w.write_subtitle("clock " + std::to_string(second) + " s", second * kNanosPerSecond,
                         kNanosPerSecond);
      }
      w.write_audio_from(beeps, t.pts + t.duration);
      w.write(frame.view());
    }
    CHECK_THROWS_AS(w.write_subtitle("overlaps", (kSeconds - 1) * kNanosPerSecond, 1),
                    InvalidArgument);
    w.close();
    CHECK(w.sink().text_pushed() == kSeconds);
    CHECK_THROWS_WITH_AS(w.write_subtitle("late", 10 * kNanosPerSecond, 1),
                         doctest::Contains("after close"), Error);
  }
  // -copyts: the file's own times. Without it ffmpeg shifts every stream by the file's start
  // (-7 ms here: the Opus track starts at its pre-skip), and the cues read 7 ms late.
  const std::string srt =
      test::output_of("ffmpeg -nostdin -v error -copyts -i \"" + file + "\" -map 0:s:0 -f srt -");
  INFO(srt);
  for (std::uint64_t k = 0; k < kSeconds; ++k) {
    const std::string cue = std::to_string(k + 1) + "\n" + srt_time(k) + " --> " + srt_time(k + 1) +
                            "\nclock " + std::to_string(k) + " s\n";
    CHECK_MESSAGE(srt.find(cue) != std::string::npos, "missing cue:\n", cue);
  }
  // The other streams are there too.
  CHECK(test::output_of("ffprobe -v error -show_entries stream=codec_type -of csv=p=0 \"" + file +
                        "\"") == "video\naudio\nsubtitle\n");
}

TEST_CASE("a sink waits for its text appsrc before it plays, and refuses texts without one") {
  AppSrcSink sink = AppSrcSink::launch(
      "appsrc name=video ! fakesink sync=false  appsrc name=text ! fakesink sync=false",
      {.appsrc_name = "video", .text_appsrc_name = "text"});
  sink.start(StreamSpec{.format = PixelFormat::I420, .size = {16, 16}, .fps = {30, 1}});
  CHECK_THROWS_WITH_AS(sink.acquire<PixelFormat::I420>(), doctest::Contains("start_text()"), Error);
  sink.start_text();
  sink.submit_text("a", 0, 10);
  CHECK_THROWS_AS(sink.submit_text("b", 5, 10), InvalidArgument);  // overlaps
  CHECK_THROWS_AS(sink.submit_text("b", 20, 0), InvalidArgument);  // no duration
  sink.submit_text("b", 10, 10);
  (void)sink.acquire<PixelFormat::I420>();
  sink.submit(FrameTime::at(0, {30, 1}));
  sink.finish();
  CHECK(sink.text_pushed() == 2);
  AppSrcSink plain{"fakesink"};
  CHECK_THROWS_AS(plain.start_text(), Error);
}
