// expect: write_audio_from needs an AudioGenerator
// A would-be audio generator that states no AudioSpec.
#include <framepipe/core/audio_stage.hpp>
#include <framepipe/core/writer.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct Hum {
  static constexpr AudioFormat output = AudioFormat::S16LE;
  void generate(AudioView<output>, const AudioTime&) {}
};

int main() {
  Writer<PixelFormat::I420, NullSink> w{{.size = {8, 8}}, NullSink{}};
  Hum hum;
  w.write_audio_from(hum, 1'000'000'000);
}
