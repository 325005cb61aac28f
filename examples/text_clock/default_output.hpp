// text_clock's default output: VP8 in WebM, the README's first example. Shared with
// tests/colour/decode_colour_test.cpp, which decodes it with ffmpeg and GStreamer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <framepipe/framepipe.hpp>
#include <string>

namespace text_clock {

/// vp8enc's target-bitrate for `size` at `fps`: one bit per 30 pixels shown (2 Mbit/s at 1080p30),
/// and never below vp8enc's own default of 256 kbit/s. At the default alone, 1080p flat colours
/// decode up to 7 levels off (14 in the first frame) from quantisation; from 2 Mbit/s they are
/// within 3 (docs/colour.md).
inline std::int64_t vp8_bitrate(framepipe::Size size, framepipe::FrameRate fps) {
  if (size.width <= 0 || size.height <= 0 || fps.num <= 0 || fps.den <= 0) return 256'000;
  const double pixels_per_second = static_cast<double>(size.width) * size.height *
                                   static_cast<double>(fps.num) / static_cast<double>(fps.den);
  return std::max<std::int64_t>(256'000, static_cast<std::int64_t>(pixels_per_second / 30));
}

/// The gst-launch description that encodes to `path`. VP8 can only signal BT.601 in its
/// bitstream, which is why framepipe's default matrix is BT.601 at every size.
inline std::string default_output(const std::string& path, framepipe::Size size,
                                  framepipe::FrameRate fps) {
  return "videoconvert ! vp8enc deadline=1 target-bitrate=" +
         std::to_string(vp8_bitrate(size, fps)) + " ! webmmux ! filesink location=\"" + path + "\"";
}

}  // namespace text_clock
