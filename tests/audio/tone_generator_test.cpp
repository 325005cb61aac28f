#include "framepipe/audio/tone_generator.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

using namespace framepipe;

TEST_CASE("ToneGenerator: a sine whose phase comes from the frame number") {
  ToneGenerator gen{{.rate = 48000, .channels = 2, .frequency = 1000.0, .amplitude = 0.5}};
  CHECK(gen.audio_spec() == AudioSpec{AudioFormat::S16LE, 48000, 2});
  AudioBuffer<AudioFormat::S16LE> whole(96, 2);
  gen.generate(whole.view(), AudioTime::at(0, 96, 48000));
  // 1 kHz at 48 kHz: 48 frames per period; frame 12 is the crest, 24 a zero, 36 the trough.
  CHECK(whole.view().at(0, 0) == 0);
  CHECK(whole.view().at(12, 0) == 16384);  // round(0.5 * 32767)
  CHECK(whole.view().at(12, 1) == 16384);
  CHECK(std::abs(whole.view().at(24, 0)) <= 1);
  CHECK(whole.view().at(36, 1) == -16384);
  // Generated in two pieces, the samples are the same: buffers join without a click.
  AudioBuffer<AudioFormat::S16LE> a(50, 2);
  AudioBuffer<AudioFormat::S16LE> b(46, 2);
  gen.generate(a.view(), AudioTime::at(0, 50, 48000));
  gen.generate(b.view(), AudioTime::at(50, 46, 48000));
  for (std::size_t i = 0; i < 96; ++i) {
    const auto expected = whole.view().at(i, 0);
    REQUIRE((i < 50 ? a.view().at(i, 0) : b.view().at(i - 50, 0)) == expected);
  }
}

TEST_CASE("ToneGenerator: F32LE and bad options") {
  ToneGenerator<AudioFormat::F32LE> gen{
      {.rate = 8000, .channels = 1, .frequency = 1000.0, .amplitude = 1.0}};
  AudioBuffer<AudioFormat::F32LE> buffer(8, 1);
  gen.generate(buffer.view(), AudioTime::at(80'000, 8, 8000));  // 10 s in: same phase as at 0
  CHECK(buffer.view().at(2, 0) == doctest::Approx(1.0));
  CHECK(buffer.view().at(6, 0) == doctest::Approx(-1.0));
  CHECK_THROWS_AS(ToneGenerator<>({.rate = 0}), InvalidArgument);
  CHECK_THROWS_AS(ToneGenerator<>({.channels = 0}), InvalidArgument);
  CHECK_THROWS_AS(ToneGenerator<>({.rate = 8000, .frequency = 4000.0}), InvalidArgument);
  CHECK_THROWS_AS(ToneGenerator<>({.amplitude = 1.5}), InvalidArgument);
}
