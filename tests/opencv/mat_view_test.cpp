#include "framepipe/opencv/mat_view.hpp"

#include <doctest/doctest.h>

#include <opencv2/imgproc.hpp>

#include "framepipe/convert/i420_packer.hpp"

using namespace framepipe;

TEST_CASE("view_of views a continuous Mat in place") {
  cv::Mat bgr(48, 64, CV_8UC3, cv::Scalar(10, 20, 30));
  const FrameView<PixelFormat::BGR24> v = view_of<PixelFormat::BGR24>(bgr);
  CHECK(v.plane(0) == bgr.data);
  CHECK(v.size() == Size{64, 48});
  CHECK(v.stride(0) == 64 * 3);
  CHECK(v.row(0, 5)[2] == 30);  // B, G, R: OpenCV's order is BGR24
  v.row(0, 0)[0] = 99;
  CHECK(bgr.at<cv::Vec3b>(0, 0)[0] == 99);  // the same pixels, not a copy
}

TEST_CASE("view_of views a ROI with its parent's stride") {
  cv::Mat parent(100, 200, CV_8UC4, cv::Scalar(1, 2, 3, 4));
  cv::Mat roi = parent(cv::Rect(13, 7, 51, 33));  // odd size, odd offset
  REQUIRE_FALSE(roi.isContinuous());
  const auto v = view_of<PixelFormat::BGRA32>(roi);
  CHECK(v.size() == Size{51, 33});
  CHECK(v.stride(0) == 200 * 4);
  CHECK(v.plane(0) == parent.ptr(7) + 13 * 4);

  // Packing the ROI view equals packing a continuous copy of it.
  Frame<PixelFormat::I420> from_roi({51, 33}), from_copy({51, 33});
  cv::randu(parent, cv::Scalar::all(0), cv::Scalar::all(256));
  const cv::Mat copy = roi.clone();
  I420Packer{}.convert(view_of<PixelFormat::BGRA32>(roi), from_roi.view());
  I420Packer{}.convert(view_of<PixelFormat::BGRA32>(copy), from_copy.view());
  CHECK(std::equal(from_roi.data(), from_roi.data() + from_roi.size_bytes(), from_copy.data()));
}

TEST_CASE("view_of accepts each supported type and rejects others clearly") {
  CHECK_NOTHROW(view_of<PixelFormat::GRAY8>(cv::Mat(3, 3, CV_8UC1)));
  CHECK_NOTHROW(view_of<PixelFormat::RGB24>(cv::Mat(3, 3, CV_8UC3)));
  CHECK_NOTHROW(view_of<PixelFormat::RGBA32>(cv::Mat(3, 3, CV_8UC4)));
  CHECK_THROWS_WITH_AS(view_of<PixelFormat::BGR24>(cv::Mat(3, 3, CV_16UC3)),
                       doctest::Contains("CV_16UC3"), InvalidArgument);
  CHECK_THROWS_WITH_AS(view_of<PixelFormat::BGR24>(cv::Mat(3, 3, CV_8UC4)),
                       doctest::Contains("expected 2 dimensions and CV_8UC3"), InvalidArgument);
  CHECK_THROWS_WITH_AS(view_of<PixelFormat::GRAY8>(cv::Mat()), doctest::Contains("empty"),
                       InvalidArgument);
  const int dims[] = {2, 3, 4};
  CHECK_THROWS_AS(view_of<PixelFormat::GRAY8>(cv::Mat(3, dims, CV_8UC1)), InvalidArgument);
}

TEST_CASE("mat_of and mat_of_plane put Mat headers over frames without copying") {
  Frame<PixelFormat::BGR24> bgr({321, 241});
  const cv::Mat m = mat_of(bgr.view());
  CHECK(m.data == bgr.data());
  CHECK(m.cols == 321);
  CHECK(m.rows == 241);
  CHECK(m.type() == CV_8UC3);
  CHECK(m.step[0] == bgr.view().stride(0));

  Frame<PixelFormat::I420> i420({321, 241});
  const cv::Mat u = mat_of_plane(i420.view(), 1);
  CHECK(u.data == i420.view().plane(1));
  CHECK(u.cols == 161);
  CHECK(u.rows == 121);
  Frame<PixelFormat::NV12> nv12({5, 3});
  const cv::Mat uv = mat_of_plane(nv12.view(), 1);
  CHECK(uv.type() == CV_8UC2);
  CHECK(uv.cols == 3);
  CHECK_THROWS_AS(mat_of_plane(nv12.view(), 2), InvalidArgument);

  // Drawing through the Mat lands in the frame.
  cv::rectangle(m, cv::Rect(0, 0, 2, 2), cv::Scalar(1, 2, 3), cv::FILLED);
  CHECK(bgr.view().row(0, 1)[3 * 1 + 2] == 3);
}
