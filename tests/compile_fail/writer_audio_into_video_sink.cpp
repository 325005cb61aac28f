// expect: the sink must be an AudioSink
// write_audio into a sink that takes only video.
#include <framepipe/core/audio_buffer.hpp>
#include <framepipe/core/writer.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

int main() {
  Writer<PixelFormat::I420, NullSink> w{{.size = {8, 8}}, NullSink{}};
  AudioBuffer<AudioFormat::S16LE> samples(16, 2);
  w.write_audio(samples.view());
}
