// Caps that describe framepipe's frames exactly: format, size, rate, colorimetry, chroma siting;
// and its audio: format, layout, rate, channels.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe {

/// The GstVideoFormat of `format` (`gst_video_format_from_string()` of its GStreamer name).
/// Throws Error if this GStreamer does not know the name.
inline GstVideoFormat video_format_of(PixelFormat format) {
  const std::string name(format_info(format).gst_name);
  const GstVideoFormat f = gst_video_format_from_string(name.c_str());
  if (f == GST_VIDEO_FORMAT_UNKNOWN) {
    throw Error("framepipe: this GStreamer has no video format \"" + name + "\" (for " +
                std::string(format_name(format)) + ")");
  }
  return f;
}

/// The colour description a sink states for `spec`: spec.color, or default_color_spec(size) when
/// the producer did not say.
inline ColorSpec stated_color_spec(const StreamSpec& spec) {
  return spec.color.value_or(default_color_spec(spec.size));
}

/// The GstVideoColorimetry of Y'CbCr frames made with `color`: its matrix and range, with the
/// transfer function and primaries that go with the matrix's standard (BT.601: BT.601 transfer,
/// SMPTE 170M primaries; BT.709: BT.709 and BT.709; BT.2020: BT.2020 10-bit transfer and BT.2020
/// primaries). Only matrix and range affect the pixel values a converter computes; the transfer
/// and primaries keep the description coherent for elements that look at them.
inline GstVideoColorimetry colorimetry_of(ColorSpec color) {
  GstVideoColorimetry c{};
  c.range = color.range == Range::Full ? GST_VIDEO_COLOR_RANGE_0_255 : GST_VIDEO_COLOR_RANGE_16_235;
  switch (color.matrix) {
    case Matrix::BT601:
      c.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
      c.transfer = GST_VIDEO_TRANSFER_BT601;
      c.primaries = GST_VIDEO_COLOR_PRIMARIES_SMPTE170M;
      break;
    case Matrix::BT709:
      c.matrix = GST_VIDEO_COLOR_MATRIX_BT709;
      c.transfer = GST_VIDEO_TRANSFER_BT709;
      c.primaries = GST_VIDEO_COLOR_PRIMARIES_BT709;
      break;
    case Matrix::BT2020:
      c.matrix = GST_VIDEO_COLOR_MATRIX_BT2020;
      c.transfer = GST_VIDEO_TRANSFER_BT2020_10;
      c.primaries = GST_VIDEO_COLOR_PRIMARIES_BT2020;
      break;
  }
  return c;
}

namespace detail {

/// The number GStreamer stored in an enum field of a GstVideoInfo, read as an int: caps may put
/// any number there (`colorimetry=1:16:12:9` parses into matrix 16), and loading a value outside
/// the enum's range as the enum type is undefined behaviour (UBSan: "not a valid value").
template <class Enum>
int raw_enum_value(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int));
  int value = 0;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

/// The colour of Y'CbCr frames as caps state it (`GstVideoColorimetry`; the inverse of
/// colorimetry_of() for matrix and range): BT.601, BT.709 or BT.2020, limited or full. FCC counts
/// as BT.601 and SMPTE 240M as BT.709 (their nearest); an unknown matrix as BT.601, framepipe's
/// default.
inline ColorSpec color_spec_of(const GstVideoColorimetry& c) {
  ColorSpec color;
  switch (raw_enum_value(c.matrix)) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
    case GST_VIDEO_COLOR_MATRIX_SMPTE240M:
      color.matrix = Matrix::BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      color.matrix = Matrix::BT2020;
      break;
    default:
      color.matrix = Matrix::BT601;
      break;
  }
  color.range = raw_enum_value(c.range) == static_cast<int>(GST_VIDEO_COLOR_RANGE_0_255)
                    ? Range::Full
                    : Range::Limited;
  return color;
}

/// Where caps put the chroma: `jpeg` (centred) is Center; `mpeg2` and any other horizontally
/// co-sited siting, or none stated, is Left (what decoders give).
inline ChromaSite chroma_site_of(GstVideoChromaSite site) {
  if (site == GST_VIDEO_CHROMA_SITE_JPEG) return ChromaSite::Center;
  return ChromaSite::Left;
}

/// The StreamSpec of frames of `format` that `info` (caps read by gst_video_info_from_caps())
/// describes: its size as given (not checked), its rate or 30/1 when the caps state none (or a
/// variable one, 0/1), and for Y'CbCr formats the colour of its colorimetry (color_spec_of()) and
/// its chroma siting (chroma_site_of()). Pacing stays AsFastAsPossible.
inline StreamSpec stream_spec_of(const GstVideoInfo& info, PixelFormat format) {
  StreamSpec spec{};
  spec.format = format;
  spec.size = {static_cast<int>(GST_VIDEO_INFO_WIDTH(&info)),
               static_cast<int>(GST_VIDEO_INFO_HEIGHT(&info))};
  spec.fps = GST_VIDEO_INFO_FPS_N(&info) > 0 && GST_VIDEO_INFO_FPS_D(&info) > 0
                 ? FrameRate{GST_VIDEO_INFO_FPS_N(&info), GST_VIDEO_INFO_FPS_D(&info)}
                 : FrameRate{30, 1};
  if (format_info(format).yuv) {
    spec.color = color_spec_of(info.colorimetry);
    spec.chroma_site = chroma_site_of(GST_VIDEO_INFO_CHROMA_SITE(&info));
  }
  return spec;
}

}  // namespace detail

/// The GstVideoInfo of the frames `spec` describes (`gst_video_info_set_format()`): progressive,
/// square pixels, the rate of `spec`; for Y'CbCr formats the colorimetry of stated_color_spec()
/// and the chroma siting of `spec.chroma_site` (`jpeg`, centred between its 2x2 luma samples, is
/// what framepipe's box-averaging packers compute; `mpeg2`, left-sited, is what decoders of
/// MPEG-2, H.264 and their kin give); RGB formats keep GStreamer's default (sRGB), gray its
/// default.
/// Throws InvalidArgument for a bad size or rate.
inline GstVideoInfo video_info_of(const StreamSpec& spec) {
  check_frame_size(spec.size);
  check_frame_rate(spec.fps);
  if (spec.fps.num > INT_MAX || spec.fps.den > INT_MAX) {
    throw InvalidArgument("framepipe: frame rate " + std::to_string(spec.fps.num) + "/" +
                          std::to_string(spec.fps.den) +
                          " does not fit GStreamer's 32-bit fraction");
  }
  ensure_gstreamer_initialized();
  GstVideoInfo info;
  gst_video_info_init(&info);
  if (gst_video_info_set_format(&info, video_format_of(spec.format),
                                static_cast<guint>(spec.size.width),
                                static_cast<guint>(spec.size.height)) == FALSE) {
    throw InvalidArgument("framepipe: GStreamer rejects a " +
                          std::string(format_name(spec.format)) + " frame of " +
                          to_string(spec.size));
  }
  GST_VIDEO_INFO_INTERLACE_MODE(&info) = GST_VIDEO_INTERLACE_MODE_PROGRESSIVE;
  GST_VIDEO_INFO_FPS_N(&info) = static_cast<gint>(spec.fps.num);
  GST_VIDEO_INFO_FPS_D(&info) = static_cast<gint>(spec.fps.den);
  GST_VIDEO_INFO_PAR_N(&info) = 1;
  GST_VIDEO_INFO_PAR_D(&info) = 1;
  if (format_info(spec.format).yuv) {
    info.colorimetry = colorimetry_of(stated_color_spec(spec));
    GST_VIDEO_INFO_CHROMA_SITE(&info) = spec.chroma_site == ChromaSite::Left
                                            ? GST_VIDEO_CHROMA_SITE_MPEG2
                                            : GST_VIDEO_CHROMA_SITE_JPEG;
  }
  return info;
}

/// The caps of the frames `spec` describes (`gst_video_info_to_caps()` of video_info_of()).
inline detail::CapsPtr caps_of(const StreamSpec& spec) {
  const GstVideoInfo info = video_info_of(spec);
  detail::CapsPtr caps(gst_video_info_to_caps(&info));
  if (!caps) throw Error("framepipe: gst_video_info_to_caps() failed");
  return caps;
}

/// caps_of(spec) as text (`gst_caps_to_string()`), e.g. "video/x-raw, format=(string)I420, ...".
inline std::string caps_string(const StreamSpec& spec) {
  return detail::take_gchar(gst_caps_to_string(caps_of(spec).get()));
}

/// The caps of interleaved audio that `spec` describes (`gst_caps_new_simple`):
/// `audio/x-raw, format=S16LE|F32LE, layout=interleaved, rate=, channels=`, and for more than two
/// channels `channel-mask=0` (unpositioned: framepipe does not say which speaker a channel is for;
/// mono and stereo need no mask). Throws InvalidArgument for a bad spec or a rate past G_MAXINT.
inline detail::CapsPtr audio_caps_of(const AudioSpec& spec) {
  check_audio_spec(spec);
  if (spec.rate > static_cast<std::uint32_t>(G_MAXINT)) {
    throw InvalidArgument("framepipe: audio rate " + std::to_string(spec.rate) +
                          " does not fit GStreamer's caps");
  }
  ensure_gstreamer_initialized();
  const std::string format(audio_format_info(spec.format).gst_name);
  detail::CapsPtr caps(gst_caps_new_simple("audio/x-raw", "format", G_TYPE_STRING, format.c_str(),
                                           "layout", G_TYPE_STRING, "interleaved", "rate",
                                           G_TYPE_INT, static_cast<gint>(spec.rate), "channels",
                                           G_TYPE_INT, static_cast<gint>(spec.channels), nullptr));
  if (!caps) throw Error("framepipe: gst_caps_new_simple() failed");
  if (spec.channels > 2) {
    gst_caps_set_simple(caps.get(), "channel-mask", GST_TYPE_BITMASK, guint64{0}, nullptr);
  }
  return caps;
}

/// audio_caps_of(spec) as text, e.g. "audio/x-raw, format=(string)S16LE, layout=(string)...".
inline std::string audio_caps_string(const AudioSpec& spec) {
  return detail::take_gchar(gst_caps_to_string(audio_caps_of(spec).get()));
}

namespace detail {

/// Empty when `layout` has GStreamer's offsets, strides and size of `info`; else what differs.
inline std::string layout_mismatch(const GstVideoInfo& info, const PlaneLayout& layout) {
  std::string diff;
  if (static_cast<int>(GST_VIDEO_INFO_N_PLANES(&info)) != layout.planes) {
    diff += " planes " + std::to_string(layout.planes) + " vs " +
            std::to_string(GST_VIDEO_INFO_N_PLANES(&info)) + ";";
  }
  for (int i = 0; i < layout.planes && i < 3; ++i) {
    const auto p = static_cast<std::size_t>(i);
    const auto gst_offset = GST_VIDEO_INFO_PLANE_OFFSET(&info, i);
    const auto gst_stride = static_cast<std::size_t>(GST_VIDEO_INFO_PLANE_STRIDE(&info, i));
    if (layout.offset[p] != gst_offset) {
      diff += " offset[" + std::to_string(i) + "] " + std::to_string(layout.offset[p]) + " vs " +
              std::to_string(gst_offset) + ";";
    }
    if (layout.stride[p] != gst_stride) {
      diff += " stride[" + std::to_string(i) + "] " + std::to_string(layout.stride[p]) + " vs " +
              std::to_string(gst_stride) + ";";
    }
  }
  if (layout.size != GST_VIDEO_INFO_SIZE(&info)) {
    diff += " size " + std::to_string(layout.size) + " vs " +
            std::to_string(GST_VIDEO_INFO_SIZE(&info)) + ";";
  }
  return diff;
}

}  // namespace detail
}  // namespace framepipe
