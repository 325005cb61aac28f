// expect: first stage \(generator\) must have `Size size\(\) const`
// A custom generator that does not report its frame size: the pipeline cannot size its frames.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct Noise {
  static constexpr PixelFormat output = PixelFormat::BGR24;
  void generate(FrameView<output>, const FrameTime&) {}
};

int main() {
  Pipeline p{Noise{}, NullSink{}};
  p.run({.frames = 1});
}
