// expect: first stage \(generator\) must have
// expect: `void generate\(FrameView<output>, const FrameTime&\)`
// A custom generator whose generate() takes a frame of another format than the one it declares.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct Noise {
  static constexpr PixelFormat output = PixelFormat::BGR24;
  Size size() const { return {8, 8}; }
  void generate(FrameView<PixelFormat::RGB24>, const FrameTime&) {}
};

int main() {
  Pipeline p{Noise{}, NullSink{}};
  p.run({.frames = 1});
}
