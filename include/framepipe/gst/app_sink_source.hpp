// AppSinkSource<F>: the lending source that takes frames out of GStreamer through an appsink and
// lends them, mapped in place, to the first stage of a chain. Its options are in
// gst/app_sink_source_options.hpp.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framepipe/core/color_space.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/source.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/gst/app_sink_source_options.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/bus.hpp"
#include "framepipe/gst/caps.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe {

namespace detail {

/// The number GStreamer stored in an enum field of a GstVideoInfo, read as an int: caps may put
/// any number there (`colorimetry=1:16:12:9` parses into matrix 16), and loading a value outside
/// the enum's range as the enum type is undefined behaviour (UBSan: "not a valid value").
template <class Enum>
int raw_enum_value(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int));
  int value = 0;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

/// The colour of Y'CbCr frames as caps state it (`GstVideoColorimetry`): BT.601, BT.709 or
/// BT.2020, limited or full. FCC counts as BT.601 and SMPTE 240M as BT.709 (their nearest);
/// an unknown matrix (or a number GStreamer has no matrix for) as BT.601, framepipe's default.
inline ColorSpec color_spec_of(const GstVideoColorimetry& c) {
  ColorSpec color;
  switch (raw_enum_value(c.matrix)) {
    case GST_VIDEO_COLOR_MATRIX_BT709:
    case GST_VIDEO_COLOR_MATRIX_SMPTE240M:
      color.matrix = Matrix::BT709;
      break;
    case GST_VIDEO_COLOR_MATRIX_BT2020:
      color.matrix = Matrix::BT2020;
      break;
    default:
      color.matrix = Matrix::BT601;
      break;
  }
  color.range = raw_enum_value(c.range) == static_cast<int>(GST_VIDEO_COLOR_RANGE_0_255)
                    ? Range::Full
                    : Range::Limited;
  return color;
}

/// Where caps put the chroma: `jpeg` (centred) is Center; `mpeg2` and any other horizontally
/// co-sited siting, or none stated, is Left (what decoders give).
inline ChromaSite chroma_site_of(GstVideoChromaSite site) {
  if (site == GST_VIDEO_CHROMA_SITE_JPEG) return ChromaSite::Center;
  return ChromaSite::Left;
}

/// Whether two caps describe the same frames for a chain: format, size, matrix, range, siting.
inline bool same_frames(const GstVideoInfo& a, const GstVideoInfo& b) {
  return GST_VIDEO_INFO_FORMAT(&a) == GST_VIDEO_INFO_FORMAT(&b) &&
         GST_VIDEO_INFO_WIDTH(&a) == GST_VIDEO_INFO_WIDTH(&b) &&
         GST_VIDEO_INFO_HEIGHT(&a) == GST_VIDEO_INFO_HEIGHT(&b) &&
         raw_enum_value(a.colorimetry.matrix) == raw_enum_value(b.colorimetry.matrix) &&
         raw_enum_value(a.colorimetry.range) == raw_enum_value(b.colorimetry.range) &&
         GST_VIDEO_INFO_CHROMA_SITE(&a) == GST_VIDEO_INFO_CHROMA_SITE(&b);
}

/// Parses `description` (`gst_parse_launch_full`) into a pipeline; throws MissingElement or
/// ParseError as AppSrcSink does, LINK errors included (`link_error` is then set instead when
/// not null).
inline ElementPtr parse_pipeline(const std::string& description, bool* link_error = nullptr) {
  GstParseContext* context = gst_parse_context_new();
  GError* raw_error = nullptr;
  GstElement* parsed =
      gst_parse_launch_full(description.c_str(), context, GST_PARSE_FLAG_FATAL_ERRORS, &raw_error);
  const GErrorPtr error(raw_error);
  ElementPtr element(parsed != nullptr ? GST_ELEMENT(gst_object_ref_sink(parsed)) : nullptr);
  std::string missing;
  if (gchar** names = gst_parse_context_get_missing_elements(context); names != nullptr) {
    for (gchar** n = names; *n != nullptr; ++n) {
      missing += (missing.empty() ? "" : ", ") + std::string(*n);
    }
    g_strfreev(names);
  }
  gst_parse_context_free(context);
  if (error || !element) {
    const std::string message = error ? error->message : "gst_parse_launch_full() failed";
    if (error && error->domain == GST_PARSE_ERROR) {
      if (error->code == GST_PARSE_ERROR_NO_SUCH_ELEMENT) {
        throw MissingElement(missing.empty() ? std::string("?") : missing, message);
      }
      if (error->code == GST_PARSE_ERROR_LINK && link_error != nullptr) {
        *link_error = true;
        return nullptr;
      }
    }
    throw ParseError(description, message);
  }
  if (!GST_IS_PIPELINE(element.get())) {
    // A single element parses to itself; put it in a pipeline.
    GstElement* pipeline = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(pipeline), element.release());
    element.reset(GST_ELEMENT(gst_object_ref_sink(pipeline)));
  }
  return element;
}

}  // namespace detail

/// A framepipe Source that lends the frames an appsink receives, in place: each frame is the
/// decoder's (or any upstream element's) own GstBuffer, mapped with `gst_video_frame_map` so its
/// planes and strides come from its GstVideoMeta or caps (decoders pad rows and planes), and given
/// back to GStreamer when the LentFrame is released. No copy, and no allocation per frame in the
/// steady state (a fixed queue and a fixed set of mapping slots).
/// \code
///   AppSinkSource<PixelFormat::I420> source{"filesrc location=in.webm ! decodebin"};
///   const StreamSpec spec = source.start();  // size, fps, colour and chroma siting of the caps
///   while (auto frame = source.next()) { use(frame->view(), frame->time()); }
///   source.stop();
/// \endcode
/// The format: the appsink's caps say `format=F`; a `videoconvert` goes before it only when
/// upstream cannot produce F (VideoConvert::Auto), else NotNegotiated. Time: each frame's pts and
/// duration are its buffer's (a missing duration is one frame period). Caps changes mid-stream
/// (another size, format, matrix, range or siting) are refused: next() throws StreamError naming
/// the old and the new caps. Errors of the pipeline become the typed exceptions of gst/error.hpp.
/// Lent frames must be released before the source is destroyed; at most kMaxLent at once.
/// Movable, not copyable; one thread at a time, except interrupt() (any thread).
template <PixelFormat F>
class AppSinkSource {
 public:
  using Options = AppSinkSourceOptions;
  /// The format of the frames it lends.
  static constexpr PixelFormat output = F;
  /// Frames that may be lent out at once (each holds a mapped GstBuffer).
  static constexpr std::size_t kMaxLent = 4;

  /// Builds `<upstream_description> ! appsink name=<appsink_name> caps=video/x-raw,format=<F>`
  /// with `gst_parse_launch_full()` (so a bad description fails here). Throws InvalidArgument
  /// (empty description, max_buffers 0, a bad appsink_name, owns_state false), MissingElement or
  /// ParseError.
  explicit AppSinkSource(std::string upstream_description, Options options = {})
      : state_(std::make_unique<State>(std::move(options))) {
    if (!state_->options.owns_state) {
      throw InvalidArgument(
          "framepipe::AppSinkSource: owns_state = false is for attaching to a caller's "
          "pipeline; a pipeline the source builds is always driven by the source");
    }
    state_->build_from(std::move(upstream_description));
  }

  /// Attaches to the appsink named `options.appsink_name` inside a pipeline the caller built
  /// (`gst_bin_get_by_name`). The source sets its callbacks (and `caps` to format F when it has
  /// none); it drives the pipeline's state and reads its bus unless `options.owns_state` is false.
  /// Throws InvalidArgument when `pipeline` is not a GstPipeline or has no such appsink.
  explicit AppSinkSource(ElementRef pipeline, Options options = {})
      : state_(std::make_unique<State>(std::move(options))) {
    state_->attach(std::move(pipeline));
  }

  AppSinkSource(AppSinkSource&&) noexcept = default;
  AppSinkSource& operator=(AppSinkSource&&) noexcept = default;
  /// Stops the stream (bounded: the queue is flushed and the pipeline set to NULL) and never
  /// throws.
  ~AppSinkSource() = default;

  /// Sets the pipeline PLAYING and waits for the first frame (at most pull_timeout) to learn the
  /// format: returns F, the size, the rate (`framerate` of the caps; a variable rate, 0/1, is
  /// reported as 30/1), the colour (matrix and range from `colorimetry`, Y'CbCr formats only)
  /// and the chroma siting. Throws NotNegotiated when upstream cannot produce F, StreamError
  /// (an error of the pipeline, or the stream ended before its first frame), Timeout,
  /// Interrupted.
  StreamSpec start() { return state("start").start(); }

  /// The next frame, lent until the LentFrame is released or destroyed; std::nullopt at the end
  /// of the stream, and on every call after it until the next start(). Waits at most
  /// pull_timeout (Timeout naming the appsink). Throws StreamError for an error of the pipeline or
  /// a caps change, Interrupted after interrupt().
  std::optional<LentFrame<F>> next() { return state("next").next(); }

  /// Ends the stream, early or after its end: flushes the queue and sets the pipeline to NULL
  /// (which waits for the streaming threads; a frame-holding wait of framepipe's never blocks
  /// it). start() works again afterwards. Frames still lent stay valid until released.
  void stop() noexcept {
    if (state_) state_->stop();
  }

  /// Makes a blocked start() or next() throw Interrupted at once, and every later one, until the
  /// next start(). Thread-safe.
  void interrupt() noexcept {
    if (state_) state_->interrupt();
  }

  /// Frames dropped before they were lent (`drop` with a full queue), over the source's life.
  StageCounters counters() const { return {dropped()}; }
  /// As counters().dropped. Safe from any thread that does not move or destroy the source.
  std::uint64_t dropped() const { return state("dropped").dropped.load(std::memory_order_relaxed); }
  /// Frames the appsink received so far, over the source's life (lent, queued or dropped).
  std::uint64_t received() const {
    return state("received").received.load(std::memory_order_relaxed);
  }
  /// Frames waiting in the queue right now (at most max_buffers).
  std::size_t queued() const {
    const State& s = state("queued");
    const std::lock_guard lock(s.mutex);
    return s.count;
  }
  /// Frames lent out right now (at most kMaxLent).
  std::size_t lent() const {
    const State& s = state("lent");
    const std::lock_guard lock(s.mutex);
    std::size_t n = 0;
    for (const Slot& slot : s.slots) n += slot.sample != nullptr ? 1 : 0;
    return n;
  }
  /// What the last start() returned: format, size, fps, colour and chroma siting of the stream.
  const StreamSpec& spec() const { return state("spec").spec; }
  /// Whether the last start() inserted a videoconvert before the appsink.
  bool converting() const { return state("converting").converting; }
  /// The caps of the stream, as a string ("" before start()).
  const std::string& caps() const { return state("caps").caps; }
  /// The whole GstPipeline (appsink included).
  ElementRef pipeline() const { return ElementRef::ref(state("pipeline").pipeline.get()); }
  /// The pipeline's element named `name` (`gst_bin_get_by_name`). Throws InvalidArgument when
  /// there is none.
  ElementRef element(std::string_view name) const {
    const std::string n(name);
    GstElement* found = gst_bin_get_by_name(GST_BIN(state("element").pipeline.get()), n.c_str());
    if (found == nullptr) {
      throw InvalidArgument("framepipe::AppSinkSource: the pipeline has no element named \"" + n +
                            "\"");
    }
    return ElementRef::adopt(found);
  }

 private:
  static constexpr std::chrono::milliseconds kBusPollInterval{50};
  static constexpr GstClockTime kErrorGrace = 1 * GST_SECOND;

  /// One lent frame: the sample that owns the buffer, and its mapping.
  struct Slot {
    GstSample* sample = nullptr;  // null when free
    GstVideoFrame frame{};
    std::uint32_t generation = 0;
  };

  struct State {
    Options options;
    std::string description;  // upstream, description mode only ("" when attached)
    bool attached = false;
    detail::ElementPtr pipeline;
    detail::GstObjectPtr<GstAppSink> appsink;
    detail::BusPtr bus;
    bool converting = false;

    // Shared with the streaming thread (new_sample, eos) and release() from any thread.
    mutable std::mutex mutex;
    std::condition_variable ready;  // a frame was queued, EOS came, interrupt()
    std::condition_variable space;  // a frame left a full queue, or the stream is flushing
    std::vector<GstSample*> queue;  // ring of options.max_buffers
    std::size_t head = 0, count = 0;
    bool eos = false;
    bool flushing = true;
    std::array<Slot, kMaxLent> slots{};
    std::atomic<std::uint64_t> received{0}, dropped{0};
    std::atomic<bool> interrupted{false};

    // The caller's thread only.
    bool streaming = false;
    bool ended = false;
    std::uint64_t index = 0;
    GstCaps* current_caps = nullptr;  // compared by pointer first; owned (ref)
    GstVideoInfo info{};
    std::string caps;
    std::uint64_t period = 0;
    StreamSpec spec{};
    std::exception_ptr failure;

    explicit State(Options o) : options(std::move(o)) {
      if (options.max_buffers == 0) {
        throw InvalidArgument("framepipe::AppSinkSource: max_buffers must be at least 1");
      }
      if (!detail::is_element_name_token(options.appsink_name)) {
        throw InvalidArgument("framepipe::AppSinkSource: AppSinkSourceOptions::appsink_name \"" +
                              options.appsink_name +
                              "\" is not an element name token (use letters, digits, '_' and '-')");
      }
      queue.assign(options.max_buffers, nullptr);
      ensure_gstreamer_initialized();
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    ~State() {
      stop();
      release_callbacks();
      const std::lock_guard lock(mutex);
      for (Slot& slot : slots) unmap(slot);
      if (current_caps != nullptr) gst_caps_unref(current_caps);
    }

    // ---- building ------------------------------------------------------------------------------

    void build_from(std::string upstream) {
      if (upstream.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw InvalidArgument(
            "framepipe::AppSinkSource: the upstream pipeline description is empty");
      }
      // The description before a sink that takes anything, so that its own mistakes (syntax,
      // missing elements, links within it) are reported as its own.
      (void)detail::parse_pipeline(upstream + " ! fakesink");
      description = std::move(upstream);
      build(options.convert == VideoConvert::Always);
    }

    std::string appsink_description(bool with_convert) const {
      return description + (with_convert ? " ! videoconvert" : "") +
             " ! appsink name=" + options.appsink_name +
             " caps=\"video/x-raw,format=" + std::string(format_info(F).gst_name) +
             "\" sync=" + (options.sync ? "true" : "false") + " enable-last-sample=false";
    }

    /// Builds the pipeline with or without videoconvert; false when linking to the appsink
    /// failed (and no pipeline was made).
    bool try_build(bool with_convert) {
      bool link_error = false;
      detail::ElementPtr p = detail::parse_pipeline(appsink_description(with_convert), &link_error);
      if (!p) return false;
      release_callbacks();
      use_pipeline(std::move(p));
      converting = with_convert;
      return true;
    }

    void build(bool with_convert) {
      if (try_build(with_convert)) return;
      if (!with_convert && options.convert == VideoConvert::Auto) {
        note_convert("cannot link to");
        if (try_build(true)) return;
      }
      throw not_negotiated(with_convert || options.convert == VideoConvert::Auto,
                           "upstream cannot link to the appsink");
    }

    void note_convert(const char* why) const {
      if (!options.on_log) return;
      try {
        options.on_log(LogLevel::Info,
                       "framepipe::AppSinkSource: upstream " + std::string(why) +
                           " video/x-raw,format=" + std::string(format_info(F).gst_name) +
                           "; inserting videoconvert before the appsink");
      } catch (...) {  // a log line is not worth an exception
      }
    }

    NotNegotiated not_negotiated(bool tried_convert, const std::string& detail) const {
      return NotNegotiated(
          options.appsink_name,
          "upstream cannot produce " + std::string(format_info(F).gst_name) +
              (tried_convert ? ", not even through videoconvert" : "") + " (" + detail + ")",
          "", "video/x-raw, format=(string)" + std::string(format_info(F).gst_name));
    }

    void attach(ElementRef given) {
      if (!given || !GST_IS_PIPELINE(given.get())) {
        throw InvalidArgument("framepipe::AppSinkSource: needs a GstPipeline to attach to");
      }
      attached = true;
      use_pipeline(detail::ElementPtr(given.release()));
      GstCaps* existing = gst_app_sink_get_caps(appsink.get());
      if (existing == nullptr) {
        const std::string text = "video/x-raw,format=" + std::string(format_info(F).gst_name);
        const detail::CapsPtr wanted(gst_caps_from_string(text.c_str()));
        gst_app_sink_set_caps(appsink.get(), wanted.get());
      } else {
        gst_caps_unref(existing);
      }
    }

    void use_pipeline(detail::ElementPtr p) {
      GstElement* sink = gst_bin_get_by_name(GST_BIN(p.get()), options.appsink_name.c_str());
      if (sink == nullptr || !GST_IS_APP_SINK(sink)) {
        if (sink != nullptr) gst_object_unref(sink);
        throw InvalidArgument("framepipe::AppSinkSource: the pipeline has no appsink named \"" +
                              options.appsink_name + "\"");
      }
      appsink.reset(GST_APP_SINK(sink));
      // Frames are taken at once by new_sample into framepipe's own queue, which bounds memory
      // and counts drops; appsink's queue holds only the one being handed over.
      gst_app_sink_set_max_buffers(appsink.get(), 1);
      gst_app_sink_set_drop(appsink.get(), FALSE);
      GstAppSinkCallbacks callbacks{};
      callbacks.eos = &State::on_eos;
      callbacks.new_sample = &State::on_new_sample;
      gst_app_sink_set_callbacks(appsink.get(), &callbacks, this, nullptr);
      bus.reset(gst_element_get_bus(p.get()));
      pipeline = std::move(p);
    }

    void release_callbacks() noexcept {
      if (!appsink) return;
      GstAppSinkCallbacks none{};
      gst_app_sink_set_callbacks(appsink.get(), &none, nullptr, nullptr);
    }

    // ---- the streaming thread
    // --------------------------------------------------------------------

    static GstFlowReturn on_new_sample(GstAppSink* sink, gpointer user_data) noexcept {
      auto* self = static_cast<State*>(user_data);
      GstSample* sample = gst_app_sink_try_pull_sample(sink, 0);
      if (sample == nullptr) return GST_FLOW_OK;
      self->received.fetch_add(1, std::memory_order_relaxed);
      std::unique_lock lock(self->mutex);
      const std::size_t capacity = self->queue.size();
      while (!self->flushing && self->count == capacity) {
        if (self->options.drop) {
          gst_sample_unref(std::exchange(self->queue[self->head], nullptr));
          self->head = (self->head + 1) % capacity;
          --self->count;
          self->dropped.fetch_add(1, std::memory_order_relaxed);
        } else {
          self->space.wait(lock);
        }
      }
      if (self->flushing) {
        lock.unlock();
        gst_sample_unref(sample);
        return GST_FLOW_FLUSHING;
      }
      self->queue[(self->head + self->count) % capacity] = sample;
      ++self->count;
      lock.unlock();
      self->ready.notify_one();
      return GST_FLOW_OK;
    }

    static void on_eos(GstAppSink*, gpointer user_data) noexcept {
      auto* self = static_cast<State*>(user_data);
      {
        const std::lock_guard lock(self->mutex);
        self->eos = true;
      }
      self->ready.notify_one();
    }

    // ---- the caller's thread
    // ---------------------------------------------------------------------

    StreamSpec start() {
      if (streaming) {
        throw Error("framepipe::AppSinkSource: start() while a stream is running; stop() it first");
      }
      try {
        return start_once();
      } catch (const NotNegotiated&) {
        if (attached || converting || options.convert != VideoConvert::Auto) throw;
      }
      stop();
      note_convert("did not negotiate");
      build(true);
      try {
        return start_once();
      } catch (const NotNegotiated& e) {
        stop();
        throw not_negotiated(true, e.what());
      }
    }

    StreamSpec start_once() {
      failure = nullptr;
      ended = false;
      index = 0;
      interrupted.store(false, std::memory_order_release);
      {
        const std::lock_guard lock(mutex);
        flushing = false;
        eos = false;
      }
      streaming = true;
      if (options.owns_state &&
          gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        detail::MessagePtr error(
            gst_bus_timed_pop_filtered(bus.get(), kErrorGrace, GST_MESSAGE_ERROR));
        if (error) throw_error(error.get());
        fail(std::make_exception_ptr(
            StreamError(detail::object_name(GST_OBJECT_CAST(pipeline.get())),
                        "the pipeline could not be set to PLAYING", "")));
      }
      // A reference of its own: with `drop`, the streaming thread may drop the queued sample
      // while its caps are read here.
      const detail::SamplePtr first(wait_front("start", Front::Peek));
      if (first == nullptr) {
        fail(std::make_exception_ptr(
            StreamError(options.appsink_name,
                        "the stream ended before its first frame, so its format is unknown", "")));
      }
      GstCaps* sample_caps = gst_sample_get_caps(first.get());
      if (sample_caps == nullptr || !gst_video_info_from_caps(&info, sample_caps)) {
        fail(std::make_exception_ptr(
            StreamError(options.appsink_name, "the first frame came without video caps", "")));
      }
      caps = detail::take_gchar(gst_caps_to_string(sample_caps));
      if (GST_VIDEO_INFO_FORMAT(&info) != video_format_of(F)) {
        fail(std::make_exception_ptr(NotNegotiated(
            options.appsink_name,
            "the appsink receives " +
                std::string(gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info))) + ", not " +
                std::string(format_info(F).gst_name),
            "", caps)));
      }
      if (current_caps != nullptr) gst_caps_unref(current_caps);
      current_caps = gst_caps_ref(sample_caps);
      spec = StreamSpec{};
      spec.format = F;
      spec.size = {static_cast<int>(GST_VIDEO_INFO_WIDTH(&info)),
                   static_cast<int>(GST_VIDEO_INFO_HEIGHT(&info))};
      spec.fps = GST_VIDEO_INFO_FPS_N(&info) > 0 && GST_VIDEO_INFO_FPS_D(&info) > 0
                     ? FrameRate{GST_VIDEO_INFO_FPS_N(&info), GST_VIDEO_INFO_FPS_D(&info)}
                     : FrameRate{30, 1};
      if constexpr (format_info(F).yuv) {
        spec.color = detail::color_spec_of(info.colorimetry);
        spec.chroma_site = detail::chroma_site_of(GST_VIDEO_INFO_CHROMA_SITE(&info));
      }
      period = FrameTime::at(0, spec.fps).duration;
      return spec;
    }

    /// What wait_front() does with the frame at the queue's front.
    enum class Front { Peek, Take };

    /// Waits until the queue's front holds a frame, EOS (null), an error, interrupt() or
    /// pull_timeout (thrown). The frame is returned with a reference the caller owns: a new one
    /// (Peek: it stays queued) or the queue's (Take: it leaves the queue). Either happens under
    /// the lock, since with `drop` the streaming thread may drop the front at any moment.
    GstSample* wait_front(const char* what, Front front) {
      const auto started = std::chrono::steady_clock::now();
      std::unique_lock lock(mutex);
      for (;;) {
        if (interrupted.load(std::memory_order_acquire)) {
          lock.unlock();
          throw Interrupted(std::string("framepipe::AppSinkSource: ") + what +
                            "() interrupted (interrupt() was called)");
        }
        if (count > 0) {
          GstSample* sample = queue[head];
          if (front == Front::Peek) return gst_sample_ref(sample);
          queue[head] = nullptr;
          head = (head + 1) % queue.size();
          --count;
          lock.unlock();
          space.notify_one();
          return sample;
        }
        if (eos) return nullptr;
        lock.unlock();
        read_bus();
        if (options.pull_timeout.count() > 0 &&
            std::chrono::steady_clock::now() - started >= options.pull_timeout) {
          fail(std::make_exception_ptr(Timeout(
              options.pull_timeout, "no frame reached appsink \"" + options.appsink_name + "\"",
              "upstream produced nothing (a live source that stalled, a server that does not "
              "answer, a file with no video stream?); raise AppSinkSourceOptions::pull_timeout "
              "if it is only slow")));
        }
        lock.lock();
        if (count == 0 && !eos && !interrupted.load(std::memory_order_acquire)) {
          ready.wait_for(lock, kBusPollInterval);
        }
      }
    }

    std::optional<LentFrame<F>> next() {
      if (!streaming) {
        if (failure) std::rethrow_exception(failure);
        if (ended) return std::nullopt;
        throw Error("framepipe::AppSinkSource: next() before start()");
      }
      if (ended) return std::nullopt;
      // A frame in hand goes first; the bus is read while waiting for one.
      GstSample* sample = wait_front("next", Front::Take);
      if (sample == nullptr) {
        ended = true;
        return std::nullopt;
      }
      return lend(sample);
    }

    std::optional<LentFrame<F>> lend(GstSample* sample) {
      detail::SamplePtr owned(sample);
      GstCaps* sample_caps = gst_sample_get_caps(sample);
      if (sample_caps != current_caps) check_caps(sample_caps);
      GstBuffer* buffer = gst_sample_get_buffer(sample);
      if (buffer == nullptr) {
        fail(std::make_exception_ptr(
            StreamError(options.appsink_name, "a sample came without a buffer", "")));
      }
      std::size_t free_slot = kMaxLent;
      {
        const std::lock_guard lock(mutex);
        for (std::size_t i = 0; i < kMaxLent; ++i) {
          if (slots[i].sample == nullptr) {
            free_slot = i;
            break;
          }
        }
      }
      if (free_slot == kMaxLent) {
        throw Error("framepipe::AppSinkSource: " + std::to_string(kMaxLent) +
                    " frames are lent out already; release one (destroy its LentFrame) before "
                    "asking for the next");
      }
      Slot& slot = slots[free_slot];
      if (!gst_video_frame_map(&slot.frame, &info, buffer, GST_MAP_READ)) {
        fail(std::make_exception_ptr(
            StreamError(options.appsink_name, "gst_video_frame_map() failed for a frame", "")));
      }
      std::array<std::uint8_t*, 3> planes{};
      std::array<std::size_t, 3> strides{};
      for (int p = 0; p < FrameView<F>::plane_count; ++p) {
        const auto i = static_cast<std::size_t>(p);
        planes[i] = static_cast<std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&slot.frame, p));
        strides[i] = static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&slot.frame, p));
      }
      const FrameView<F> view({static_cast<int>(GST_VIDEO_INFO_WIDTH(&info)),
                               static_cast<int>(GST_VIDEO_INFO_HEIGHT(&info))},
                              planes, strides);
      FrameTime time;
      time.index = index++;
      const GstClockTime pts = GST_BUFFER_PTS(buffer);
      const GstClockTime duration = GST_BUFFER_DURATION(buffer);
      time.pts = GST_CLOCK_TIME_IS_VALID(pts) ? pts : time.index * period;
      time.duration = GST_CLOCK_TIME_IS_VALID(duration) ? duration : period;
      std::uint32_t generation = 0;
      {
        const std::lock_guard lock(mutex);
        slot.sample = owned.release();
        generation = ++slot.generation;
      }
      return LentFrame<F>(view, time, &State::release_slot, this, token_of(free_slot, generation));
    }

    static void* token_of(std::size_t slot, std::uint32_t generation) noexcept {
      // Slot index and generation in one word: a token outliving its slot's reuse does nothing.
      return reinterpret_cast<void*>((static_cast<std::uintptr_t>(generation) << 8) | slot);
    }

    static void release_slot(void* owner, void* token) noexcept {
      auto* self = static_cast<State*>(owner);
      const auto bits = reinterpret_cast<std::uintptr_t>(token);
      const std::size_t index = bits & 0xff;
      const auto generation = static_cast<std::uint32_t>(bits >> 8);
      const std::lock_guard lock(self->mutex);
      if (index >= kMaxLent) return;
      Slot& slot = self->slots[index];
      if (slot.sample != nullptr && slot.generation == generation) unmap(slot);
    }

    static void unmap(Slot& slot) noexcept {
      if (slot.sample == nullptr) return;
      gst_video_frame_unmap(&slot.frame);
      gst_sample_unref(std::exchange(slot.sample, nullptr));
    }

    void check_caps(GstCaps* sample_caps) {
      GstVideoInfo next_info;
      if (sample_caps == nullptr || !gst_video_info_from_caps(&next_info, sample_caps) ||
          !detail::same_frames(info, next_info)) {
        const std::string next_caps =
            sample_caps != nullptr ? detail::take_gchar(gst_caps_to_string(sample_caps)) : "none";
        fail(std::make_exception_ptr(StreamError(
            options.appsink_name,
            "the caps changed mid-stream from " + caps + " to " + next_caps +
                "; AppSinkSource does not follow caps changes: stop() and start() again",
            "")));
      }
      // Same frames (e.g. only the rate or pixel aspect changed): keep going with the new caps.
      gst_caps_unref(current_caps);
      current_caps = gst_caps_ref(sample_caps);
    }

    /// Reads the bus without waiting: logs warnings and infos, throws on an error.
    void read_bus() {
      if (!options.owns_state || !bus) return;
      for (;;) {
        detail::MessagePtr message(gst_bus_pop_filtered(
            bus.get(), static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
                                                   GST_MESSAGE_INFO)));
        if (!message) return;
        if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) throw_error(message.get());
        if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_WARNING) {
          // A dynamic pad (decodebin's) that could link to nothing downstream: gst_parse's
          // delayed link gives up with a warning, and the stream stalls.
          const detail::BusReport r = detail::parse_bus_report(message.get());
          if (r.debug.find("failed delayed linking") != std::string::npos) {
            fail(std::make_exception_ptr(not_negotiated(converting, r.debug)));
          }
        }
        detail::log_bus_message(message.get(), options.on_log);
      }
    }

    [[noreturn]] void throw_error(GstMessage* message) {
      detail::BusReport r = detail::parse_bus_report(message);
      // decodebin whose pad could not link to the appsink stops with "not-linked".
      if (r.debug.find("reason not-linked") != std::string::npos) r.not_negotiated = true;
      std::string hint = detail::location_hint(r, message);
      fail(detail::to_exception(
          r, "video/x-raw, format=(string)" + std::string(format_info(F).gst_name), hint));
    }

    [[noreturn]] void fail(std::exception_ptr error) {
      stop();
      failure = error;
      std::rethrow_exception(std::move(error));
    }

    void interrupt() noexcept {
      interrupted.store(true, std::memory_order_release);
      {
        const std::lock_guard lock(mutex);  // pairs with the waiter's check under the lock
      }
      ready.notify_all();
    }

    void stop() noexcept {
      {
        const std::lock_guard lock(mutex);
        flushing = true;
      }
      space.notify_all();
      ready.notify_all();
      if (pipeline && options.owns_state) gst_element_set_state(pipeline.get(), GST_STATE_NULL);
      const std::lock_guard lock(mutex);
      for (; count > 0; --count) {
        gst_sample_unref(std::exchange(queue[head], nullptr));
        head = (head + 1) % queue.size();
      }
      head = 0;
      if (streaming && !failure) ended = true;
      streaming = false;
    }
  };

  State& state(const char* what) {
    if (!state_) {
      throw Error(std::string("framepipe::AppSinkSource: ") + what + "() on a moved-from source");
    }
    return *state_;
  }
  const State& state(const char* what) const {
    return const_cast<AppSinkSource*>(this)->state(what);
  }

  std::unique_ptr<State> state_;
};

static_assert(Source<AppSinkSource<PixelFormat::I420>>);

}  // namespace framepipe
