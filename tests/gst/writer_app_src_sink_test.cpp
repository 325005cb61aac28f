// Writer with the GStreamer sink: frames, timestamps, files and errors through real pipelines.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/writer.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/error.hpp"
#include "support/gst_test_support.hpp"

using namespace framepipe;
using PF = PixelFormat;

TEST_CASE("Writer into AppSrcSink: frames reach appsink in order with their pts") {
  Frame<PF::BGR24> frame({64, 48});
  TestPatternGenerator pattern{{.size = {64, 48}}};
  Writer<PF::BGR24, I420Packer, AppSrcSink> w{
      {.size = {64, 48}, .fps = {30, 1}}, I420Packer{}, AppSrcSink{"appsink name=out sync=false"}};
  const ElementRef out = w.sink().element("out");
  Frame<PF::I420> expected({64, 48});
  for (std::uint64_t i = 0; i < 20; ++i) {
    pattern.generate(frame.view(), FrameTime::at(i, {30, 1}));
    w.write(frame.view());
    const auto sample = test::pull_sample(out.get());
    GstBuffer* buffer = gst_sample_get_buffer(sample.get());
    CHECK(GST_BUFFER_PTS(buffer) == FrameTime::at(i, {30, 1}).pts);
    I420Packer{}.convert(frame.view(), expected.view());
    const Frame<PF::I420> got = test::frame_from_sample<PF::I420>(sample.get());
    CHECK(std::equal(got.data(), got.data() + got.size_bytes(), expected.data()));
  }
  // Every sample was pulled, so the appsink lets EOS through and close() returns.
  CHECK(w.close().frames == 20);
}

TEST_CASE("Writer destroyed without close leaves a playable file") {
  test::TempDir dir("writer");
  const auto file = dir.path() / "unclosed.webm";
  {
    Frame<PF::BGR24> frame({64, 48});
    TestPatternGenerator pattern{{.size = {64, 48}}};
    Writer<PF::BGR24, I420Packer, AppSrcSink> w{
        {.size = {64, 48}},
        I420Packer{},
        AppSrcSink{"videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=\"" +
                   file.string() + "\""}};
    for (std::uint64_t i = 0; i < 12; ++i) {
      pattern.generate(frame.view(), FrameTime::at(i, {30, 1}));
      w.write(frame.view());
    }
  }
  CHECK(test::decode_file(file).frames.size() == 12);
}

TEST_CASE("Writer surfaces a downstream error at write or close, not as a hang") {
  Frame<PF::BGR24> frame({64, 48});
  Writer<PF::BGR24, I420Packer, AppSrcSink> w{
      {.size = {64, 48}},
      I420Packer{},
      AppSrcSink{"video/x-raw,format=GRAY16_LE ! fakesink",
                 {.acquire_timeout = std::chrono::seconds(10)}}};
  bool thrown = false;
  try {
    for (int i = 0; i < 50; ++i) w.write(frame.view());
    w.close();
  } catch (const Error& e) {
    thrown = true;
    CHECK(std::string(e.what()).find("negotiat") != std::string::npos);
  }
  CHECK(thrown);
}

TEST_CASE("Writer counts the frames a dropping sink lets go") {
  // A sink whose downstream never frees a buffer: with DropNewest, writes never block and every
  // frame past the pool is dropped and counted.
  Frame<PF::BGR24> frame({16, 16});
  Writer<PF::BGR24, I420Packer, AppSrcSink> w{
      {.size = {16, 16}},
      I420Packer{},
      AppSrcSink{"appsink name=out sync=false max-buffers=1 drop=false",
                 {.pool_size = 2,
                  .backpressure = Backpressure::DropNewest,
                  .eos_timeout = std::chrono::milliseconds(500)}}};  // nobody pulls: EOS waits
  for (int i = 0; i < 20; ++i) w.write(frame.view());
  CHECK(w.stats().frames == 20);
  CHECK(w.stats().dropped > 0);
  CHECK(w.stats().dropped < 20);
}
