// framepipe.pack_i420, framepipe.pack_nv12 and framepipe.unpack: the C++ packers and unpackers
// as functions on numpy arrays. Both arrays are read and written in place; the GIL is released
// while converting.
//
// A 4:2:0 frame is one C-contiguous uint8 block, tightly packed: the Y plane (width bytes a row),
// then U and V (I420: ceil(width/2) bytes a row each, ceil(height/2) rows) or the interleaved UV
// plane (NV12: 2 * ceil(width/2) bytes a row). For an even width and height that is cv2's layout,
// shown as a (height * 3/2, width) array; for an odd side it is a 1-D array of
// width * height + 2 * ceil(width/2) * ceil(height/2) bytes (the chroma planes round up, as
// framepipe's and GStreamer's layouts do), and the calls that read one need size=(width, height).
#include <Python.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/convert/nv12_packer.hpp>
#include <framepipe/convert/unpackers.hpp>
#include <optional>
#include <string>
#include <utility>

#include "bindings.hpp"
#include "errors.hpp"
#include "frame_buffer.hpp"
#include "parse.hpp"

namespace py = pybind11;

namespace framepipe::python {
namespace {

/// Bytes of a tightly packed 4:2:0 frame of `size` (I420 and NV12 alike).
std::size_t yuv_bytes(Size size) {
  const auto w = static_cast<std::size_t>(size.width);
  const auto h = static_cast<std::size_t>(size.height);
  return w * h + 2 * ((w + 1) / 2) * ((h + 1) / 2);
}

bool even(Size size) { return size.width % 2 == 0 && size.height % 2 == 0; }

/// "a (720, 640) uint8 array (I420 640x480: height * 3/2 x width, C-contiguous)".
std::string expected_yuv(PixelFormat format, Size size) {
  const std::string name(format_name(format));
  const std::string dims = std::to_string(size.width) + "x" + std::to_string(size.height);
  if (even(size)) {
    return "a (" + std::to_string(size.height * 3 / 2) + ", " + std::to_string(size.width) +
           ") uint8 array (" + name + " " + dims + ": height * 3/2 x width, C-contiguous)";
  }
  return "a 1-D uint8 array of " + std::to_string(yuv_bytes(size)) + " bytes (" + name + " " +
         dims + ", an odd side: Y, then chroma planes of ceil(w/2) x ceil(h/2), C-contiguous)";
}

/// A 4:2:0 frame in a Python buffer: one C-contiguous uint8 block (see the file's comment). Holds
/// the buffer export while it lives.
class YuvBuffer {
 public:
  /// `size`: the frame's size when the caller knows it (from size=, or from the RGB side);
  /// otherwise it comes from a 2-D array's shape.
  YuvBuffer(const py::handle& object, bool writable, PixelFormat format, std::optional<Size> size,
            const std::string& where) {
    const std::string what = std::string(format_name(format)) + " frame";
    const std::string expected = size ? expected_yuv(format, *size)
                                      : "a (height * 3/2, width) uint8 array (" + what +
                                            ", C-contiguous), or a 1-D one with size=(w, h)";
    if (object.is_none()) throw FrameError(where, expected, "None");
    if (PyObject_CheckBuffer(object.ptr()) == 0) {
      throw FrameError(
          where, expected,
          "a " + std::string(Py_TYPE(object.ptr())->tp_name) + " (no buffer protocol)");
    }
    const int flags = PyBUF_STRIDES | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(object.ptr(), &buffer_, flags) != 0) {
      const py::error_already_set why;
      throw FrameError(where, (writable ? "a writable " : "") + expected,
                       std::string("an array whose buffer cannot be had (") + why.what() + ")");
    }
    held_ = true;
    const bool uint8 =
        buffer_.itemsize == 1 && (buffer_.format == nullptr || std::string(buffer_.format) == "B");
    if (!uint8) {
      throw FrameError(where, expected,
                       "dtype " + (py::hasattr(object, "dtype")
                                       ? py::str(object.attr("dtype")).cast<std::string>()
                                       : std::string("of format ") + buffer_.format));
    }
    if (buffer_.ndim == 2) {
      const Py_ssize_t rows = buffer_.shape[0];
      const Py_ssize_t width = buffer_.shape[1];
      if (rows % 3 != 0 || rows < 3 || width % 2 != 0 || width < 2) {
        throw FrameError(where, expected,
                         "shape " + shape_text() +
                             " (a 2-D 4:2:0 frame has an even width and height * 3/2 rows; "
                             "for an odd side pass a 1-D array and size=(w, h))");
      }
      const Size shape_size{static_cast<int>(width), static_cast<int>(rows / 3 * 2)};
      if (size && *size != shape_size) throw FrameError(where, expected, "shape " + shape_text());
      size_ = shape_size;
    } else if (buffer_.ndim == 1 && size) {
      if (buffer_.shape[0] != static_cast<Py_ssize_t>(yuv_bytes(*size))) {
        throw FrameError(where, expected, "shape " + shape_text());
      }
      size_ = *size;
    } else {
      throw FrameError(where, expected,
                       "ndim " + std::to_string(buffer_.ndim) + ", shape " + shape_text() +
                           (buffer_.ndim == 1 ? " without size=(w, h)" : ""));
    }
    check_frame_size(size_);
    if (PyBuffer_IsContiguous(&buffer_, 'C') == 0) {
      throw FrameError(where, expected,
                       "strides " + tuple_text(buffer_.strides) +
                           " (not C-contiguous: pass np.ascontiguousarray(frame))");
    }
  }

  YuvBuffer(const YuvBuffer&) = delete;
  YuvBuffer& operator=(const YuvBuffer&) = delete;
  ~YuvBuffer() {
    if (held_) PyBuffer_Release(&buffer_);
  }

  Size size() const { return size_; }

  template <PixelFormat F>
  FrameView<F> view() const {
    auto* y = static_cast<std::uint8_t*>(buffer_.buf);
    const auto w = static_cast<std::size_t>(size_.width);
    const auto cw = (w + 1) / 2;
    const auto ch = (static_cast<std::size_t>(size_.height) + 1) / 2;
    std::uint8_t* chroma = y + w * static_cast<std::size_t>(size_.height);
    if constexpr (F == PixelFormat::I420) {
      return FrameView<F>(size_, {y, chroma, chroma + cw * ch}, {w, cw, cw});
    } else {
      return FrameView<F>(size_, {y, chroma, nullptr}, {w, 2 * cw, 0});
    }
  }

 private:
  std::string shape_text() const { return tuple_text(buffer_.shape); }
  std::string tuple_text(const Py_ssize_t* values) const {
    std::string text = "(";
    for (int i = 0; i < buffer_.ndim; ++i) {
      if (i > 0) text += ", ";
      text += std::to_string(values[i]);
    }
    if (buffer_.ndim == 1) text += ",";
    return text + ")";
  }

  Py_buffer buffer_{};
  bool held_ = false;
  Size size_{};
};

/// The (width, height) of an RGB-family array (its first two axes), before FrameBuffer checks it
/// against the format.
Size rgb_size(const py::handle& object, PixelFormat format, const std::string& where) {
  const std::string expected =
      "an HxW" +
      (channels_of(format) > 1 ? "x" + std::to_string(channels_of(format)) : std::string()) +
      " uint8 array (" + std::string(format_name(format)) + ")";
  if (object.is_none()) throw FrameError(where, expected, "None");
  if (PyObject_CheckBuffer(object.ptr()) == 0) {
    throw FrameError(where, expected,
                     "a " + std::string(Py_TYPE(object.ptr())->tp_name) + " (no buffer protocol)");
  }
  Py_buffer buffer{};
  if (PyObject_GetBuffer(object.ptr(), &buffer, PyBUF_STRIDES | PyBUF_FORMAT) != 0) {
    const py::error_already_set why;
    throw FrameError(where, expected,
                     std::string("an array whose buffer cannot be had (") + why.what() + ")");
  }
  const int ndim = buffer.ndim;
  Size size{};
  if (ndim >= 2) size = {static_cast<int>(buffer.shape[1]), static_cast<int>(buffer.shape[0])};
  PyBuffer_Release(&buffer);
  if (ndim < 2) throw FrameError(where, expected, "ndim " + std::to_string(ndim));
  if (size.width < 1 || size.height < 1) {
    throw FrameError(where, expected, "an empty array (" + to_string(size) + ")");
  }
  return size;
}

/// A new C-contiguous uint8 array for a 4:2:0 frame of `size` (see the file's comment).
py::array new_yuv(Size size) {
  if (even(size)) {
    return py::array_t<std::uint8_t>(
        {static_cast<py::ssize_t>(size.height) * 3 / 2, static_cast<py::ssize_t>(size.width)});
  }
  return py::array_t<std::uint8_t>(static_cast<py::ssize_t>(yuv_bytes(size)));
}

template <PixelFormat Out, PixelFormat In>
void pack_as(const FrameBuffer& src, Size size, const YuvBuffer& dst,
             const PackerOptions& options) {
  const FrameView<In> in = src.view<In>(size);
  const FrameView<Out> out = dst.view<Out>();
  const py::gil_scoped_release release;
  RgbToYuvPacker<Out>(options).convert(in, out);
}

template <PixelFormat Out>
py::object pack(const char* name, const py::object& frame, const py::object& out,
                const py::object& input, unsigned threads, const py::object& matrix,
                const py::object& range) {
  const std::string where = std::string("framepipe.") + name;
  const PixelFormat in_format = parse_format(input, where.c_str());
  if (!is_rgb_family(in_format)) {
    throw InvalidArgument(where + ": input must be \"BGR24\", \"RGB24\", \"BGRA32\" or \"RGBA32\"");
  }
  PackerOptions options;
  options.matrix = parse_matrix(matrix, where.c_str());
  options.range = parse_range(range, where.c_str());
  options.threads = threads;
  const Size size = rgb_size(frame, in_format, where);
  check_frame_size(size);
  const FrameBuffer src(frame, false, where, FrameBuffer::expected_shape(in_format, size));
  const py::object result = out.is_none() ? py::object(new_yuv(size)) : out;
  const YuvBuffer dst(result, true, Out, size, where + " (out)");
  switch (in_format) {
    case PixelFormat::BGR24:
      pack_as<Out, PixelFormat::BGR24>(src, size, dst, options);
      break;
    case PixelFormat::RGB24:
      pack_as<Out, PixelFormat::RGB24>(src, size, dst, options);
      break;
    case PixelFormat::BGRA32:
      pack_as<Out, PixelFormat::BGRA32>(src, size, dst, options);
      break;
    default:
      pack_as<Out, PixelFormat::RGBA32>(src, size, dst, options);
      break;
  }
  return result;
}

template <PixelFormat In, PixelFormat Out>
void unpack_as(const YuvBuffer& src, const FrameBuffer& dst, const UnpackerOptions& options) {
  const FrameView<In> in = src.view<In>();
  const FrameView<Out> out = dst.view<Out>(src.size());
  const py::gil_scoped_release release;
  YuvToRgbUnpacker<Out>(options).convert(in, out);
}

template <PixelFormat In>
void unpack_from(const YuvBuffer& src, PixelFormat out_format, const FrameBuffer& dst,
                 const UnpackerOptions& options) {
  switch (out_format) {
    case PixelFormat::BGR24:
      unpack_as<In, PixelFormat::BGR24>(src, dst, options);
      break;
    case PixelFormat::RGB24:
      unpack_as<In, PixelFormat::RGB24>(src, dst, options);
      break;
    case PixelFormat::BGRA32:
      unpack_as<In, PixelFormat::BGRA32>(src, dst, options);
      break;
    default:
      unpack_as<In, PixelFormat::RGBA32>(src, dst, options);
      break;
  }
}

ChromaFilter parse_chroma_filter(const std::string& name) {
  if (name == "bilinear") return ChromaFilter::Bilinear;
  if (name == "replicate") return ChromaFilter::Replicate;
  throw InvalidArgument(
      "framepipe.unpack: expected chroma_filter \"bilinear\" or \"replicate\", "
      "got \"" +
      name + "\"");
}

PixelFormat parse_yuv_format(const std::string& name) {
  if (name == "I420" || name == "i420") return PixelFormat::I420;
  if (name == "NV12" || name == "nv12") return PixelFormat::NV12;
  throw InvalidArgument("framepipe.unpack: expected input \"I420\" or \"NV12\", got \"" + name +
                        "\"");
}

py::object unpack(const py::object& frame, const py::object& format, const py::object& out,
                  const py::object& size, const std::string& input, unsigned threads,
                  const py::object& matrix, const py::object& range,
                  const std::string& chroma_filter) {
  const char* where = "framepipe.unpack";
  const PixelFormat in_format = parse_yuv_format(input);
  const PixelFormat out_format = parse_format(format, where);
  if (!is_rgb_family(out_format)) {
    throw InvalidArgument(
        "framepipe.unpack: format must be \"BGR24\", \"RGB24\", \"BGRA32\" or \"RGBA32\"");
  }
  UnpackerOptions options;
  options.matrix = parse_matrix(matrix, where);
  if (!range.is_none()) options.range = parse_range(range, where);
  options.chroma_filter = parse_chroma_filter(chroma_filter);
  options.threads = threads;
  std::optional<Size> known;
  if (!size.is_none()) known = parse_size(size, where);
  const YuvBuffer src(frame, false, in_format, known, where);
  const Size frame_size = src.size();
  py::object result = out;
  if (result.is_none()) {
    result = py::array_t<std::uint8_t>({static_cast<py::ssize_t>(frame_size.height),
                                        static_cast<py::ssize_t>(frame_size.width),
                                        static_cast<py::ssize_t>(channels_of(out_format))});
  }
  const FrameBuffer dst(result, true, std::string(where) + " (out)",
                        FrameBuffer::expected_shape(out_format, frame_size));
  if (in_format == PixelFormat::I420) {
    unpack_from<PixelFormat::I420>(src, out_format, dst, options);
  } else {
    unpack_from<PixelFormat::NV12>(src, out_format, dst, options);
  }
  return result;
}

constexpr const char* kPackDoc = R"doc(
Packs an RGB-family frame into {0} with the C++ packer: `frame` is an HxWx3 (HxWx4 for BGRA32 and
RGBA32) uint8 array in the order `input` names (default "BGR24", OpenCV's), C-contiguous or a
slice/ROI (any positive row stride, pixels adjacent). It is read in place and the GIL is released
while packing.

Returns the {0} frame: `out` when given (written in place), else a new array. A 4:2:0 frame is one
C-contiguous uint8 block, tightly packed -- Y (width bytes a row), then {1}. For an even width and
height that is cv2's layout, a (height * 3/2, width) array; for an odd side a 1-D array of
w*h + 2*ceil(w/2)*ceil(h/2) bytes (the chroma planes round up).

`matrix` (None: BT.601, the default of every framepipe packer), `range` ("limited" or "full") and
`threads` (threads sharing the frame, 0: all cores; started for this call) as framepipe.Writer.
The bytes are those of the C++ {2} whatever `threads`. A wrong dtype, shape, stride or a read-only
`out` raises framepipe.FrameError naming what was expected.)doc";

}  // namespace

void bind_convert(py::module_& m) {
  const auto pack_doc = [](const char* name, const char* chroma, const char* packer) {
    std::string doc = kPackDoc;
    for (const auto& [key, value] :
         {std::pair<std::string, std::string>{"{0}", name}, {"{1}", chroma}, {"{2}", packer}}) {
      for (std::size_t at = doc.find(key); at != std::string::npos; at = doc.find(key, at)) {
        doc.replace(at, key.size(), value);
      }
    }
    return doc;
  };
  // pybind11 keeps the docstring's pointer: these strings must outlive the module.
  static const std::string i420_doc =
      pack_doc("I420", "the U plane and the V plane (ceil(w/2) x ceil(h/2) each)", "I420Packer");
  static const std::string nv12_doc = pack_doc(
      "NV12", "the interleaved UV plane (2*ceil(w/2) bytes x ceil(h/2) rows)", "Nv12Packer");
  m.def(
      "pack_i420",
      [](const py::object& frame, const py::object& out, const py::object& input, unsigned threads,
         const py::object& matrix, const py::object& range) {
        return pack<PixelFormat::I420>("pack_i420", frame, out, input, threads, matrix, range);
      },
      py::arg("frame"), py::arg("out") = py::none(), py::kw_only(), py::arg("input") = "BGR24",
      py::arg("threads") = 1u, py::arg("matrix") = py::none(), py::arg("range") = "limited",
      i420_doc.c_str());
  m.def(
      "pack_nv12",
      [](const py::object& frame, const py::object& out, const py::object& input, unsigned threads,
         const py::object& matrix, const py::object& range) {
        return pack<PixelFormat::NV12>("pack_nv12", frame, out, input, threads, matrix, range);
      },
      py::arg("frame"), py::arg("out") = py::none(), py::kw_only(), py::arg("input") = "BGR24",
      py::arg("threads") = 1u, py::arg("matrix") = py::none(), py::arg("range") = "limited",
      nv12_doc.c_str());
  m.def("unpack", &unpack, py::arg("frame"), py::arg("format") = "BGR24",
        py::arg("out") = py::none(), py::kw_only(), py::arg("size") = py::none(),
        py::arg("input") = "I420", py::arg("threads") = 1u, py::arg("matrix") = py::none(),
        py::arg("range") = py::none(), py::arg("chroma_filter") = "bilinear", R"doc(
Unpacks a 4:2:0 frame (`input` "I420", the default, or "NV12"; the layout pack_i420 describes: a
(height * 3/2, width) array, or a 1-D one with size=(width, height) for an odd side) into an
HxWx3 (HxWx4 for BGRA32/RGBA32) uint8 array of `format` (default "BGR24") with the C++ unpacker.
Both arrays are used in place, and the GIL is released while unpacking.

Returns `out` when given (any positive row stride, pixels adjacent, writable), else a new array.
`matrix` (None: BT.601) and `range` (None: limited) say how the frame was made;
`chroma_filter` "bilinear" (the default: every byte within 0.65 of exact) or "replicate"
(faster, less exact); `threads` (0: all cores) as pack_i420. The bytes are those of the C++
unpacker whatever `threads`. A wrong dtype, shape or stride raises framepipe.FrameError.)doc");
}

}  // namespace framepipe::python
