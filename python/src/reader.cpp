// framepipe.Reader and framepipe.Frame: the cv2.VideoCapture replacement, over
// framepipe::Reader<I420> (RGB output: YuvToRgbUnpacker, with the stream's colour from the caps)
// and framepipe::Reader<GRAY8>. Each frame is unpacked straight into memory that the Python Frame
// owns (or into read(out=...)'s array), so np.asarray(frame) is zero-copy and stays valid after
// later reads and after the reader is closed. The GIL is released while the reader waits and
// converts.
#include <Python.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <framepipe/convert/yuv_to_rgb_unpacker.hpp>
#include <framepipe/gst/reader.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "bindings.hpp"
#include "frame_buffer.hpp"
#include "gil.hpp"
#include "parse.hpp"
#include "sigint.hpp"
#include "targets.hpp"

namespace py = pybind11;

namespace framepipe::python {
namespace {

/// The pixel memory of a reader's frames, recycled: when a Frame goes (Python dropped it and every
/// array made from it), its memory waits here for the next read() instead of going back to the
/// allocator, which would hand out fresh pages to fault in again (a 1080p BGR frame is 6 MB, past
/// malloc's mmap threshold). Frames outlive their reader: after close() the pool keeps nothing and
/// frames that go free their memory. Its own mutex: a Frame may go in any thread.
class FrameMemoryPool {
 public:
  /// Frames' worth of memory kept for reuse, at most: one for the frame the caller just dropped
  /// and one more for a caller that keeps the previous frame until after the next read().
  static constexpr std::size_t kSpares = 2;

  struct GiveBack {
    std::shared_ptr<FrameMemoryPool> pool;
    void operator()(std::uint8_t* memory) const noexcept { pool->give_back(memory); }
  };
  using Memory = std::unique_ptr<std::uint8_t[], GiveBack>;

  /// `bytes` of frame memory: a spare one, or a new one (every frame of a reader has one size).
  static Memory take(const std::shared_ptr<FrameMemoryPool>& pool, std::size_t bytes) {
    {
      const std::lock_guard lock(pool->mutex_);
      if (bytes != pool->bytes_) {
        pool->spares_.clear();
        pool->bytes_ = bytes;
      } else if (!pool->spares_.empty()) {
        std::uint8_t* memory = pool->spares_.back().release();
        pool->spares_.pop_back();
        return Memory(memory, GiveBack{pool});
      }
    }
    return Memory(new std::uint8_t[bytes], GiveBack{pool});
  }

  /// Frames' worth of memory waiting for reuse.
  std::size_t spares() const {
    const std::lock_guard lock(mutex_);
    return spares_.size();
  }

  /// Frees the spares and keeps none from now on (the reader is closing).
  void close() noexcept {
    std::vector<std::unique_ptr<std::uint8_t[]>> spares;
    const std::lock_guard lock(mutex_);
    open_ = false;
    spares.swap(spares_);
  }

 private:
  void give_back(std::uint8_t* memory) noexcept {
    std::unique_ptr<std::uint8_t[]> owned(memory);
    const std::lock_guard lock(mutex_);
    if (open_ && spares_.size() < kSpares) spares_.push_back(std::move(owned));
  }

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<std::uint8_t[]>> spares_;
  std::size_t bytes_ = 0;
  bool open_ = true;
};

/// One frame in Python: its pixels (owned, or read(out=...)'s array, kept referenced), time and
/// layout. Exported through the buffer protocol; a buffer export keeps the Frame alive.
struct PyFrame {
  FrameMemoryPool::Memory owned;
  py::object base;  ///< read(out=array): the array whose memory this is
  std::uint8_t* data = nullptr;
  PixelFormat format = PixelFormat::BGR24;
  Size size{};
  Py_ssize_t row_stride = 0;
  std::uint64_t index = 0;
  std::uint64_t pts = 0;
  std::uint64_t duration = 0;

  int channels() const { return channels_of(format); }
};

using Unpacker =
    std::variant<std::monostate, YuvToRgbUnpacker<PixelFormat::BGR24>,
                 YuvToRgbUnpacker<PixelFormat::RGB24>, YuvToRgbUnpacker<PixelFormat::BGRA32>,
                 YuvToRgbUnpacker<PixelFormat::RGBA32>>;

/// Copies a GRAY8 frame row by row (strides may differ).
void copy_gray(FrameView<PixelFormat::GRAY8> src, FrameView<PixelFormat::GRAY8> dst) {
  for (int y = 0; y < src.height(); ++y) {
    std::memcpy(dst.row(0, y), src.row(0, y), static_cast<std::size_t>(src.width()));
  }
}

class PyReader {
 public:
  /// Starts the stream and waits for its first frame; call without the GIL.
  PyReader(std::string description, PixelFormat format, AppSinkSourceOptions options,
           unsigned threads)
      : description_(std::move(description)), format_(format) {
    if (format == PixelFormat::GRAY8) {
      gray_ = std::make_unique<Reader<PixelFormat::GRAY8>>(description_, std::move(options));
      spec_ = gray_->source_spec();
      return;
    }
    yuv_ = std::make_unique<Reader<PixelFormat::I420>>(description_, std::move(options));
    spec_ = yuv_->source_spec();
    const UnpackerOptions unpack{.threads = threads};
    switch (format) {
      case PixelFormat::BGR24:
        unpacker_.emplace<YuvToRgbUnpacker<PixelFormat::BGR24>>(unpack);
        break;
      case PixelFormat::RGB24:
        unpacker_.emplace<YuvToRgbUnpacker<PixelFormat::RGB24>>(unpack);
        break;
      case PixelFormat::BGRA32:
        unpacker_.emplace<YuvToRgbUnpacker<PixelFormat::BGRA32>>(unpack);
        break;
      default:
        unpacker_.emplace<YuvToRgbUnpacker<PixelFormat::RGBA32>>(unpack);
        break;
    }
    std::visit(
        [&](auto& u) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(u)>, std::monostate>) {
            u.start(spec_);
          }
        },
        unpacker_);
  }

  PyReader(const PyReader&) = delete;
  PyReader& operator=(const PyReader&) = delete;

  /// Stops the stream without the GIL (its bounded wait must not stop other Python threads).
  ~PyReader() {
    if (may_release_gil()) {
      py::gil_scoped_release release;
      yuv_.reset();
      gray_.reset();
    }
    memory_->close();
  }

  /// The next frame, or None at the end (and on every call after it).
  py::object read(const py::object& out) {
    std::optional<FrameBuffer> out_buffer;
    auto frame = std::make_unique<PyFrame>();
    frame->format = format_;
    frame->size = spec_.size;
    if (!out.is_none()) {
      out_buffer.emplace(out, true, "framepipe.Reader.read(out=...)",
                         FrameBuffer::expected_shape(format_, spec_.size));
      check_out(*out_buffer);  // before reading: a refused array must not cost a frame
      frame->base = out;
    }
    // Ctrl-C while read() waits for a frame: KeyboardInterrupt.
    const bool got = interruptible(&PyReader::interrupt_source, this, [&] {
      py::gil_scoped_release release;
      const std::lock_guard lock(mutex_);
      if (closed_) throw Error("framepipe.Reader.read: the reader is closed");
      return gray_ ? read_gray(*frame, out_buffer) : read_rgb(*frame, out_buffer);
    });
    if (!got) return py::none();
    return py::cast(std::move(frame));
  }

  void close() {
    py::gil_scoped_release release;
    const std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    if (yuv_) stats_ = yuv_->stats();
    if (gray_) stats_ = gray_->stats();
    yuv_.reset();
    gray_.reset();
    memory_->close();
  }

  /// Cuts a blocked read() short (Interrupted); thread-safe, called while read() holds the mutex,
  /// so the source cannot go away meanwhile.
  static void interrupt_source(void* self) noexcept {
    auto* reader = static_cast<PyReader*>(self);
    if (reader->yuv_) reader->yuv_->interrupt();
    if (reader->gray_) reader->gray_->interrupt();
  }

  Stats stats() const {
    const std::lock_guard lock(mutex_);
    if (yuv_) return yuv_->stats();
    if (gray_) return gray_->stats();
    return stats_;
  }

  const StreamSpec& source_spec() const { return spec_; }
  std::size_t spare_frames() const { return memory_->spares(); }
  PixelFormat format() const { return format_; }
  const std::string& description() const { return description_; }
  bool closed() const {
    const std::lock_guard lock(mutex_);
    return closed_;
  }

 private:
  /// Throws FrameError unless `out` is a frame of the stream's format and size.
  void check_out(const FrameBuffer& out) const {
    switch (format_) {
      case PixelFormat::BGR24:
        out.view<PixelFormat::BGR24>(spec_.size);
        break;
      case PixelFormat::RGB24:
        out.view<PixelFormat::RGB24>(spec_.size);
        break;
      case PixelFormat::BGRA32:
        out.view<PixelFormat::BGRA32>(spec_.size);
        break;
      case PixelFormat::RGBA32:
        out.view<PixelFormat::RGBA32>(spec_.size);
        break;
      default:
        out.view<PixelFormat::GRAY8>(spec_.size);
        break;
    }
  }

  /// Where the frame's pixels go: read(out=...)'s array, or fresh memory the Frame owns.
  template <PixelFormat F>
  FrameView<F> destination(PyFrame& frame, const std::optional<FrameBuffer>& out) {
    if (out) {
      const FrameView<F> view = out->view<F>(spec_.size);
      frame.data = view.plane(0);
      frame.row_stride = static_cast<Py_ssize_t>(view.stride(0));
      return view;
    }
    const auto row =
        static_cast<std::size_t>(spec_.size.width) * static_cast<std::size_t>(channels_of(F));
    frame.owned = FrameMemoryPool::take(memory_, row * static_cast<std::size_t>(spec_.size.height));
    frame.data = frame.owned.get();
    frame.row_stride = static_cast<Py_ssize_t>(row);
    return FrameView<F>(spec_.size, {frame.data, nullptr, nullptr}, {row, 0, 0});
  }

  bool read_rgb(PyFrame& frame, const std::optional<FrameBuffer>& out) {
    auto lent = yuv_->read();
    if (!lent) return false;
    check_size(lent->view().size());
    std::visit(
        [&](auto& u) {
          using U = std::decay_t<decltype(u)>;
          if constexpr (!std::is_same_v<U, std::monostate>) {
            constexpr PixelFormat F = U::template output_for<PixelFormat::I420>;
            u.convert(lent->view(), destination<F>(frame, out));
          }
        },
        unpacker_);
    set_time(frame, lent->time());
    return true;
  }

  bool read_gray(PyFrame& frame, const std::optional<FrameBuffer>& out) {
    auto lent = gray_->read();
    if (!lent) return false;
    check_size(lent->view().size());
    copy_gray(lent->view(), destination<PixelFormat::GRAY8>(frame, out));
    set_time(frame, lent->time());
    return true;
  }

  void check_size(Size size) const {
    if (size != spec_.size) {
      throw StreamError("framepipe.Reader",
                        "the stream changed size from " + to_string(spec_.size) + " to " +
                            to_string(size) + " mid-stream, which the Reader does not follow",
                        "");
    }
  }

  static void set_time(PyFrame& frame, const FrameTime& time) {
    frame.index = time.index;
    frame.pts = time.pts;
    frame.duration = time.duration;
  }

  std::string description_;
  PixelFormat format_;
  mutable std::mutex mutex_;
  std::unique_ptr<Reader<PixelFormat::I420>> yuv_;
  std::unique_ptr<Reader<PixelFormat::GRAY8>> gray_;
  Unpacker unpacker_;
  /// Shared with the frames' memory, which gives itself back to it when its Frame goes.
  std::shared_ptr<FrameMemoryPool> memory_ = std::make_shared<FrameMemoryPool>();
  StreamSpec spec_{};
  Stats stats_{};
  bool closed_ = false;
};

/// The description (before appsink) that decodes the file at `path`: decodebin, except for raw
/// .y4m, which y4mdec reads from 1 MiB blocks. decodebin's typefind drives a push-only y4mdec with
/// 4 KiB pulls (~760 reads and adapter copies per 1080p frame), which held the Reader to a third
/// of what y4mdec alone does.
std::string reader_description_for_path(const std::string& path) {
  if (extension_of(path) == "y4m") {
    return "filesrc location=" + quoted(path) + " blocksize=1048576 ! y4mdec";
  }
  return source_description_for_path(path);
}

std::unique_ptr<PyReader> make_reader(const py::object& source, const py::object& format,
                                      unsigned threads, double timeout, bool sync) {
  const char* where = "framepipe.Reader";
  const PixelFormat f = parse_format(format, where);
  AppSinkSourceOptions options;
  if (!(timeout >= 0)) throw InvalidArgument("framepipe.Reader: timeout must be >= 0 s");
  options.pull_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout * 1e3));
  options.sync = sync;
  const bool path_like = py::isinstance(source, py::module_::import("os").attr("PathLike"));
  if (!path_like && !py::isinstance<py::str>(source)) {
    throw InvalidArgument(
        "framepipe.Reader: expected a file path or a GStreamer description, got " +
        py::repr(source).cast<std::string>());
  }
  const std::string text =
      py::str(py::module_::import("os").attr("fspath")(source)).cast<std::string>();
  std::string description = path_like || is_path(text) ? reader_description_for_path(text) : text;
  py::gil_scoped_release release;
  return std::make_unique<PyReader>(std::move(description), f, std::move(options), threads);
}

std::optional<std::uint64_t> known(std::uint64_t ns) {
  return ns == UINT64_MAX ? std::nullopt : std::optional<std::uint64_t>(ns);
}

}  // namespace

void bind_reader(py::module_& m) {
  py::class_<PyFrame>(m, "Frame", py::buffer_protocol(), R"doc(
One frame read by a framepipe.Reader. It supports the buffer protocol: np.asarray(frame) is a
zero-copy HxWx3 (HxWx4, HxW for GRAY8) uint8 view of the frame's own memory, which lives as long as
the Frame or any array made from it does -- after later reads, and after the reader is closed.)doc")
      .def_buffer([](PyFrame& f) {
        const int c = f.channels();
        if (c == 1) {
          return py::buffer_info(f.data, 1, py::format_descriptor<std::uint8_t>::format(), 2,
                                 {Py_ssize_t{f.size.height}, Py_ssize_t{f.size.width}},
                                 {f.row_stride, Py_ssize_t{1}}, false);
        }
        return py::buffer_info(f.data, 1, py::format_descriptor<std::uint8_t>::format(), 3,
                               {Py_ssize_t{f.size.height}, Py_ssize_t{f.size.width}, Py_ssize_t{c}},
                               {f.row_stride, Py_ssize_t{c}, Py_ssize_t{1}}, false);
      })
      .def_property_readonly(
          "pts", [](const PyFrame& f) { return known(f.pts); },
          "Presentation time in nanoseconds (stream time, what players show), or None.")
      .def_property_readonly(
          "duration", [](const PyFrame& f) { return known(f.duration); },
          "Duration in nanoseconds, or None when the stream does not say.")
      .def_readonly("index", &PyFrame::index, "0 for the first frame read, then 1, 2, ...")
      .def_property_readonly(
          "width", [](const PyFrame& f) { return f.size.width; }, "Width in pixels.")
      .def_property_readonly(
          "height", [](const PyFrame& f) { return f.size.height; }, "Height in pixels.")
      .def_property_readonly(
          "shape",
          [](const PyFrame& f) -> py::tuple {
            if (f.channels() == 1) return py::make_tuple(f.size.height, f.size.width);
            return py::make_tuple(f.size.height, f.size.width, f.channels());
          },
          "(height, width, channels), or (height, width) for GRAY8.")
      .def_property_readonly(
          "format", [](const PyFrame& f) { return std::string(format_name(f.format)); },
          "\"BGR24\", ...")
      .def_property_readonly(
          "_address", [](const PyFrame& f) { return reinterpret_cast<std::uintptr_t>(f.data); },
          "Debug hook: the address of the frame's first byte (what the unpacker wrote).")
      .def("__repr__", [](const PyFrame& f) {
        return "framepipe.Frame(" + std::string(format_name(f.format)) + " " + to_string(f.size) +
               ", index=" + std::to_string(f.index) + ", pts=" + std::to_string(f.pts) + ")";
      });

  py::class_<PyReader>(m, "Reader", R"doc(
Reads frames from a file or any GStreamer source as numpy-ready frames: the cv2.VideoCapture
replacement.

    for frame in framepipe.Reader("in.mp4", format="BGR24"):
        img = np.asarray(frame)        # HxWx3 uint8, no copy; frame.pts in ns

`source` is a file path (decoded by decodebin) or a GStreamer description of what comes before
the appsink ("videotestsrc num-buffers=10", "rtspsrc location=... ! decodebin"); the path rule is
the Writer's. `format`: "BGR24" (default), "RGB24", "BGRA32", "RGBA32" (the decoder's I420
unpacked with the matrix, range and chroma siting the caps state, as in C++) or "GRAY8".
The constructor starts the stream and waits for its first frame (GIL released), so a bad source
raises here. `timeout` (s) bounds each wait for a frame (0: no bound); `threads` unpacker threads.

Memory: each frame is unpacked straight into memory that its Frame owns (no copy beyond the
conversion that has to happen anyway; GRAY8 frames are one copy of the decoder's plane), so a
Frame stays valid as long as Python holds it or any array made from it. When Python lets a Frame
go, its memory is kept (up to two frames' worth) for the next read() instead of being freed and
allocated again; a Frame still held is never written. read(out=array) unpacks into your array
instead and allocates nothing. A .y4m path is read by y4mdec from 1 MiB blocks, other paths by
decodebin.)doc")
      .def(py::init(&make_reader), py::arg("source"), py::kw_only(), py::arg("format") = "BGR24",
           py::arg("threads") = 1u, py::arg("timeout") = 10.0, py::arg("sync") = false)
      .def("read", &PyReader::read, py::kw_only(), py::arg("out") = py::none(), R"doc(
The next framepipe.Frame, or None at the end of the stream (and on every call after it). With
`out`, a writable HxWxC uint8 array of the stream's size, the frame is unpacked into it (no
allocation) and the returned Frame views it. Raises framepipe.Error once the reader is closed.)doc")
      .def("close", &PyReader::close,
           "Stops the stream and frees the pipeline (GIL released). Frames already read stay "
           "valid. A second call does nothing.")
      .def_property_readonly("stats", &PyReader::stats, "The counters (framepipe.Stats).")
      .def_property_readonly("closed", &PyReader::closed, "Whether close() has run.")
      .def_property_readonly("description", &PyReader::description,
                             "The GStreamer description before the appsink.")
      .def_property_readonly("_spare_frames", &PyReader::spare_frames,
                             "Debug hook: frames' worth of memory that dropped Frames gave back "
                             "for the next read() (at most 2; none once closed).")
      .def_property_readonly(
          "format", [](const PyReader& r) { return std::string(format_name(r.format())); },
          "What read() returns, e.g. \"BGR24\".")
      .def_property_readonly(
          "size",
          [](const PyReader& r) {
            return py::make_tuple(r.source_spec().size.width, r.source_spec().size.height);
          },
          "(width, height).")
      .def_property_readonly(
          "fps", [](const PyReader& r) { return fraction(r.source_spec().fps); },
          "The stream's rate (fractions.Fraction; 0 when the caps say 0/1, a variable rate).")
      .def_property_readonly(
          "matrix",
          [](const PyReader& r) -> py::object {
            if (!r.source_spec().color) return py::none();
            return py::cast(r.source_spec().color->matrix);
          },
          "The stream's Y'CbCr matrix as the caps say it (framepipe.Matrix), or None for gray.")
      .def_property_readonly(
          "range",
          [](const PyReader& r) -> py::object {
            if (!r.source_spec().color) return py::none();
            return py::cast(r.source_spec().color->range);
          },
          "The stream's Y'CbCr range (framepipe.Range), or None for gray.")
      .def(
          "__iter__", [](PyReader& r) -> PyReader& { return r; },
          py::return_value_policy::reference)
      .def("__next__",
           [](PyReader& r) {
             py::object f = r.read(py::none());
             if (f.is_none()) throw py::stop_iteration();
             return f;
           })
      .def(
          "__enter__", [](PyReader& r) -> PyReader& { return r; },
          py::return_value_policy::reference)
      .def(
          "__exit__",
          [](PyReader& r, const py::object&, const py::object&, const py::object&) {
            r.close();
            return false;
          },
          "Closes the reader.");
}

}  // namespace framepipe::python
