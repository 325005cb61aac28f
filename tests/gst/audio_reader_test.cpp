#include "framepipe/gst/audio_reader.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "framepipe/audio/tone_generator.hpp"
#include "framepipe/core/audio_feed.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "support/case_skip.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;

namespace {

/// Writes `seconds` of a 48 kHz stereo tone through AppSrcSink into `description`.
void write_tone(const std::string& description, std::uint64_t seconds) {
  AppSrcSink sink{description};
  ToneGenerator tone{{.rate = 48000, .channels = 2, .frequency = 440.0}};
  detail::AudioFeed<AppSrcSink> feed;
  feed.start(sink, tone.audio_spec(), Pacing::AsFastAsPossible);
  feed.draw_until(sink, tone, seconds * kNanosPerSecond);
  sink.finish();
}

}  // namespace

TEST_CASE("AudioReader reads a WAV back sample for sample, with exact pts") {
  test::TempDir dir("audio-reader");
  const std::string file = (dir / "tone.wav").string();
  write_tone("wavenc ! filesink location=\"" + file + "\"", 2);
  AudioBuffer<AudioFormat::S16LE> expected(2 * 48000, 2);
  ToneGenerator{{.rate = 48000, .channels = 2, .frequency = 440.0}}.generate(
      expected.view(), AudioTime::at(0, 2 * 48000, 48000));

  AudioReader<AudioFormat::S16LE> reader{file};
  std::uint64_t frames = 0;
  std::size_t chunks = 0;
  while (auto chunk = reader.read()) {
    ++chunks;
    CHECK(chunk->spec == AudioSpec{AudioFormat::S16LE, 48000, 2});
    REQUIRE(chunk->samples.channels() == 2);
    CHECK(chunk->pts == AudioTime::pts_of(frames, 48000));
    for (std::size_t i = 0; i < chunk->samples.samples(); ++i) {
      REQUIRE(chunk->samples.data()[i] == expected.view().data()[frames * 2 + i]);
    }
    frames += chunk->samples.frames();
  }
  CHECK(chunks > 1);
  CHECK(frames == 2 * 48000);
  CHECK_FALSE(reader.read());  // the end stays the end
}

TEST_CASE("AudioReader converts rate, channels and format on request") {
  test::TempDir dir("audio-reader");
  const std::string file = (dir / "tone.wav").string();
  write_tone("wavenc ! filesink location=\"" + file + "\"", 1);
  AudioReader<AudioFormat::F32LE> reader{file, {.rate = 16000, .channels = 1}};
  std::uint64_t frames = 0;
  while (auto chunk = reader.read()) {
    CHECK(chunk->spec == AudioSpec{AudioFormat::F32LE, 16000, 1});
    frames += chunk->samples.frames();
  }
  CHECK(frames >= 15990);  // audioresample's edges may shift a few frames
  CHECK(frames <= 16010);
}

TEST_CASE("AudioReader reads the audio beside the video of a file") {
  if (!test::have_element("opusenc") || !test::have_element("matroskamux")) {
    FRAMEPIPE_SKIP_CASE("opusenc or matroskamux is missing");
  }
  test::TempDir dir("audio-reader");
  const std::string file = (dir / "av.mkv").string();
  {
    Frame<PixelFormat::I420> frame({64, 48});
    ToneGenerator tone{{.rate = 48000, .channels = 2}};
    Writer<PixelFormat::I420, AppSrcSink> w{
        {.size = {64, 48}, .fps = {30, 1}, .audio = tone.audio_spec()},
        AppSrcSink::launch("appsrc name=video ! videoconvert ! vp8enc deadline=1 ! queue ! mux.  "
                           "appsrc name=audio ! audioconvert ! opusenc ! queue ! mux.  "
                           "matroskamux name=mux ! filesink location=\"" +
                               file + "\"",
                           {.appsrc_name = "video", .audio_appsrc_name = "audio"})};
    for (std::uint64_t i = 0; i < 30; ++i) {
      w.write_audio_from(tone, FrameTime::at(i + 1, {30, 1}).pts);
      w.write(frame.view());
    }
  }
  AudioReader<> reader{file};
  std::uint64_t frames = 0;
  std::uint64_t last_end = 0;
  while (auto chunk = reader.read()) {
    frames += chunk->samples.frames();
    last_end = chunk->pts + chunk->duration;
  }
  // One second of audio, give or take Opus's 20 ms frames at the ends.
  CHECK(frames >= 47000);
  CHECK(frames <= 49000);
  CHECK(last_end >= 980'000'000);
  CHECK(last_end <= 1'030'000'000);
}

TEST_CASE("AudioReader reports a missing file as a StreamError, and bad options at once") {
  test::TempDir dir("audio-reader");
  CHECK_THROWS_AS(
      [&] {
        AudioReader<> reader{(dir / "missing.wav").string()};
        while (reader.read()) {
        }
      }(),
      StreamError);
  CHECK_THROWS_AS(AudioReader<>(""), InvalidArgument);
  CHECK_THROWS_AS(AudioReader<>("x.wav", {.channels = -1}), InvalidArgument);
}
