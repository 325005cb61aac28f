// fuzz_caps: framepipe's caps in both directions, as GStreamer's ci/fuzzing caps and structure
// targets do it -- with GLib CRITICALs and GStreamer's WARNINGs fatal
// (support/fatal_glib_log.hpp).
//
//  - caps text -> StreamSpec: the input's leading bytes, parsed by gst_caps_from_string(), read
//    the way AppSinkSource::start() reads its first sample's caps (gst_video_info_from_caps(),
//    then format, size, rate, and for Y'CbCr detail::color_spec_of() and
//    detail::chroma_site_of()); the StreamSpec must then survive caps_of() and come back the same.
//  - StreamSpec -> caps: a StreamSpec from the trailing bytes (any format, size, rate, colour,
//    siting, sane or not) through video_info_of(), caps_of() and caps_string(): either a typed
//    framepipe::Error, or caps that parse back (gst_caps_from_string) into the same StreamSpec,
//    the same caps, and GStreamer's own plane layout, the one framepipe's frames use
//    (default_layout()).
// Anything else -- another exception, a crash, a CRITICAL, a difference -- aborts.
#include <gst/gst.h>
#include <gst/video/video.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <optional>
#include <string>

#include "framepipe/core/color_space.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/gst/app_sink_source.hpp"
#include "framepipe/gst/caps.hpp"
#include "framepipe/gst/runtime.hpp"
#include "support/fatal_glib_log.hpp"
#include "support/fuzz_input.hpp"

namespace {

using framepipe::ChromaSite;
using framepipe::ColorSpec;
using framepipe::FrameRate;
using framepipe::PixelFormat;
using framepipe::StreamSpec;
using framepipe::fuzz::FuzzInput;

constexpr std::size_t kMaxCapsText = 4096;

[[noreturn]] void fail(const std::string& what, const std::string& caps) {
  std::fprintf(stderr, "fuzz_caps: %s (caps: %s)\n", what.c_str(), caps.c_str());
  std::abort();
}

std::string text_of(const GstCaps* caps) {
  return framepipe::detail::take_gchar(gst_caps_to_string(caps));
}

/// framepipe's format of a GstVideoFormat, if it has one.
std::optional<PixelFormat> pixel_format_of(GstVideoFormat format) {
  for (const PixelFormat f : framepipe::kAllPixelFormats) {
    if (framepipe::video_format_of(f) == format) return f;
  }
  return std::nullopt;
}

/// The same frame rate (GStreamer keeps fractions reduced: 60/2 comes back as 30/1).
bool same_rate(FrameRate a, FrameRate b) {
  const std::int64_t ga = std::gcd(a.num, a.den);
  const std::int64_t gb = std::gcd(b.num, b.den);
  return a.num / ga == b.num / gb && a.den / ga == b.den / gb;
}

/// What the caps of `spec` state: colour and siting only for Y'CbCr, the colour defaulted.
StreamSpec stated(const StreamSpec& spec) {
  StreamSpec s = spec;
  s.pacing = framepipe::Pacing::AsFastAsPossible;
  if (framepipe::format_info(spec.format).yuv) {
    s.color = framepipe::stated_color_spec(spec);
  } else {
    s.color.reset();
    s.chroma_site = ChromaSite::Center;
  }
  return s;
}

bool same_spec(const StreamSpec& a, const StreamSpec& b) {
  return a.format == b.format && a.size == b.size && same_rate(a.fps, b.fps) &&
         a.color == b.color && a.chroma_site == b.chroma_site;
}

/// caps_of(spec) must give caps that read back as `spec`, in GStreamer's layout; caps_string()
/// must parse into the same caps. A typed framepipe::Error is a valid answer for a bad spec.
void check_spec_round_trip(const StreamSpec& spec, const std::string& origin) {
  framepipe::detail::CapsPtr caps;
  GstVideoInfo info;
  std::string text;
  try {
    info = framepipe::video_info_of(spec);
    caps = framepipe::caps_of(spec);
    text = framepipe::caps_string(spec);
  } catch (const framepipe::Error& e) {
    framepipe::fuzz::note("fuzz_caps", e.what());
    return;
  }
  if (text != text_of(caps.get())) fail("caps_string() is not caps_of() as text", text);
  const std::string layout =
      framepipe::detail::layout_mismatch(info, framepipe::default_layout(spec.format, spec.size));
  if (!layout.empty()) fail("framepipe's layout differs from GStreamer's:" + layout, text);

  const framepipe::detail::CapsPtr parsed(gst_caps_from_string(text.c_str()));
  if (!parsed) fail("caps_string() does not parse", text);
  if (gst_caps_is_equal(parsed.get(), caps.get()) == FALSE) {
    fail("caps_string() parses into other caps: " + text_of(parsed.get()), text);
  }
  GstVideoInfo back;
  if (gst_video_info_from_caps(&back, parsed.get()) == FALSE) {
    fail("caps_of() gives caps gst_video_info_from_caps() rejects", text);
  }
  if (!framepipe::detail::same_frames(info, back)) fail("the caps describe other frames", text);
  const StreamSpec again = framepipe::detail::stream_spec_of(back, spec.format);
  if (!same_spec(again, stated(spec))) {
    fail("the StreamSpec does not survive its caps (from " + origin + ")", text);
  }
}

/// caps text -> StreamSpec as AppSinkSource reads it -> caps -> the same StreamSpec.
void check_caps_text(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data),
                         size < kMaxCapsText ? size : kMaxCapsText);
  if (text.find('\0') != std::string::npos) return;
  GstCaps* parsed = nullptr;
  const bool complained =
      framepipe::fuzz::complains_about_input([&] { parsed = gst_caps_from_string(text.c_str()); });
  const framepipe::detail::CapsPtr caps(parsed);
  if (!caps || complained) return;
  // AppSinkSource reads the caps of a sample: always fixed (gst_video_info_from_caps() asks for
  // that with a CRITICAL).
  if (gst_caps_is_fixed(caps.get()) == FALSE) return;
  GstVideoInfo info;
  if (gst_video_info_from_caps(&info, caps.get()) == FALSE) return;
  const std::optional<PixelFormat> format = pixel_format_of(GST_VIDEO_INFO_FORMAT(&info));
  if (!format) return;  // AppSinkSource<F> refuses it with NotNegotiated
  if (!framepipe::detail::same_frames(info, info)) fail("same_frames() is not reflexive", text);
  const StreamSpec spec = framepipe::detail::stream_spec_of(info, *format);
  check_spec_round_trip(spec, "caps text");
}

/// A dimension: mostly plausible, sometimes anything an int holds.
int dimension(FuzzInput& in) {
  const std::uint8_t kind = in.byte();
  if (kind % 4u == 0) return static_cast<int>(in.u32());
  return in.in_range(kind % 4u == 1 ? -2 : 1, kind % 4u == 3 ? 40000 : 256);
}

std::int64_t rate_part(FuzzInput& in) {
  const std::uint8_t kind = in.byte();
  if (kind % 4u == 0) return static_cast<std::int64_t>(in.u64());
  if (kind % 4u == 1) return static_cast<std::int64_t>(in.u32());
  return in.in_range(0, 1001);
}

/// A StreamSpec from the trailing bytes -> caps -> the same StreamSpec.
void check_spec(FuzzInput& in) {
  StreamSpec spec{};
  spec.format = framepipe::kAllPixelFormats[in.byte() % 7u];
  spec.size.width = dimension(in);
  spec.size.height = dimension(in);
  spec.fps.num = rate_part(in);
  spec.fps.den = rate_part(in);
  const std::uint8_t colour = in.byte();
  if ((colour & 1u) != 0) {
    spec.color = ColorSpec{static_cast<framepipe::Matrix>((colour >> 1) % 3u),
                           (colour & 8u) != 0 ? framepipe::Range::Full : framepipe::Range::Limited};
  }
  spec.chroma_site = (colour & 16u) != 0 ? ChromaSite::Left : ChromaSite::Center;
  spec.pacing =
      (colour & 32u) != 0 ? framepipe::Pacing::RealTime : framepipe::Pacing::AsFastAsPossible;
  check_spec_round_trip(spec, "a StreamSpec");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  return framepipe::fuzz::initialize_gstreamer_target();
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  // The last byte picks the direction: 'T' (or anything even) caps text, else a StreamSpec.
  if (in.byte() % 2u == 0) {
    check_caps_text(in.payload(), in.payload_size());
  } else {
    check_spec(in);
  }
  return 0;
}
