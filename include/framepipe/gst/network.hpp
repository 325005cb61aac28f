// Live network recipes for AppSrcSink and Writer: gst-launch descriptions for RTP/UDP (H.264, VP8,
// raw RFC 4175) and SRT, the low-latency encoder presets they share with the RTSP server, and the
// SDP file a player needs to open an RTP stream.
#pragma once

#include <arpa/inet.h>
#include <gst/gst.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "framepipe/core/color_space.hpp"
#include "framepipe/core/enum_table.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/gst/app_src_sink_options.hpp"
#include "framepipe/gst/error.hpp"

namespace framepipe {

/// The video codecs of the network recipes; each has a low-latency encoder preset and an RTP
/// payloader.
enum class VideoCodec {
  /// x264enc (gstreamer1.0-plugins-ugly), rtph264pay.
  H264,
  /// vp8enc, rtpvp8pay (gstreamer1.0-plugins-good).
  VP8,
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

/// True for an IPv4 literal (dotted quad, `inet_pton(AF_INET)`) or an IPv6 literal
/// (`inet_pton(AF_INET6)`, no brackets).
inline bool is_ip_literal(const std::string& host) noexcept {
  in6_addr address{};
  return inet_pton(AF_INET, host.c_str(), &address) == 1 ||
         inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

/// True for a host name by RFC 1123: dot-separated labels of 1-63 ASCII letters, digits and
/// hyphens, not starting or ending with a hyphen, 253 characters at most, and a last label that is
/// not all digits (so "999.1.1.1" is a bad IPv4 literal, not a name).
inline bool is_host_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 253) return false;
  if (name.back() == '.') name.remove_suffix(1);  // the root label of a fully qualified name
  bool last_all_digits = false;
  while (true) {
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    const bool valid = std::all_of(label.begin(), label.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!valid) return false;
    last_all_digits =
        std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return !last_all_digits;
}

/// Throws InvalidArgument naming `host` unless it is an IP literal or a host name (RFC 1123):
/// what goes into `host=` or an srt:// URI of a description is never more than one token, so a
/// value such as "127.0.0.1 port=9" cannot add properties or elements.
inline void check_host(const std::string& host, std::string_view what) {
  if (is_ip_literal(host) || is_host_name(host)) return;
  throw InvalidArgument("framepipe: " + std::string(what) + " \"" + host +
                        "\" is not an IPv4 or IPv6 address or a host name (RFC 1123)");
}

/// The host as a URI authority wants it: "[::1]" for IPv6 literals.
inline std::string uri_host(std::string_view host) {
  if (!is_ipv6_literal(host)) return std::string(host);
  // Appended, not `"[" + std::string(host) + "]"`: GCC 12 at -O2 warns -Wrestrict (a false
  // positive of its string code) in operator+(const char*, std::string&&) once inlined into a
  // consumer's code, which fails a -Werror build (package_rtsp_only caught it through url()).
  std::string bracketed;
  bracketed.reserve(host.size() + 2);
  bracketed += '[';
  bracketed += host;
  bracketed += ']';
  return bracketed;
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

/// The RTP payloader for `codec`: `rtph264pay config-interval=0` or `rtpvp8pay`. The payloader
/// inserts no SPS/PPS of its own: x264enc already puts them before every key frame (so a receiver
/// that joins late can start), and `config-interval=-1` would put them again before every IDR
/// *slice* of a sliced encoder (tune=zerolatency slices each frame), where an SPS starts a new
/// access unit: ffmpeg then splits each key frame in two and smears the P frames after it.
inline std::string payloader_description(VideoCodec codec) {
  return codec == VideoCodec::H264 ? "rtph264pay config-interval=0" : "rtpvp8pay";
}

/// RTP over UDP to host:port, payload type 96: `<encoder> ! <payloader> pt=96 ! udpsink
/// host=… port=… sync=false async=false`. UDP needs no receiver: with none, packets are lost and
/// the sender goes on. Open it with the SDP file write_sdp() writes for the same host, port and
/// codec. Throws InvalidArgument when `host` is not an IP address or host name (check_host).
inline std::string rtp_udp_description(VideoCodec codec, const std::string& host,
                                       std::uint16_t port, FrameRate fps = {30, 1}) {
  detail::check_host(host, "rtp_udp_description(): host");
  return encoder_description(codec, fps) + " ! " + payloader_description(codec) +
         " pt=96 ! udpsink host=" + host + " port=" + std::to_string(port) +
         " sync=false async=false";
}

/// SRT's AES encryption of the payload (libsrt's `passphrase` and `pbkeylen`): sender and
/// receiver must share the passphrase, or the receiver gets nothing. An empty passphrase leaves
/// the stream unencrypted. The passphrase is 10 to 79 characters of the URI's unreserved set
/// (letters, digits, `-._~`), so it goes into a description and an `srt://…?passphrase=` URI
/// as it is; framepipe never prints it (exception texts and logs go through redact_secrets()).
struct SrtEncryption {
  std::string passphrase;  ///< 10..79 characters of [A-Za-z0-9-._~]; empty: no encryption
  int pbkeylen = 16;       ///< AES key length in bytes: 16, 24 or 32 (used with a passphrase)
};

namespace detail {
/// ` passphrase=… pbkeylen=N` for srtsink, "" without a passphrase. Throws InvalidArgument
/// (naming `what`, never the passphrase) when the passphrase's length or characters, or the key
/// length, are not what libsrt and a description accept.
inline std::string srt_encryption_properties(const SrtEncryption& encryption,
                                             std::string_view what) {
  if (encryption.passphrase.empty()) return {};
  const std::size_t length = encryption.passphrase.size();
  if (length < 10 || length > 79) {
    throw InvalidArgument("framepipe: " + std::string(what) + ": the SRT passphrase has " +
                          std::to_string(length) + " characters; libsrt takes 10 to 79");
  }
  const bool unreserved =
      std::all_of(encryption.passphrase.begin(), encryption.passphrase.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~';
      });
  if (!unreserved) {
    throw InvalidArgument("framepipe: " + std::string(what) +
                          ": the SRT passphrase may hold only letters, digits and -._~");
  }
  if (encryption.pbkeylen != 16 && encryption.pbkeylen != 24 && encryption.pbkeylen != 32) {
    throw InvalidArgument("framepipe: " + std::string(what) + ": pbkeylen " +
                          std::to_string(encryption.pbkeylen) + " is not 16, 24 or 32");
  }
  return " passphrase=" + encryption.passphrase +
         " pbkeylen=" + std::to_string(encryption.pbkeylen);
}
}  // namespace detail

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

/// The Opus encode of a live network stream's audio (RtspServer, WhepServer): `appsrc
/// name=<appsrc_name>` of interleaved S16LE or F32LE at any rate, converted to 48 kHz (what
/// opusenc takes) and encoded; the caller adds the payloader (rtpopuspay).
inline std::string opus_encode_description(std::string_view appsrc_name) {
  return "appsrc name=" + std::string(appsrc_name) +
         " is-live=true format=time ! audioconvert ! audioresample ! audio/x-raw,rate=48000 ! "
         "opusenc";
}

/// Throws MissingElement when an element of opus_encode_description(), or rtpopuspay, is not
/// installed.
inline void check_opus_elements() {
  for (const char* name : {"audioconvert", "audioresample", "opusenc", "rtpopuspay"}) {
    GstElementFactory* factory = gst_element_factory_find(name);
    if (factory == nullptr) {
      throw MissingElement(name, std::string("no such element factory \"") + name + "\"");
    }
    gst_object_unref(factory);
  }
}
}  // namespace detail

/// SRT listener on address:port (`srtsink uri=srt://address:port?mode=listener
/// wait-for-connection=false`; the mode goes in the URI, since setting the uri resets the `mode`
/// property, whatever their order): the sender
/// waits for callers (`srtsrc uri=srt://address:port`, `ffplay srt://address:port`) and streams
/// whether or not one is connected. H.264 travels in MPEG-TS, VP8 in streamable WebM. The
/// default address is loopback; give "0.0.0.0" to listen on every interface. With an
/// `encryption` passphrase the stream is AES-encrypted (`passphrase=… pbkeylen=N`): a caller
/// without the same passphrase gets nothing (`ffplay "srt://host:port?passphrase=…"`). Throws
/// InvalidArgument when `address` is not an IP address or host name, or `encryption` is invalid.
inline std::string srt_listener_description(std::uint16_t port, VideoCodec codec = VideoCodec::H264,
                                            const std::string& address = "127.0.0.1",
                                            FrameRate fps = {30, 1},
                                            const SrtEncryption& encryption = {}) {
  detail::check_host(address, "srt_listener_description(): address");
  const std::string crypto =
      detail::srt_encryption_properties(encryption, "srt_listener_description()");
  return detail::srt_payload(codec, fps) + " ! srtsink uri=srt://" + detail::uri_host(address) +
         ":" + std::to_string(port) + "?mode=listener wait-for-connection=false" + crypto +
         " latency=20 sync=false async=false";
}

/// SRT caller to host:port (`srtsink uri=srt://host:port?mode=caller&conntimeo=MS
/// auto-reconnect=false`), for a listener elsewhere (an ingest server, `srtsrc uri=srt://:port
/// mode=listener`). Same payload as srt_listener_description(). When no listener answers within
/// `connect_timeout` (libsrt's `conntimeo`; its default is also 3 s), the sink fails with
/// PeerUnreachable, whatever the codec, which AppSrcSink rethrows from its next submit().
/// `auto-reconnect=false` is what makes it fail: with srtsink's default (true) a timed-out connect
/// is only a warning ("Connection timeout. Trying to reconnect") and a new attempt, for ever, and
/// every frame counts as delivered. A listener that goes away later ends the stream too, with a
/// StreamError ("Failed to write to SRT socket"): lost frames are never counted as sent.
/// `encryption` as for srt_listener_description(): the listener must hold the same passphrase.
/// Throws InvalidArgument when `host` is not an IP address or host name, or `encryption` is
/// invalid.
inline std::string srt_caller_description(
    const std::string& host, std::uint16_t port, VideoCodec codec = VideoCodec::H264,
    FrameRate fps = {30, 1},
    std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(3000),
    const SrtEncryption& encryption = {}) {
  detail::check_host(host, "srt_caller_description(): host");
  const std::string crypto =
      detail::srt_encryption_properties(encryption, "srt_caller_description()");
  return detail::srt_payload(codec, fps) + " ! srtsink uri=srt://" + detail::uri_host(host) + ":" +
         std::to_string(port) +
         "?mode=caller&conntimeo=" + std::to_string(connect_timeout.count()) +
         " wait-for-connection=false auto-reconnect=false" + crypto +
         " latency=20 sync=false async=false";
}

/// Uncompressed video over RTP/UDP (RFC 4175) to host:port, payload type 96: `videoconvert !
/// video/x-raw,format=UYVY ! rtpvrawpay pt=96 mtu=MTU ! udpsink host=… port=… sync=false
/// async=false`. No encoder: luma arrives bit for bit (the conversion to UYVY only repeats each
/// chroma row), at the cost of the full frame rate in bytes (UYVY 320x240 at 30/1 is 4.6 MB/s,
/// about 3300 packets/s of 1400 bytes), so keep it to small sizes, loopback and LANs.
/// Why 4:2:2: rtpvrawpay sends I420 as it is (RFC 4175 sampling YCbCr-4:2:0), but ffmpeg 5.1's
/// RFC 4175 depacketizer hands those packed 4:2:0 pixel groups on as planar yuv420p, a garbled
/// picture; UYVY (YCbCr-4:2:2) is the packed layout rtpvrawdepay, ffmpeg (uyvy422) and VLC all
/// read. Open it with the SDP file write_raw_sdp() writes for the same host, port and size.
/// Throws InvalidArgument when `host` is not an IP address or host name.
inline std::string rtp_raw_udp_description(const std::string& host, std::uint16_t port,
                                           int mtu = 1400) {
  detail::check_host(host, "rtp_raw_udp_description(): host");
  return "videoconvert ! video/x-raw,format=UYVY ! rtpvrawpay pt=96 mtu=" + std::to_string(mtu) +
         " ! udpsink host=" + host + " port=" + std::to_string(port) + " sync=false async=false";
}

namespace detail {
/// The SDP header of one video stream on `port`, payload type 96.
inline std::string sdp_session(const std::string& host, std::uint16_t port,
                               const std::string& session_name) {
  check_host(host, "SDP host");
  if (session_name.find_first_of("\r\n") != std::string::npos) {
    throw InvalidArgument("framepipe: the SDP session name must be one line");
  }
  const char* family = is_ipv6_literal(host) ? "IP6" : "IP4";
  std::string sdp = "v=0\r\n";
  sdp += std::string("o=- 0 0 IN ") + family + " " + host + "\r\n";
  sdp += "s=" + session_name + "\r\n";
  sdp += std::string("c=IN ") + family + " " + host + "\r\n";
  sdp += "t=0 0\r\n";
  sdp += "m=video " + std::to_string(port) + " RTP/AVP 96\r\n";
  return sdp;
}

/// The RFC 4175 `colorimetry` of each matrix, as rtpvrawpay states it.
inline constexpr EnumRow<Matrix, std::string_view> kRfc4175Colorimetry[] = {
    {Matrix::BT601, "BT601-5"},
    {Matrix::BT709, "BT709-2"},
    {Matrix::BT2020, "BT2020"},
};

/// The RFC 4175 `colorimetry` of `matrix` (BT601-5 for a number that is no matrix).
constexpr std::string_view rfc4175_colorimetry(Matrix matrix) noexcept {
  return value_of(kRfc4175Colorimetry, matrix, "BT601-5");
}

inline void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out) throw Error("framepipe: cannot write the SDP file " + path);
}
}  // namespace detail

/// The SDP text that describes rtp_udp_description(codec, host, port): one video stream on
/// `port`, payload type 96, 90 kHz clock (`m=video PORT RTP/AVP 96`, `a=rtpmap:96 H264/90000`,
/// `a=fmtp:96 packetization-mode=1` for H.264).
inline std::string sdp_text(const std::string& host, std::uint16_t port, VideoCodec codec,
                            const std::string& session_name = "framepipe") {
  std::string sdp = detail::sdp_session(host, port, session_name);
  if (codec == VideoCodec::H264) {
    sdp += "a=rtpmap:96 H264/90000\r\n";
    sdp += "a=fmtp:96 packetization-mode=1\r\n";
  } else {
    sdp += "a=rtpmap:96 VP8/90000\r\n";
  }
  return sdp;
}

/// The SDP text that describes rtp_raw_udp_description(host, port) carrying frames of `size` at
/// `fps` made with `color` (default_color_spec(size) when unset, as AppSrcSink states it), RFC
/// 4175: `a=rtpmap:96 raw/90000`, `a=fmtp:96 sampling=YCbCr-4:2:2; width=W; height=H; depth=8;
/// colorimetry=BT601-5`, `a=framerate:N`. These are the values rtpvrawpay negotiates for the
/// UYVY the recipe sends (colorimetry BT601-5 for framepipe's default BT.601, BT709-2 for
/// BT.709), and what ffmpeg's RFC 4175 depacketizer reads as uyvy422.
inline std::string raw_sdp_text(const std::string& host, std::uint16_t port, Size size,
                                FrameRate fps = {30, 1},
                                std::optional<ColorSpec> color = std::nullopt,
                                const std::string& session_name = "framepipe") {
  std::string sdp = detail::sdp_session(host, port, session_name);
  sdp += "a=rtpmap:96 raw/90000\r\n";
  sdp += "a=fmtp:96 sampling=YCbCr-4:2:2; width=" + std::to_string(size.width) +
         "; height=" + std::to_string(size.height) + "; depth=8; colorimetry=" +
         std::string(detail::rfc4175_colorimetry(color.value_or(default_color_spec(size)).matrix)) +
         "\r\n";
  if (fps.num > 0 && fps.den > 0) {
    sdp += fps.den == 1
               ? "a=framerate:" + std::to_string(fps.num) + "\r\n"
               : "a=framerate:" +
                     std::to_string(static_cast<double>(fps.num) / static_cast<double>(fps.den)) +
                     "\r\n";
  }
  return sdp;
}

/// Writes raw_sdp_text(host, port, size, fps, color) to `path`, for `ffplay -protocol_whitelist
/// file,udp,rtp -i PATH` and other players. Throws Error when the file cannot be written.
inline void write_raw_sdp(const std::string& path, const std::string& host, std::uint16_t port,
                          Size size, FrameRate fps = {30, 1},
                          std::optional<ColorSpec> color = std::nullopt,
                          const std::string& session_name = "framepipe") {
  detail::write_text_file(path, raw_sdp_text(host, port, size, fps, color, session_name));
}

/// Writes sdp_text(host, port, codec) to `path`, the file ffmpeg (`ffplay -protocol_whitelist
/// file,udp,rtp -i PATH`), VLC and GStreamer (`filesrc location=PATH ! sdpdemux`) open. Throws
/// Error when the file cannot be written.
inline void write_sdp(const std::string& path, const std::string& host, std::uint16_t port,
                      VideoCodec codec, const std::string& session_name = "framepipe") {
  detail::write_text_file(path, sdp_text(host, port, codec, session_name));
}

}  // namespace framepipe
