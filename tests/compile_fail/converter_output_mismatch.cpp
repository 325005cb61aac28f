// expect: a stage's output format is not an input format of the next stage
// expect: framepipe::I420Packer, (framepipe::)?PixelFormat::I420,
// expect: , framepipe::CallbackSink<(framepipe::)?PixelFormat::BGR24>
// The packer makes I420; a sink of BGR24 frames after it is a mismatch in the middle of a chain.
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/callback_sink.hpp>

using namespace framepipe;

int main() {
  Pipeline p{
      TestPatternGenerator{{.size = {8, 8}}}, I420Packer{},
      CallbackSink<PixelFormat::BGR24>{[](FrameView<PixelFormat::BGR24>, const FrameTime&) {}}};
  p.run({.frames = 1});
}
