// expect: a converter must declare its output format: `static constexpr PixelFormat output`
// A custom converter that says what it takes but not what it makes.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct Grayscale {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  void convert(FrameView<input>, FrameView<PixelFormat::GRAY8>) {}
};

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, Grayscale{}, NullSink{}};
  p.run({.frames = 1});
}
