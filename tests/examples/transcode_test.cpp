// Runs the transcode example as a user would: every frame comes out, re-encoded, with the overlay.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

#ifndef FRAMEPIPE_TRANSCODE_EXE
#  error "FRAMEPIPE_TRANSCODE_EXE must name the transcode example binary"
#endif

TEST_CASE("transcode re-encodes every frame with the text drawn on it") {
  framepipe::test::TempDir dir("transcode-example");
  const auto input = dir.path() / "in.webm";
  const auto output = dir.path() / "out.webm";
  // Black frames: the overlay's white text is all that is bright in the output.
  REQUIRE(std::system(("gst-launch-1.0 -q videotestsrc num-buffers=20 pattern=black ! "
                       "video/x-raw,width=320,height=240,framerate=30/1 ! vp8enc deadline=1 ! "
                       "webmmux ! filesink location=\"" +
                       input.string() + "\"")
                          .c_str()) == 0);
  std::string args(1, '"');  // appended piecewise: GCC 12 misreads "x" + s (-Wrestrict)
  args += input.string();
  args += "\" \"";
  args += output.string();
  args += '"';
  const framepipe::test::RunResult run =
      framepipe::test::run_program(FRAMEPIPE_TRANSCODE_EXE, args);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("transcoded 20 frames") != std::string::npos);
  const framepipe::test::DecodedVideo in = framepipe::test::decode_file(input);
  const framepipe::test::DecodedVideo out = framepipe::test::decode_file(output);
  REQUIRE(out.frames.size() == 20);
  CHECK(out.frames[0].size() == framepipe::Size{320, 240});
  for (std::size_t f = 0; f < out.frames.size(); f += 7) {
    CAPTURE(f);
    CHECK(out.pts[f] == in.pts[f]);
    // The text sits in the top band; below it the frame stays black.
    int bright_top = 0, bright_bottom = 0;
    const auto v = out.frames[f].view();
    for (int y = 0; y < 240; ++y) {
      for (int x = 0; x < 320; ++x) {
        const bool bright = v.row(0, y)[3 * x + 1] > 180;
        (y < 48 ? bright_top : bright_bottom) += bright ? 1 : 0;
      }
    }
    CHECK(bright_top > 200);
    CHECK(bright_bottom < 20);
  }
}
