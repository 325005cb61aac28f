// AppSrcSink into vp9enc at its defaults (it keeps frames for its look-ahead, lag-in-frames): the
// pool grows for them instead of hanging, and the WebM file decodes to every frame. Skipped
// (exit 77) when vp9enc (gstreamer1.0-plugins-good built with libvpx) is not installed.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "framepipe/gst/app_src_sink.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("vp9enc is installed (otherwise this whole test is skipped)") {
  if (!test::have_element("vp9enc") || !test::have_element("vp9dec")) {
    MESSAGE("vp9enc/vp9dec not installed (apt-get install gstreamer1.0-plugins-good): skipped");
    std::exit(77);
  }
}

TEST_CASE("vp9enc at its defaults into webmmux and a file: 300 VGA frames, all decode") {
  const test::TempDir dir;
  const std::filesystem::path file = dir / "defaults.webm";
  AppSrcSink sink{"vp9enc ! webmmux ! filesink location=" + file.string(),
                  {.eos_timeout = 60s, .acquire_timeout = 60s}};
  const test::PoolUse use = test::stream_frames(sink, {640, 480}, 300);
  MESSAGE("vp9enc defaults, 640x480: peak " << use.peak_in_use << " frames in use, "
                                            << use.allocated << " allocated, " << use.bytes
                                            << " bytes");
  CHECK(use.allocated > 4);
  CHECK(sink.pushed() == 300);
  CHECK(sink.dropped() == 0);
  CHECK(test::count_frames(file) == 300);
}
