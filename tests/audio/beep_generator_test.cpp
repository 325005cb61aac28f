#include "framepipe/audio/beep_generator.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace framepipe;

namespace {

/// The frames of `view` that are not silent.
template <AudioFormat F>
std::vector<std::uint64_t> loud_frames(AudioView<F> view, std::uint64_t offset) {
  std::vector<std::uint64_t> loud;
  for (std::size_t i = 0; i < view.frames(); ++i) {
    if (view.at(i, 0) != 0) loud.push_back(offset + i);
  }
  return loud;
}

}  // namespace

TEST_CASE("BeepGenerator: 10 ms of 1 kHz at the start of every second, silence between") {
  BeepGenerator gen{{.rate = 48000, .channels = 1}};
  AudioBuffer<AudioFormat::S16LE> buffer(3 * 48000, 1);
  gen.generate(buffer.view(), AudioTime::at(0, 3 * 48000, 48000));
  const auto loud = loud_frames(buffer.view(), 0);
  REQUIRE(!loud.empty());
  // Each beep: 480 frames from the second's first frame; the sine's zeros every 24 frames are
  // silent samples within it.
  for (std::uint64_t f : loud) {
    const std::uint64_t in_second = f % 48000;
    REQUIRE(in_second < 480);
  }
  CHECK(loud.front() == 1);  // frame 0 is sin(0)
  CHECK(buffer.view().at(12, 0) == 16384);
  CHECK(buffer.view().at(48000 + 12, 0) == 16384);        // each beep starts at phase 0
  CHECK(buffer.view().at(2 * 48000 + 468, 0) == -16384);  // 9.75 periods in: the trough
  CHECK(buffer.view().at(480, 0) == 0);
}

TEST_CASE("BeepGenerator: beeps at 44.1 kHz stay on the second after 10 hours") {
  BeepGenerator gen{{.rate = 44100, .channels = 2}};
  const std::uint64_t second = 36'000;  // 10 h
  const std::uint64_t first = second * 44100;
  AudioBuffer<AudioFormat::S16LE> buffer(1000, 2);
  gen.generate(buffer.view(), AudioTime::at(first - 500, 1000, 44100));
  CHECK(loud_frames(buffer.view(), first - 500).front() == first + 1);
  CHECK(buffer.view().at(500 + 11, 1) != 0);
  CHECK(buffer.view().at(499, 1) == 0);
  // 441 frames (10 ms) of beep, then silence.
  CHECK(loud_frames(buffer.view(), first - 500).back() < first + 441);
}

TEST_CASE("BeepGenerator: beeps at set times, no period") {
  BeepGenerator<AudioFormat::F32LE> gen{{.rate = 1000,
                                         .channels = 1,
                                         .frequency = 250.0,
                                         .amplitude = 1.0,
                                         .length_ns = 4'000'000,
                                         .period_ns = 0,
                                         .at_ns = {7'500'000, 2'000'000}}};
  AudioBuffer<AudioFormat::F32LE> buffer(20, 1);
  gen.generate(buffer.view(), AudioTime::at(0, 20, 1000));
  // 2 ms: frames 2..5; 7.5 ms: frames 8..11 (the first frame at or after 7.5 ms is 8).
  CHECK(buffer.view().at(3, 0) == doctest::Approx(1.0));
  CHECK(buffer.view().at(5, 0) == doctest::Approx(-1.0));
  CHECK(buffer.view().at(6, 0) == 0.0f);
  CHECK(buffer.view().at(9, 0) == doctest::Approx(1.0));
  CHECK(buffer.view().at(12, 0) == 0.0f);
  CHECK(gen.beep_start(0) == BeepGenerator<AudioFormat::F32LE>::kNone);
  CHECK(gen.beep_start(10) == 8);
  CHECK_THROWS_AS(BeepGenerator<>({.length_ns = 0}), InvalidArgument);
  CHECK_THROWS_AS(BeepGenerator<>({.rate = 0}), InvalidArgument);
}
