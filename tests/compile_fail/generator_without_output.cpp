// expect: first stage \(generator or lending source\) must declare `static constexpr
// A custom generator that forgot to say which pixel format it draws.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/sinks/null_sink.hpp>

using namespace framepipe;

struct Noise {
  Size size() const { return {8, 8}; }
  void generate(FrameView<PixelFormat::BGR24>, const FrameTime&) {}
};

int main() {
  Pipeline p{Noise{}, NullSink{}};
  p.run({.frames = 1});
}
