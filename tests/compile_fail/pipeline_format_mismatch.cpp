// expect: a stage's output format is not an input format of the next stage
// expect: TestPatternGenerator, (framepipe::)?PixelFormat::BGR24,
// expect: , framepipe::CallbackSink<(framepipe::)?PixelFormat::I420>
// A generator of BGR24 frames cannot feed a sink that takes I420: the one diagnostic names the
// producer, its output format, the consumer and the format the consumer takes.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/callback_sink.hpp>

using namespace framepipe;

int main() {
  Pipeline p{
      TestPatternGenerator{{.size = {8, 8}}},
      CallbackSink<PixelFormat::I420>{[](FrameView<PixelFormat::I420>, const FrameTime&) {}}};
  p.run({.frames = 1});
}
