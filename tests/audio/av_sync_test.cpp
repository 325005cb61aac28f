// A/V sync, decoded by ffmpeg: a white flash frame and a 10 ms 1 kHz beep at the start of every
// second, 20 s at 30 fps and 48 kHz, written as fast as possible through ONE pipeline with a video
// and an audio appsrc (Writer::write_audio_from beside write), to MKV/Opus and MP4/AAC. ffmpeg
// decodes both; the beep onsets and the flash pts must agree within a frame (33 ms) at 1 s and at
// 20 s: no offset, no drift. Without ffmpeg, or an encoder, the case reports skipped.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "framepipe/audio/beep_generator.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "support/av_sync_analysis.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

using namespace framepipe;

namespace {

constexpr FrameRate kFps{30, 1};
constexpr std::uint32_t kRate = 48000;
constexpr std::uint64_t kSeconds = 20;
constexpr Size kSize{160, 120};

bool have_ffmpeg() {
  return std::system("ffmpeg -version >/dev/null 2>&1") == 0 &&
         std::system("ffprobe -version >/dev/null 2>&1") == 0;
}

/// Writes the flash-and-beep stream through `downstream` (the description after the appsrcs'
/// own branches: "<video branch> ! mux.  <audio branch> ! mux.  <muxer> name=mux ! filesink").
void write_stream(const std::string& description) {
  Frame<PixelFormat::I420> black(kSize);
  Frame<PixelFormat::I420> white(kSize);
  test::fill(black.view(), 16);
  test::fill(white.view(), 235);
  BeepGenerator beeps{{.rate = kRate, .channels = 2, .frequency = 1000.0, .amplitude = 0.5}};
  Writer<PixelFormat::I420, AppSrcSink> w{
      {.size = kSize, .fps = kFps, .audio = AudioSpec{AudioFormat::S16LE, kRate, 2}},
      AppSrcSink::launch(description, {.appsrc_name = "video", .audio_appsrc_name = "audio"})};
  // Frames 0 .. 600: the last one, at 20 s, is a flash too.
  const std::uint64_t frames = kSeconds * 30 + 1;
  for (std::uint64_t i = 0; i < frames; ++i) {
    // The audio up to this frame's end goes first: the muxer has both streams side by side.
    w.write_audio_from(beeps, FrameTime::at(i + 1, kFps).pts);
    w.write(i % 30 == 0 ? white.view() : black.view());
  }
  const Stats s = w.close();
  CHECK(s.frames == frames);
  CHECK(s.dropped == 0);
  CHECK(w.audio_frames() == AudioTime::first_frame_at(FrameTime::at(frames, kFps).pts, kRate));
}

/// The time (s) of the first sample above a quarter of the beep's amplitude in each second
/// (searched from 0.5 s before the second to 0.5 s after); none where no beep is found.
std::map<int, double> beep_onsets(const test::DecodedAudio& audio) {
  std::map<int, double> onsets;
  for (int k = 0; k <= static_cast<int>(kSeconds); ++k) {
    const auto onset = test::beep_onset(audio, kRate, k - 0.5, k + 0.5);
    if (onset) onsets[k] = *onset;
  }
  return onsets;
}

/// ffprobe's start_time of each stream ("video=0.000000 audio=-0.006500").
std::string start_times(const std::string& file) {
  std::string out = test::output_of(
      "ffprobe -v error -show_entries stream=codec_type,start_time -of csv=p=0 \"" + file + "\"");
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

/// The media time (in the stream's time base) where the first edit of the audio stream of `file`
/// starts, as ffmpeg's demuxer reads the edit list (0 when there is none): the priming the file
/// tells a decoder to skip.
std::int64_t audio_edit_media_time(const std::string& file) {
  const std::string index = test::output_of(
      "ffprobe -v error -select_streams a:0 -show_entries stream=index -of csv=p=0 \"" + file +
      "\"");
  const std::string key =
      "Processing st: " + std::to_string(std::atoi(index.c_str())) + ", edit list 0 - media time: ";
  const std::string log = test::output_of("ffprobe -v trace \"" + file + "\" 2>&1");
  const std::size_t at = log.find(key);
  return at == std::string::npos ? 0 : std::atoll(log.c_str() + at + key.size());
}

/// The priming (s) of ffmpeg's AAC encoder, which avenc_aac wraps, as ffmpeg itself reports it:
/// the edit list of a short AAC MP4 that ffmpeg encodes and muxes skips exactly that many
/// samples. Minus what `file`'s own edit list already skips (mp4mux 1.22 writes media time 0:
/// ffmpeg then decodes the priming as sound, and the beeps come late by it).
double aac_priming_not_in(const std::string& file, const test::TempDir& dir) {
  const std::string probe = (dir / "aac-priming.mp4").string();
  const std::string made = test::output_of(
      "ffmpeg -nostdin -v error -y -f lavfi -i anullsrc=r=" + std::to_string(kRate) +
      ":cl=stereo -t 0.2 -c:a aac \"" + probe + "\" 2>&1 && echo made");
  REQUIRE(made.find("made") != std::string::npos);
  const std::int64_t encoder = audio_edit_media_time(probe);
  const std::int64_t recorded = audio_edit_media_time(file);
  MESSAGE("AAC priming: ffmpeg's encoder " << encoder << " samples, recorded in the file "
                                           << recorded << " samples");
  return static_cast<double>(encoder - recorded) / static_cast<double>(kRate);
}

/// With `account_priming`, also subtracts the encoder's priming that the file does not record
/// (aac_priming_not_in()) and checks the offsets it leaves are near 0.
void check_sync(const std::string& name, const std::string& description,
                bool account_priming = false) {
  test::TempDir dir("framepipe-av-sync");
  const std::string file = (dir / name).string();
  std::string d = description;
  d.replace(d.find("FILE"), 4, file);
  write_stream(d);

  const std::vector<double> flashes = test::flash_times(file);
  const test::DecodedAudio audio = test::decode_audio(file, dir, kRate);
  const std::map<int, double> onsets = beep_onsets(audio);
  const double priming = account_priming ? aac_priming_not_in(file, dir) : 0.0;
  MESSAGE(name << ": ffprobe start_time (codec_type,start_time): " << start_times(file)
               << "; first decoded audio pts " << audio.first_pts << " s; " << flashes.size()
               << " flashes, " << onsets.size() << " beeps");
  REQUIRE(flashes.size() == kSeconds + 1);
  std::ostringstream table;
  double worst = 0.0;
  for (int k = 0; k <= static_cast<int>(kSeconds); ++k) {
    const double flash = flashes[static_cast<std::size_t>(k)];
    CHECK(std::abs(flash - k) < 0.001);
    const auto onset = onsets.find(k);
    if (onset == onsets.end()) {
      if (k > 0) CHECK_MESSAGE(false, "no beep found near ", k, " s");
      continue;  // at 0 s the beep may fall in the priming the decoder removes
    }
    const double offset_ms = (onset->second - flash) * 1000.0;
    table << " " << k << "s:" << offset_ms;
    worst = std::max(worst, std::abs(offset_ms));
    if (k == 1 || k == static_cast<int>(kSeconds)) {
      CHECK_MESSAGE(std::abs(offset_ms) <= 33.0, name, " beep - flash at ", k, " s: ", offset_ms,
                    " ms");
      if (account_priming) {
        const double accounted_ms = offset_ms - priming * 1000.0;
        MESSAGE(name << ": at " << k << " s raw offset " << offset_ms
                     << " ms, less the unrecorded priming " << priming * 1000.0
                     << " ms: " << accounted_ms << " ms");
        // Within 2 ms (the MKV/Opus offset is ~0.04 ms): the priming is all there was.
        CHECK_MESSAGE(std::abs(accounted_ms) <= 2.0, name, " beep - flash less priming at ", k,
                      " s: ", accounted_ms, " ms");
      }
    }
  }
  MESSAGE(name << ": beep onset - flash pts (ms) at each second:" << table.str() << "; worst "
               << worst << " ms");
  REQUIRE(onsets.count(1) == 1);
  REQUIRE(onsets.count(static_cast<int>(kSeconds)) == 1);
  // No drift: the offset at 20 s is the offset at 1 s, within 1 ms (an encoder's priming that the
  // container does not record shifts both alike).
  const double drift_ms =
      (onsets.at(static_cast<int>(kSeconds)) - flashes.back() - (onsets.at(1) - flashes[1])) *
      1000.0;
  MESSAGE(name << ": drift from 1 s to 20 s: " << drift_ms << " ms");
  CHECK(std::abs(drift_ms) <= 1.0);
}

// A queue in front of the muxer on each branch: a muxer holds one stream while it waits for the
// other (mp4mux interleaves 250 ms chunks), and the queue takes those buffers off appsrc's hands,
// so the pool grows for them instead of waiting.
const char* const kVideoBranch =
    "appsrc name=video ! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast "
    "key-int-max=30 ! h264parse ! queue ! mux.  ";

}  // namespace

TEST_CASE("A/V sync in MKV with Opus, decoded by ffmpeg: beep and flash within a frame") {
  if (!have_ffmpeg()) FRAMEPIPE_SKIP_CASE("ffmpeg/ffprobe are not installed");
  for (const char* e : {"x264enc", "opusenc", "matroskamux"}) {
    if (!test::have_element(e)) FRAMEPIPE_SKIP_CASE("an element is missing (x264enc, opusenc)");
  }
  check_sync("sync.mkv", std::string(kVideoBranch) +
                             "appsrc name=audio ! audioconvert ! opusenc ! queue ! mux.  "
                             "matroskamux name=mux ! filesink location=\"FILE\"");
}

TEST_CASE("A/V sync in MP4 with AAC, decoded by ffmpeg: beep and flash within a frame") {
  if (!have_ffmpeg()) FRAMEPIPE_SKIP_CASE("ffmpeg/ffprobe are not installed");
  for (const char* e : {"x264enc", "avenc_aac", "mp4mux"}) {
    if (!test::have_element(e)) FRAMEPIPE_SKIP_CASE("an element is missing (x264enc, avenc_aac)");
  }
  check_sync("sync.mp4",
             std::string(kVideoBranch) +
                 "appsrc name=audio ! audioconvert ! avenc_aac ! queue ! mux.  "
                 "mp4mux name=mux ! filesink location=\"FILE\"",
             true);
}
