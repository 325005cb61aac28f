#include "framepipe/core/audio_format.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("audio formats: names, GStreamer names and sample sizes, one row each") {
  CHECK(audio_format_name(AudioFormat::S16LE) == "S16LE");
  CHECK(audio_format_info(AudioFormat::F32LE).gst_name == "F32LE");
  CHECK(audio_format_info(AudioFormat::S16LE).sample_bytes == 2);
  CHECK(audio_format_info(AudioFormat::F32LE).sample_bytes == 4);
  CHECK(audio_format_name(static_cast<AudioFormat>(9)) == "?");
}

TEST_CASE("AudioSpec: frame size, text, checks") {
  const AudioSpec spec{AudioFormat::F32LE, 44100, 6};
  CHECK(spec.frame_bytes() == 24);
  CHECK(to_string(spec) == "F32LE 44100 Hz 6 ch");
  CHECK_NOTHROW(check_audio_spec(spec));
  CHECK_NOTHROW(check_audio_spec({AudioFormat::S16LE, 1, kMaxAudioChannels}));
  CHECK_THROWS_AS(check_audio_spec({AudioFormat::S16LE, 0, 2}), InvalidArgument);
  CHECK_THROWS_WITH_AS(check_audio_spec({AudioFormat::S16LE, 0, 2}), doctest::Contains("rate 0"),
                       InvalidArgument);
  CHECK_THROWS_AS(check_audio_spec({AudioFormat::S16LE, 48000, 0}), InvalidArgument);
  CHECK_THROWS_AS(check_audio_spec({AudioFormat::S16LE, 48000, kMaxAudioChannels + 1}),
                  InvalidArgument);
  CHECK_THROWS_AS(check_audio_spec({static_cast<AudioFormat>(7), 48000, 2}), InvalidArgument);
}
