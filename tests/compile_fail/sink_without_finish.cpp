// expect: last stage \(sink\) must have `void finish\(\)`
// A custom sink that cannot end the stream.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>

using namespace framepipe;

struct Counter {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  Frame<input> frame{Size{8, 8}};
  int frames = 0;
  FrameView<input> acquire() { return frame.view(); }
  void submit(const FrameTime&) { ++frames; }
};

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, Counter{}};
  p.run({.frames = 1});
}
