// expect: a converter must have `void convert\(FrameView<input>, FrameView<output>\)`
// A custom converter whose convert() takes its frames the other way round (output first).
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct Grayscale {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  static constexpr PixelFormat output = PixelFormat::GRAY8;
  void convert(FrameView<output>, FrameView<input>) {}
};

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, Grayscale{}, NullSink{}};
  p.run({.frames = 1});
}
