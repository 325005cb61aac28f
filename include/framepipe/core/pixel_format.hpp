// Pixel formats, their traits, and the plane layout GStreamer uses for them by default.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "framepipe/core/enum_table.hpp"
#include "framepipe/core/error.hpp"

namespace framepipe {

/// Pixel formats framepipe knows. Names give the byte order in memory: `BGR24` is B, G, R.
enum class PixelFormat : std::uint8_t {
  BGR24,   ///< packed 8-bit B, G, R (GStreamer "BGR", OpenCV CV_8UC3)
  RGB24,   ///< packed 8-bit R, G, B (GStreamer "RGB")
  BGRA32,  ///< packed 8-bit B, G, R, A (GStreamer "BGRA", OpenCV CV_8UC4)
  RGBA32,  ///< packed 8-bit R, G, B, A (GStreamer "RGBA")
  GRAY8,   ///< one 8-bit luma plane (GStreamer "GRAY8", OpenCV CV_8UC1)
  I420,    ///< planar Y, U, V; chroma halved in both directions (GStreamer "I420")
  NV12,    ///< planar Y, then interleaved U/V; chroma halved in both directions (GStreamer "NV12")
};

/// Static facts about a format.
struct FormatInfo {
  std::string_view name;          ///< framepipe's name, e.g. "BGR24"
  std::string_view gst_name;      ///< the GStreamer caps `format` string, e.g. "BGR"
  int planes;                     ///< number of planes in memory
  int pixel_bytes;                ///< bytes per pixel in plane 0
  int chroma_shift_x;             ///< log2 of horizontal chroma subsampling (0 for RGB and gray)
  int chroma_shift_y;             ///< log2 of vertical chroma subsampling
  bool yuv;                       ///< carries Y'CbCr (needs a colour matrix and range)
  bool rgb;                       ///< carries R, G and B samples
  int r_index, g_index, b_index;  ///< byte offsets of R, G, B within a pixel (RGB formats only)
};

namespace detail {

/// The facts of every format, one row each.
inline constexpr EnumRow<PixelFormat, FormatInfo> kFormatInfos[] = {
    {PixelFormat::BGR24, {"BGR24", "BGR", 1, 3, 0, 0, false, true, 2, 1, 0}},
    {PixelFormat::RGB24, {"RGB24", "RGB", 1, 3, 0, 0, false, true, 0, 1, 2}},
    {PixelFormat::BGRA32, {"BGRA32", "BGRA", 1, 4, 0, 0, false, true, 2, 1, 0}},
    {PixelFormat::RGBA32, {"RGBA32", "RGBA", 1, 4, 0, 0, false, true, 0, 1, 2}},
    {PixelFormat::GRAY8, {"GRAY8", "GRAY8", 1, 1, 0, 0, false, false, 0, 0, 0}},
    {PixelFormat::I420, {"I420", "I420", 3, 1, 1, 1, true, false, 0, 0, 0}},
    {PixelFormat::NV12, {"NV12", "NV12", 2, 1, 1, 1, true, false, 0, 0, 0}},
};

}  // namespace detail

/// Returns the static facts about `format` (all zero, named "?", for a number that is no format).
constexpr FormatInfo format_info(PixelFormat format) {
  return detail::value_of(detail::kFormatInfos, format,
                          {"?", "?", 0, 0, 0, 0, false, false, 0, 0, 0});
}

/// framepipe's name of `format`, e.g. "BGR24".
constexpr std::string_view format_name(PixelFormat format) { return format_info(format).name; }

/// True for the packed 8-bit RGB-family formats (BGR24, RGB24, BGRA32, RGBA32).
constexpr bool is_rgb_family(PixelFormat format) { return format_info(format).rgb; }

/// A frame size in pixels.
struct Size {
  int width = 0;
  int height = 0;
  friend constexpr bool operator==(const Size&, const Size&) = default;
};

/// "WxH", e.g. "1920x1080": how messages spell a size.
inline std::string to_string(Size size) {
  return std::to_string(size.width) + "x" + std::to_string(size.height);
}

/// Where each plane of a frame lives inside one block of memory, and how long its rows are.
struct PlaneLayout {
  int planes = 0;
  std::array<std::size_t, 3> offset{};  ///< byte offset of each plane from the block's start
  std::array<std::size_t, 3> stride{};  ///< bytes from one row to the next
  std::array<int, 3> row_bytes{};       ///< bytes of pixel data in one row (≤ stride)
  std::array<int, 3> rows{};            ///< rows in each plane
  std::size_t size = 0;                 ///< bytes of the whole block
};

namespace detail {

constexpr std::size_t round_up(std::size_t value, std::size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace detail

/// Throws InvalidArgument unless `size` is at least 1x1 and small enough that a frame's byte count
/// fits comfortably in memory arithmetic.
inline void check_frame_size(Size size) {
  constexpr int kMaxDimension = 1 << 15;  // 32768: GStreamer's own caps cap at G_MAXINT, but
                                          // anything larger than this is surely a caller bug.
  if (size.width < 1 || size.height < 1 || size.width > kMaxDimension ||
      size.height > kMaxDimension) {
    throw InvalidArgument("framepipe: frame size " + to_string(size) +
                          " is invalid (each side must be 1.." + std::to_string(kMaxDimension) +
                          ")");
  }
}

namespace detail {

/// Throws InvalidArgument, "framepipe: <what> is WxH but <expected_what> is WxH", unless `size`
/// is `expected`: how a stage refuses a frame of another size than the one it writes into.
inline void check_same_size(Size size, std::string_view what, Size expected,
                            std::string_view expected_what) {
  if (size == expected) return;
  throw InvalidArgument("framepipe: " + std::string(what) + " is " + to_string(size) + " but " +
                        std::string(expected_what) + " is " + to_string(expected));
}

}  // namespace detail

/// The layout GStreamer's `gst_video_info_set_format()` gives `format` at `size`: rows rounded up
/// to 4 bytes (except 4-byte pixels, already aligned), chroma planes ceil(w/2) x ceil(h/2), and
/// chroma planes placed after an even number of luma rows. Frames laid out this way need no
/// GstVideoMeta. `size` must be valid (see check_frame_size).
constexpr PlaneLayout default_layout(PixelFormat format, Size size) {
  using detail::round_up;
  const auto w = static_cast<std::size_t>(size.width);
  const auto h = static_cast<std::size_t>(size.height);
  const std::size_t chroma_w = (w + 1) / 2;
  const std::size_t chroma_h = (h + 1) / 2;
  PlaneLayout l;
  switch (format) {
    case PixelFormat::BGR24:
    case PixelFormat::RGB24:
    case PixelFormat::BGRA32:
    case PixelFormat::RGBA32:
    case PixelFormat::GRAY8: {
      const auto bpp = static_cast<std::size_t>(format_info(format).pixel_bytes);
      l.planes = 1;
      l.stride[0] = round_up(w * bpp, 4);
      l.row_bytes[0] = static_cast<int>(w * bpp);
      l.rows[0] = size.height;
      l.size = l.stride[0] * h;
      break;
    }
    case PixelFormat::I420:
      l.planes = 3;
      l.stride[0] = round_up(w, 4);
      l.stride[1] = l.stride[2] = round_up(chroma_w, 4);
      l.row_bytes = {size.width, static_cast<int>(chroma_w), static_cast<int>(chroma_w)};
      l.rows = {size.height, static_cast<int>(chroma_h), static_cast<int>(chroma_h)};
      l.offset[1] = l.stride[0] * round_up(h, 2);
      l.offset[2] = l.offset[1] + l.stride[1] * chroma_h;
      l.size = l.offset[2] + l.stride[2] * chroma_h;
      break;
    case PixelFormat::NV12:
      l.planes = 2;
      l.stride[0] = l.stride[1] = round_up(w, 4);
      l.row_bytes = {size.width, static_cast<int>(chroma_w * 2), 0};
      l.rows = {size.height, static_cast<int>(chroma_h), 0};
      l.offset[1] = l.stride[0] * round_up(h, 2);
      l.size = l.offset[1] + l.stride[1] * chroma_h;
      break;
  }
  return l;
}

}  // namespace framepipe
