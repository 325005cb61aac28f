// expect: last stage \(sink\) must have `void submit\(const FrameTime&\)`
// A custom sink that never takes a filled frame back.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>

using namespace framepipe;

struct Counter {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  Frame<input> frame{Size{8, 8}};
  int frames = 0;
  FrameView<input> acquire() { return frame.view(); }
  void finish() {}
};

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, Counter{}};
  p.run({.frames = 1});
}
