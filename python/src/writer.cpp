// framepipe.Writer: the cv2.VideoWriter replacement, over framepipe::Writer<F, I420Packer,
// AppSrcSink> (GRAY8: Writer<GRAY8, AppSrcSink>). The caller's array is read in place; the GIL is
// released while a frame is packed and pushed, while the stream opens, and on close. With audio=,
// write_audio() pushes numpy samples through the same sink's audio appsrc (one pipeline, one EOS).
#include <Python.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstdint>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/core/writer.hpp>
#include <framepipe/gst/app_src_sink.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "../../examples/text_clock/default_output.hpp"
#include "audio_buffer.hpp"
#include "bindings.hpp"
#include "frame_buffer.hpp"
#include "gil.hpp"
#include "parse.hpp"
#include "sigint.hpp"
#include "targets.hpp"

namespace py = pybind11;

namespace framepipe::python {
namespace {

template <PixelFormat F>
using RgbWriter = Writer<F, I420Packer, AppSrcSink>;
using GrayWriter = Writer<PixelFormat::GRAY8, AppSrcSink>;
using AnyWriter =
    std::variant<std::monostate, std::unique_ptr<RgbWriter<PixelFormat::BGR24>>,
                 std::unique_ptr<RgbWriter<PixelFormat::RGB24>>,
                 std::unique_ptr<RgbWriter<PixelFormat::BGRA32>>,
                 std::unique_ptr<RgbWriter<PixelFormat::RGBA32>>, std::unique_ptr<GrayWriter>>;

template <class W>
struct WriterFormat;
template <PixelFormat F>
struct WriterFormat<RgbWriter<F>> {
  static constexpr PixelFormat value = F;
};
template <>
struct WriterFormat<GrayWriter> {
  static constexpr PixelFormat value = PixelFormat::GRAY8;
};

/// Cuts a write() blocked in the sink's acquire() short (AppSrcSink::interrupt, thread-safe).
void interrupt_sink(void* sink) noexcept { static_cast<AppSrcSink*>(sink)->interrupt(); }

struct WriterConfig {
  std::string description;
  WriterOptions options;
  PixelFormat format = PixelFormat::BGR24;
  PackerOptions packer;
  AppSrcSinkOptions sink;
  /// Whether `description` is the whole pipeline, naming its appsrcs (AppSrcSink::launch), not
  /// what follows one appsrc: with audio.
  bool launch = false;
};

/// The sink `config` describes: `appsrc ! description`, or the whole description launched.
AppSrcSink make_sink(WriterConfig& config) {
  if (config.launch) return AppSrcSink::launch(config.description, std::move(config.sink));
  return AppSrcSink(config.description, std::move(config.sink));
}

class PyWriter {
 public:
  /// Opens the stream (AppSrcSink starts its pipeline); call without the GIL.
  explicit PyWriter(WriterConfig config)
      : description_(config.description), options_(config.options), format_(config.format) {
    switch (config.format) {
      case PixelFormat::BGR24:
        open<PixelFormat::BGR24>(config);
        break;
      case PixelFormat::RGB24:
        open<PixelFormat::RGB24>(config);
        break;
      case PixelFormat::BGRA32:
        open<PixelFormat::BGRA32>(config);
        break;
      case PixelFormat::RGBA32:
        open<PixelFormat::RGBA32>(config);
        break;
      default:
        writer_ = std::make_unique<GrayWriter>(config.options, make_sink(config));
        break;
    }
    std::visit(
        [&](auto& w) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
            sink_.store(&w->sink());
          }
        },
        writer_);
  }

  PyWriter(const PyWriter&) = delete;
  PyWriter& operator=(const PyWriter&) = delete;

  /// Closes the stream if close() was not called (errors dropped), without the GIL when the
  /// interpreter is not shutting down: the wait for EOS must not stop other Python threads.
  ~PyWriter() {
    if (may_release_gil()) {
      py::gil_scoped_release release;
      writer_ = std::monostate{};
    }
  }

  void write(const py::handle& frame, const std::optional<std::uint64_t>& pts) {
    const FrameBuffer buffer(frame, false, "framepipe.Writer.write",
                             FrameBuffer::expected_shape(format_, options_.size));
    std::visit(
        [&](auto& w) {
          using Ptr = std::decay_t<decltype(w)>;
          if constexpr (std::is_same_v<Ptr, std::monostate>) {
            throw Error("framepipe.Writer.write: the writer is closed");
          } else {
            using W = typename Ptr::element_type;
            const auto view = buffer.view<WriterFormat<W>::value>(options_.size);
            // Ctrl-C while write() waits for a frame of the pool: KeyboardInterrupt.
            interruptible(&interrupt_sink, &w->sink(), [&] {
              py::gil_scoped_release release;
              const std::lock_guard lock(mutex_);
              // Checked again under the lock: close() may have run in another thread.
              if (closed_) throw Error("framepipe.Writer.write: the writer is closed");
              last_frame_address_ = reinterpret_cast<std::uintptr_t>(view.plane(0));
              if (pts) {
                w->write(view, *pts);
              } else {
                w->write(view);
              }
            });
          }
        },
        writer_);
  }

  void write_audio(const py::handle& samples, const std::optional<std::uint64_t>& pts) {
    const char* where = "framepipe.Writer.write_audio";
    if (!options_.audio) {
      throw InvalidArgument(
          std::string(where) +
          ": the writer has no audio (open it with audio=framepipe.AudioSpec(...))");
    }
    const AudioBuffer buffer(samples, *options_.audio, where);
    std::visit(
        [&](auto& w) {
          using Ptr = std::decay_t<decltype(w)>;
          if constexpr (std::is_same_v<Ptr, std::monostate>) {
            throw Error(std::string(where) + ": the writer is closed");
          } else {
            interruptible(&interrupt_sink, &w->sink(), [&] {
              py::gil_scoped_release release;
              const std::lock_guard lock(mutex_);
              if (closed_) throw Error(std::string(where) + ": the writer is closed");
              last_audio_address_ = reinterpret_cast<std::uintptr_t>(buffer.data());
              if (options_.audio->format == AudioFormat::S16LE) {
                push_audio(*w, buffer.view<AudioFormat::S16LE>(), pts);
              } else {
                push_audio(*w, buffer.view<AudioFormat::F32LE>(), pts);
              }
            });
          }
        },
        writer_);
  }

  /// Ends the stream (EOS, and its wait) and frees the pipeline; the second call only returns
  /// the counters.
  Stats close() {
    py::gil_scoped_release release;
    const std::lock_guard lock(mutex_);
    if (closed_) return stats_;
    closed_ = true;
    sink_.store(nullptr);
    AnyWriter writer = std::exchange(writer_, std::monostate{});
    std::visit(
        [&](auto& w) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
            stats_ = w->stats();
            stats_ = w->close();  // the writer's destructor, at the end of scope, frees it
          }
        },
        writer);
    return stats_;
  }

  Stats stats() const {
    const std::lock_guard lock(mutex_);
    Stats s = stats_;
    std::visit(
        [&](const auto& w) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
            s = w->stats();
          }
        },
        writer_);
    return s;
  }

  bool closed() const {
    const std::lock_guard lock(mutex_);
    return closed_;
  }
  const std::string& description() const { return description_; }
  const WriterOptions& options() const { return options_; }
  PixelFormat format() const { return format_; }
  /// Debug hook for tests: whether write() waits for a frame of the pool to come back. Lock-free,
  /// so that another thread can ask while write() waits; not while the writer closes.
  bool acquire_waiting() const {
    const AppSrcSink* sink = sink_.load();
    return sink != nullptr && sink->acquire_waiting();
  }

  std::uintptr_t last_frame_address() const {
    const std::lock_guard lock(mutex_);
    return last_frame_address_;
  }

  std::uintptr_t last_audio_address() const {
    const std::lock_guard lock(mutex_);
    return last_audio_address_;
  }

  std::uint64_t audio_frames() const {
    const std::lock_guard lock(mutex_);
    std::uint64_t frames = audio_frames_;
    std::visit(
        [&](const auto& w) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
            frames = w->audio_frames();
          }
        },
        writer_);
    return frames;
  }

 private:
  template <class W, AudioFormat F>
  void push_audio(W& w, AudioView<F> view, const std::optional<std::uint64_t>& pts) {
    if (pts) {
      w.write_audio(view, *pts);
    } else {
      w.write_audio(view);
    }
    audio_frames_ = w.audio_frames();
  }

  template <PixelFormat F>
  void open(WriterConfig& config) {
    writer_ = std::make_unique<RgbWriter<F>>(config.options, I420Packer(config.packer),
                                             make_sink(config));
  }

  std::string description_;
  WriterOptions options_;
  PixelFormat format_;
  mutable std::mutex mutex_;
  AnyWriter writer_;
  Stats stats_{};
  bool closed_ = false;
  std::uintptr_t last_frame_address_ = 0;
  std::uintptr_t last_audio_address_ = 0;
  std::uint64_t audio_frames_ = 0;
  std::atomic<const AppSrcSink*> sink_{nullptr};
};

Timestamps parse_timestamps(const std::string& name) {
  if (name == "index") return Timestamps::FrameIndex;
  if (name == "explicit") return Timestamps::Explicit;
  if (name == "clock") return Timestamps::Clock;
  throw InvalidArgument(
      "framepipe.Writer: expected timestamps \"index\", \"explicit\" or "
      "\"clock\", got \"" +
      name + "\"");
}

std::unique_ptr<PyWriter> make_writer(const py::object& target, const py::object& size,
                                      const py::object& fps, const py::object& format,
                                      const py::object& matrix, const py::object& range,
                                      unsigned threads, const std::string& timestamps,
                                      std::size_t pool_size, double eos_timeout,
                                      const py::object& audio) {
  const char* where = "framepipe.Writer";
  WriterConfig config;
  config.options.size = parse_size(size, where);
  config.options.fps = parse_fps(fps, where);
  config.options.timestamps = parse_timestamps(timestamps);
  config.format = parse_format(format, where);
  config.packer.matrix = parse_matrix(matrix, where);
  config.packer.range = parse_range(range, where);
  config.packer.threads = threads;
  if (pool_size < 1) throw InvalidArgument("framepipe.Writer: pool_size must be >= 1");
  config.sink.pool_size = pool_size;
  if (!(eos_timeout > 0)) throw InvalidArgument("framepipe.Writer: eos_timeout must be > 0 s");
  config.sink.eos_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(eos_timeout * 1e3));
  if (config.format == PixelFormat::GRAY8 &&
      (!matrix.is_none() || config.packer.range != Range::Limited)) {
    throw InvalidArgument("framepipe.Writer: matrix and range apply to RGB input, not GRAY8");
  }

  const bool path_like = py::isinstance(target, py::module_::import("os").attr("PathLike"));
  if (!path_like && !py::isinstance<py::str>(target)) {
    throw InvalidArgument(
        "framepipe.Writer: expected a file path or a GStreamer description, got " +
        py::repr(target).cast<std::string>());
  }
  const std::string text =
      py::str(py::module_::import("os").attr("fspath")(target)).cast<std::string>();
  config.options.audio = parse_audio(audio, where);
  const bool path = path_like || is_path(text);
  if (!config.options.audio) {
    config.description =
        path ? sink_description_for_path(text, config.options.size, config.options.fps) : text;
  } else {
    // Two appsrcs in one pipeline: text_clock's descriptions for a path (.mkv H.264 + Opus, .mp4
    // H.264 + AAC, .webm VP8 + Opus), or the caller's whole description naming them.
    config.launch = true;
    config.sink.appsrc_name = "video";
    config.sink.audio_appsrc_name = "audio";
    if (path) {
      const std::string ext = extension_of(text);
      if (ext != "mkv" && ext != "mp4" && ext != "webm") {
        throw InvalidArgument(
            "framepipe.Writer: audio goes into .mkv (Opus), .mp4 (AAC) or .webm "
            "(Opus), not \"" +
            text +
            "\"; or give a whole description with \"appsrc name=video\" and "
            "\"appsrc name=audio\"");
      }
      config.description =
          text_clock::default_av_output(text, config.options.size, config.options.fps, true, false);
    } else {
      config.description = text;
    }
  }
  py::gil_scoped_release release;
  return std::make_unique<PyWriter>(std::move(config));
}

}  // namespace

void bind_writer(py::module_& m) {
  py::class_<PyWriter>(m, "Writer", R"doc(
Writes numpy frames into a GStreamer pipeline: the cv2.VideoWriter replacement.

    with framepipe.Writer("out.webm", size=(1920, 1080), fps=30) as w:
        for frame in frames:          # HxWx3 uint8 BGR arrays
            w.write(frame)
    # leaving the block closed the stream: EOS, and the file finalised

`target` is a file path (the container from its extension: .webm VP8, .mkv/.mp4/.mov H.264, .y4m
raw) or the GStreamer description that follows appsrc, e.g.
"videoconvert ! x264enc ! mp4mux ! filesink location=a.mp4". A string is a path when it has no
'!' or '=' and has a '.' or a '/'; an os.PathLike is always a path.

`format` is what write() takes: "BGR24" (HxWx3, OpenCV's order, the default), "RGB24",
"BGRA32", "RGBA32" (HxWx4), "GRAY8" (HxW). RGB frames are packed into I420 with `matrix`
(default BT.601, the one choice every decoder reads right; see docs/colour.md) and `range`
("limited" or "full"), the caps stating which; `threads` packer threads (0: all cores).
`timestamps`: "index" (pts = i / fps, exact), "explicit" (write(frame, pts=ns)), "clock".
`audio`: a framepipe.AudioSpec to write sound beside the frames (write_audio()); a path then
picks .mkv H.264 + Opus, .mp4 H.264 + AAC or .webm VP8 + Opus, and a description is the whole
pipeline with "appsrc name=video" and "appsrc name=audio", e.g.
"appsrc name=video ! videoconvert ! x264enc ! queue ! mux.  appsrc name=audio ! audioconvert !
opusenc ! queue ! mux.  matroskamux name=mux ! filesink location=a.mkv".
The constructor starts the pipeline: a bad description, a missing element or a file that cannot
be opened raises here (framepipe.ParseError, MissingElement, StreamError).)doc")
      .def(py::init(&make_writer), py::arg("target"), py::arg("size"), py::arg("fps") = 30,
           py::kw_only(), py::arg("format") = "BGR24", py::arg("matrix") = py::none(),
           py::arg("range") = "limited", py::arg("threads") = 1u, py::arg("timestamps") = "index",
           py::arg("pool_size") = std::size_t{4}, py::arg("eos_timeout") = 10.0,
           py::arg("audio") = py::none())
      .def("write", &PyWriter::write, py::arg("frame"), py::arg("pts") = py::none(), R"doc(
Writes one frame: an HxWx3 (HxWx4 for BGRA32/RGBA32, HxW for GRAY8) uint8 array of the
writer's size, C-contiguous or a slice/ROI of a bigger array (any positive row stride; each row's
pixels adjacent). Its memory is read in place, with no copy, and the GIL is released while it is
packed and pushed. A wrong dtype, ndim, shape, channel count or stride raises
framepipe.FrameError naming what was expected. `pts` (nanoseconds) only with
timestamps="explicit". An error downstream surfaces here (framepipe.StreamError).)doc")
      .def("write_audio", &PyWriter::write_audio, py::arg("samples"), py::arg("pts") = py::none(),
           R"doc(
Writes audio: a C-contiguous array of interleaved samples, int16 for an S16LE AudioSpec or
float32 for F32LE, of shape (n, channels) or (n * channels,). Read in place, with no copy (into
the sink's buffers once, as every sink does), the GIL released while it is pushed. Without `pts`
it follows the audio written before (pts from the count of samples: exact); `pts` (ns) must not go
back before the end of the audio written so far. Interleave it with write() (about a frame's
worth of audio per frame): the muxer waits for both streams. A wrong dtype, shape or channel
count raises framepipe.FrameError naming what was expected; no audio=, or a pts that goes back,
framepipe.InvalidArgument; after close(), framepipe.Error.)doc")
      .def("close", &PyWriter::close, R"doc(
Ends the stream (EOS, waits for it to reach the sink: the file is finalised) and returns its
framepipe.Stats. The GIL is released meanwhile. A second call only returns the stats.)doc")
      .def_property_readonly("stats", &PyWriter::stats, "The counters so far (framepipe.Stats).")
      .def_property_readonly("closed", &PyWriter::closed, "Whether close() has run.")
      .def_property_readonly("description", &PyWriter::description,
                             "The GStreamer description after appsrc.")
      .def_property_readonly(
          "size",
          [](const PyWriter& w) {
            return py::make_tuple(w.options().size.width, w.options().size.height);
          },
          "(width, height).")
      .def_property_readonly(
          "fps", [](const PyWriter& w) { return fraction(w.options().fps); },
          "The frame rate, a fractions.Fraction.")
      .def_property_readonly(
          "format", [](const PyWriter& w) { return std::string(format_name(w.format())); },
          "What write() takes, e.g. \"BGR24\".")
      .def_property_readonly(
          "audio",
          [](const PyWriter& w) -> py::object {
            if (!w.options().audio) return py::none();
            return py::cast(*w.options().audio);
          },
          "The framepipe.AudioSpec of write_audio(), or None.")
      .def_property_readonly("audio_frames", &PyWriter::audio_frames,
                             "Audio frames (one sample of every channel) written so far.")
      .def_property_readonly("_last_audio_address", &PyWriter::last_audio_address,
                             "Debug hook: the address of the samples the last write_audio() "
                             "handed to the writer (the array's own: no copy).")
      .def_property_readonly("_acquire_waiting", &PyWriter::acquire_waiting,
                             "Debug hook: whether write() is waiting for a frame of the pool.")
      .def_property_readonly("_last_frame_address", &PyWriter::last_frame_address,
                             "Debug hook: the address of the memory the last write() handed to "
                             "the packer (the array's own: no copy).")
      .def(
          "__enter__", [](PyWriter& w) -> PyWriter& { return w; },
          py::return_value_policy::reference)
      .def(
          "__exit__",
          [](PyWriter& w, const py::object& type, const py::object&, const py::object&) {
            if (type.is_none()) {
              w.close();
            } else {
              // The block's own exception is the one to see; the file is still finalised.
              try {
                w.close();
              } catch (const Error&) {
              }
            }
            return false;
          },
          "Closes the writer (see close()); an exception of the block still finalises the "
          "file, and is the one that propagates.");
}

}  // namespace framepipe::python
