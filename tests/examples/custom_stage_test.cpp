// Runs the custom_stage example as a user would: what it prints, and the raw I420 file it writes.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/run_program.hpp"

#ifndef FRAMEPIPE_CUSTOM_STAGE_EXE
#  error "FRAMEPIPE_CUSTOM_STAGE_EXE must name the custom_stage example binary"
#endif

namespace {

framepipe::test::RunResult run_example(const std::string& args) {
  return framepipe::test::run_program(FRAMEPIPE_CUSTOM_STAGE_EXE, args);
}

std::filesystem::path temp_dir() {
  const char* dir = std::getenv("FRAMEPIPE_TEST_TMPDIR");
  return dir != nullptr ? std::filesystem::path(dir) : std::filesystem::temp_directory_path();
}

}  // namespace

TEST_CASE("custom_stage runs its four pipelines and writes 25 raw I420 frames") {
  const std::filesystem::path out = temp_dir() / "custom_stage_test.i420";
  std::filesystem::remove(out);
  // Appended piece by piece: g++ 12's -Wrestrict misfires on "\"" + std::string&&.
  std::string quoted = "\"";
  quoted += out.string();
  quoted += '"';
  const framepipe::test::RunResult r = run_example(quoted);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // The class sink saw 10 frames of the class converter's output: the test pattern's mean
  // brightness is near mid-grey, never black or white.
  CHECK(r.output.find("10 frames, last mean brightness 1") != std::string::npos);
  // The lambda converter's white border reached the lambda sink as limited-range white.
  CHECK(r.output.find("10 frames packed to I420, 10 with white corners (Y=235)") !=
        std::string::npos);
  // 160x120 I420 is 28800 bytes a frame.
  CHECK(r.output.find("25 frames, 720000 bytes of I420 written to") != std::string::npos);
  REQUIRE(std::filesystem::exists(out));
  CHECK(std::filesystem::file_size(out) == 25u * 28800u);
  CHECK(r.output.find("NullSink: 5 frames") != std::string::npos);
  std::filesystem::remove(out);
}
