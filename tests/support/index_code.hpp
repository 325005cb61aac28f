// The frame index drawn as blocks that survive lossy encoding, and read back from a decoded frame:
// for the network tests and the latency benchmark. No doctest here (the benchmarks include it).
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>

#include "framepipe/core/frame.hpp"

namespace framepipe::test {

/// Bits of the index code: a top row of kIndexBits blocks (white = 1) and below it a row of their
/// complements, so that a block read wrong shows as a code that does not check.
inline constexpr int kIndexBits = 16;

/// Fills an I420 frame: mid-grey chroma, the index code in luma (black 16, white 235).
inline void draw_index(FrameView<PixelFormat::I420> frame, std::uint32_t index) {
  const int w = frame.width();
  const int h = frame.height();
  for (int y = 0; y < h; ++y) {
    std::uint8_t* row = frame.plane(0) + static_cast<std::size_t>(y) * frame.stride(0);
    const int half = h / 2;
    for (int x = 0; x < w; ++x) {
      const int bit = x * kIndexBits / w;
      const bool one = ((index >> bit) & 1U) != 0;
      row[x] = static_cast<std::uint8_t>((y < half) == one ? 235 : 16);
    }
  }
  for (int p = 1; p < 3; ++p) {
    for (int y = 0; y < (h + 1) / 2; ++y) {
      std::memset(frame.plane(p) + static_cast<std::size_t>(y) * frame.stride(p), 128,
                  static_cast<std::size_t>((w + 1) / 2));
    }
  }
}

/// Reads the index code from a luma plane; nullopt when a block and its complement agree.
inline std::optional<std::uint32_t> read_index(const std::uint8_t* luma, int stride, int w, int h) {
  const auto mean = [&](int cx, int cy) {
    int sum = 0;
    for (int dy = -2; dy <= 2; ++dy) {
      for (int dx = -2; dx <= 2; ++dx) sum += luma[(cy + dy) * stride + cx + dx];
    }
    return sum / 25;
  };
  std::uint32_t index = 0;
  for (int bit = 0; bit < kIndexBits; ++bit) {
    const int cx = (2 * bit + 1) * w / (2 * kIndexBits);
    const bool top = mean(cx, h / 4) > 128;
    const bool bottom = mean(cx, 3 * h / 4) > 128;
    if (top == bottom) return std::nullopt;
    if (top) index |= 1U << bit;
  }
  return index;
}

/// How far a decoded luma plane is from the frame draw_index() drew for `index`: the largest mean
/// absolute difference over the 16x16 blocks of the picture, in luma levels (0: identical; a
/// picture whose half is missing or smeared scores near 100 in the damaged blocks, while clean
/// encoding noise stays at a few levels).
inline int picture_error(const std::uint8_t* luma, int stride, int w, int h, std::uint32_t index) {
  int worst = 0;
  for (int by = 0; by + 16 <= h; by += 16) {
    for (int bx = 0; bx + 16 <= w; bx += 16) {
      int sum = 0;
      for (int y = by; y < by + 16; ++y) {
        for (int x = bx; x < bx + 16; ++x) {
          const bool one = ((index >> (x * kIndexBits / w)) & 1U) != 0;
          const int expected = (y < h / 2) == one ? 235 : 16;
          const int got = luma[y * stride + x];
          sum += got > expected ? got - expected : expected - got;
        }
      }
      worst = std::max(worst, sum / 256);
    }
  }
  return worst;
}

/// How far a decoded luma plane is from a reference one of the same size: the largest mean
/// absolute difference over the 16x16 blocks of the picture, in luma levels.
inline int picture_error(const std::uint8_t* luma, int stride, const std::uint8_t* reference,
                         int reference_stride, int w, int h) {
  int worst = 0;
  for (int by = 0; by + 16 <= h; by += 16) {
    for (int bx = 0; bx + 16 <= w; bx += 16) {
      int sum = 0;
      for (int y = by; y < by + 16; ++y) {
        for (int x = bx; x < bx + 16; ++x) {
          const int got = luma[y * stride + x];
          const int expected = reference[y * reference_stride + x];
          sum += got > expected ? got - expected : expected - got;
        }
      }
      worst = std::max(worst, sum / 256);
    }
  }
  return worst;
}

/// The index in a decoded sample (any raw format with luma first: I420, NV12, GRAY8).
inline std::optional<std::uint32_t> read_index(GstSample* sample) {
  GstVideoInfo info;
  if (!gst_video_info_from_caps(&info, gst_sample_get_caps(sample))) return std::nullopt;
  GstVideoFrame frame;
  if (!gst_video_frame_map(&frame, &info, gst_sample_get_buffer(sample), GST_MAP_READ)) {
    return std::nullopt;
  }
  const auto index =
      read_index(static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0)),
                 GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0), GST_VIDEO_INFO_WIDTH(&info),
                 GST_VIDEO_INFO_HEIGHT(&info));
  gst_video_frame_unmap(&frame);
  return index;
}

}  // namespace framepipe::test
