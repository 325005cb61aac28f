// expect: the sink must be an AudioSink of its format
// A first stage that carries audio, into a sink that takes only video.
#include <framepipe/audio/beep_generator.hpp>
#include <framepipe/audio/with_audio.hpp>
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

int main() {
  Pipeline p{WithAudio{TestPatternGenerator{{.size = {8, 8}}}, BeepGenerator{}}, NullSink{}};
  p.run({.frames = 1});
}
