// expect: a converter must have `void convert\(FrameView<input>, FrameView<output>\)`
// expect: ConverterRole<1, (struct )?SecondConverter>
// Three converters, the second one without convert(): the diagnostic names it (index 1), not
// just "a converter".
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct FirstConverter {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  static constexpr PixelFormat output = PixelFormat::BGR24;
  void convert(FrameView<input>, FrameView<output>) {}
};

struct SecondConverter {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  static constexpr PixelFormat output = PixelFormat::BGR24;
  void convert(FrameView<PixelFormat::GRAY8>, FrameView<output>) {}
};

struct ThirdConverter {
  static constexpr PixelFormat input = PixelFormat::BGR24;
  static constexpr PixelFormat output = PixelFormat::BGR24;
  void convert(FrameView<input>, FrameView<output>) {}
};

int main() {
  Pipeline p{TestPatternGenerator{{.size = {8, 8}}}, FirstConverter{}, SecondConverter{},
             ThirdConverter{}, NullSink{}};
  p.run({.frames = 1});
}
