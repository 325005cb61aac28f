// AppSrcSink into x264enc at its defaults, which keeps about 48 frames in flight (look-ahead,
// B-frames, frame threads): the pool grows for them instead of hanging, the file holds every
// frame; and an odd size, which x264 refuses with only "Can not initialize x264 encoder", is
// explained. Skipped (exit 77) when x264enc (gstreamer1.0-plugins-ugly) is not installed.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "framepipe/gst/app_src_sink.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("x264enc is installed (otherwise this whole test is skipped)") {
  if (!test::have_element("x264enc")) {
    MESSAGE("x264enc not installed (apt-get install gstreamer1.0-plugins-ugly): skipped");
    std::exit(77);
  }
}

TEST_CASE("x264enc at its defaults into mp4mux and a file: 300 VGA frames, all in the file") {
  const test::TempDir dir;
  const std::filesystem::path file = dir / "defaults.mp4";
  AppSrcSink sink{"x264enc ! mp4mux ! filesink location=" + file.string(),
                  {.acquire_timeout = 60s}};
  const auto started = std::chrono::steady_clock::now();
  const test::PoolUse use = test::stream_frames(sink, {640, 480}, 300);
  MESSAGE("x264enc defaults, 640x480: peak "
          << use.peak_in_use << " frames in use, " << use.allocated << " allocated, " << use.bytes
          << " bytes, in "
          << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
          << " s");
  CHECK(use.allocated > 4);  // it did need more than the 4 frames a fixed pool had
  CHECK(use.allocated <= sink.slot_limit());
  CHECK(sink.pushed() == 300);
  CHECK(sink.dropped() == 0);
  // Decoded when an H.264 decoder is installed, else the MP4 samples are counted.
  const bool decoder = test::have_element("avdec_h264") || test::have_element("openh264dec");
  if (!decoder) MESSAGE("no H.264 decoder: counting MP4 samples instead of decoded frames");
  CHECK(test::count_frames(file, decoder ? "decodebin ! video/x-raw" : "qtdemux") == 300);
}

TEST_CASE("x264enc with a fixed pool of 4 ends in a Timeout that names it and the fix") {
  AppSrcSink sink{"x264enc name=enc ! fakesink",
                  {.max_pool_bytes = 0, .eos_timeout = 30s, .acquire_timeout = 1s}};
  const auto started = std::chrono::steady_clock::now();
  try {
    test::stream_frames(sink, {160, 120}, 100);
    FAIL("no Timeout");
  } catch (const Timeout& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(what.find("\"enc\" (x264enc)") != std::string::npos);
    CHECK(what.find("tune=zerolatency") != std::string::npos);
    CHECK(what.find("max_pool_bytes") != std::string::npos);
  }
  sink.abort();  // downstream is stuck: no wait for an EOS
  CHECK(std::chrono::steady_clock::now() - started < 20s);
  CHECK(sink.slots_in_use() == 0);
}

TEST_CASE("an odd size x264enc refuses is explained: the size must be even") {
  AppSrcSink sink{"x264enc name=enc ! fakesink"};
  try {
    test::stream_frames(sink, {321, 241}, 10);
    FAIL("no exception");
  } catch (const StreamError& e) {
    const std::string what = e.what();
    CAPTURE(what);
    CHECK(e.element() == "enc");
    CHECK(what.find("321x241 is odd") != std::string::npos);
    CHECK(what.find("even width and height") != std::string::npos);
    CHECK(what.find("320x240") != std::string::npos);
  }
  // The same error again, not "acquire() before start()", until the next start().
  try {
    sink.acquire<PixelFormat::I420>();
    FAIL("no exception");
  } catch (const StreamError& e) {
    CHECK(std::string(e.what()).find("321x241 is odd") != std::string::npos);
  }
  // An even size works. (Not with the same x264enc: once it refused a size, this x264enc
  // instance keeps refusing even sizes after a restart too; gst-launch shows the same.)
  AppSrcSink even{"x264enc ! fakesink"};
  CHECK(test::stream_frames(even, {320, 240}, 5).allocated >= 4);
  CHECK(even.pushed() == 5);
}
