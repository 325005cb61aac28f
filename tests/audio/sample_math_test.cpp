#include "framepipe/audio/sample_math.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("sample_of scales, rounds and clamps") {
  CHECK(detail::sample_of<AudioFormat::S16LE>(1.0) == 32767);
  CHECK(detail::sample_of<AudioFormat::S16LE>(-2.0) == -32767);
  CHECK(detail::sample_of<AudioFormat::S16LE>(0.5) == 16384);
  CHECK(detail::sample_of<AudioFormat::F32LE>(0.25) == 0.25f);
  CHECK(detail::sample_of<AudioFormat::F32LE>(3.0) == 1.0f);
}

TEST_CASE("sine_at reduces the phase exactly, so it is periodic however far in") {
  CHECK(detail::sine_at(12, 1000.0, 48000) == doctest::Approx(1.0));
  CHECK(detail::sine_at(1'728'000'000 + 12, 1000.0, 48000) == detail::sine_at(12, 1000.0, 48000));
  CHECK(detail::sine_at(11, 441.0, 44100) == detail::sine_at(44100 * 3600ull + 11, 441.0, 44100));
}
