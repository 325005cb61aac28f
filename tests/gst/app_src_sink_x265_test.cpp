// AppSrcSink into x265enc at its defaults, which holds many frames like x264enc: the pool grows
// for them and the file holds every frame. Skipped (exit 77) when x265enc is not installed
// (Debian/Ubuntu: gstreamer1.0-plugins-bad).
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "framepipe/gst/app_src_sink.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("x265enc is installed (otherwise this whole test is skipped)") {
  if (!test::have_element("x265enc") || !test::have_element("h265parse")) {
    MESSAGE("x265enc/h265parse not installed (apt-get install gstreamer1.0-plugins-bad): skipped");
    std::exit(77);
  }
}

TEST_CASE("x265enc at its defaults into matroskamux and a file: 300 VGA frames, all in the file") {
  const test::TempDir dir;
  const std::filesystem::path file = dir / "defaults.mkv";
  AppSrcSink sink{"x265enc ! h265parse ! matroskamux ! filesink location=" + file.string(),
                  {.eos_timeout = 60s, .acquire_timeout = 60s}};
  const test::PoolUse use = test::stream_frames(sink, {640, 480}, 300);
  MESSAGE("x265enc defaults, 640x480: peak " << use.peak_in_use << " frames in use, "
                                             << use.allocated << " allocated, " << use.bytes
                                             << " bytes");
  CHECK(use.allocated > 4);
  CHECK(sink.pushed() == 300);
  const bool decoder = test::have_element("avdec_h265");
  if (!decoder) MESSAGE("no H.265 decoder: counting Matroska blocks instead of decoded frames");
  CHECK(test::count_frames(file, decoder ? "decodebin ! video/x-raw" : "matroskademux") == 300);
}
