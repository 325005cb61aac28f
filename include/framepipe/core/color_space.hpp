// Colour matrices and quantisation ranges for Y'CbCr output.
#pragma once

#include <cstdint>
#include <string_view>

#include "framepipe/core/enum_table.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe {

/// The R'G'B' -> Y'CbCr matrix, named by the standard that defines its luma weights Kr and Kb.
enum class Matrix {
  BT601,   ///< Kr = 0.299,  Kb = 0.114  (SD)
  BT709,   ///< Kr = 0.2126, Kb = 0.0722 (HD)
  BT2020,  ///< Kr = 0.2627, Kb = 0.0593 (UHD, non-constant luminance)
};

/// How Y'CbCr values map onto 8 bits.
enum class Range {
  Limited,  ///< "TV" range: Y' 16..235, Cb/Cr 16..240 (GStreamer's default assumption)
  Full,     ///< "PC"/JPEG range: all of 0..255
};

/// Where a 4:2:0 frame's chroma samples sit relative to the luma samples they cover (GStreamer's
/// caps `chroma-site`). Packers write Center; decoders of MPEG-2, H.264 and most video say Left.
enum class ChromaSite {
  Center,  ///< centred in each 2x2 block ("jpeg"): JPEG, and framepipe's box-averaging packers
  Left,    ///< with the left column, centred vertically ("mpeg2"): MPEG-2, H.264, HEVC, VP8/9
};

constexpr std::string_view chroma_site_name(ChromaSite site) {
  return site == ChromaSite::Left ? "mpeg2 (left)" : "jpeg (centre)";
}

/// An 8-bit R'G'B' colour, e.g. for drawing: {255, 255, 255} is white.
struct Rgb {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
  friend constexpr bool operator==(const Rgb&, const Rgb&) = default;
};

/// The colour description of a Y'CbCr frame: which matrix and range produced it.
struct ColorSpec {
  Matrix matrix = Matrix::BT601;  ///< R'G'B' -> Y'CbCr matrix (caps `colorimetry`)
  Range range = Range::Limited;   ///< limited (16-235/240) or full (0-255) range
  /// Same matrix and range.
  friend constexpr bool operator==(const ColorSpec&, const ColorSpec&) = default;
};

/// The colour of frames whose packer was given no matrix: BT.601, limited range, at every size
/// (not GStreamer's guess for untagged HD, BT.709). A VP8 bitstream can only say BT.601 and
/// ffmpeg decodes it so whatever WebM says; OpenCV's VideoCapture decodes everything as BT.601;
/// formats that carry the tags (H.264, Matroska, FFV1) decode BT.601 right in every decoder
/// measured (docs/colour.md). The caps state it either way.
constexpr ColorSpec default_color_spec(Size) { return {Matrix::BT601, Range::Limited}; }

constexpr std::string_view range_name(Range r) { return r == Range::Full ? "full" : "limited"; }

/// How a range puts the real values onto 8 bits (R'G'B' in 0..255, Y = Kr R + Kg G + Kb B):
///   Y' = luma_offset + luma_scale Y,  Cb = 128 + chroma_scale (B - Y) / (2 (1 - Kb)), Cr likewise
/// Limited: 219/255, 224/255 and 16 (Y' 16..235, Cb/Cr 16..240); full: 1, 1 and 0.
struct RangeScales {
  double luma_scale;
  double chroma_scale;
  double luma_offset;
};

constexpr RangeScales range_scales(Range r) {
  if (r == Range::Full) return {1.0, 1.0, 0.0};
  return {219.0 / 255.0, 224.0 / 255.0, 16.0};
}

/// Luma weights of a matrix.
struct LumaWeights {
  double kr;
  double kb;
  constexpr double kg() const { return 1.0 - kr - kb; }
};

namespace detail {

/// What a matrix is: the name messages give it and its luma weights.
struct MatrixFacts {
  std::string_view name;
  LumaWeights weights;
};

/// The facts of every matrix, one row each.
inline constexpr EnumRow<Matrix, MatrixFacts> kMatrixFacts[] = {
    {Matrix::BT601, {"BT.601", {0.299, 0.114}}},
    {Matrix::BT709, {"BT.709", {0.2126, 0.0722}}},
    {Matrix::BT2020, {"BT.2020", {0.2627, 0.0593}}},
};

/// For a number that is no matrix: named "?", with BT.601's weights.
inline constexpr MatrixFacts kUnknownMatrix{"?", {0.299, 0.114}};

}  // namespace detail

/// "BT.601", "BT.709" or "BT.2020".
constexpr std::string_view matrix_name(Matrix m) {
  return detail::value_of(detail::kMatrixFacts, m, detail::kUnknownMatrix).name;
}

constexpr LumaWeights luma_weights(Matrix m) {
  return detail::value_of(detail::kMatrixFacts, m, detail::kUnknownMatrix).weights;
}

}  // namespace framepipe
