// Runs the text_clock example as a user would and checks the file it writes.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "framepipe/core/frame_time.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

#ifndef FRAMEPIPE_TEXT_CLOCK_EXE
#  error "FRAMEPIPE_TEXT_CLOCK_EXE must name the text_clock example binary"
#endif

namespace {

framepipe::test::RunResult run_example(const std::string& args) {
  return framepipe::test::run_program(FRAMEPIPE_TEXT_CLOCK_EXE, args);
}

/// Largest channel value in a w x h box at (x0, y0).
int brightest(const framepipe::Frame<framepipe::PixelFormat::BGR24>& f, int x0, int y0, int w,
              int h) {
  int best = 0;
  for (int y = y0; y < y0 + h; ++y) {
    const std::uint8_t* row = f.view().row(0, y);
    for (int x = 3 * x0; x < 3 * (x0 + w); ++x) best = std::max<int>(best, row[x]);
  }
  return best;
}

}  // namespace

TEST_CASE("text_clock writes the tutorial's clock: 150 frames of 320x240 over 5 s") {
  framepipe::test::TempDir dir("text-clock");
  const auto file = dir.path() / "clock.webm";
  const framepipe::test::RunResult run = run_example("--output \"" + file.string() + "\"");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("150 frames") != std::string::npos);
  CHECK(run.output.find("frames/s") != std::string::npos);
  CHECK(run.output.find("peak memory") != std::string::npos);

  const framepipe::test::DecodedVideo video = framepipe::test::decode_file(file);
  REQUIRE(video.frames.size() == 150);
  CHECK(video.frames.front().size() == framepipe::Size{320, 240});
  REQUIRE(video.pts.size() == 150);
  CHECK(video.pts.front() == 0);
  // The last frame starts at 149/30 s and ends at 5.0 s. WebM stores milliseconds, so decoded
  // timestamps are the exact ones rounded to a millisecond.
  const framepipe::FrameTime last = framepipe::FrameTime::at(149, {30, 1});
  const auto diff_ns = [](std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; };
  CHECK(diff_ns(video.pts.back(), last.pts) <= 1'000'000);
  CHECK(diff_ns(video.pts.back() + last.duration, 5 * framepipe::kNanosPerSecond) <= 1'000'000);
  // Every frame is there once, in order, one frame period apart.
  for (std::size_t i = 1; i < video.pts.size(); ++i) {
    CHECK(diff_ns(video.pts[i], framepipe::FrameTime::at(i, {30, 1}).pts) <= 1'000'000);
  }

  for (std::size_t i : {std::size_t{0}, std::size_t{75}, std::size_t{149}}) {
    const auto& frame = video.frames[i];
    INFO("frame ", i);
    // The text sits in the middle: some pixel there is bright (yellow text, lossy VP8).
    CHECK(brightest(frame, 60, 90, 200, 60) > 180);
    // The corners are black (allowing a little coding noise).
    CHECK(brightest(frame, 0, 0, 20, 20) < 24);
    CHECK(brightest(frame, 300, 0, 20, 20) < 24);
    CHECK(brightest(frame, 0, 220, 20, 20) < 24);
    CHECK(brightest(frame, 300, 220, 20, 20) < 24);
  }
}

TEST_CASE("text_clock honours --size, --fps and --seconds") {
  framepipe::test::TempDir dir("text-clock");
  const auto file = dir.path() / "small.webm";
  const framepipe::test::RunResult run = run_example(
      "--size 161x121 --fps 30000/1001 --seconds 0.5 --output \"" + file.string() + "\"");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const framepipe::test::DecodedVideo video = framepipe::test::decode_file(file);
  CHECK(video.frames.size() == 15);  // pts 0 .. 14 * 1001/30000 s < 0.5 s
  REQUIRE_FALSE(video.frames.empty());
  CHECK(video.frames.front().size() == framepipe::Size{161, 121});
}

TEST_CASE("text_clock reports bad input clearly and fails") {
  const framepipe::test::RunResult bad_size = run_example("--size 0x240");
  CHECK(bad_size.exit_code != 0);
  CHECK(bad_size.output.find("0x240") != std::string::npos);

  const framepipe::test::RunResult bad_sink = run_example("--sink \"nosuchelement_xyz\"");
  CHECK(bad_sink.exit_code == 1);
  CHECK(bad_sink.output.find("nosuchelement_xyz") != std::string::npos);

  const framepipe::test::RunResult bad_arg = run_example("--frobnicate");
  CHECK(bad_arg.exit_code == 2);
  CHECK(bad_arg.output.find("usage") != std::string::npos);
}

TEST_CASE("text_clock --display without a display fails with a message, not a crash") {
  // No session at all: DISPLAY and WAYLAND_DISPLAY unset.
  const framepipe::test::RunResult none = framepipe::test::run_program(
      "/usr/bin/env", std::string("-u DISPLAY -u WAYLAND_DISPLAY \"") + FRAMEPIPE_TEXT_CLOCK_EXE +
                          "\" --display --seconds 0.2");
  INFO(none.output);
  CHECK(none.exit_code == 1);
  CHECK(none.output.find("neither DISPLAY nor WAYLAND_DISPLAY is set") != std::string::npos);

  // A display nobody serves: whether or not the X11 sinks are installed, it says why and fails.
  const framepipe::test::RunResult unreachable = framepipe::test::run_program(
      "/usr/bin/env", std::string("-u WAYLAND_DISPLAY DISPLAY=:4093 \"") +
                          FRAMEPIPE_TEXT_CLOCK_EXE + "\" --display --seconds 0.2");
  INFO(unreachable.output);
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.output.find("DISPLAY=:4093") != std::string::npos);
}

TEST_CASE("text_clock at 1080p: black stays black and the text reaches full strength") {
  framepipe::test::TempDir dir("text-clock");
  const auto file = dir.path() / "hd.webm";
  const framepipe::test::RunResult run =
      run_example("--size 1920x1080 --seconds 0.5 --output \"" + file.string() + "\"");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  // The default output scales vp8enc's bitrate with the frame (2 Mbit/s at 1080p30).
  CHECK(run.output.find("target-bitrate=2073600") != std::string::npos);
  const framepipe::test::DecodedVideo video = framepipe::test::decode_file(file);
  REQUIRE(video.frames.size() == 15);
  const auto& frame = video.frames.back();
  REQUIRE(frame.size() == framepipe::Size{1920, 1080});
  // decode_file's plain videoconvert is a few levels off in limited range (docs/colour.md);
  // decode_colour_test holds the same output to 3 levels in ffmpeg and a 16-bit videoconvert.
  CHECK(brightest(frame, 0, 0, 200, 200) <= 6);
  CHECK(brightest(frame, 1720, 880, 200, 200) <= 6);
  CHECK(brightest(frame, 0, 400, 1920, 280) >= 249);
}

TEST_CASE("text_clock --audio writes the clock with a beep each second: MKV/Opus and MP4/AAC") {
  if (std::system("ffprobe -version >/dev/null 2>&1") != 0) {
    FRAMEPIPE_SKIP_CASE("ffprobe is not installed");
  }
  for (const char* e : {"x264enc", "opusenc", "avenc_aac", "matroskamux", "mp4mux"}) {
    if (!framepipe::test::have_element(e)) {
      FRAMEPIPE_SKIP_CASE("an encoder or muxer is missing (x264enc, opusenc, avenc_aac)");
    }
  }
  framepipe::test::TempDir dir("text-clock-audio");
  for (const auto& [name, codecs] :
       {std::pair{"clock.mkv", "h264\nopus\n"}, std::pair{"clock.mp4", "h264\naac\n"}}) {
    CAPTURE(name);
    const auto file = dir.path() / name;
    const framepipe::test::RunResult run =
        run_example("--audio --seconds 3 --output \"" + file.string() + "\"");
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    CHECK(run.output.find("90 frames and 144000 audio frames (3.000 s)") != std::string::npos);
    CHECK(framepipe::test::output_of("ffprobe -v error -show_entries stream=codec_name -of "
                                     "csv=p=0 \"" +
                                     file.string() + "\"") == codecs);
  }
  const framepipe::test::RunResult bad = run_example("--audio --display");
  CHECK(bad.exit_code == 2);
}

TEST_CASE("text_clock --audio --subtitles: the clock's text each second, as ffmpeg reads it") {
  if (std::system("ffmpeg -version >/dev/null 2>&1") != 0) {
    FRAMEPIPE_SKIP_CASE("ffmpeg is not installed");
  }
  // MKV: Opus and UTF-8 text; MP4: AAC and tx3g (ffmpeg's mov_text).
  const std::vector<std::pair<const char*, std::vector<const char*>>> cases = {
      {"clock.mkv", {"x264enc", "opusenc", "matroskamux"}},
      {"clock.mp4", {"x264enc", "avenc_aac", "mp4mux"}}};
  for (const auto& [name, elements] : cases) {
    for (const char* e : elements) {
      if (!framepipe::test::have_element(e)) {
        FRAMEPIPE_SKIP_CASE(
            "an encoder or muxer is missing (x264enc, opusenc, avenc_aac, "
            "matroskamux, mp4mux)");
      }
    }
  }
  for (const auto& [name, elements] : cases) {
    CAPTURE(name);
    framepipe::test::TempDir dir("text-clock-subtitles");
    const auto file = dir.path() / name;
    const framepipe::test::RunResult run =
        run_example("--audio --subtitles --seconds 2.5 --output \"" + file.string() + "\"");
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    // -copyts: the file's own times (the Opus track's pre-skip starts the file at -7 ms); -c:s
    // text: the plain text, without the font tags mov_text's style box decodes into.
    CHECK(framepipe::test::output_of("ffmpeg -nostdin -v error -copyts -i \"" + file.string() +
                                     "\" -map 0:s:0 -c:s text -f srt -") ==
          "1\n00:00:00,000 --> 00:00:01,000\n0.000000\n\n"
          "2\n00:00:01,000 --> 00:00:02,000\n1.000000\n\n"
          "3\n00:00:02,000 --> 00:00:02,500\n2.000000\n\n");
  }
  CHECK(run_example("--subtitles --output x.webm").exit_code == 2);
}
