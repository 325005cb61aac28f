// framepipe.Pipeline: the C++ Pipeline<Generator, I420Packer, Sink> from Python. Its sources are
// framepipe.TextClock (with OpenCV), framepipe.TestPattern and a Python callable that draws into
// the frame the engine converts next; its targets a file path or a GStreamer description
// (AppSrcSink) or a framepipe.RtspServer (RtspSink). run() blocks with the GIL released; the
// callable and on_progress take it for their call.
#include <Python.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/core/pipeline.hpp>
#include <framepipe/generators/test_pattern_generator.hpp>
#include <framepipe/gst/app_src_sink.hpp>
#include <framepipe/gst/network.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#if FRAMEPIPE_HAS_OPENCV
#  include <framepipe/opencv/text_clock_generator.hpp>
#endif

#include "bindings.hpp"
#include "gil.hpp"
#include "parse.hpp"
#include "rtsp.hpp"
#include "sigint.hpp"
#include "targets.hpp"

namespace py = pybind11;

namespace framepipe::python {
namespace {

/// framepipe.TestPattern: the options of a TestPatternGenerator.
struct TestPatternSource {
  GeneratorOptions options;
};

#if FRAMEPIPE_HAS_OPENCV
/// framepipe.TextClock: the options of a TextClockGenerator.
struct TextClockSource {
  TextClockOptions options;
};
#endif

/// A Python callable as a generator: called with the GIL held, with a writable HxWx3 BGR numpy
/// array over the very frame the engine converts next (no copy) and the frame's FrameTime.
class CallableGenerator {
 public:
  static constexpr PixelFormat output = PixelFormat::BGR24;

  explicit CallableGenerator(Size size) : size_(size) { check_frame_size(size_); }

  /// Before each run: `owner` is the Python Pipeline (the arrays' base, which keeps the frame
  /// memory alive while an array lives) and `draw` its member holding the callable (None once
  /// the garbage collector cleared it). Both borrowed: they outlive the run.
  void bind(PyObject* owner, const py::object* draw) {
    owner_ = owner;
    draw_ = draw;
  }
  Size size() const { return size_; }

  void generate(FrameView<output> frame, const FrameTime& time) {
    const py::gil_scoped_acquire gil;
    const py::array array(
        py::dtype::of<std::uint8_t>(),
        {static_cast<py::ssize_t>(frame.height()), static_cast<py::ssize_t>(frame.width()),
         py::ssize_t{3}},
        {static_cast<py::ssize_t>(frame.stride(0)), py::ssize_t{3}, py::ssize_t{1}}, frame.plane(0),
        py::handle(owner_));
    (*draw_)(array, time);
  }

 private:
  Size size_;
  const py::object* draw_ = nullptr;
  PyObject* owner_ = nullptr;
};

/// What PyPipeline needs of a Pipeline of any generator and sink.
class AnyPipeline {
 public:
  virtual ~AnyPipeline() = default;
  virtual Stats run(const RunOptions& options) = 0;
  virtual Stats stats() const = 0;
  virtual void request_stop() noexcept = 0;
  virtual void bind(PyObject* owner, const py::object* draw) = 0;
};

template <class G, class S>
class PipelineOf final : public AnyPipeline {
 public:
  PipelineOf(G generator, PackerOptions packer, S sink)
      : pipeline_(std::move(generator), I420Packer(packer), std::move(sink)) {}
  Stats run(const RunOptions& options) override { return pipeline_.run(options); }
  Stats stats() const override { return pipeline_.stats(); }
  void request_stop() noexcept override { pipeline_.request_stop(); }
  void bind(PyObject* owner, const py::object* draw) override {
    if constexpr (std::is_same_v<G, CallableGenerator>) pipeline_.first_stage().bind(owner, draw);
  }

 private:
  Pipeline<G, I420Packer, S> pipeline_;
};

#if FRAMEPIPE_HAS_RTSP
using AnySink = std::variant<AppSrcSink, RtspSink>;
#else
using AnySink = std::variant<AppSrcSink>;
#endif

template <class G>
std::unique_ptr<AnyPipeline> pipeline_of(G generator, const PackerOptions& packer, AnySink sink) {
  return std::visit(
      [&](auto& s) -> std::unique_ptr<AnyPipeline> {
        using S = std::decay_t<decltype(s)>;
        return std::make_unique<PipelineOf<G, S>>(std::move(generator), packer, std::move(s));
      },
      sink);
}

/// Cuts a run short on Ctrl-C (Pipeline::request_stop, thread-safe).
void stop_pipeline(void* pipeline) noexcept { static_cast<AnyPipeline*>(pipeline)->request_stop(); }

class PyPipeline {
 public:
  PyPipeline(std::unique_ptr<AnyPipeline> pipeline, RunOptions options, Size size,
             std::string description, py::object draw, py::object on_progress, py::object target)
      : draw_(std::move(draw)),
        on_progress_(std::move(on_progress)),
        target_(std::move(target)),
        options_(std::move(options)),
        size_(size),
        description_(std::move(description)),
        pipeline_(std::move(pipeline)) {
    if (!on_progress_.is_none()) {
      // This object's member (None once the garbage collector cleared it), which outlives a run.
      const py::object* callback = &on_progress_;
      options_.on_progress = [callback](const Stats& stats) {
        const py::gil_scoped_acquire gil;
        (*callback)(stats);
      };
    }
  }

  PyPipeline(const PyPipeline&) = delete;
  PyPipeline& operator=(const PyPipeline&) = delete;

  /// Frees the C++ pipeline (its sink's pipeline too) without the GIL when that is safe; the
  /// Python objects it borrowed go after it.
  ~PyPipeline() {
    if (may_release_gil()) {
      const py::gil_scoped_release release;
      pipeline_.reset();
    } else {
      pipeline_.reset();
    }
  }

  Stats run(const py::object& self) {
    {
      const std::lock_guard lock(mutex_);
      if (running_) throw Error("framepipe.Pipeline.run: the pipeline is already running");
      running_ = true;
    }
    struct Done {
      PyPipeline& p;
      ~Done() {
        const std::lock_guard lock(p.mutex_);
        p.running_ = false;
      }
    } done{*this};
    pipeline_->bind(self.ptr(), &draw_);
    Stats stats;
    {
      // Ctrl-C: request_stop() from the watcher thread; the run ends the stream as usual (the
      // file is finalised), then Python's handler raises KeyboardInterrupt. A callable running
      // on this thread when it comes raises KeyboardInterrupt itself; the run then aborts (EOS
      // still sent) and re-raises it.
      const SigintScope scope(&stop_pipeline, pipeline_.get());
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      {
        const py::gil_scoped_release release;
        stats = pipeline_->run(options_);
      }
      if (scope.fired() && PyErr_CheckSignals() != 0) throw py::error_already_set();
    }
    return stats;
  }

  void stop() noexcept { pipeline_->request_stop(); }
  Stats stats() const { return pipeline_->stats(); }
  bool running() const {
    const std::lock_guard lock(mutex_);
    return running_;
  }
  const std::string& description() const { return description_; }
  Size size() const { return size_; }
  const RunOptions& options() const { return options_; }

  /// The garbage collector's view (a callable that refers to its own Pipeline is a cycle).
  int traverse(visitproc visit, void* arg) const {
    Py_VISIT(draw_.ptr());
    Py_VISIT(on_progress_.ptr());
    Py_VISIT(target_.ptr());
    return 0;
  }
  /// Breaks the cycle: a run after it would find None to call (TypeError). A running pipeline
  /// is never garbage (run() holds it).
  void clear() {
    draw_ = py::none();
    on_progress_ = py::none();
    target_ = py::none();
  }

 private:
  py::object draw_;
  py::object on_progress_;
  py::object target_;  // an RtspServer target stays alive while the pipeline feeds it
  RunOptions options_;
  Size size_;
  std::string description_;
  mutable std::mutex mutex_;
  bool running_ = false;
  std::unique_ptr<AnyPipeline> pipeline_;
};

std::unique_ptr<PyPipeline> make_pipeline(const py::object& source, const py::object& target,
                                          const py::object& fps, std::uint64_t frames,
                                          const py::object& seconds, const py::object& size,
                                          const py::object& realtime, bool live,
                                          const py::object& matrix, const py::object& range,
                                          unsigned threads, bool overlap,
                                          const py::object& on_progress, double progress_interval,
                                          std::size_t pool_size, double eos_timeout) {
  const char* where = "framepipe.Pipeline";
  RunOptions run;
  run.fps = parse_fps(fps, where);
  run.frames = frames;
  if (!seconds.is_none()) {
    const double s = seconds.cast<double>();
    if (!(s > 0) || s > 1e9) throw InvalidArgument("framepipe.Pipeline: seconds must be > 0");
    run.duration = std::chrono::nanoseconds(static_cast<std::int64_t>(std::llround(s * 1e9)));
  }
  if (frames == 0 && seconds.is_none()) {
    throw InvalidArgument("framepipe.Pipeline: give frames=N or seconds=S (how long to run)");
  }
  run.overlap = overlap;
  if (!on_progress.is_none() && !PyCallable_Check(on_progress.ptr())) {
    throw InvalidArgument("framepipe.Pipeline: on_progress must be callable");
  }
  if (!(progress_interval > 0)) {
    throw InvalidArgument("framepipe.Pipeline: progress_interval must be > 0 s");
  }
  run.progress_interval =
      std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(progress_interval * 1e3)));

  PackerOptions packer;
  packer.matrix = parse_matrix(matrix, where);
  packer.range = parse_range(range, where);
  packer.threads = threads;

  // The source and its size.
  std::optional<Size> asked;
  if (!size.is_none()) asked = parse_size(size, where);
  Size frame_size{};
  py::object draw = py::none();
  enum class Kind { Pattern, Clock, Callable } kind = Kind::Pattern;
  if (py::isinstance<TestPatternSource>(source)) {
    frame_size = source.cast<const TestPatternSource&>().options.size;
#if FRAMEPIPE_HAS_OPENCV
  } else if (py::isinstance<TextClockSource>(source)) {
    kind = Kind::Clock;
    frame_size = source.cast<const TextClockSource&>().options.size;
#endif
  } else if (PyCallable_Check(source.ptr()) != 0) {
    kind = Kind::Callable;
    if (!asked) {
      throw InvalidArgument(
          "framepipe.Pipeline: a callable source needs size=(width, height), the size of the "
          "array it draws into");
    }
    frame_size = *asked;
    draw = source;
  } else {
    throw InvalidArgument(
        "framepipe.Pipeline: expected a source framepipe.TextClock, framepipe.TestPattern or a "
        "callable draw(frame, time), got " +
        py::repr(source).cast<std::string>());
  }
  if (asked && *asked != frame_size) {
    throw InvalidArgument("framepipe.Pipeline: size=" + to_string(*asked) +
                          " differs from the source's size " + to_string(frame_size));
  }

  // The target.
  std::optional<AnySink> sink;
  std::string description;
  bool network = live;
#if FRAMEPIPE_HAS_RTSP
  if (py::isinstance<PyRtspServer>(target)) {
    const PyRtspServer& server = target.cast<const PyRtspServer&>();
    sink.emplace(std::in_place_type<RtspSink>, server.sink());
    description = server.url();
    network = true;
  }
#endif
  if (!sink) {
    const bool path_like = py::isinstance(target, py::module_::import("os").attr("PathLike"));
    if (!path_like && !py::isinstance<py::str>(target)) {
      throw InvalidArgument(
          "framepipe.Pipeline: expected a target file path, GStreamer description or "
          "framepipe.RtspServer, got " +
          py::repr(target).cast<std::string>());
    }
    const std::string text =
        py::str(py::module_::import("os").attr("fspath")(target)).cast<std::string>();
    description =
        path_like || is_path(text) ? sink_description_for_path(text, frame_size, run.fps) : text;
    AppSrcSinkOptions options = live ? live_sink_options() : AppSrcSinkOptions{};
    if (pool_size < 1) throw InvalidArgument("framepipe.Pipeline: pool_size must be >= 1");
    options.pool_size = pool_size;
    if (!(eos_timeout > 0)) throw InvalidArgument("framepipe.Pipeline: eos_timeout must be > 0 s");
    if (!live) {
      options.eos_timeout =
          std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(eos_timeout * 1e3)));
    }
    sink.emplace(std::in_place_type<AppSrcSink>, description, std::move(options));
  }
  const bool pace = realtime.is_none() ? network : realtime.cast<bool>();
  run.pacing = pace ? Pacing::RealTime : Pacing::AsFastAsPossible;

  std::unique_ptr<AnyPipeline> pipeline;
  switch (kind) {
    case Kind::Pattern:
      pipeline = pipeline_of(TestPatternGenerator(source.cast<const TestPatternSource&>().options),
                             packer, std::move(*sink));
      break;
    case Kind::Clock:
#if FRAMEPIPE_HAS_OPENCV
      pipeline = pipeline_of(TextClockGenerator(source.cast<const TextClockSource&>().options),
                             packer, std::move(*sink));
#endif
      break;
    case Kind::Callable:
      pipeline = pipeline_of(CallableGenerator(frame_size), packer, std::move(*sink));
      break;
  }
  return std::make_unique<PyPipeline>(std::move(pipeline), std::move(run), frame_size,
                                      std::move(description), std::move(draw), on_progress, target);
}

/// Makes framepipe.Pipeline a GC type that reports its callables (pybind11's custom_type_setup).
void setup_pipeline_type(PyHeapTypeObject* heap_type) {
  PyTypeObject* type = &heap_type->ht_type;
  type->tp_flags |= Py_TPFLAGS_HAVE_GC;
  type->tp_traverse = [](PyObject* self, visitproc visit, void* arg) {
#if PY_VERSION_HEX >= 0x03090000
    Py_VISIT(Py_TYPE(self));
#endif
    // An instance that holds no PyPipeline (its __init__ raised) has nothing to visit.
    try {
      return py::cast<const PyPipeline&>(py::handle(self)).traverse(visit, arg);
    } catch (const py::cast_error&) {
      return 0;
    }
  };
  type->tp_clear = [](PyObject* self) {
    try {
      py::cast<PyPipeline&>(py::handle(self)).clear();
    } catch (const py::cast_error&) {
    }
    return 0;
  };
}

}  // namespace

void bind_pipeline(py::module_& m) {
  py::class_<FrameTime>(m, "FrameTime", "When a frame is shown: what a callable source gets.")
      .def_readonly("index", &FrameTime::index, "Frame number from the start of the run.")
      .def_readonly("pts", &FrameTime::pts, "Presentation time in nanoseconds.")
      .def_readonly("duration", &FrameTime::duration, "Nanoseconds until the next frame.")
      .def_property_readonly("seconds", &FrameTime::seconds, "pts in seconds.")
      .def("__repr__", [](const FrameTime& t) {
        return "framepipe.FrameTime(index=" + std::to_string(t.index) +
               ", pts=" + std::to_string(t.pts) + ", duration=" + std::to_string(t.duration) + ")";
      });

  py::class_<TestPatternSource>(m, "TestPattern", R"doc(
A Pipeline source: the C++ TestPatternGenerator, smooth colour ramps with a white square that
moves one pixel right and down per frame (the same index always gives the same bytes).)doc")
      .def(py::init([](const py::object& size) {
             TestPatternSource s;
             s.options.size = parse_size(size, "framepipe.TestPattern");
             check_frame_size(s.options.size);
             return s;
           }),
           py::arg("size") = py::make_tuple(320, 240))
      .def_property_readonly(
          "size",
          [](const TestPatternSource& s) {
            return py::make_tuple(s.options.size.width, s.options.size.height);
          },
          "(width, height).");

#if FRAMEPIPE_HAS_OPENCV
  py::class_<TextClockSource>(m, "TextClock", R"doc(
A Pipeline source: the C++ TextClockGenerator, the appsrc tutorial's clock. Each frame shows
its time in seconds with six decimals ("1.233333"), centred, in `color` ((r, g, b), default
yellow) on black, drawn by OpenCV. `font_scale` 0 scales with the frame (1.0 at 240 lines, the
tutorial's look); `thickness` 0 scales with the font.)doc")
      .def(
          py::init([](const py::object& size, const py::object& color, double font_scale,
                      int thickness) {
            const char* where = "framepipe.TextClock";
            TextClockSource s;
            s.options.size = parse_size(size, where);
            check_frame_size(s.options.size);
            const auto rgb = color.cast<py::sequence>();
            if (py::len(rgb) != 3) {
              throw InvalidArgument(std::string(where) + ": color is (r, g, b), each 0..255");
            }
            std::uint8_t channel[3];
            for (std::size_t i = 0; i < 3; ++i) {
              const int v = rgb[i].cast<int>();
              if (v < 0 || v > 255) {
                throw InvalidArgument(std::string(where) + ": color is (r, g, b), each 0..255");
              }
              channel[i] = static_cast<std::uint8_t>(v);
            }
            s.options.color = {channel[0], channel[1], channel[2]};
            if (font_scale < 0 || thickness < 0) {
              throw InvalidArgument(std::string(where) + ": font_scale and thickness must be >= 0");
            }
            s.options.font_scale = font_scale;
            s.options.thickness = thickness;
            return s;
          }),
          py::arg("size") = py::make_tuple(320, 240), py::kw_only(),
          py::arg("color") = py::make_tuple(255, 255, 0), py::arg("font_scale") = 0.0,
          py::arg("thickness") = 0)
      .def_property_readonly(
          "size",
          [](const TextClockSource& s) {
            return py::make_tuple(s.options.size.width, s.options.size.height);
          },
          "(width, height).");
#endif

  py::class_<PyPipeline>(m, "Pipeline", py::custom_type_setup(&setup_pipeline_type), R"doc(
A source, the I420 packer and a target, run by the C++ engine:

    framepipe.Pipeline(framepipe.TextClock(size=(1280, 720)), "clock.mp4", fps=30,
                       seconds=10).run()

`source` is framepipe.TextClock, framepipe.TestPattern, or a callable `draw(frame, time)`
(then `size=(width, height)` is required): `frame` is a writable HxWx3 uint8 BGR numpy array
over the very frame the engine packs next (no copy; draw every pixel, e.g. frame[:] = 0 then
cv2.putText), `time` a framepipe.FrameTime. It is called with the GIL held, one frame at a time
in order; the GIL is released for the packing and the push. The array is valid only during the
call: the next frame reuses its memory.

`target` is a file path (the container from its extension, as framepipe.Writer), a GStreamer
description that follows appsrc (e.g. framepipe.rtp_udp(...)), or a framepipe.RtspServer.
`frames` or `seconds` says how long; `fps` the rate. `realtime` paces frames on the wall clock
(default: on for an RtspServer or live=True, off otherwise: as fast as the target takes them);
`live` makes a description target drop frames rather than wait for a slow network. `matrix`,
`range`, `threads` are the packer's (framepipe.Writer); `overlap` draws frame i + 1 while frame i
is packed (C++ RunOptions::overlap). `on_progress(stats)` is called about every
`progress_interval` seconds from the run, with the GIL.)doc")
      .def(py::init(&make_pipeline), py::arg("source"), py::arg("target"), py::kw_only(),
           py::arg("fps") = 30, py::arg("frames") = std::uint64_t{0},
           py::arg("seconds") = py::none(), py::arg("size") = py::none(),
           py::arg("realtime") = py::none(), py::arg("live") = false,
           py::arg("matrix") = py::none(), py::arg("range") = "limited", py::arg("threads") = 1u,
           py::arg("overlap") = false, py::arg("on_progress") = py::none(),
           py::arg("progress_interval") = 1.0, py::arg("pool_size") = std::size_t{4},
           py::arg("eos_timeout") = 10.0)
      .def(
          "run", [](const py::object& self) { return self.cast<PyPipeline&>().run(self); },
          R"doc(
Runs the pipeline to its end and returns its framepipe.Stats; the GIL is released meanwhile.
The stream is ended as in C++: EOS and its wait (the file is finalised), also after stop(),
Ctrl-C (which then raises KeyboardInterrupt) or an exception of the callable or on_progress
(which then propagates). It can run again.)doc")
      .def("stop", &PyPipeline::stop, R"doc(
Asks the run, from any thread, to end: the frame being made when it comes is not handed over
(a wait for downstream is cut short); run() then finalises the stream and returns. Called before run(), it stops the
next run before its first frame.)doc")
      .def_property_readonly("stats", &PyPipeline::stats,
                             "The counters so far (during a run), or of the last run.")
      .def_property_readonly("running", &PyPipeline::running, "Whether run() is going on.")
      .def_property_readonly("description", &PyPipeline::description,
                             "The GStreamer description after appsrc, or the RTSP URL.")
      .def_property_readonly(
          "size",
          [](const PyPipeline& p) { return py::make_tuple(p.size().width, p.size().height); },
          "(width, height).")
      .def_property_readonly(
          "fps", [](const PyPipeline& p) { return fraction(p.options().fps); },
          "The frame rate, a fractions.Fraction.");
}

}  // namespace framepipe::python
