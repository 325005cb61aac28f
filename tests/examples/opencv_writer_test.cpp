// Runs the opencv_writer example as a user would: both writers must produce the same file.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "framepipe/core/frame_time.hpp"
#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

#ifndef FRAMEPIPE_OPENCV_WRITER_EXE
#  error "FRAMEPIPE_OPENCV_WRITER_EXE must name the opencv_writer example binary"
#endif

TEST_CASE("opencv_writer writes the same video through cv::VideoWriter and framepipe") {
  framepipe::test::TempDir dir("opencv-writer");
  const framepipe::test::RunResult run = framepipe::test::run_program(
      FRAMEPIPE_OPENCV_WRITER_EXE,
      "--frames 24 --size 320x180 --output-dir \"" + dir.path().string() + "\"");
  const std::string& output = run.output;
  INFO(output);
  REQUIRE(run.exit_code == 0);
  CHECK(output.find("videowriter") != std::string::npos);
  CHECK(output.find("framepipe") != std::string::npos);
  CHECK(output.find("frames/s") != std::string::npos);
  CHECK(output.find("peak memory") != std::string::npos);

  const auto ours = framepipe::test::decode_file(dir.path() / "framepipe.webm");
  const auto theirs = framepipe::test::decode_file(dir.path() / "videowriter.webm");
  REQUIRE(ours.frames.size() == 24);
  REQUIRE(theirs.frames.size() == 24);
  CHECK(ours.frames[0].size() == framepipe::Size{320, 180});
  // framepipe's timestamps are the exact frame times (to WebM's millisecond).
  const std::uint64_t exact = framepipe::FrameTime::at(23, {30, 1}).pts;
  CHECK((ours.pts[23] > exact ? ours.pts[23] - exact : exact - ours.pts[23]) <= 1'000'000);
  // The same drawing went into both: the ball's centre pixel is orange in both (BGR 0,200,255
  // through lossy VP8), on the dark background.
  for (const auto* video : {&ours, &theirs}) {
    const std::uint8_t* centre = video->frames[0].view().row(0, 90) + 3 * 40;
    CHECK(centre[2] > 200);  // R
    CHECK(centre[0] < 60);   // B
  }
}
