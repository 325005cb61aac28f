// expect: last stage \(sink\) must declare its input format: `static constexpr PixelFormat input`
// A custom sink that lends frames but does not say which format it takes (not a Sink).
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>

using namespace framepipe;

struct NoInputSink {
  Frame<PixelFormat::BGR24> frame{Size{8, 8}};
  FrameView<PixelFormat::BGR24> acquire() { return frame.view(); }
  void submit(const FrameTime&) {}
  void finish() {}
};
static_assert(!Sink<NoInputSink>);

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, NoInputSink{}};
  p.run({.frames = 1});
}
