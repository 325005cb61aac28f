// The example at the top of README.md is the API users copy: it must compile and
// run exactly as written.
#include <doctest/doctest.h>

#include <filesystem>
#include <framepipe/framepipe.hpp>

#include "support/gst_test_support.hpp"

namespace {

/// Runs the snippet verbatim (inside a function, as a user's main would).
framepipe::Stats design_example() {
  using namespace framepipe;
  Pipeline<TextClockGenerator, I420Packer, AppSrcSink> p{
      TextClockGenerator{{.size = {320, 240}}}, I420Packer{},
      AppSrcSink{"videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=clock.webm"}};
  Stats s = p.run({.frames = 150, .fps = {30, 1}});  // sends EOS, waits for it, returns counters
  return s;
}

}  // namespace

TEST_CASE("The design's clock example compiles and runs as written") {
  framepipe::test::TempDir dir("design-example");
  const std::filesystem::path previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());  // the snippet writes clock.webm where it runs
  framepipe::Stats stats;
  try {
    stats = design_example();
  } catch (...) {
    std::filesystem::current_path(previous);
    throw;
  }
  std::filesystem::current_path(previous);

  CHECK(stats.frames == 150);
  CHECK(stats.bytes ==
        150 * framepipe::default_layout(framepipe::PixelFormat::I420, {320, 240}).size);
  const auto video = framepipe::test::decode_file(dir.path() / "clock.webm");
  CHECK(video.frames.size() == 150);
}
