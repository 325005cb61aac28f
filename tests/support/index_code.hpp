// The frame index drawn as blocks that survive lossy encoding, and a receiver that reads it back:
// for the network tests (RTP, SRT, RTSP), which check count, order and content of what arrives.
#pragma once

#include <doctest/doctest.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "framepipe/core/frame.hpp"
#include "framepipe/gst/runtime.hpp"

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

/// A GStreamer receiver ending in `appsink name=out`: `<description> ! videoconvert !
/// video/x-raw,format=I420 ! appsink name=out sync=false`. Stops (NULL) on destruction.
class IndexReceiver {
 public:
  explicit IndexReceiver(const std::string& description) {
    ensure_gstreamer_initialized();
    const std::string full = description +
                             " ! videoconvert ! video/x-raw,format=I420 ! appsink name=out "
                             "sync=false max-buffers=1000";
    GError* error = nullptr;
    pipeline_.reset(gst_parse_launch(full.c_str(), &error));
    const detail::GErrorPtr owned(error);
    REQUIRE_MESSAGE(pipeline_ != nullptr,
                    "cannot build " << full << ": " << (owned ? owned->message : "?"));
    if (g_object_is_floating(pipeline_.get())) gst_object_ref_sink(pipeline_.get());
    sink_.reset(gst_bin_get_by_name(GST_BIN(pipeline_.get()), "out"));
    REQUIRE(sink_ != nullptr);
    REQUIRE(gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE);
  }
  IndexReceiver(const IndexReceiver&) = delete;
  IndexReceiver& operator=(const IndexReceiver&) = delete;
  ~IndexReceiver() { stop(); }

  /// The next decoded frame's index (nullopt: unreadable code); nothing within `timeout`: the
  /// outer nullopt.
  std::optional<std::optional<std::uint32_t>> next(std::chrono::milliseconds timeout) {
    detail::SamplePtr sample(gst_app_sink_try_pull_sample(
        GST_APP_SINK(sink_.get()), static_cast<GstClockTime>(timeout.count()) * GST_MSECOND));
    if (!sample) return std::nullopt;
    return read_index(sample.get());
  }

  /// Reads indices until `count` arrived or `timeout` passed; unreadable frames are returned as
  /// UINT32_MAX.
  std::vector<std::uint32_t> collect(std::size_t count, std::chrono::milliseconds timeout) {
    std::vector<std::uint32_t> got;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      const auto index = next(std::max(left, std::chrono::milliseconds(1)));
      if (!index) break;
      got.push_back(index->value_or(UINT32_MAX));
    }
    return got;
  }

  /// An ERROR on the receiver's bus, "" when none.
  std::string error() const {
    detail::BusPtr bus(gst_element_get_bus(pipeline_.get()));
    detail::MessagePtr m(gst_bus_pop_filtered(bus.get(), GST_MESSAGE_ERROR));
    if (!m) return {};
    GError* e = nullptr;
    gst_message_parse_error(m.get(), &e, nullptr);
    const detail::GErrorPtr owned(e);
    return owned ? owned->message : "error";
  }

  void stop() {
    if (pipeline_) gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
  }

 private:
  detail::ElementPtr pipeline_;
  detail::ElementPtr sink_;
};

}  // namespace framepipe::test
