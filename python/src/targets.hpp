// Where a Writer writes and a Reader reads: a file path (the container from its extension) or a
// GStreamer description, told apart by one rule (is_path).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <framepipe/core/error.hpp>
#include <framepipe/core/frame_time.hpp>
#include <framepipe/core/pixel_format.hpp>
#include <string>

namespace framepipe::python {

/// The extension of `path`, lower case, without the dot ("" when none).
inline std::string extension_of(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

/// A path, not a description: no '!' or '=' (every description that names a file has one), no
/// space-free element name (those have no '.' or '/'), and either a '.' or a '/'.
inline bool is_path(const std::string& target) {
  if (target.find_first_of("!=") != std::string::npos) return false;
  return target.find_first_of("./") != std::string::npos;
}

/// `path` as a quoted gst-launch property value: "a \"b\".webm".
inline std::string quoted(const std::string& path) {
  std::string text = "\"";
  for (const char c : path) {
    if (c == '"' || c == '\\') text += '\\';
    text += c;
  }
  return text + "\"";
}

/// vp8enc's target-bitrate for `size` at `fps`: one bit per 30 pixels shown, at least vp8enc's own
/// default of 256 kbit/s (examples/text_clock/default_output.hpp explains the choice).
inline std::int64_t vp8_bitrate(Size size, FrameRate fps) {
  const double pixels_per_second = static_cast<double>(size.width) * size.height *
                                   static_cast<double>(fps.num) / static_cast<double>(fps.den);
  return std::max<std::int64_t>(256'000, static_cast<std::int64_t>(pixels_per_second / 30));
}

/// The description (after appsrc) that encodes into `path`, by its extension: .webm VP8/WebM
/// (what the examples write), .mkv/.mp4/.mov H.264 (x264enc tune=zerolatency, as colour_table),
/// .y4m raw.
inline std::string sink_description_for_path(const std::string& path, Size size, FrameRate fps) {
  const std::string ext = extension_of(path);
  const std::string file = " ! filesink location=" + quoted(path);
  const std::string h264 = "videoconvert ! x264enc tune=zerolatency ! h264parse ! ";
  if (ext == "webm") {
    return "videoconvert ! vp8enc deadline=1 target-bitrate=" +
           std::to_string(vp8_bitrate(size, fps)) + " ! webmmux" + file;
  }
  if (ext == "mkv") return h264 + "matroskamux" + file;
  if (ext == "mp4") return h264 + "mp4mux" + file;
  if (ext == "mov") return h264 + "qtmux" + file;
  if (ext == "y4m") return "y4menc" + file;
  throw InvalidArgument("framepipe.Writer: cannot tell the container of \"" + path +
                        "\" from its extension: expected .webm, .mkv, .mp4, .mov or .y4m, or a "
                        "GStreamer description such as \"videoconvert ! ... ! filesink "
                        "location=...\"");
}

/// The description (before appsink) that decodes `path`.
inline std::string source_description_for_path(const std::string& path) {
  return "filesrc location=" + quoted(path) + " ! decodebin";
}

}  // namespace framepipe::python
