#include "framepipe/core/frame.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

using namespace framepipe;

TEST_CASE("Frame allocates GStreamer's default layout, 64-byte aligned and zeroed") {
  Frame<PixelFormat::I420> f({321, 241});
  CHECK(f.width() == 321);
  CHECK(f.height() == 241);
  CHECK(f.size_bytes() == default_layout(PixelFormat::I420, {321, 241}).size);
  CHECK(reinterpret_cast<std::uintptr_t>(f.data()) % 64 == 0);
  const auto v = f.view();
  CHECK(v.plane(0) == f.data());
  CHECK(v.plane(1) == f.data() + f.layout().offset[1]);
  CHECK(v.plane(2) == f.data() + f.layout().offset[2]);
  CHECK(v.stride(0) == 324);
  CHECK(v.row(2, 3) == v.plane(2) + 3 * v.stride(2));
  bool all_zero = true;
  for (std::size_t i = 0; i < f.size_bytes(); ++i) all_zero = all_zero && f.data()[i] == 0;
  CHECK(all_zero);
}

TEST_CASE("Frame rejects sizes below 1x1") {
  CHECK_THROWS_AS(Frame<PixelFormat::BGR24>({0, 1}), InvalidArgument);
  CHECK_THROWS_AS(Frame<PixelFormat::BGR24>({1, 0}), InvalidArgument);
  CHECK_NOTHROW(Frame<PixelFormat::BGR24>({1, 1}));
}

TEST_CASE("Frame moves without copying its pixels") {
  Frame<PixelFormat::GRAY8> a({8, 8});
  std::uint8_t* pixels = a.data();
  Frame<PixelFormat::GRAY8> b = std::move(a);
  CHECK(b.data() == pixels);
  CHECK(b.view().plane(0) == pixels);
}

TEST_CASE("FrameView over caller memory checks planes and strides") {
  std::vector<std::uint8_t> bytes(100 * 10);
  const FrameView<PixelFormat::BGR24> v({30, 10}, {bytes.data(), nullptr, nullptr}, {100, 0, 0});
  CHECK(v.width() == 30);
  CHECK(v.stride(0) == 100);
  CHECK(v.row(0, 9) == bytes.data() + 900);

  CHECK_THROWS_AS(
      FrameView<PixelFormat::BGR24>({30, 10}, {bytes.data(), nullptr, nullptr}, {89, 0, 0}),
      InvalidArgument);  // 30 pixels need 90 bytes
  CHECK_THROWS_AS(FrameView<PixelFormat::BGR24>({30, 10}, {nullptr, nullptr, nullptr}, {90, 0, 0}),
                  InvalidArgument);
  CHECK_THROWS_AS(
      FrameView<PixelFormat::I420>({4, 4}, {bytes.data(), nullptr, bytes.data()}, {4, 2, 2}),
      InvalidArgument);  // missing U plane
  CHECK_THROWS_AS(
      FrameView<PixelFormat::BGR24>({0, 10}, {bytes.data(), nullptr, nullptr}, {90, 0, 0}),
      InvalidArgument);
}

TEST_CASE("FrameView::wrap lays planes out as GStreamer does") {
  std::vector<std::uint8_t> bytes(default_layout(PixelFormat::NV12, {5, 3}).size);
  const auto v = FrameView<PixelFormat::NV12>::wrap(bytes.data(), {5, 3});
  CHECK(v.stride(0) == 8);
  CHECK(v.plane(1) == bytes.data() + 8 * 4);
}
