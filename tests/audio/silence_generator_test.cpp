#include "framepipe/audio/silence_generator.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("SilenceGenerator writes zeros over whatever was there") {
  SilenceGenerator<AudioFormat::F32LE> gen{{.rate = 44100, .channels = 3}};
  CHECK(gen.audio_spec() == AudioSpec{AudioFormat::F32LE, 44100, 3});
  AudioBuffer<AudioFormat::F32LE> buffer(10, 3);
  for (std::size_t i = 0; i < buffer.view().samples(); ++i) buffer.view().data()[i] = 0.25f;
  gen.generate(buffer.view(), AudioTime::at(0, 10, 44100));
  for (std::size_t i = 0; i < buffer.view().samples(); ++i) REQUIRE(buffer.view().data()[i] == 0);
  CHECK_THROWS_AS(SilenceGenerator<>({.rate = 0}), InvalidArgument);
}
