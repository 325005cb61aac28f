// gst/caps.hpp: the StreamSpec that caps describe (detail::stream_spec_of, what AppSinkSource and
// fuzz_caps read caps with), and caps_of() read back through it.
#include "framepipe/gst/caps.hpp"

#include <doctest/doctest.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <string>

#include "framepipe/core/color_space.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/gst/runtime.hpp"

using namespace framepipe;

namespace {

GstVideoInfo info_of(const std::string& text) {
  ensure_gstreamer_initialized();
  const detail::CapsPtr caps(gst_caps_from_string(text.c_str()));
  REQUIRE(caps);
  GstVideoInfo info;
  REQUIRE(gst_video_info_from_caps(&info, caps.get()) == TRUE);
  return info;
}

}  // namespace

TEST_CASE("stream_spec_of: format, size, rate, colour and siting of Y'CbCr caps") {
  const StreamSpec spec = detail::stream_spec_of(
      info_of("video/x-raw,format=NV12,width=321,height=241,framerate=30000/1001,"
              "colorimetry=bt709,chroma-site=mpeg2"),
      PixelFormat::NV12);
  CHECK(spec.format == PixelFormat::NV12);
  CHECK(spec.size == Size{321, 241});
  CHECK(spec.fps == FrameRate{30000, 1001});
  REQUIRE(spec.color.has_value());
  CHECK(*spec.color == ColorSpec{Matrix::BT709, Range::Limited});
  CHECK(spec.chroma_site == ChromaSite::Left);
  CHECK(spec.pacing == Pacing::AsFastAsPossible);

  const StreamSpec full =
      detail::stream_spec_of(info_of("video/x-raw,format=I420,width=64,height=48,framerate=25/1,"
                                     "colorimetry=1:4:0:0,chroma-site=jpeg"),
                             PixelFormat::I420);
  REQUIRE(full.color.has_value());
  CHECK(*full.color == ColorSpec{Matrix::BT601, Range::Full});
  CHECK(full.chroma_site == ChromaSite::Center);
}

TEST_CASE("stream_spec_of: no stated or a variable rate is 30/1; RGB has no colour") {
  const StreamSpec variable = detail::stream_spec_of(
      info_of("video/x-raw,format=BGR,width=8,height=6,framerate=0/1"), PixelFormat::BGR24);
  CHECK(variable.fps == FrameRate{30, 1});
  CHECK(variable.size == Size{8, 6});
  CHECK_FALSE(variable.color.has_value());
  CHECK(variable.chroma_site == ChromaSite::Center);

  const StreamSpec none = detail::stream_spec_of(
      info_of("video/x-raw,format=GRAY8,width=2,height=2"), PixelFormat::GRAY8);
  CHECK(none.fps == FrameRate{30, 1});
}

TEST_CASE("stream_spec_of reads back what video_info_of states") {
  for (const PixelFormat format : kAllPixelFormats) {
    StreamSpec spec{};
    spec.format = format;
    spec.size = {33, 17};
    spec.fps = {24, 1};
    if (format_info(format).yuv) {
      spec.color = ColorSpec{Matrix::BT2020, Range::Full};
      spec.chroma_site = ChromaSite::Left;
    }
    const StreamSpec back = detail::stream_spec_of(video_info_of(spec), format);
    CHECK(back.format == spec.format);
    CHECK(back.size == spec.size);
    CHECK(back.fps == spec.fps);
    CHECK(back.color == spec.color);
    CHECK(back.chroma_site == spec.chroma_site);
  }
}

TEST_CASE("video_info_of names the size GStreamer or framepipe refuses") {
  StreamSpec spec{};
  spec.format = PixelFormat::I420;
  spec.size = {0, 240};
  spec.fps = {30, 1};
  CHECK_THROWS_WITH_AS(video_info_of(spec), doctest::Contains("0x240"), InvalidArgument);
}
