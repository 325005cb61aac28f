// expect: first stage \(lending source\) must have `void stop\(\)`
// A custom lending source that cannot end its stream.
#include <framepipe/core/pipeline.hpp>
#include <framepipe/core/source.hpp>
#include <framepipe/sinks/null_sink.hpp>
#include <optional>

using namespace framepipe;

struct Camera {
  static constexpr PixelFormat output = PixelFormat::NV12;
  StreamSpec start() { return {}; }
  std::optional<LentFrame<output>> next() { return std::nullopt; }
};

int main() {
  Pipeline p{Camera{}, NullSink{}};
  p.run({});
}
