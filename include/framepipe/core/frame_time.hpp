// Exact integer timestamps from a frame index and a rational frame rate.
#pragma once

#include <cstdint>
#include <string>

#include "framepipe/core/error.hpp"

namespace framepipe {

/// Nanoseconds per second, GStreamer's GST_SECOND.
inline constexpr std::uint64_t kNanosPerSecond = 1'000'000'000;

/// A frame rate as the fraction `num / den` frames per second, e.g. {30000, 1001}.
struct FrameRate {
  std::int64_t num = 30;  ///< frames ...
  std::int64_t den = 1;   ///< ... per `den` seconds (30000/1001 is NTSC's 29.97)
  /// Same numerator and denominator (30/1 and 60/2 differ).
  friend constexpr bool operator==(const FrameRate&, const FrameRate&) = default;
};

/// The largest frame-rate denominator FrameTime::at() computes with: `1e9 * den` must fit in 64
/// bits (about 1.8e10).
inline constexpr std::int64_t kMaxFrameRateDen =
    static_cast<std::int64_t>(UINT64_MAX / kNanosPerSecond);

/// Throws InvalidArgument unless `rate` is a positive fraction whose denominator is at most
/// kMaxFrameRateDen (so that every pts is computed without overflow).
inline void check_frame_rate(FrameRate rate) {
  const std::string text = std::to_string(rate.num) + "/" + std::to_string(rate.den);
  if (rate.num <= 0 || rate.den <= 0) {
    throw InvalidArgument("framepipe: frame rate " + text + " is invalid (both parts must be > 0)");
  }
  if (rate.den > kMaxFrameRateDen) {
    throw InvalidArgument("framepipe: frame rate " + text +
                          " is invalid (the denominator must be "
                          "at most " +
                          std::to_string(kMaxFrameRateDen) + ", or timestamps overflow)");
  }
}

namespace detail {

__extension__ using Uint128 = unsigned __int128;

/// `value * num / denom`, truncated, without intermediate overflow: what GStreamer's
/// gst_util_uint64_scale() computes. Saturates at UINT64_MAX like it does.
constexpr std::uint64_t scale_u64(std::uint64_t value, std::uint64_t num, std::uint64_t denom) {
  const Uint128 product = static_cast<Uint128>(value) * num;
  const Uint128 result = product / denom;
  return result > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(result);
}

}  // namespace detail

/// When frame `index` is shown and for how long, in nanoseconds.
struct FrameTime {
  std::uint64_t index = 0;  ///< frame number from the start of the stream
  /// Presentation time in ns, from the stream's start. A frame a stage makes has the GstBuffer
  /// PTS it will carry; a frame read from GStreamer (AppSinkSource, Reader) has its buffer's
  /// stream time, the segment applied (an MP4 edit list included): the timeline players show.
  std::uint64_t pts = 0;
  std::uint64_t duration = 0;  ///< pts of the next frame minus this pts (GstBuffer duration)

  /// The time of frame `index` at `rate`: pts = index * 1e9 * den / num, truncated as
  /// gst_util_uint64_scale() does; durations tile exactly (pts(i) + duration(i) == pts(i+1)).
  static constexpr FrameTime at(std::uint64_t index, FrameRate rate) {
    const auto num = static_cast<std::uint64_t>(rate.num);
    const auto ns_per_tick = kNanosPerSecond * static_cast<std::uint64_t>(rate.den);
    const std::uint64_t pts = detail::scale_u64(index, ns_per_tick, num);
    const std::uint64_t next = detail::scale_u64(index + 1, ns_per_tick, num);
    return {index, pts, next - pts};
  }

  /// The pts in seconds (for display; use `pts` for arithmetic).
  constexpr double seconds() const {
    return static_cast<double>(pts) / static_cast<double>(kNanosPerSecond);
  }

  friend constexpr bool operator==(const FrameTime&, const FrameTime&) = default;
};

}  // namespace framepipe
