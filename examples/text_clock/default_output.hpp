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

/// The gst-launch description of the clock with sound (`--audio`) and/or subtitles
/// (`--subtitles`): one appsrc per stream, `video`, `audio`, `text`, into one muxer chosen by the
/// extension of `path`: `.mkv` H.264 + Opus (+ text) in Matroska, `.mp4` H.264 + AAC
/// (avenc_aac) in MP4 (text as tx3g), anything else VP8 + Opus in WebM. Subtitles only in
/// Matroska and MP4: "" when they are asked for another container. A
/// queue in front of the muxer on each branch lets the muxer hold one stream while it waits for
/// another (mp4mux interleaves 250 ms chunks) without starving the sink's pool.
inline std::string default_av_output(const std::string& path, framepipe::Size size,
                                     framepipe::FrameRate fps, bool audio, bool subtitles) {
  const auto ends_with = [&](const std::string& tail) {
    return path.size() >= tail.size() &&
           path.compare(path.size() - tail.size(), tail.size(), tail) == 0;
  };
  const bool mkv = ends_with(".mkv");
  const bool mp4 = ends_with(".mp4");
  if (subtitles && !mkv && !mp4) return "";
  // With subtitles a second ahead (main.cpp), mp4mux holds up to 2 s of the other streams while
  // it waits for the next text: the queues must take that much (their default is 1 s).
  const std::string queue =
      subtitles && mp4 ? "queue max-size-time=3000000000 max-size-buffers=0 max-size-bytes=0"
                       : "queue";
  std::string description = "appsrc name=video ! videoconvert ! ";
  if (mkv || mp4) {
    description += "x264enc speed-preset=veryfast tune=zerolatency key-int-max=60 ! h264parse";
  } else {
    description += "vp8enc deadline=1 target-bitrate=" + std::to_string(vp8_bitrate(size, fps));
  }
  description += " ! " + queue + " ! mux.  ";
  if (audio) {
    description += std::string("appsrc name=audio ! audioconvert ! ") +
                   (mp4 ? "avenc_aac" : "opusenc") + " ! " + queue + " ! mux.  ";
  }
  if (subtitles) description += "appsrc name=text ! text/x-raw,format=utf8 ! queue ! mux.  ";
  return description +
         (mkv   ? "matroskamux"
          : mp4 ? "mp4mux"
                : "webmmux") +
         " name=mux ! filesink location=\"" + path + "\"";
}

}  // namespace text_clock
