// A GStreamer receiver in the test's own process that decodes the index code of every frame.
#pragma once

#include <doctest/doctest.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "framepipe/gst/runtime.hpp"
#include "support/index_code.hpp"
#include "support/run_program.hpp"

namespace framepipe::test {

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

/// The luma planes ffmpeg, a receiver nobody here wrote, decoded (each `size.width` bytes a row).
struct FfmpegLuma {
  RunResult run;  ///< ffmpeg's exit code and what it printed
  std::vector<std::vector<std::uint8_t>> frames;
};

/// Runs `/usr/bin/ffmpeg <input>` (e.g. "-rtsp_transport tcp -i rtsp://...") for `frames`
/// decoded frames of `size`, bounded by `timeout_seconds`, written as raw yuv420p to `scratch`
/// (a file path; no pixel format conversion, so the luma is the decoder's own), and returns the
/// luma of each. `-fps_mode passthrough`: each decoded picture once, as decoded (ffmpeg's default
/// for a raw output repeats a picture to fill the gap a frame the sender dropped under load left,
/// which would read as a picture that does not advance).
inline FfmpegLuma ffmpeg_luma(const std::string& input, Size size, int frames, int timeout_seconds,
                              const std::string& scratch) {
  FfmpegLuma out;
  std::remove(scratch.c_str());  // frames of an earlier run are not this run's
  out.run = run_program("/usr/bin/timeout",
                        std::to_string(timeout_seconds) + " /usr/bin/ffmpeg -nostdin -v error " +
                            input + " -frames:v " + std::to_string(frames) +
                            " -fps_mode passthrough -f rawvideo -pix_fmt yuv420p -y " + scratch);
  const auto w = static_cast<std::size_t>(size.width);
  const auto h = static_cast<std::size_t>(size.height);
  const std::size_t frame_bytes = w * h + 2 * ((w + 1) / 2) * ((h + 1) / 2);
  std::ifstream file(scratch, std::ios::binary);
  std::vector<std::uint8_t> frame(frame_bytes);
  while (
      file.read(reinterpret_cast<char*>(frame.data()), static_cast<std::streamsize>(frame_bytes))) {
    out.frames.emplace_back(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(w * h));
  }
  return out;
}

/// ffmpeg's pictures of a stream of index-coded frames: every frame's index (UINT32_MAX where
/// the code does not read) and its picture_error() against the frame that index names.
struct FfmpegPictures {
  RunResult run;  ///< ffmpeg's exit code and what it printed
  std::vector<std::uint32_t> indices;
  std::vector<int> errors;  ///< picture_error() of each frame, -1 where the index did not read
  /// The worst picture_error() of the frames from the first readable one on.
  int worst() const {
    int w = 0;
    bool started = false;
    for (std::size_t i = 0; i < indices.size(); ++i) {
      started = started || indices[i] != UINT32_MAX;
      if (started) w = std::max(w, errors[i] < 0 ? 255 : errors[i]);
    }
    return w;
  }
};

/// ffmpeg_luma(), then the index code and the picture error of each frame.
inline FfmpegPictures ffmpeg_pictures(const std::string& input, Size size, int frames,
                                      int timeout_seconds, const std::string& scratch) {
  FfmpegLuma luma = ffmpeg_luma(input, size, frames, timeout_seconds, scratch);
  FfmpegPictures out;
  out.run = std::move(luma.run);
  for (const auto& frame : luma.frames) {
    const auto index = read_index(frame.data(), size.width, size.width, size.height);
    out.indices.push_back(index.value_or(UINT32_MAX));
    out.errors.push_back(
        index ? picture_error(frame.data(), size.width, size.width, size.height, *index) : -1);
  }
  return out;
}

}  // namespace framepipe::test
