// FrameBuffer: a Python object's memory (the buffer protocol: numpy arrays, memoryviews...) seen
// as a framepipe FrameView in place, without a copy, after checking that it is the frame a call
// expects. Holds the buffer export while it lives, so the memory cannot be resized or freed.
#pragma once

#include <Python.h>
#include <pybind11/pybind11.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <framepipe/core/frame.hpp>
#include <framepipe/core/pixel_format.hpp>
#include <string>

#include "errors.hpp"

namespace framepipe::python {

/// Channels of a packed format as an array's last axis; GRAY8 is an HxW array (1).
constexpr int channels_of(PixelFormat format) { return format_info(format).pixel_bytes; }

class FrameBuffer {
 public:
  /// Requests `object`'s buffer with strides (and writable when `writable`). `where` starts every
  /// message ("framepipe.Writer.write"); `expected` is the frame the call wants (expected_shape).
  FrameBuffer(const pybind11::handle& object, bool writable, std::string where,
              const std::string& expected)
      : where_(std::move(where)) {
    if (object.is_none()) {
      throw FrameError(where_, expected, "None");
    }
    if (PyObject_CheckBuffer(object.ptr()) == 0) {
      throw FrameError(
          where_, expected,
          "a " + std::string(Py_TYPE(object.ptr())->tp_name) + " (no buffer protocol)");
    }
    const int flags = PyBUF_STRIDES | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object.ptr(), &buffer_, flags) != 0) {
      const pybind11::error_already_set why;
      throw FrameError(where_, writable ? "writable " + expected : expected,
                       std::string("an array whose buffer cannot be had (") + why.what() + ")");
    }
    held_ = true;
    dtype_ = describe_dtype(object);
  }

  FrameBuffer(const FrameBuffer&) = delete;
  FrameBuffer& operator=(const FrameBuffer&) = delete;
  ~FrameBuffer() {
    if (held_) PyBuffer_Release(&buffer_);
  }

  /// The memory as a frame of format `F` and `size`: shape (height, width, channels), or
  /// (height, width) for GRAY8; each pixel's channels adjacent (stride 1), pixels adjacent
  /// (stride = channels), any positive row stride (slices and ROIs of bigger arrays).
  template <PixelFormat F>
  FrameView<F> view(Size size) const {
    const int channels = channels_of(F);
    const std::string expected = expected_shape(F, size);
    const bool uint8 =
        buffer_.itemsize == 1 && (buffer_.format == nullptr || std::string(buffer_.format) == "B");
    if (!uint8) throw FrameError(where_, expected, "dtype " + dtype_);
    const bool gray = channels == 1;
    if (!(buffer_.ndim == 3 || (gray && buffer_.ndim == 2))) {
      throw FrameError(where_, expected,
                       "ndim " + std::to_string(buffer_.ndim) + ", shape " + shape_text());
    }
    const auto dim = [&](int i) { return buffer_.shape[i]; };
    if (buffer_.ndim == 3 && dim(2) != channels) {
      throw FrameError(where_, expected,
                       std::to_string(dim(2)) + " channels (shape " + shape_text() + ")");
    }
    if (dim(0) != size.height || dim(1) != size.width) {
      throw FrameError(where_, expected, "shape " + shape_text());
    }
    const Py_ssize_t row = buffer_.strides[0];
    const Py_ssize_t pixel = buffer_.strides[1];
    const Py_ssize_t channel = buffer_.ndim == 3 ? buffer_.strides[2] : 1;
    if (row <= 0 || pixel <= 0 || channel <= 0) {
      throw FrameError(
          where_, expected + " with positive strides",
          "strides " + strides_text() + " (a flipped view: pass np.ascontiguousarray(frame))");
    }
    if (channels > 1 && channel != 1) {
      throw FrameError(where_, expected + " whose channels are adjacent (last stride 1)",
                       "strides " + strides_text() +
                           " (a non-contiguous last axis: pass np.ascontiguousarray(frame))");
    }
    if (pixel != channels) {
      throw FrameError(where_,
                       expected + " whose pixels are adjacent (stride " + std::to_string(channels) +
                           " along the width)",
                       "strides " + strides_text() + " (pass np.ascontiguousarray(frame))");
    }
    if (row < static_cast<Py_ssize_t>(size.width) * channels) {
      throw FrameError(where_,
                       expected + " with a row stride of at least " +
                           std::to_string(size.width * channels) + " bytes",
                       "strides " + strides_text());
    }
    auto* data = static_cast<std::uint8_t*>(buffer_.buf);
    return FrameView<F>(size, {data, nullptr, nullptr}, {static_cast<std::size_t>(row), 0, 0});
  }

  /// First byte of the buffer.
  const void* data() const { return buffer_.buf; }

  /// "a 480x640x3 uint8 array (BGR24: height x width x channels)".
  static std::string expected_shape(PixelFormat format, Size size) {
    const int channels = channels_of(format);
    std::string shape = std::to_string(size.height) + "x" + std::to_string(size.width);
    if (channels > 1) shape += "x" + std::to_string(channels);
    return "a " + shape + " uint8 array (" + std::string(format_name(format)) +
           (channels > 1 ? ": height x width x channels)" : ": height x width)");
  }

 private:
  static std::string describe_dtype(const pybind11::handle& object) {
    if (pybind11::hasattr(object, "dtype")) {
      return pybind11::str(object.attr("dtype")).cast<std::string>();
    }
    return "of buffer format '?'";
  }

  std::string shape_text() const { return tuple_text(buffer_.shape); }
  std::string strides_text() const { return tuple_text(buffer_.strides); }
  std::string tuple_text(const Py_ssize_t* values) const {
    std::string text = "(";
    for (int i = 0; i < buffer_.ndim; ++i) {
      if (i > 0) text += ", ";
      text += std::to_string(values[i]);
    }
    if (buffer_.ndim == 1) text += ",";
    return text + ")";
  }

  std::string where_;
  Py_buffer buffer_{};
  bool held_ = false;
  std::string dtype_;
};

}  // namespace framepipe::python
