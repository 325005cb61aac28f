// Exact integer timestamps of audio, from the count of frames (one sample of every channel)
// before a buffer and the rate.
#pragma once

#include <cstdint>

#include "framepipe/core/frame_time.hpp"

namespace framepipe {

/// When a buffer of audio starts and how long it lasts, in nanoseconds, from its place in the
/// stream counted in frames. pts(n) = n * 1e9 / rate, truncated as gst_util_uint64_scale() does,
/// so the time never drifts from the sample count, however long the stream.
struct AudioTime {
  std::uint64_t offset = 0;    ///< frames before this buffer (GstBuffer OFFSET)
  std::uint64_t frames = 0;    ///< frames in this buffer
  std::uint64_t pts = 0;       ///< presentation time in ns (GstBuffer PTS)
  std::uint64_t duration = 0;  ///< pts of the next buffer minus this pts (GstBuffer DURATION)

  /// The time of frame `n` at `rate` frames per second: n * 1e9 / rate, with a 128-bit
  /// intermediate, truncated like gst_util_uint64_scale().
  static constexpr std::uint64_t pts_of(std::uint64_t n, std::uint32_t rate) {
    return detail::scale_u64(n, kNanosPerSecond, rate);
  }

  /// The time of `frames` frames starting at frame `offset`: durations tile exactly
  /// (at(n, k).pts + at(n, k).duration == at(n + k, m).pts).
  static constexpr AudioTime at(std::uint64_t offset, std::uint64_t frames, std::uint32_t rate) {
    const std::uint64_t pts = pts_of(offset, rate);
    return {offset, frames, pts, pts_of(offset + frames, rate) - pts};
  }

  /// The first frame whose pts is at or after `ns`: the inverse of pts_of() (ceil(ns * rate /
  /// 1e9)), so that pts_of(first_frame_at(t)) >= t > pts_of(first_frame_at(t) - 1).
  static constexpr std::uint64_t first_frame_at(std::uint64_t ns, std::uint32_t rate) {
    const detail::Uint128 product = static_cast<detail::Uint128>(ns) * rate;
    const detail::Uint128 result = (product + kNanosPerSecond - 1) / kNanosPerSecond;
    return result > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(result);
  }

  friend constexpr bool operator==(const AudioTime&, const AudioTime&) = default;
};

}  // namespace framepipe
