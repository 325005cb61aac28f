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
#include <cstdio>
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
#include "framepipe/gst/bus.hpp"
#include "framepipe/gst/caps.hpp"
#include "framepipe/gst/diagnostics.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/parse.hpp"
#include "framepipe/gst/pipeline_control.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/gst/sample_ring.hpp"
#include "framepipe/gst/stage_state.hpp"

namespace framepipe {

namespace detail {

/// Whether two caps describe the same frames for a chain: format, size, matrix, range, siting.
inline bool same_frames(const GstVideoInfo& a, const GstVideoInfo& b) {
  return GST_VIDEO_INFO_FORMAT(&a) == GST_VIDEO_INFO_FORMAT(&b) &&
         GST_VIDEO_INFO_WIDTH(&a) == GST_VIDEO_INFO_WIDTH(&b) &&
         GST_VIDEO_INFO_HEIGHT(&a) == GST_VIDEO_INFO_HEIGHT(&b) &&
         raw_enum_value(a.colorimetry.matrix) == raw_enum_value(b.colorimetry.matrix) &&
         raw_enum_value(a.colorimetry.range) == raw_enum_value(b.colorimetry.range) &&
         GST_VIDEO_INFO_CHROMA_SITE(&a) == GST_VIDEO_INFO_CHROMA_SITE(&b);
}

/// Whether `bin` holds (at any depth, decodebin's children included) an element made by the
/// factory `factory`.
inline bool has_element(GstElement* bin, std::string_view factory) {
  bool found = false;
  visit_elements(
      bin,
      [&](GstElement* element) {
        GstElementFactory* f = gst_element_get_factory(element);
        found = f != nullptr &&
                std::string_view(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f))) == factory;
        return !found;
      },
      [] {});
  return found;
}

/// The colour of Y'CbCr frames with the caps `caps` (parsed into `info`) read by `pipeline`, by
/// AppSinkSource's rules: the caller's matrix and range (options) over the caps'. The caps'
/// `colorimetry` is read as written (gst_video_info_from_caps replaces a colorimetry with an
/// unknown matrix, `1:0:0:0`, by the default for the size, dropping its full range). A matrix
/// the caps do not state, or one made by y4mdec (y4m has no matrix; y4mdec states GStreamer's
/// guess by size, BT.709 for HD, which a tag cannot be told from), is framepipe's default,
/// BT.601: what ffmpeg and OpenCV read, and what framepipe writes.
inline ColorSpec stated_color(GstCaps* caps, const GstVideoInfo& info, GstElement* pipeline,
                              const AppSinkSourceOptions& options) {
  GstVideoColorimetry stated = info.colorimetry;
  bool matrix_stated = false;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const gchar* text = s != nullptr ? gst_structure_get_string(s, "colorimetry") : nullptr;
  GstVideoColorimetry parsed{};
  if (text != nullptr && gst_video_colorimetry_from_string(&parsed, text)) {
    // Read as numbers: caps may state one GStreamer has no enumerator for (raw_enum_value).
    if (raw_enum_value(parsed.range) != GST_VIDEO_COLOR_RANGE_UNKNOWN) {
      stated.range = parsed.range;
    }
    matrix_stated = raw_enum_value(parsed.matrix) != GST_VIDEO_COLOR_MATRIX_UNKNOWN;
    if (matrix_stated) stated.matrix = parsed.matrix;
  }
  ColorSpec color = color_spec_of(stated);
  if (!matrix_stated || has_element(pipeline, "y4mdec")) {
    color.matrix = default_color_spec({static_cast<int>(GST_VIDEO_INFO_WIDTH(&info)),
                                       static_cast<int>(GST_VIDEO_INFO_HEIGHT(&info))})
                       .matrix;
  }
  if (options.matrix) color.matrix = *options.matrix;
  if (options.range) color.range = *options.range;
  return color;
}

/// Given to AppSinkSource's constructor by a reader that reads chroma finer than 4:2:0 another
/// way when it finds it (Reader of the RGB family): start() then does not warn about chroma the
/// reader will not lose.
struct ChromaLossHandled {};

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
/// upstream cannot produce F (VideoConvert::Auto), else NotNegotiated. Time: each frame's pts is
/// its buffer's stream time (`gst_segment_to_stream_time`: the pts with the segment applied), the
/// presentation timeline ffprobe, ffplay and VLC show -- an MP4 with B-frames starts at 0, not at
/// its edit list's shift -- and its duration the buffer's (a missing duration is one frame
/// period). Caps changes mid-stream
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
      : state_(std::make_shared<State>(std::move(options))) {
    detail::check_owns_built_pipeline(state_->options.owns_state, "framepipe::AppSinkSource",
                                      "source");
    try {
      state_->build_from(std::move(upstream_description));
    } catch (...) {
      state_->close();
      throw;
    }
  }

  /// As above, for a reader that reads a stream with chroma finer than 4:2:0 another way when it
  /// finds one (Reader of the RGB family): start() does not warn when the videoconvert it inserts
  /// halves the chroma; upstream_caps() still tells.
  AppSinkSource(std::string upstream_description, Options options, detail::ChromaLossHandled)
      : AppSinkSource(std::move(upstream_description), std::move(options)) {
    state_->warn_chroma_loss = false;
  }

  /// Attaches to the appsink named `options.appsink_name` inside a pipeline the caller built
  /// (`gst_bin_get_by_name`). The source sets its callbacks (and `caps` to format F when it has
  /// none); it drives the pipeline's state and reads its bus unless `options.owns_state` is false.
  /// Throws InvalidArgument when `pipeline` is not a GstPipeline or has no such appsink.
  explicit AppSinkSource(ElementRef pipeline, Options options = {})
      : state_(std::make_shared<State>(std::move(options))) {
    try {
      state_->attach(std::move(pipeline));
    } catch (...) {
      state_->close();
      throw;
    }
  }

  AppSinkSource(AppSinkSource&&) noexcept = default;
  AppSinkSource& operator=(AppSinkSource&& other) noexcept {
    if (this != &other) {
      close();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  /// Stops the stream (bounded: the queue is flushed and, unless the caller owns the pipeline's
  /// state, the pipeline set to NULL), lets go of the appsink's callbacks, and never throws. A
  /// streaming thread still inside a callback keeps the shared state alive until it leaves.
  ~AppSinkSource() { close(); }

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

  /// Frames dropped before they were lent (a drop policy with a full queue), over the source's
  /// life.
  StageCounters counters() const { return {dropped()}; }
  /// As counters().dropped. Safe from any thread that does not move or destroy the source.
  std::uint64_t dropped() const { return state("dropped").dropped.load(std::memory_order_relaxed); }
  /// Frames the appsink received so far, over the source's life (lent, queued, dropped, or let
  /// go while the source was stopped); a frame waiting inside the appsink counts once it is taken.
  std::uint64_t received() const {
    return state("received").received.load(std::memory_order_relaxed);
  }
  /// Frames waiting in the queue right now (at most max_buffers).
  std::size_t queued() const {
    const State& s = state("queued");
    const std::lock_guard lock(s.mutex);
    return s.ring.size();
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
  /// The caps upstream produced, before the videoconvert start() inserted (caps() when none was
  /// inserted, "" before start()): says what a conversion to F took away, such as 4:4:4 or 4:2:2
  /// chroma halved into I420 (which start() also reports as a warning through on_log).
  const std::string& upstream_caps() const { return state("upstream_caps").upstream_caps; }
  /// The whole GstPipeline (appsink included).
  ElementRef pipeline() const { return ElementRef::ref(state("pipeline").pipeline.get()); }
  /// The pipeline's element named `name` (`gst_bin_get_by_name`). Throws InvalidArgument when
  /// there is none.
  ElementRef element(std::string_view name) const {
    return detail::element_by_name(state("element").pipeline.get(), name,
                                   "framepipe::AppSinkSource");
  }

 private:
  static constexpr std::chrono::milliseconds kBusPollInterval{50};

  /// One lent frame: the sample that owns the buffer, and its mapping.
  struct Slot {
    GstSample* sample = nullptr;  // null when free
    GstVideoFrame frame{};
    std::uint32_t generation = 0;
  };

  /// Everything the source shares with GStreamer's streaming thread. The appsink's callbacks hold
  /// a shared_ptr to it (freed by their destroy notify), so it outlives a callback in progress.
  struct State : std::enable_shared_from_this<State> {
    Options options;
    std::string description;  // upstream, description mode only ("" when attached)
    bool attached = false;
    detail::ElementPtr pipeline;
    detail::GstObjectPtr<GstAppSink> appsink;
    detail::BusPtr bus;
    bool converting = false;
    bool warn_chroma_loss = true;  // false: a reader handles it (detail::ChromaLossHandled)

    // Shared with the streaming thread (new_sample, eos) and release() from any thread.
    mutable std::mutex mutex;
    std::condition_variable ready;  // a frame was queued, EOS came, interrupt()
    detail::SampleRing ring;
    bool eos = false;
    // Between stop() and start(): frames that arrive are let go. Attached with owns_state false,
    // the source accepts frames from the start (the caller may set PLAYING before start()).
    bool stopped = true;
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
    std::string upstream_caps;
    std::uint64_t period = 0;
    StreamSpec spec{};
    std::exception_ptr failure;

    explicit State(Options o) : options(std::move(o)), ring(checked_capacity(options)) {
      if (!detail::is_element_name_token(options.appsink_name)) {
        throw InvalidArgument("framepipe::AppSinkSource: AppSinkSourceOptions::appsink_name \"" +
                              options.appsink_name +
                              "\" is not an element name token (use letters, digits, '_' and '-')");
      }
      ensure_gstreamer_initialized();
    }

    static std::size_t checked_capacity(const Options& o) {
      if (o.max_buffers == 0) {
        throw InvalidArgument("framepipe::AppSinkSource: max_buffers must be at least 1");
      }
      return o.max_buffers;
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    ~State() {
      // The last owner is gone: AppSinkSource's destructor closed the stream, and the appsink's
      // callbacks (whose box held a reference) are released. This may run on a streaming thread
      // (appsink frees the box when its last callback returns), so it only frees memory.
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
      (void)detail::parse_launch(upstream + " ! fakesink");
      description = std::move(upstream);
      build(options.convert == VideoConvert::Always);
    }

    std::string appsink_description(bool with_convert) const {
      return description +
             (with_convert ? " ! videoconvert name=" + options.appsink_name + "_convert" : "") +
             " ! appsink name=" + options.appsink_name +
             " caps=\"video/x-raw,format=" + std::string(format_info(F).gst_name) +
             "\" sync=" + (options.sync ? "true" : "false") + " enable-last-sample=false";
    }

    /// Builds the pipeline with or without videoconvert; false when linking to the appsink
    /// failed (and no pipeline was made).
    bool try_build(bool with_convert) {
      detail::ElementPtr p =
          detail::parse_launch(appsink_description(with_convert), detail::OnLinkError::ReturnEmpty);
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

    /// The caps at the sink pad of the videoconvert start() inserted ("" when unknown).
    std::string caps_before_convert() const {
      const std::string name = options.appsink_name + "_convert";
      detail::ElementPtr convert(gst_bin_get_by_name(GST_BIN(pipeline.get()), name.c_str()));
      if (!convert) return "";
      detail::GstObjectPtr<GstPad> pad(gst_element_get_static_pad(convert.get(), "sink"));
      detail::CapsPtr current(pad ? gst_pad_get_current_caps(pad.get()) : nullptr);
      return current ? detail::take_gchar(gst_caps_to_string(current.get())) : "";
    }

    /// Says so (on_log, Warning) when the inserted videoconvert subsamples the chroma upstream
    /// gave at a finer resolution (4:4:4 or 4:2:2 into 4:2:0): resolution is not thrown away
    /// silently.
    void warn_if_chroma_lost() const {
      if (upstream_caps.empty()) return;
      const detail::CapsPtr upstream(gst_caps_from_string(upstream_caps.c_str()));
      GstVideoInfo native;
      if (!upstream || !gst_video_info_from_caps(&native, upstream.get())) return;
      const GstVideoFormatInfo* from = native.finfo;
      const GstVideoFormatInfo* to = info.finfo;
      if (GST_VIDEO_FORMAT_INFO_N_COMPONENTS(from) < 3 ||
          GST_VIDEO_FORMAT_INFO_N_COMPONENTS(to) < 3 ||
          (GST_VIDEO_FORMAT_INFO_W_SUB(from, 1) >= GST_VIDEO_FORMAT_INFO_W_SUB(to, 1) &&
           GST_VIDEO_FORMAT_INFO_H_SUB(from, 1) >= GST_VIDEO_FORMAT_INFO_H_SUB(to, 1))) {
        return;
      }
      const std::string message =
          "framepipe::AppSinkSource: upstream gives " +
          std::string(gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&native))) +
          ", whose chroma videoconvert subsamples to " + std::string(format_info(F).gst_name) +
          "'s: half the chroma resolution is lost";
      if (!options.on_log) {
        std::fprintf(stderr, "%s\n", message.c_str());
        return;
      }
      try {
        options.on_log(LogLevel::Warning, message);
      } catch (...) {  // a log line is not worth an exception
      }
    }

    /// The caps the appsink accepts, as a string (`gst_app_sink_get_caps`).
    std::string accepted_caps() const {
      detail::CapsPtr accepted(appsink ? gst_app_sink_get_caps(appsink.get()) : nullptr);
      return accepted ? detail::take_gchar(gst_caps_to_string(accepted.get())) : "any";
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
      if (!options.owns_state) {
        const std::lock_guard lock(mutex);
        stopped = false;
      }
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
      ElementRef sink = detail::element_by_name(
          p.get(), options.appsink_name, "framepipe::AppSinkSource", GST_TYPE_APP_SINK, "appsink");
      appsink.reset(GST_APP_SINK(sink.release()));
      // Frames are taken at once by new_sample into framepipe's own queue, which bounds memory
      // and counts drops; appsink's queue holds only the one being handed over.
      gst_app_sink_set_max_buffers(appsink.get(), 1);
      gst_app_sink_set_drop(appsink.get(), FALSE);
      GstAppSinkCallbacks callbacks{};
      callbacks.eos = &State::on_eos;
      callbacks.new_sample = &State::on_new_sample;
      // The box keeps the state alive while appsink may call back; appsink frees it (destroy
      // notify) when the callbacks are replaced or the appsink is finalized.
      gst_app_sink_set_callbacks(appsink.get(), &callbacks,
                                 new std::shared_ptr<State>(this->shared_from_this()),
                                 &State::free_box);
      bus.reset(gst_element_get_bus(p.get()));
      pipeline = std::move(p);
    }

    static void free_box(gpointer box) noexcept {
      delete static_cast<std::shared_ptr<State>*>(box);
    }

    static State& unbox(gpointer box) noexcept {
      return **static_cast<std::shared_ptr<State>*>(box);
    }

    void release_callbacks() noexcept {
      if (!appsink) return;
      GstAppSinkCallbacks none{};
      gst_app_sink_set_callbacks(appsink.get(), &none, nullptr, nullptr);
    }

    /// The source's end: stop(), then the appsink is let go. A caller's pipeline that streams on
    /// without the source is not stalled: its appsink drops what nobody pulls.
    void close() noexcept {
      stop();
      release_callbacks();
      if (attached && appsink) {
        gst_app_sink_set_drop(appsink.get(), TRUE);
        discard_pending();
      }
    }

    /// Lets go of the frame waiting in the appsink (Block with a full queue), so that its
    /// streaming thread goes on.
    void discard_pending() noexcept {
      if (!appsink) return;
      while (GstSample* sample = gst_app_sink_try_pull_sample(appsink.get(), 0)) {
        received.fetch_add(1, std::memory_order_relaxed);
        gst_sample_unref(sample);
      }
    }

    // ---- the streaming thread
    // --------------------------------------------------------------------

    static GstFlowReturn on_new_sample(GstAppSink*, gpointer box) noexcept {
      State& self = unbox(box);
      std::unique_lock lock(self.mutex);
      if (self.stopped) {
        // Nobody reads: let the frame go. A pipeline the source drives is on its way to NULL; a
        // caller's pipeline streams on.
        lock.unlock();
        self.discard_pending();
        return self.options.owns_state ? GST_FLOW_FLUSHING : GST_FLOW_OK;
      }
      const bool added = self.fill();
      lock.unlock();
      if (added) self.ready.notify_one();
      return GST_FLOW_OK;
    }

    /// Moves the frames the appsink holds into the ring, by the backpressure policy; true when
    /// one was added. With Block and a full ring the frame stays in the appsink (max-buffers 1),
    /// so its streaming thread waits inside appsink, where a flush or a state change wakes it;
    /// next() pulls it when it takes a frame out. Called with the lock held, from either thread.
    bool fill() noexcept {
      bool added = false;
      for (;;) {
        if (ring.full() && options.backpressure == Backpressure::Block) return added;
        GstSample* sample = gst_app_sink_try_pull_sample(appsink.get(), 0);
        if (sample == nullptr) return added;
        received.fetch_add(1, std::memory_order_relaxed);
        if (ring.full()) {
          dropped.fetch_add(1, std::memory_order_relaxed);
          if (options.backpressure == Backpressure::DropNewest) {
            gst_sample_unref(sample);
            continue;
          }
          ring.drop_front();
        }
        ring.push(sample);
        added = true;
      }
    }

    static void on_eos(GstAppSink*, gpointer box) noexcept {
      State& self = unbox(box);
      {
        const std::lock_guard lock(self.mutex);
        if (self.stopped) return;  // the end of a stream nobody reads
        self.eos = true;
      }
      self.ready.notify_one();
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
        stopped = false;
        // A pipeline the source drives starts a new stream here; a caller's may have queued
        // frames, or even ended, before start().
        if (options.owns_state) eos = false;
      }
      streaming = true;
      if (options.owns_state) {
        detail::set_playing(
            pipeline.get(), bus.get(), [this](GstMessage* error) { throw_error(error); },
            [this](std::exception_ptr error) { fail(std::move(error)); });
      }
      // A reference of its own: with a drop policy, the streaming thread may drop the queued
      // sample while its caps are read here.
      const detail::SamplePtr first(wait_front("start", Front::Peek));
      if (first == nullptr) {
        fail(std::make_exception_ptr(StreamError(
            options.appsink_name,
            "the stream ended before its first frame, so its format is unknown (the appsink "
            "accepts " +
                accepted_caps() + ")",
            "")));
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
      spec = detail::stream_spec_of(info, F);
      try {
        check_frame_size(spec.size);  // refused here, before a frame is mapped
      } catch (const InvalidArgument&) {
        fail(std::current_exception());
      }
      if constexpr (format_info(F).yuv) spec.color = stated_color(sample_caps);
      period = FrameTime::at(0, spec.fps).duration;
      upstream_caps = converting ? caps_before_convert() : caps;
      if (converting && warn_chroma_loss) warn_if_chroma_lost();
      return spec;
    }

    /// The colour of the stream (detail::stated_color of its caps).
    ColorSpec stated_color(GstCaps* sample_caps) const {
      return detail::stated_color(sample_caps, info, pipeline.get(), options);
    }

    /// What wait_front() does with the frame at the queue's front.
    enum class Front { Peek, Take };

    /// Waits until the queue's front holds a frame, the end of the stream (null), an error,
    /// interrupt() or pull_timeout (thrown). The frame is returned with a reference the caller
    /// owns: a new one (Peek: it stays queued) or the queue's (Take: it leaves the queue, and the
    /// frame waiting in the appsink takes its place). Either happens under the lock, since with a
    /// drop policy the streaming thread may drop the front at any moment. The bus is read before
    /// an EOS counts: an error and the EOS it caused may both be pending, and the error wins.
    GstSample* wait_front(const char* what, Front front) {
      const auto started = std::chrono::steady_clock::now();
      std::unique_lock lock(mutex);
      for (;;) {
        if (interrupted.load(std::memory_order_acquire)) {
          lock.unlock();
          throw Interrupted(std::string("framepipe::AppSinkSource: ") + what +
                            "() interrupted (interrupt() was called)");
        }
        if (ring.empty()) fill();
        if (!ring.empty()) {
          if (front == Front::Peek) return gst_sample_ref(ring.front());
          GstSample* sample = ring.take_front();
          fill();
          return sample;
        }
        const bool at_end = eos;
        lock.unlock();
        read_bus();
        if (at_end) return nullptr;
        if (options.pull_timeout.count() > 0 &&
            std::chrono::steady_clock::now() - started >= options.pull_timeout) {
          Timeout timeout(
              options.pull_timeout, "no frame reached appsink \"" + options.appsink_name + "\"",
              "upstream produced nothing (a live source that stalled, a server that does not "
              "answer, a file with no video stream?); raise AppSinkSourceOptions::pull_timeout "
              "if it is only slow");
          // start() cannot go on without a first frame; next() leaves the stream open, and the
          // caller may read on.
          if (front == Front::Peek) fail(std::make_exception_ptr(std::move(timeout)));
          throw timeout;
        }
        lock.lock();
        if (ring.empty() && !eos && !interrupted.load(std::memory_order_acquire)) {
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
      try {
        return lend_mapped(slot, free_slot, buffer, std::move(owned));
      } catch (...) {
        gst_video_frame_unmap(&slot.frame);  // the slot never owned the sample
        throw;
      }
    }

    std::optional<LentFrame<F>> lend_mapped(Slot& slot, std::size_t free_slot, GstBuffer* buffer,
                                            detail::SamplePtr owned) {
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
      time.pts =
          GST_CLOCK_TIME_IS_VALID(pts) ? stream_time_of(owned.get(), pts) : time.index * period;
      time.duration = GST_CLOCK_TIME_IS_VALID(duration) ? duration : period;
      std::uint32_t generation = 0;
      {
        const std::lock_guard lock(mutex);
        slot.sample = owned.release();
        generation = ++slot.generation;
      }

      return LentFrame<F>(view, time, &State::release_slot, this, token_of(free_slot, generation));
    }

    /// `pts` on the timeline players show: the stream time of the buffer in its sample's segment
    /// (`gst_segment_to_stream_time_full`), so an MP4 edit list, which qtdemux applies through
    /// the segment, starts the stream at 0 as in ffprobe and VLC; 0 for a buffer before the
    /// segment's start; the raw pts when the sample has no TIME segment.
    static GstClockTime stream_time_of(GstSample* sample, GstClockTime pts) noexcept {
      const GstSegment* segment = gst_sample_get_segment(sample);
      if (segment == nullptr || segment->format != GST_FORMAT_TIME) return pts;
      guint64 stream_time = 0;
      const int sign = gst_segment_to_stream_time_full(segment, GST_FORMAT_TIME, pts, &stream_time);
      if (sign > 0) return stream_time;
      return sign < 0 ? 0 : pts;
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
      if (!options.owns_state) return;  // the bus is the caller's
      detail::read_bus(
          bus.get(), [this](GstMessage* error) { throw_error(error); },
          [this](GstMessage* note) {
            // A dynamic pad (decodebin's) that could link to nothing downstream: gst_parse's
            // delayed link gives up with a warning, and the stream stalls.
            if (GST_MESSAGE_TYPE(note) == GST_MESSAGE_WARNING) {
              const detail::BusReport r = detail::parse_bus_report(note);
              if (r.debug.find("failed delayed linking") != std::string::npos) {
                fail(std::make_exception_ptr(not_negotiated(converting, r.debug)));
              }
            }
            detail::log_bus_message(note, options.on_log);
          });
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
        stopped = true;
      }
      ready.notify_all();
      if (options.owns_state) detail::set_null(pipeline.get());
      {
        const std::lock_guard lock(mutex);
        ring.clear();
        // A caller's pipeline may go on; its next start() begins with what arrives then.
        if (!options.owns_state) eos = false;
      }
      if (!options.owns_state) discard_pending();
      if (streaming && !failure) ended = true;
      streaming = false;
    }
  };

  State& state(const char* what) {
    return detail::checked_state(state_, "framepipe::AppSinkSource", "source", what);
  }
  const State& state(const char* what) const {
    return detail::checked_state(state_, "framepipe::AppSinkSource", "source", what);
  }

  void close() noexcept {
    if (state_) state_->close();
  }

  std::shared_ptr<State> state_;
};

static_assert(Source<AppSinkSource<PixelFormat::I420>>);

}  // namespace framepipe
