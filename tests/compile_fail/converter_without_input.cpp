// expect: a converter must declare its input format: `static constexpr PixelFormat input`
// A custom converter that says what it makes but not what it takes.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct Grayscale {
  static constexpr PixelFormat output = PixelFormat::GRAY8;
  void convert(FrameView<PixelFormat::BGR24>, FrameView<output>) {}
};

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, Grayscale{}, NullSink{}};
  p.run({.frames = 1});
}
