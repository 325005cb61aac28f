#include "framepipe/core/pixel_format.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("format_info names every format as GStreamer does") {
  CHECK(format_info(PixelFormat::BGR24).gst_name == "BGR");
  CHECK(format_info(PixelFormat::RGB24).gst_name == "RGB");
  CHECK(format_info(PixelFormat::BGRA32).gst_name == "BGRA");
  CHECK(format_info(PixelFormat::RGBA32).gst_name == "RGBA");
  CHECK(format_info(PixelFormat::GRAY8).gst_name == "GRAY8");
  CHECK(format_info(PixelFormat::I420).gst_name == "I420");
  CHECK(format_info(PixelFormat::NV12).gst_name == "NV12");
  CHECK(format_name(PixelFormat::BGRA32) == "BGRA32");
  CHECK(is_rgb_family(PixelFormat::RGBA32));
  CHECK_FALSE(is_rgb_family(PixelFormat::GRAY8));
  CHECK_FALSE(is_rgb_family(PixelFormat::I420));
}

TEST_CASE("format_info places R, G and B where the name says") {
  const FormatInfo bgr = format_info(PixelFormat::BGR24);
  CHECK(bgr.b_index == 0);
  CHECK(bgr.g_index == 1);
  CHECK(bgr.r_index == 2);
  const FormatInfo rgba = format_info(PixelFormat::RGBA32);
  CHECK(rgba.r_index == 0);
  CHECK(rgba.b_index == 2);
  CHECK(rgba.pixel_bytes == 4);
}

// The GStreamer side checks default_layout against GstVideoInfo for every format and many sizes
// (tests/gst/layout_test.cpp); these are hand-computed values of the same rules.
TEST_CASE("default_layout rounds rows to 4 bytes and halves chroma rounding up") {
  const PlaneLayout bgr = default_layout(PixelFormat::BGR24, {321, 241});
  CHECK(bgr.planes == 1);
  CHECK(bgr.stride[0] == 964);  // 963 rounded up to 4
  CHECK(bgr.row_bytes[0] == 963);
  CHECK(bgr.size == 964u * 241u);

  const PlaneLayout bgra = default_layout(PixelFormat::BGRA32, {3, 3});
  CHECK(bgra.stride[0] == 12);
  CHECK(bgra.size == 36);

  const PlaneLayout i420 = default_layout(PixelFormat::I420, {321, 241});
  CHECK(i420.planes == 3);
  CHECK(i420.stride[0] == 324);
  CHECK(i420.stride[1] == 164);  // ceil(321 / 2) = 161, rounded up to 4
  CHECK(i420.stride[2] == 164);
  CHECK(i420.rows[1] == 121);
  CHECK(i420.offset[1] == 324u * 242u);  // chroma starts after an even number of luma rows
  CHECK(i420.offset[2] == i420.offset[1] + 164u * 121u);
  CHECK(i420.size == i420.offset[2] + 164u * 121u);

  const PlaneLayout nv12 = default_layout(PixelFormat::NV12, {1, 1});
  CHECK(nv12.planes == 2);
  CHECK(nv12.stride[0] == 4);
  CHECK(nv12.stride[1] == 4);
  CHECK(nv12.row_bytes[1] == 2);
  CHECK(nv12.offset[1] == 8);
  CHECK(nv12.size == 12);

  const PlaneLayout gray = default_layout(PixelFormat::GRAY8, {5, 2});
  CHECK(gray.stride[0] == 8);
  CHECK(gray.size == 16);
}

TEST_CASE("check_frame_size rejects sizes below 1x1 and absurd ones") {
  CHECK_THROWS_AS(check_frame_size({0, 10}), InvalidArgument);
  CHECK_THROWS_AS(check_frame_size({10, 0}), InvalidArgument);
  CHECK_THROWS_AS(check_frame_size({-1, 10}), InvalidArgument);
  CHECK_THROWS_AS(check_frame_size({100000, 10}), InvalidArgument);
  CHECK_NOTHROW(check_frame_size({1, 1}));
  CHECK_NOTHROW(check_frame_size({7680, 4320}));
  CHECK_THROWS_WITH_AS(check_frame_size({0, 0}), doctest::Contains("0x0"), InvalidArgument);
}

TEST_CASE("to_string(Size) spells WxH") {
  CHECK(to_string(Size{1920, 1080}) == "1920x1080");
  CHECK(to_string(Size{1, 32768}) == "1x32768");
  CHECK(to_string(Size{}) == "0x0");
}

TEST_CASE("format_info: a number that is no format is named '?' and has no planes") {
  const FormatInfo none = format_info(static_cast<PixelFormat>(200));
  CHECK(none.name == "?");
  CHECK(none.planes == 0);
  CHECK(format_info(PixelFormat::NV12).planes == 2);
  CHECK(format_info(PixelFormat::I420).chroma_shift_x == 1);
  CHECK(format_info(PixelFormat::I420).yuv);
}

TEST_CASE("check_same_size names both sizes and what they belong to") {
  CHECK_NOTHROW(detail::check_same_size({4, 2}, "packer source", {4, 2}, "destination"));
  CHECK_THROWS_WITH_AS(detail::check_same_size({3, 2}, "packer source", {4, 2}, "destination"),
                       "framepipe: packer source is 3x2 but destination is 4x2", InvalidArgument);
}
