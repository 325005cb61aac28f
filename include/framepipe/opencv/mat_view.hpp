// cv::Mat <-> FrameView without copying (needs framepipe::opencv).
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe {

/// The OpenCV element type that holds one pixel of packed format `F`: CV_8UC3 for BGR24/RGB24,
/// CV_8UC4 for BGRA32/RGBA32, CV_8UC1 for GRAY8; -1 for planar formats.
constexpr int cv_type_of(PixelFormat f) {
  switch (format_info(f).pixel_bytes * (format_info(f).planes == 1 ? 1 : 0)) {
    case 1:
      return CV_8UC1;
    case 3:
      return CV_8UC3;
    case 4:
      return CV_8UC4;
    default:
      return -1;
  }
}

/// A FrameView over the pixels of `mat`, without copying: continuous or strided (a ROI), as long
/// as rows are packed pixels of the matching type (CV_8UC3 for BGR24 — OpenCV's own order — or
/// RGB24, CV_8UC4 for BGRA32/RGBA32, CV_8UC1 for GRAY8). Throws InvalidArgument naming the Mat's
/// type otherwise, or for an empty Mat. framepipe stages only read their input view, so a view of
/// a const Mat is safe to pass as a converter's input; do not hand it to a stage that writes.
template <PixelFormat F>
FrameView<F> view_of(const cv::Mat& mat) {
  static_assert(format_info(F).planes == 1,
                "framepipe::view_of: a cv::Mat holds packed formats (BGR24, RGB24, BGRA32, "
                "RGBA32, GRAY8); view planar frames plane by plane with mat_of_plane()");
  if (mat.empty()) throw InvalidArgument("framepipe::view_of: the cv::Mat is empty");
  if (mat.dims != 2 || mat.type() != cv_type_of(F)) {
    throw InvalidArgument("framepipe::view_of<" + std::string(format_name(F)) + ">: cv::Mat of " +
                          std::to_string(mat.dims) + " dimensions and type " +
                          cv::typeToString(mat.type()) + " (expected 2 dimensions and " +
                          cv::typeToString(cv_type_of(F)) + ")");
  }
  return FrameView<F>({mat.cols, mat.rows},
                      {const_cast<std::uint8_t*>(mat.ptr<std::uint8_t>()), nullptr, nullptr},
                      {mat.step[0], 0, 0});
}

/// A cv::Mat header over plane `plane` of `frame`, without copying: CV_8UC3/CV_8UC4/CV_8UC1 for
/// the packed formats, CV_8UC1 for a Y, U or V plane and CV_8UC2 for NV12's UV plane. The Mat does
/// not own the pixels: it is valid while the frame is.
template <PixelFormat F>
cv::Mat mat_of_plane(FrameView<F> frame, int plane) {
  const PlaneLayout l = default_layout(F, frame.size());
  if (plane < 0 || plane >= l.planes) {
    throw InvalidArgument("framepipe::mat_of_plane: " + std::string(format_name(F)) +
                          " has no plane " + std::to_string(plane));
  }
  const auto p = static_cast<std::size_t>(plane);
  int type = CV_8UC1;
  int cols = l.row_bytes[p];
  if (l.planes == 1) {
    type = cv_type_of(F);
    cols = frame.width();
  } else if (F == PixelFormat::NV12 && plane == 1) {
    type = CV_8UC2;
    cols = l.row_bytes[p] / 2;
  }
  return cv::Mat(l.rows[p], cols, type, frame.plane(plane), frame.stride(plane));
}

/// A cv::Mat header over a packed frame (BGR24, RGB24, BGRA32, RGBA32, GRAY8), without copying.
template <PixelFormat F>
cv::Mat mat_of(FrameView<F> frame) {
  static_assert(format_info(F).planes == 1,
                "framepipe::mat_of: planar frames have one Mat per plane; use mat_of_plane()");
  return mat_of_plane(frame, 0);
}

}  // namespace framepipe
