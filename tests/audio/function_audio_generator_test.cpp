#include "framepipe/audio/function_audio_generator.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace framepipe;

TEST_CASE("FunctionAudioGenerator calls its function with the buffer and its time") {
  std::uint64_t seen_offset = 0;
  FunctionAudioGenerator<> gen{{AudioFormat::S16LE, 16000, 1},
                               [&](AudioView<AudioFormat::S16LE> v, const AudioTime& t) {
                                 seen_offset = t.offset;
                                 for (std::size_t i = 0; i < v.frames(); ++i) {
                                   v.at(i, 0) = static_cast<std::int16_t>(t.offset + i);
                                 }
                               }};
  AudioBuffer<AudioFormat::S16LE> buffer(4, 1);
  gen.generate(buffer.view(), AudioTime::at(100, 4, 16000));
  CHECK(seen_offset == 100);
  CHECK(buffer.view().at(3, 0) == 103);
  CHECK_THROWS_AS(FunctionAudioGenerator<>({AudioFormat::F32LE, 16000, 1}, [](auto, auto&) {}),
                  InvalidArgument);
  CHECK_THROWS_AS(FunctionAudioGenerator<>({AudioFormat::S16LE, 16000, 1}, {}), InvalidArgument);
  CHECK_THROWS_AS(FunctionAudioGenerator<>({AudioFormat::S16LE, 0, 1}, [](auto, auto&) {}),
                  InvalidArgument);
}
