// Live network recipes for AppSrcSink and Writer: gst-launch descriptions for RTP/UDP and SRT,
// the low-latency encoder presets they share with the RTSP server, and the SDP file a player
// needs to open an RTP stream.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/gst/app_src_sink_options.hpp"

namespace framepipe {

/// The video codecs of the network recipes; each has a low-latency encoder preset and an RTP
/// payloader.
enum class VideoCodec {
  /// x264enc (gstreamer1.0-plugins-ugly), rtph264pay.
  H264,
  /// vp8enc, rtpvp8pay (gstreamer1.0-plugins-good).
  VP8,
};

/// A socket address someone else already holds (EADDRINUSE): another server, or an earlier run
/// of this one.
class AddressInUse : public Error {
 public:
  AddressInUse(std::string address, std::uint16_t port, const std::string& detail)
      : Error("framepipe: " + address + ":" + std::to_string(port) +
              " is already in use (another server, or an earlier run still holds it): " + detail),
        address_(std::move(address)),
        port_(port) {}

  const std::string& address() const noexcept { return address_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  std::string address_;
  std::uint16_t port_ = 0;
};

/// The options an AppSrcSink feeding a network sink should have: frames made on the wall clock
/// are never held back by a slow or vanished receiver (Backpressure::DropOldest, a pool of 4, so
/// appsrc queues at most 2 frames), and every loss is counted. Pair it with
/// `Pacing::RealTime` in RunOptions (Pipeline) or a real-time caller (Writer).
inline AppSrcSinkOptions live_sink_options() {
  AppSrcSinkOptions options;
  options.backpressure = Backpressure::DropOldest;
  options.pool_size = 4;
  options.eos_timeout = std::chrono::milliseconds(2000);
  return options;
}

/// "h264" or "vp8".
constexpr std::string_view codec_name(VideoCodec codec) noexcept {
  return codec == VideoCodec::H264 ? "h264" : "vp8";
}

/// The codec named "h264" or "vp8"; nullopt for anything else.
inline std::optional<VideoCodec> parse_codec(std::string_view name) noexcept {
  if (name == "h264") return VideoCodec::H264;
  if (name == "vp8") return VideoCodec::VP8;
  return std::nullopt;
}

namespace detail {
/// Frames in one second at `fps`, rounded up, at least 1: the key-frame interval of the presets.
constexpr std::int64_t frames_per_second_ceil(FrameRate fps) noexcept {
  if (fps.num <= 0 || fps.den <= 0) return 30;
  const std::int64_t n = (fps.num + fps.den - 1) / fps.den;
  return n < 1 ? 1 : n;
}

inline bool is_ipv6_literal(std::string_view host) noexcept {
  return host.find(':') != std::string_view::npos;
}

/// The host as a URI authority wants it: "[::1]" for IPv6 literals.
inline std::string uri_host(std::string_view host) {
  return is_ipv6_literal(host) ? "[" + std::string(host) + "]" : std::string(host);
}
}  // namespace detail

/// The low-latency encoder for `codec`, with a key frame at least once a second at `fps`:
/// `x264enc tune=zerolatency speed-preset=ultrafast key-int-max=N` (no B-frames, no lookahead,
/// one frame in, one frame out) or `vp8enc deadline=1 keyframe-max-dist=N` (VP8's realtime
/// mode).
inline std::string encoder_description(VideoCodec codec, FrameRate fps = {30, 1}) {
  const std::string n = std::to_string(detail::frames_per_second_ceil(fps));
  if (codec == VideoCodec::H264) {
    return "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=" + n;
  }
  return "vp8enc deadline=1 keyframe-max-dist=" + n;
}

/// The RTP payloader for `codec`: `rtph264pay config-interval=-1` (SPS/PPS before every key
/// frame, so a receiver that joins late can start) or `rtpvp8pay`.
inline std::string payloader_description(VideoCodec codec) {
  return codec == VideoCodec::H264 ? "rtph264pay config-interval=-1" : "rtpvp8pay";
}

/// RTP over UDP to host:port, payload type 96: `<encoder> ! <payloader> pt=96 ! udpsink
/// host=… port=… sync=false async=false`. UDP needs no receiver: with none, packets are lost and
/// the sender goes on. Open it with the SDP file write_sdp() writes for the same host, port and
/// codec.
inline std::string rtp_udp_description(VideoCodec codec, const std::string& host,
                                       std::uint16_t port, FrameRate fps = {30, 1}) {
  return encoder_description(codec, fps) + " ! " + payloader_description(codec) +
         " pt=96 ! udpsink host=" + host + " port=" + std::to_string(port) +
         " sync=false async=false";
}

namespace detail {
/// Encoded video in a container a player reads from a byte stream: MPEG-TS for H.264 (x264enc's
/// byte-stream repeats SPS/PPS before every key frame, so a late caller can start; an
/// `h264parse config-interval=-1` in between made the stream undecodable in GStreamer 1.22),
/// streamable WebM for VP8.
inline std::string srt_payload(VideoCodec codec, FrameRate fps) {
  if (codec == VideoCodec::H264) {
    return encoder_description(codec, fps) + " ! mpegtsmux";
  }
  return encoder_description(codec, fps) + " ! webmmux streamable=true";
}
}  // namespace detail

/// SRT listener on address:port (`srtsink uri=srt://address:port?mode=listener
/// wait-for-connection=false`; the mode goes in the URI, since setting the uri resets the `mode`
/// property, whatever their order): the sender
/// waits for callers (`srtsrc uri=srt://address:port`, `ffplay srt://address:port`) and streams
/// whether or not one is connected. H.264 travels in MPEG-TS, VP8 in streamable WebM. The
/// default address is loopback; give "0.0.0.0" to listen on every interface.
inline std::string srt_listener_description(std::uint16_t port, VideoCodec codec = VideoCodec::H264,
                                            const std::string& address = "127.0.0.1",
                                            FrameRate fps = {30, 1}) {
  return detail::srt_payload(codec, fps) + " ! srtsink uri=srt://" + detail::uri_host(address) +
         ":" + std::to_string(port) +
         "?mode=listener wait-for-connection=false latency=20 sync=false async=false";
}

/// SRT caller to host:port (`srtsink uri=srt://host:port?mode=caller`), for a listener elsewhere
/// (an ingest server, `srtsrc uri=srt://:port mode=listener`). Same payload as
/// srt_listener_description().
inline std::string srt_caller_description(const std::string& host, std::uint16_t port,
                                          VideoCodec codec = VideoCodec::H264,
                                          FrameRate fps = {30, 1}) {
  return detail::srt_payload(codec, fps) + " ! srtsink uri=srt://" + detail::uri_host(host) + ":" +
         std::to_string(port) +
         "?mode=caller wait-for-connection=false latency=20 sync=false async=false";
}

/// The SDP text that describes rtp_udp_description(codec, host, port): one video stream on
/// `port`, payload type 96, 90 kHz clock (`m=video PORT RTP/AVP 96`, `a=rtpmap:96 H264/90000`,
/// `a=fmtp:96 packetization-mode=1` for H.264).
inline std::string sdp_text(const std::string& host, std::uint16_t port, VideoCodec codec,
                            const std::string& session_name = "framepipe") {
  const char* family = detail::is_ipv6_literal(host) ? "IP6" : "IP4";
  std::string sdp = "v=0\r\n";
  sdp += std::string("o=- 0 0 IN ") + family + " " + host + "\r\n";
  sdp += "s=" + session_name + "\r\n";
  sdp += std::string("c=IN ") + family + " " + host + "\r\n";
  sdp += "t=0 0\r\n";
  sdp += "m=video " + std::to_string(port) + " RTP/AVP 96\r\n";
  if (codec == VideoCodec::H264) {
    sdp += "a=rtpmap:96 H264/90000\r\n";
    sdp += "a=fmtp:96 packetization-mode=1\r\n";
  } else {
    sdp += "a=rtpmap:96 VP8/90000\r\n";
  }
  return sdp;
}

/// Writes sdp_text(host, port, codec) to `path`, the file ffmpeg (`ffplay -protocol_whitelist
/// file,udp,rtp -i PATH`), VLC and GStreamer (`filesrc location=PATH ! sdpdemux`) open. Throws
/// Error when the file cannot be written.
inline void write_sdp(const std::string& path, const std::string& host, std::uint16_t port,
                      VideoCodec codec, const std::string& session_name = "framepipe") {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << sdp_text(host, port, codec, session_name);
  out.flush();
  if (!out) throw Error("framepipe: cannot write the SDP file " + path);
}

}  // namespace framepipe
