#include "framepipe/opencv/mat_generator.hpp"

#include <doctest/doctest.h>

#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/sinks/callback_sink.hpp"

using namespace framepipe;

TEST_CASE("MatGenerator plugs a source of cv::Mat into a Pipeline") {
  int delivered = 0;
  MatGenerator<PixelFormat::BGR24> gen{
      {.size = {32, 16}}, [](const FrameTime& t) {
        return cv::Mat(16, 32, CV_8UC3, cv::Scalar(static_cast<double>(t.index), 0, 0));
      }};
  Pipeline p{std::move(gen), CallbackSink<PixelFormat::BGR24>{
                                 [&](FrameView<PixelFormat::BGR24> f, const FrameTime& t) {
                                   CHECK(f.row(0, 15)[3 * 31] == t.index);
                                   ++delivered;
                                 }}};
  p.run({.frames = 4});
  CHECK(delivered == 4);
}

TEST_CASE("MatGenerator rejects a Mat of the wrong size or type") {
  MatGenerator<PixelFormat::BGR24> wrong_size{
      {.size = {32, 16}}, [](const FrameTime&) { return cv::Mat(8, 8, CV_8UC3); }};
  Frame<PixelFormat::BGR24> frame({32, 16});
  CHECK_THROWS_WITH_AS(wrong_size.generate(frame.view(), {}), doctest::Contains("8x8"),
                       InvalidArgument);
  MatGenerator<PixelFormat::BGR24> wrong_type{
      {.size = {32, 16}}, [](const FrameTime&) { return cv::Mat(16, 32, CV_8UC1); }};
  CHECK_THROWS_AS(wrong_type.generate(frame.view(), {}), InvalidArgument);
}
