// Runs the reader example as a user would: on a file and on a --source description, with --show.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "support/gst_test_support.hpp"
#include "support/run_program.hpp"

#ifndef FRAMEPIPE_READER_EXE
#  error "FRAMEPIPE_READER_EXE must name the reader example binary"
#endif

TEST_CASE("reader prints count, size, colour and rate, and writes the PNG of frame N") {
  framepipe::test::TempDir dir("reader-example");
  const std::string input = (dir.path() / "in.mkv").string();
  // x264-free and exact: raw I420 in Matroska, BT.709 full range stated in the caps.
  REQUIRE(std::system(("gst-launch-1.0 -q videotestsrc num-buffers=12 pattern=smpte ! "
                       "video/x-raw,format=I420,width=320,height=240,framerate=25/1,"
                       "colorimetry=1:3:5:1,chroma-site=jpeg ! matroskamux ! filesink location=\"" +
                       input + "\"")
                          .c_str()) == 0);
  const std::string png = (dir.path() / "frame7.png").string();
  const framepipe::test::RunResult run = framepipe::test::run_program(
      FRAMEPIPE_READER_EXE, "\"" + input + "\" --show 7 \"" + png + "\"");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("size: 320x240") != std::string::npos);
  CHECK(run.output.find("fps: 25/1") != std::string::npos);
  CHECK(run.output.find("colour: BT.709 full range, chroma site jpeg (centre)") !=
        std::string::npos);
  CHECK(run.output.find("frames: 12 ") != std::string::npos);
  CHECK(run.output.find("frame 7 (pts 0.280 s) written to") != std::string::npos);
  std::ifstream file(png, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(file), {}};
  REQUIRE(bytes.size() > 100);
  CHECK(bytes.substr(1, 3) == "PNG");
}

TEST_CASE("reader takes a --source description, and fails clearly on a bad one") {
  const framepipe::test::RunResult run = framepipe::test::run_program(
      FRAMEPIPE_READER_EXE,
      "--source \"videotestsrc num-buffers=5 ! video/x-raw,width=64,height=48,framerate=10/1\"");
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK(run.output.find("size: 64x48") != std::string::npos);
  CHECK(run.output.find("frames: 5 ") != std::string::npos);
  const framepipe::test::RunResult bad =
      framepipe::test::run_program(FRAMEPIPE_READER_EXE, "--source \"framepipe_no_such_element\"");
  CHECK(bad.exit_code == 1);
  CHECK(bad.output.find("framepipe_no_such_element") != std::string::npos);
  const framepipe::test::RunResult no_frame = framepipe::test::run_program(
      FRAMEPIPE_READER_EXE, "--source \"videotestsrc num-buffers=3\" --show 9 x.png");
  CHECK(no_frame.exit_code == 1);
  CHECK(no_frame.output.find("has no frame 9 (it has 3)") != std::string::npos);
}
