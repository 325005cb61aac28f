// expect: last stage \(sink\) must have `FrameView<input> acquire\(\)`
// A custom sink that has no frame to lend: the last stage has nowhere to write.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>

using namespace framepipe;

struct Counter {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  Frame<input> frame{Size{8, 8}};
  int frames = 0;
  void submit(const FrameTime&) { ++frames; }
  void finish() {}
};

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, Counter{}};
  p.run({.frames = 1});
}
