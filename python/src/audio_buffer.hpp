// AudioBuffer: a Python object's memory (the buffer protocol: numpy arrays, memoryviews...) seen
// as a framepipe AudioView in place, without a copy, after checking that it is the audio a call
// expects. Holds the buffer export while it lives, so the memory cannot be resized or freed.
#pragma once

#include <Python.h>
#include <pybind11/pybind11.h>

#include <cstddef>
#include <framepipe/core/audio_buffer.hpp>
#include <framepipe/core/audio_format.hpp>
#include <string>
#include <utility>

#include "errors.hpp"

namespace framepipe::python {

class AudioBuffer {
 public:
  /// Requests `object`'s buffer, C-contiguous, read-only, and checks it against `spec`: an int16
  /// (S16LE) or float32 (F32LE) array of shape (n, channels), or (n * channels,) interleaved.
  /// `where` starts every message ("framepipe.Writer.write_audio").
  AudioBuffer(const pybind11::handle& object, const AudioSpec& spec, std::string where)
      : where_(std::move(where)), spec_(spec) {
    const std::string expected = expected_shape(spec);
    if (object.is_none()) throw FrameError(where_, expected, "None");
    if (PyObject_CheckBuffer(object.ptr()) == 0) {
      throw FrameError(
          where_, expected,
          "a " + std::string(Py_TYPE(object.ptr())->tp_name) + " (no buffer protocol)");
    }
    if (PyObject_GetBuffer(object.ptr(), &buffer_, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) != 0) {
      const pybind11::error_already_set why;
      throw FrameError(where_, "a C-contiguous " + expected,
                       std::string("an array whose buffer cannot be had (") + why.what() +
                           "; pass np.ascontiguousarray(samples))");
    }
    held_ = true;
    const std::string dtype = pybind11::hasattr(object, "dtype")
                                  ? pybind11::str(object.attr("dtype")).cast<std::string>()
                                  : "of buffer format '" + format_text() + "'";
    if (!has_sample_type()) throw FrameError(where_, expected, "dtype " + dtype);
    const auto dim = [&](int i) { return static_cast<long long>(buffer_.shape[i]); };
    if (buffer_.ndim == 2 && dim(1) != spec.channels) {
      throw FrameError(where_, expected,
                       std::to_string(dim(1)) + " channels (shape " + shape_text() + ")");
    }
    if (buffer_.ndim == 1 && dim(0) % spec.channels != 0) {
      throw FrameError(where_, expected,
                       "shape " + shape_text() + ": not a whole number of " +
                           std::to_string(spec.channels) + "-channel frames");
    }
    if (buffer_.ndim != 1 && buffer_.ndim != 2) {
      throw FrameError(where_, expected,
                       "ndim " + std::to_string(buffer_.ndim) + ", shape " + shape_text());
    }
  }

  AudioBuffer(const AudioBuffer&) = delete;
  AudioBuffer& operator=(const AudioBuffer&) = delete;
  ~AudioBuffer() {
    if (held_) PyBuffer_Release(&buffer_);
  }

  /// The memory as interleaved samples of format `F` (the spec's: checked by the constructor).
  /// Mutable only in type: the writer reads the samples, never writes them.
  template <AudioFormat F>
  AudioView<F> view() const {
    return AudioView<F>::wrap(buffer_.buf, static_cast<std::size_t>(buffer_.len), spec_.channels);
  }

  /// First byte of the buffer.
  const void* data() const { return buffer_.buf; }

  /// "an int16 array of shape (n, 2) or (n * 2,) (S16LE 48000 Hz 2 ch, interleaved)".
  static std::string expected_shape(const AudioSpec& spec) {
    const std::string c = std::to_string(spec.channels);
    return std::string(spec.format == AudioFormat::S16LE ? "an int16" : "a float32") +
           " array of shape (n, " + c + ") or (n * " + c + ",) (" + to_string(spec) +
           ", interleaved)";
  }

 private:
  /// Whether the buffer's items are the spec's samples: int16 ('h') for S16LE, float32 ('f')
  /// for F32LE, in the host's (little-endian) order.
  bool has_sample_type() const {
    std::string format = format_text();
    if (!format.empty() && (format[0] == '<' || format[0] == '=' || format[0] == '@')) {
      format.erase(0, 1);
    }
    if (spec_.format == AudioFormat::S16LE) return buffer_.itemsize == 2 && format == "h";
    return buffer_.itemsize == 4 && format == "f";
  }

  std::string format_text() const { return buffer_.format == nullptr ? "B" : buffer_.format; }

  std::string shape_text() const {
    std::string text = "(";
    for (int i = 0; i < buffer_.ndim; ++i) {
      if (i > 0) text += ", ";
      text += std::to_string(buffer_.shape[i]);
    }
    if (buffer_.ndim == 1) text += ",";
    return text + ")";
  }

  std::string where_;
  AudioSpec spec_;
  Py_buffer buffer_{};
  bool held_ = false;
};

}  // namespace framepipe::python
