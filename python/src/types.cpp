// framepipe.Stats, framepipe.Matrix, framepipe.Range, framepipe.AudioSpec, and the parsing of
// option values.
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <framepipe/core/audio_format.hpp>
#include <framepipe/core/color_space.hpp>
#include <framepipe/core/error.hpp>
#include <framepipe/core/pixel_format.hpp>
#include <framepipe/core/stats.hpp>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "parse.hpp"

namespace py = pybind11;

namespace framepipe::python {
namespace {

std::string text_of(const py::handle& value) { return py::repr(value).cast<std::string>(); }

/// Lower case, without '.', '_', '-' and spaces: "BT.709" and "bt709" are one name.
std::string normalised(std::string text) {
  std::string out;
  for (const char c : text) {
    if (c == '.' || c == '_' || c == '-' || c == ' ') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

double seconds(std::chrono::nanoseconds ns) { return static_cast<double>(ns.count()) / 1e9; }

}  // namespace

Size parse_size(const py::handle& value, const char* where) {
  const std::string expected = "size=(width, height), two ints >= 1";
  if (!py::isinstance<py::sequence>(value) || py::isinstance<py::str>(value) ||
      py::len(value) != 2) {
    throw InvalidArgument(std::string(where) + ": expected " + expected + ", got " +
                          text_of(value));
  }
  const auto seq = py::reinterpret_borrow<py::sequence>(value);
  if (!py::isinstance<py::int_>(seq[0]) || !py::isinstance<py::int_>(seq[1])) {
    throw InvalidArgument(std::string(where) + ": expected " + expected + ", got " +
                          text_of(value));
  }
  const auto w = seq[0].cast<long long>();
  const auto h = seq[1].cast<long long>();
  if (w < 1 || h < 1 || w > 1'000'000 || h > 1'000'000) {
    throw InvalidArgument(std::string(where) + ": expected " + expected + ", got " +
                          text_of(value));
  }
  return {static_cast<int>(w), static_cast<int>(h)};
}

FrameRate parse_fps(const py::handle& value, const char* where) {
  const auto fail = [&]() -> FrameRate {
    throw InvalidArgument(std::string(where) +
                          ": expected fps > 0 as an int, a float, (num, den) or a "
                          "fractions.Fraction, got " +
                          text_of(value));
  };
  FrameRate fps{0, 1};
  if (py::isinstance<py::bool_>(value)) return fail();
  if (py::isinstance<py::int_>(value)) {
    fps = {value.cast<std::int64_t>(), 1};
  } else if (py::isinstance<py::float_>(value)) {
    const double f = value.cast<double>();
    if (!(f > 0) || f > 1e6) return fail();
    const py::object frac =
        py::module_::import("fractions").attr("Fraction")(value).attr("limit_denominator")(1001);
    fps = {frac.attr("numerator").cast<std::int64_t>(),
           frac.attr("denominator").cast<std::int64_t>()};
  } else if (py::isinstance<py::tuple>(value) && py::len(value) == 2) {
    const auto t = py::reinterpret_borrow<py::tuple>(value);
    if (!py::isinstance<py::int_>(t[0]) || !py::isinstance<py::int_>(t[1])) return fail();
    fps = {t[0].cast<std::int64_t>(), t[1].cast<std::int64_t>()};
  } else if (py::hasattr(value, "numerator") && py::hasattr(value, "denominator")) {
    fps = {value.attr("numerator").cast<std::int64_t>(),
           value.attr("denominator").cast<std::int64_t>()};
  } else {
    return fail();
  }
  if (fps.num <= 0 || fps.den <= 0) return fail();
  return fps;
}

PixelFormat parse_format(const py::handle& value, const char* where) {
  if (py::isinstance<py::str>(value)) {
    const std::string name = normalised(value.cast<std::string>());
    if (name == "bgr24" || name == "bgr") return PixelFormat::BGR24;
    if (name == "rgb24" || name == "rgb") return PixelFormat::RGB24;
    if (name == "bgra32" || name == "bgra") return PixelFormat::BGRA32;
    if (name == "rgba32" || name == "rgba") return PixelFormat::RGBA32;
    if (name == "gray8" || name == "gray" || name == "grey") return PixelFormat::GRAY8;
  }
  throw InvalidArgument(std::string(where) +
                        ": expected format \"BGR24\", \"RGB24\", \"BGRA32\", \"RGBA32\" or "
                        "\"GRAY8\", got " +
                        text_of(value));
}

std::optional<Matrix> parse_matrix(const py::handle& value, const char* where) {
  if (value.is_none()) return std::nullopt;
  if (py::isinstance<Matrix>(value)) return value.cast<Matrix>();
  if (py::isinstance<py::str>(value)) {
    const std::string name = normalised(value.cast<std::string>());
    if (name == "bt601" || name == "601") return Matrix::BT601;
    if (name == "bt709" || name == "709") return Matrix::BT709;
    if (name == "bt2020" || name == "2020") return Matrix::BT2020;
  }
  throw InvalidArgument(std::string(where) +
                        ": expected matrix None, \"BT.601\", \"BT.709\", \"BT.2020\" or a "
                        "framepipe.Matrix, got " +
                        text_of(value));
}

Range parse_range(const py::handle& value, const char* where) {
  if (py::isinstance<Range>(value)) return value.cast<Range>();
  if (py::isinstance<py::str>(value)) {
    const std::string name = normalised(value.cast<std::string>());
    if (name == "limited" || name == "tv") return Range::Limited;
    if (name == "full" || name == "pc") return Range::Full;
  }
  throw InvalidArgument(std::string(where) +
                        ": expected range \"limited\", \"full\" or a framepipe.Range, got " +
                        text_of(value));
}

AudioFormat parse_audio_format(const py::handle& value, const char* where) {
  if (py::isinstance<py::str>(value)) {
    const std::string name = normalised(value.cast<std::string>());
    for (const AudioFormat f : kAllAudioFormats) {
      if (name == normalised(std::string(audio_format_name(f)))) return f;
    }
  }
  throw InvalidArgument(std::string(where) +
                        ": expected audio format \"S16LE\" (int16) or \"F32LE\" (float32), got " +
                        text_of(value));
}

std::optional<AudioSpec> parse_audio(const py::handle& value, const char* where) {
  if (value.is_none()) return std::nullopt;
  if (py::isinstance<AudioSpec>(value)) return value.cast<AudioSpec>();
  throw InvalidArgument(std::string(where) +
                        ": expected audio=None or a framepipe.AudioSpec, got " + text_of(value));
}

py::object fraction(FrameRate fps) {
  return py::module_::import("fractions").attr("Fraction")(fps.num, fps.den);
}

void bind_types(py::module_& m) {
  py::enum_<Matrix>(m, "Matrix", "The R'G'B' <-> Y'CbCr matrix (caps `colorimetry`).")
      .value("BT601", Matrix::BT601, "Kr = 0.299, Kb = 0.114 (SD; framepipe's default)")
      .value("BT709", Matrix::BT709, "Kr = 0.2126, Kb = 0.0722 (HD)")
      .value("BT2020", Matrix::BT2020, "Kr = 0.2627, Kb = 0.0593 (UHD)");
  py::enum_<Range>(m, "Range", "Y'CbCr range.")
      .value("Limited", Range::Limited, "Y' 16..235, Cb/Cr 16..240 (the default)")
      .value("Full", Range::Full, "all of 0..255");

  py::class_<AudioSpec>(m, "AudioSpec",
                        "What an audio stream is: sample `format` (\"S16LE\": int16, \"F32LE\": "
                        "float32), `rate` (frames per second) and `channels` (interleaved).")
      .def(py::init([](const py::object& format, std::uint32_t rate, int channels) {
             AudioSpec spec{parse_audio_format(format, "framepipe.AudioSpec"), rate, channels};
             check_audio_spec(spec);
             return spec;
           }),
           py::kw_only(), py::arg("format") = "S16LE", py::arg("rate") = 48000u,
           py::arg("channels") = 2)
      .def_property_readonly(
          "format", [](const AudioSpec& s) { return std::string(audio_format_name(s.format)); },
          "\"S16LE\" or \"F32LE\".")
      .def_readonly("rate", &AudioSpec::rate, "Frames (one sample of every channel) per second.")
      .def_readonly("channels", &AudioSpec::channels, "Channels, interleaved in each frame.")
      .def("__eq__", [](const AudioSpec& a, const AudioSpec& b) { return a == b; })
      .def("__repr__", [](const AudioSpec& s) {
        return "framepipe.AudioSpec(format=\"" + std::string(audio_format_name(s.format)) +
               "\", rate=" + std::to_string(s.rate) + ", channels=" + std::to_string(s.channels) +
               ")";
      });

  py::class_<Stats>(m, "Stats",
                    "Counters of a stream, as the C++ framepipe::Stats (times in seconds).")
      .def_readonly("frames", &Stats::frames, "Frames handed to the sink (read, for a Reader).")
      .def_readonly("dropped", &Stats::dropped, "Frames lost (a drop policy, or late).")
      .def_readonly("source_dropped", &Stats::source_dropped,
                    "Frames a source dropped before lending them.")
      .def_readonly("late", &Stats::late, "Frames skipped by real-time pacing.")
      .def_readonly("bytes", &Stats::bytes, "Bytes of the frames handed on.")
      .def_readonly("audio_frames", &Stats::audio_frames,
                    "Audio frames (one sample of every channel) written (Writer.write_audio).")
      .def_readonly("audio_buffers", &Stats::audio_buffers, "Audio buffers the sink received.")
      .def_readonly("audio_dropped", &Stats::audio_dropped, "Audio buffers the sink dropped.")
      .def_property_readonly(
          "elapsed", [](const Stats& s) { return seconds(s.elapsed); }, "Wall time (s).")
      .def_property_readonly(
          "convert", [](const Stats& s) { return seconds(s.convert); },
          "Time in the converters (s).")
      .def_property_readonly(
          "acquire", [](const Stats& s) { return seconds(s.acquire); },
          "Time waiting for the sink to lend a frame (s).")
      .def_property_readonly(
          "submit", [](const Stats& s) { return seconds(s.submit); },
          "Time in the sink's submit (s).")
      .def_property_readonly(
          "finish", [](const Stats& s) { return seconds(s.finish); },
          "Time in the sink's finish: EOS and its wait (s).")
      .def_property_readonly("fps", &Stats::fps, "frames / elapsed.")
      .def(
          "as_dict",
          [](const Stats& s) {
            py::dict d;
            d["frames"] = s.frames;
            d["dropped"] = s.dropped;
            d["source_dropped"] = s.source_dropped;
            d["late"] = s.late;
            d["bytes"] = s.bytes;
            d["audio_frames"] = s.audio_frames;
            d["audio_buffers"] = s.audio_buffers;
            d["audio_dropped"] = s.audio_dropped;
            d["elapsed"] = seconds(s.elapsed);
            d["convert"] = seconds(s.convert);
            d["acquire"] = seconds(s.acquire);
            d["submit"] = seconds(s.submit);
            d["finish"] = seconds(s.finish);
            d["fps"] = s.fps();
            return d;
          },
          "The counters as a dict.")
      .def("__repr__", [](const Stats& s) {
        return "framepipe.Stats(frames=" + std::to_string(s.frames) +
               ", dropped=" + std::to_string(s.dropped) + ", bytes=" + std::to_string(s.bytes) +
               ", elapsed=" + std::to_string(seconds(s.elapsed)) + ")";
      });
}

}  // namespace framepipe::python
