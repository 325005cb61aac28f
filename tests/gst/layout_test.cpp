// framepipe's default_layout() is GStreamer's default GstVideoInfo layout, for every format and
// size: what lets AppSrcSink hand its frames to GStreamer without a GstVideoMeta.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/gst/caps.hpp"

using namespace framepipe;

namespace {

std::vector<Size> sizes_to_check() {
  std::vector<Size> sizes;
  for (int w = 1; w <= 130; ++w) {
    for (int h = 1; h <= 9; ++h) sizes.push_back({w, h});
  }
  for (const Size s : {Size{321, 241}, Size{639, 479}, Size{1920, 1080}, Size{3840, 2160},
                       Size{1, 1080}, Size{1081, 1}}) {
    sizes.push_back(s);
  }
  return sizes;
}

}  // namespace

TEST_CASE("default_layout equals GstVideoInfo's offsets, strides and size") {
  const std::vector<Size> sizes = sizes_to_check();
  for (const PixelFormat format : kAllPixelFormats) {
    CAPTURE(format_name(format));
    int checked = 0;
    for (const Size size : sizes) {
      const GstVideoInfo info = video_info_of({format, size, {30, 1}});
      const PlaneLayout layout = default_layout(format, size);
      REQUIRE(GST_VIDEO_INFO_WIDTH(&info) == size.width);
      REQUIRE(GST_VIDEO_INFO_HEIGHT(&info) == size.height);
      // One message naming every difference, so a failure says what to fix.
      const std::string mismatch = detail::layout_mismatch(info, layout);
      if (!mismatch.empty()) {
        FAIL_CHECK(format_name(format)
                   << " " << size.width << "x" << size.height << ":" << mismatch);
      }
      // Each plane's pixel rows fit in its stride, and the planes fit in the block.
      for (int p = 0; p < layout.planes; ++p) {
        const auto i = static_cast<std::size_t>(p);
        CHECK(static_cast<std::size_t>(layout.row_bytes[i]) <= layout.stride[i]);
        CHECK(layout.offset[i] + layout.stride[i] * static_cast<std::size_t>(layout.rows[i]) <=
              layout.size);
        // Rows and row bytes agree with the first component GStreamer stores in this plane
        // (NV12's plane 1 holds components 1 and 2).
        const int comp = p == 0 ? 0 : (layout.planes == 2 ? 1 : p);
        CHECK(GST_VIDEO_INFO_COMP_HEIGHT(&info, comp) == layout.rows[i]);
        CHECK(GST_VIDEO_INFO_COMP_WIDTH(&info, comp) * GST_VIDEO_INFO_COMP_PSTRIDE(&info, comp) ==
              layout.row_bytes[i]);
      }
      ++checked;
    }
    CHECK(checked == static_cast<int>(sizes.size()));
  }
}

TEST_CASE("layout_mismatch reports a wrong layout (the check above can fail)") {
  const Size size{321, 241};
  const GstVideoInfo info = video_info_of({PixelFormat::I420, size, {30, 1}});
  PlaneLayout wrong = default_layout(PixelFormat::I420, size);
  wrong.offset[1] = wrong.stride[0] * static_cast<std::size_t>(size.height);  // odd rows: not 242
  const std::string mismatch = detail::layout_mismatch(info, wrong);
  CHECK(mismatch.find("offset[1]") != std::string::npos);

  PlaneLayout tight = default_layout(PixelFormat::BGR24, size);
  tight.stride[0] = static_cast<std::size_t>(size.width) * 3;  // 963: not rounded up to 4
  CHECK(
      !detail::layout_mismatch(video_info_of({PixelFormat::BGR24, size, {30, 1}}), tight).empty());
}
