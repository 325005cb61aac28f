#include "framepipe/core/audio_buffer.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

using namespace framepipe;

TEST_CASE("AudioBuffer owns zeroed, aligned, interleaved frames") {
  AudioBuffer<AudioFormat::S16LE> buffer(480, 2);
  const AudioView<AudioFormat::S16LE> v = buffer.view();
  CHECK(v.frames() == 480);
  CHECK(v.channels() == 2);
  CHECK(v.samples() == 960);
  CHECK(v.bytes() == 1920);
  CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % 64 == 0);
  for (std::size_t i = 0; i < v.samples(); ++i) REQUIRE(v.data()[i] == 0);
  v.at(3, 1) = 7;
  CHECK(v.data()[7] == 7);
  CHECK(v.sub(3, 2).at(0, 1) == 7);
  CHECK(v.sub(3, 2).frames() == 2);
  CHECK_THROWS_AS(v.sub(479, 2), InvalidArgument);
  CHECK(AudioBuffer<AudioFormat::F32LE>(0, 1).view().empty());
  CHECK_THROWS_AS(AudioBuffer<AudioFormat::F32LE>(4, 0), InvalidArgument);
}

TEST_CASE("AudioView::wrap refuses part of a sample or of a frame") {
  alignas(4) std::array<std::uint8_t, 64> bytes{};
  const auto v = AudioView<AudioFormat::F32LE>::wrap(bytes.data(), 24, 3);
  CHECK(v.frames() == 2);
  CHECK_THROWS_WITH_AS(AudioView<AudioFormat::F32LE>::wrap(bytes.data(), 6, 1),
                       doctest::Contains("not a whole number"), InvalidArgument);  // 1.5 samples
  CHECK_THROWS_AS(AudioView<AudioFormat::S16LE>::wrap(bytes.data(), 6, 2),
                  InvalidArgument);  // 1.5 frames, 3 whole samples
  CHECK_THROWS_AS(AudioView<AudioFormat::S16LE>::wrap(bytes.data(), 8, 0), InvalidArgument);
  CHECK_THROWS_AS(AudioView<AudioFormat::S16LE>(nullptr, 4, 2), InvalidArgument);
  CHECK_NOTHROW(AudioView<AudioFormat::S16LE>(nullptr, 0, 2));
}
