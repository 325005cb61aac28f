// What WHEP needs to know of a browser's SDP offer before it builds a viewer: the m-line index of
// the first video section and the payload type the browser gave the codec we send, and (for a
// stream with audio) the same of its first audio section that takes Opus.
#pragma once

#include <gst/sdp/sdp.h>

#include <cstddef>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe::detail {

/// The lower-case copy of `text` (SDP encoding names are case-insensitive).
inline std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(g_ascii_tolower(c));
  return lower;
}

/// An offer that WHEP can answer for one codec, or why it cannot.
struct SdpOfferCheck {
  /// Empty when the offer can be answered; else the reason, for a 400.
  std::string error;
  /// The payload type the offer gives the codec (the payloader's `pt`).
  unsigned payload_type = 0;
  /// The index of the first video m-line.
  unsigned mline = 0;
  /// The index of the first audio m-line that receives (sendrecv or recvonly, port not 0) and
  /// offers opus/48000/2 with a dynamic payload type; unset when the offer has none (a viewer of
  /// a stream with audio then gets the video only).
  std::optional<unsigned> audio_mline;
  /// The payload type that audio m-line gives Opus (with audio_mline).
  unsigned audio_payload_type = 0;
};

/// Whether `media` is enabled (port not 0) and receives (neither sendonly nor inactive).
inline bool sdp_media_receives(const GstSDPMedia* media) {
  return gst_sdp_media_get_port(media) != 0 &&
         gst_sdp_media_get_attribute_val(media, "sendonly") == nullptr &&
         gst_sdp_media_get_attribute_val(media, "inactive") == nullptr;
}

/// The dynamic payload type (96 to 127) that `media`'s rtpmap gives `wanted` (lower case, e.g.
/// "opus/48000/2"); 0 when none.
inline unsigned sdp_payload_type(const GstSDPMedia* media, std::string_view wanted) {
  for (guint i = 0;; ++i) {
    const char* rtpmap = gst_sdp_media_get_attribute_val_n(media, "rtpmap", i);
    if (rtpmap == nullptr) return 0;
    const std::string_view entry(rtpmap);
    const std::size_t space = entry.find(' ');
    if (space == std::string_view::npos) continue;
    if (ascii_lower(entry.substr(space + 1)) != wanted) continue;
    const unsigned long value =
        std::strtoul(std::string(entry.substr(0, space)).c_str(), nullptr, 10);
    if (value >= 96 && value <= 127) return static_cast<unsigned>(value);
  }
}

/// Finds in `message` the first audio m-line that receives Opus (SdpOfferCheck::audio_mline).
inline void find_sdp_opus(const GstSDPMessage* message, SdpOfferCheck& result) {
  for (guint i = 0; i < gst_sdp_message_medias_len(message); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(message, i);
    const char* kind = gst_sdp_media_get_media(media);
    if (kind == nullptr || std::string_view(kind) != "audio") continue;
    if (!sdp_media_receives(media)) continue;
    const unsigned pt = sdp_payload_type(media, "opus/48000/2");
    if (pt == 0) continue;
    result.audio_mline = i;
    result.audio_payload_type = pt;
    return;
  }
}

/// Whether an `a=fmtp` value names H.264 constrained baseline level 3.1 (profile-level-id
/// 42e01f) in packetization-mode 1, which Chrome decodes from rtph264pay.
inline bool is_constrained_baseline_fmtp(std::string_view fmtp) {
  const std::string lower = ascii_lower(fmtp);
  return lower.find("profile-level-id=42e01f") != std::string::npos &&
         lower.find("packetization-mode=1") != std::string::npos;
}

/// Reads `sdp` (gst_sdp_message_parse_buffer) and finds, in its first video m-line, the payload
/// type of `codec` (VP8/90000; or H264/90000 with profile-level-id 42e01f and
/// packetization-mode 1). The offer must want to receive that video (sendrecv or recvonly). Also
/// finds its first audio m-line that receives Opus, if any (audio_mline, audio_payload_type).
inline SdpOfferCheck check_sdp_offer(std::string_view sdp, VideoCodec codec) {
  SdpOfferCheck result;
  if (sdp.substr(0, 3) != "v=0") {
    result.error = "malformed SDP: it does not start with v=0";
    return result;
  }
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  const GlibPtr<GstSDPMessage, gst_sdp_message_free> message(raw);
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(sdp.data()),
                                   static_cast<guint>(sdp.size()), message.get()) != GST_SDP_OK) {
    result.error = "malformed SDP";
    return result;
  }
  const GstSDPMedia* video = nullptr;
  for (guint i = 0; i < gst_sdp_message_medias_len(message.get()); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(message.get(), i);
    const char* kind = gst_sdp_media_get_media(media);
    if (kind != nullptr && std::string_view(kind) == "video") {
      video = media;
      result.mline = i;
      break;
    }
  }
  if (video == nullptr) {
    result.error = "the offer has no video m-line";
    return result;
  }
  if (gst_sdp_media_get_port(video) == 0) {
    result.error = "the offer's video m-line is disabled (port 0)";
    return result;
  }
  if (gst_sdp_media_get_attribute_val(video, "sendonly") != nullptr ||
      gst_sdp_media_get_attribute_val(video, "inactive") != nullptr) {
    result.error = "the offer's video m-line does not receive (sendonly or inactive)";
    return result;
  }
  const std::string wanted = codec == VideoCodec::H264 ? "h264/90000" : "vp8/90000";
  for (guint i = 0;; ++i) {
    const char* rtpmap = gst_sdp_media_get_attribute_val_n(video, "rtpmap", i);
    if (rtpmap == nullptr) break;
    const std::string_view entry(rtpmap);
    const std::size_t space = entry.find(' ');
    if (space == std::string_view::npos) continue;
    const std::string pt(entry.substr(0, space));
    if (ascii_lower(entry.substr(space + 1)) != wanted) continue;
    if (codec == VideoCodec::H264) {
      bool baseline = false;
      for (guint j = 0;; ++j) {
        const char* fmtp = gst_sdp_media_get_attribute_val_n(video, "fmtp", j);
        if (fmtp == nullptr) break;
        const std::string_view f(fmtp);
        if (f.substr(0, pt.size() + 1) == pt + " " && is_constrained_baseline_fmtp(f)) {
          baseline = true;
        }
      }
      if (!baseline) continue;
    }
    const unsigned long value = std::strtoul(pt.c_str(), nullptr, 10);
    if (value < 96 || value > 127) continue;
    result.payload_type = static_cast<unsigned>(value);
    find_sdp_opus(message.get(), result);
    return result;
  }
  result.error = codec == VideoCodec::H264
                     ? "the offer has no H264/90000 with profile-level-id=42e01f and "
                       "packetization-mode=1 (the codec this stream sends)"
                     : "the offer has no VP8/90000 (the codec this stream sends)";
  return result;
}

}  // namespace framepipe::detail
