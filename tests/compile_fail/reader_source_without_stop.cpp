// expect: SourceReader: the source must have `void stop\(\)`
// SourceReader checks its source trait by trait, as Pipeline does: one line for the missing part.
#include <framepipe/core/source.hpp>
#include <framepipe/core/source_reader.hpp>
#include <optional>

using namespace framepipe;

struct Camera {
  static constexpr PixelFormat output = PixelFormat::NV12;
  StreamSpec start() { return {}; }
  std::optional<LentFrame<output>> next() { return std::nullopt; }
};

int main() {
  SourceReader reader{Camera{}};
  (void)reader.read();
}
