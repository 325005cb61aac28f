// Python values -> framepipe's option types, with errors that name what was expected.
#pragma once

#include <pybind11/pybind11.h>

#include <framepipe/core/audio_format.hpp>
#include <framepipe/core/color_space.hpp>
#include <framepipe/core/frame_time.hpp>
#include <framepipe/core/pixel_format.hpp>
#include <optional>

namespace framepipe::python {

/// (width, height), both >= 1.
Size parse_size(const pybind11::handle& value, const char* where);
/// 30, 29.97 (as 30000/1001 and the like: the nearest fraction with a denominator <= 1001),
/// (30000, 1001), fractions.Fraction(30000, 1001).
FrameRate parse_fps(const pybind11::handle& value, const char* where);
/// "BGR24", "RGB24", "BGRA32", "RGBA32", "GRAY8" (case-insensitive; GStreamer's "BGR", "RGB",
/// "BGRA", "RGBA" and "GRAY" too).
PixelFormat parse_format(const pybind11::handle& value, const char* where);
/// None (the default), a framepipe.Matrix or "BT.601" / "bt709" / "2020" ...
std::optional<Matrix> parse_matrix(const pybind11::handle& value, const char* where);
/// A framepipe.Range or "limited" / "full".
Range parse_range(const pybind11::handle& value, const char* where);
/// None (no audio) or a framepipe.AudioSpec.
std::optional<AudioSpec> parse_audio(const pybind11::handle& value, const char* where);
/// fractions.Fraction(num, den).
pybind11::object fraction(FrameRate fps);

}  // namespace framepipe::python
