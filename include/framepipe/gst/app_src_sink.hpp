// AppSrcSink: the sink that lends frames living in GStreamer-ready memory and pushes them, without
// a copy, into `appsrc ! <your pipeline>`. Its pool is in gst/slot_pool.hpp, its options in
// gst/app_src_sink_options.hpp, its reading of the bus in gst/bus.hpp, the parse and state changes
// it shares with AppSinkSource and RtspSink in gst/parse.hpp and gst/pipeline_control.hpp.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/gst/app_src_sink_lane.hpp"
#include "framepipe/gst/app_src_sink_options.hpp"
#include "framepipe/gst/bus.hpp"
#include "framepipe/gst/caps.hpp"
#include "framepipe/gst/diagnostics.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/parse.hpp"
#include "framepipe/gst/pipeline_control.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/gst/slot_pool.hpp"
#include "framepipe/gst/stage_state.hpp"

namespace framepipe {

/// A framepipe Sink that hands frames to GStreamer through an `appsrc`, without copying them.
///
/// Frames live in a pool of blocks laid out as GStreamer's default layout for the caps (so no
/// GstVideoMeta is needed). acquire() lends a free block, the last stage writes into it, and
/// submit() wraps that very block into a GstBuffer (`gst_buffer_new_wrapped_full`) and pushes it
/// (`gst_app_src_push_buffer`, which takes ownership). The block comes back to the pool when
/// GStreamer frees the buffer. With Backpressure::Block the pool grows on demand within
/// Options::max_pool_bytes, so encoders and sinks that hold many frames (x264enc's look-ahead,
/// filesink's 64 KiB of pending writes, a sink's last sample) get them without a copy; past that
/// budget acquire() waits, at most Options::acquire_timeout.
/// \code
///   Pipeline p{TextClockGenerator{{.size = {320, 240}}}, I420Packer{},
///              AppSrcSink{"videoconvert ! vp8enc ! webmmux ! filesink location=a.webm"}};
///   p.run({.frames = 150, .fps = {30, 1}});
/// \endcode
/// The same sink takes audio (an AudioSink too): `start(AudioSpec)`, `acquire_audio<F>(frames)`
/// and `submit_audio(time)` lend and push buffers of interleaved samples the same way, from a pool
/// of their own. A sink whose options name an `audio_appsrc_name` feeds two appsrcs of ONE
/// pipeline (built by launch() from a description that names both): one clock, one bus, one EOS
/// (finish() ends both appsrcs and waits for the pipeline's EOS, which comes when both reached the
/// sinks), and one error ends both streams. The pipeline plays once both were started.
/// \code
///   auto sink = AppSrcSink::launch(
///       "appsrc name=video ! videoconvert ! x264enc ! mux.  "
///       "appsrc name=audio ! audioconvert ! opusenc ! mux.  "
///       "matroskamux name=mux ! filesink location=a.mkv",
///       {.appsrc_name = "video", .audio_appsrc_name = "audio"});
/// \endcode
/// Without `audio_appsrc_name` the sink's one appsrc carries video or audio, whichever start()
/// set up.
///
/// Errors of the pipeline surface as exceptions (StreamError, NotNegotiated, Timeout) from
/// start(), acquire(), submit() or finish(); once one was thrown, acquire() and submit() throw it
/// again until the next start(). Movable, not copyable; like every stage, used from one thread at
/// a time, except interrupt() (any thread) and the counters (GStreamer's threads only ever touch
/// the pool).
class AppSrcSink {
 public:
  using Options = AppSrcSinkOptions;

  /// Every PixelFormat has a GStreamer name, so every format is accepted.
  template <PixelFormat In>
  static constexpr bool accepts = true;
  /// Every AudioFormat has a GStreamer name too.
  template <AudioFormat In>
  static constexpr bool accepts_audio = true;

  /// Builds `appsrc name=<options.appsrc_name> ! <downstream_description>` with
  /// `gst_parse_launch_full()`, so that a bad description fails here rather than at the first
  /// frame. Throws InvalidArgument (empty description, pool_size 0, an appsrc_name that is not a
  /// name token), MissingElement (an element no plugin provides) or ParseError (anything else
  /// GStreamer rejects).
  explicit AppSrcSink(std::string downstream_description, Options options = {})
      : state_(std::make_unique<State>(std::move(options))) {
    detail::check_owns_built_pipeline(state_->options.owns_state, "framepipe::AppSrcSink", "sink");
    state_->build(downstream_description);
  }

  /// Attaches to the appsrc named `options.appsrc_name` inside a pipeline the caller built
  /// (`gst_bin_get_by_name`). The sink then drives the pipeline's state and reads its bus, unless
  /// `options.owns_state` is false, which leaves both to the caller. The destructor removes what
  /// the sink added to that appsrc (a pad probe), so attaching again and again costs nothing.
  /// Throws InvalidArgument when `pipeline` is not a GstPipeline or has no such appsrc.
  explicit AppSrcSink(ElementRef pipeline, Options options = {})
      : state_(std::make_unique<State>(std::move(options))) {
    state_->attach(std::move(pipeline));
  }

  /// Builds the pipeline `description` as it is (`gst_parse_launch_full()`): it names its
  /// appsrcs itself: `options.appsrc_name` and, for more streams, `options.audio_appsrc_name` and
  /// `options.text_appsrc_name` (subtitles).
  /// Throws as the description constructor does, and InvalidArgument when an appsrc is missing.
  static AppSrcSink launch(std::string description, Options options = {}) {
    AppSrcSink sink{Launch{}, std::move(options)};
    sink.state_->build_whole(description);
    return sink;
  }

  AppSrcSink(AppSrcSink&&) noexcept = default;
  AppSrcSink& operator=(AppSrcSink&&) noexcept = default;
  /// If the stream was started and not finished, sends EOS and waits up to eos_timeout for it
  /// (so that a file being written is finalised; only briefly when acquire() already timed out),
  /// then stops the pipeline. Never throws.
  ~AppSrcSink() = default;

  /// Sets the appsrc's caps from `spec` (caps_of()), `format=time`, `stream-type=stream` and
  /// `is-live` with its latency (for Pacing::RealTime), allocates the pool and sets the pipeline
  /// to PLAYING (`gst_element_set_state`). Clears an earlier interrupt() and error. Throws
  /// StreamError when the pipeline cannot start.
  /// With an audio appsrc, the pipeline plays once start(AudioSpec) has set that one up too.
  void start(const StreamSpec& spec) { state("start").start(spec); }

  /// Sets up the audio appsrc (`audio_appsrc_name`, or the sink's only appsrc) for `spec`:
  /// caps from audio_caps_of() (`audio/x-raw, format=S16LE, layout=interleaved, rate=,
  /// channels=`), `format=time`, live with `pacing` RealTime, and a pool of buffers of
  /// Options::audio_buffer_frames frames. Plays the pipeline once every appsrc is set up. Throws
  /// InvalidArgument for a bad spec, StreamError when the pipeline cannot start.
  void start(const AudioSpec& spec, Pacing pacing = Pacing::AsFastAsPossible) {
    state("start").start(spec, pacing);
  }

  /// Lends room for `frames` frames of audio of format `F` (the format given to
  /// start(AudioSpec)), at most Options::audio_buffer_frames; waits, drops and throws as
  /// acquire() does. Calling it again before submit_audio() returns the same memory.
  template <AudioFormat F>
  AudioView<F> acquire_audio(std::size_t frames) {
    State& s = state("acquire_audio");
    if (!s.streaming) s.throw_not_streaming("acquire_audio");
    detail::AppSrcLane& lane = s.audio_target();
    if (&lane == &s.main && !s.main_is_audio) {
      throw Error(
          "framepipe::AppSrcSink: acquire_audio() on a video stream (name an "
          "audio_appsrc_name for a second appsrc)");
    }
    if (F != s.audio.format) {
      throw InvalidArgument("framepipe::AppSrcSink: acquire_audio<" +
                            std::string(audio_format_name(F)) + ">() but the audio was started " +
                            "as " + to_string(s.audio));
    }
    if (frames == 0 || frames > s.options.audio_buffer_frames) {
      throw InvalidArgument("framepipe::AppSrcSink: acquire_audio(" + std::to_string(frames) +
                            "): 1 to audio_buffer_frames (" +
                            std::to_string(s.options.audio_buffer_frames) + ") frames");
    }
    s.take_slot(lane);
    s.audio_lent = frames;
    return AudioView<F>(reinterpret_cast<SampleType<F>*>(lane.current->data.get()), frames,
                        s.audio.channels);
  }

  /// Sets up the subtitle appsrc (`text_appsrc_name`): caps `text/x-raw, format=utf8`,
  /// `format=time`. Plays the pipeline once every appsrc is set up. Throws Error without a
  /// text_appsrc_name.
  void start_text(Pacing pacing = Pacing::AsFastAsPossible) {
    state("start_text").start_text(pacing);
  }

  /// Pushes `text` (UTF-8, copied into a buffer of its own: `gst_buffer_new_memdup`) as the
  /// subtitle shown from `pts` for `duration` ns. Texts must not overlap: a text that starts
  /// before the previous one ends is InvalidArgument. Reads the bus as submit() does.
  void submit_text(std::string_view text, std::uint64_t pts, std::uint64_t duration) {
    state("submit_text").submit_text(text, pts, duration);
  }
  /// Subtitle buffers pushed so far.
  std::uint64_t text_pushed() const {
    const State& s = state("text_pushed");
    return s.text_lane ? s.text_lane->tally->pushed.load(std::memory_order_relaxed) : 0;
  }

  /// Pushes the audio acquire_audio() lent, its first `time.frames` frames (1 to those lent),
  /// stamped with `time` (PTS, DURATION, OFFSET = first frame, OFFSET_END), without copying it.
  /// Reads the bus as submit() does.
  void submit_audio(const AudioTime& time) { state("submit_audio").submit_audio(time); }

  /// Lends a free frame of the pool. With Backpressure::Block, when none is free it allocates one
  /// while the pool is within max_pool_bytes, else it blocks until GStreamer frees one; while
  /// blocked, reads the bus so that a pipeline error is thrown rather than waited on forever,
  /// throws Interrupted at once after interrupt(), and throws Timeout after
  /// Options::acquire_timeout, naming the elements that likely hold the frames. With a drop
  /// policy it never waits: when no frame is free it lends a scratch frame that submit() drops.
  /// Calling it again before submit() returns the same frame. `F` must be the format given to
  /// start().
  template <PixelFormat F>
  FrameView<F> acquire() {
    State& s = state("acquire");
    if (!s.streaming) s.throw_not_streaming("acquire");
    if (s.main_is_audio) throw Error("framepipe::AppSrcSink: acquire() on an audio stream");
    if (F != s.spec.format) {
      throw InvalidArgument("framepipe::AppSrcSink: acquire<" + std::string(format_name(F)) +
                            ">() but the stream was started with " +
                            std::string(format_name(s.spec.format)));
    }
    s.take_slot(s.main);
    return FrameView<F>::wrap(s.main.current->data.get(), s.spec.size);
  }

  /// Pushes the frame acquire() lent, stamped with `time` (PTS, DURATION, OFFSET = frame index),
  /// without copying it (`gst_app_src_push_buffer`). Also reads the bus without waiting: throws
  /// StreamError (NotNegotiated when downstream refused the caps) if the pipeline failed, and
  /// hands warnings to the log callback.
  void submit(const FrameTime& time) { state("submit").submit(time); }

  /// Ends the stream (`gst_app_src_end_of_stream`), waits up to eos_timeout for EOS to reach the
  /// sinks, then sets the pipeline to NULL. Throws StreamError if the pipeline reports an error
  /// first, Timeout if EOS does not come in time (after an acquire() Timeout it waits at most a
  /// second: downstream is known to be stuck). Idempotent; does nothing before start(), and only
  /// stops the pipeline after an error was already thrown.
  void finish() { state("finish").finish(); }

  /// Makes a blocked acquire() throw Interrupted at once, and every later acquire() too, until
  /// the next start(). Thread-safe: meant for another thread (e.g. Pipeline::request_stop()).
  void interrupt() noexcept {
    if (state_) state_->interrupt();
  }

  /// Ends the stream on an error path, within a short bound, and never throws: when the pipeline
  /// is healthy, sends EOS and waits up to 2 s (at most eos_timeout) so that a file being written
  /// stays playable; when the sink already saw an error or an acquire() Timeout, stops at once.
  /// start() works again afterwards. Does nothing when no stream runs.
  void abort() noexcept {
    if (state_) state_->abort();
  }

  /// The pipeline's element named `name` (`gst_bin_get_by_name`, which searches nested bins).
  /// Throws InvalidArgument when there is none.
  ElementRef element(std::string_view name) const {
    return detail::element_by_name(state("element").pipeline.get(), name, "framepipe::AppSrcSink");
  }
  /// The whole GstPipeline (appsrc included).
  ElementRef pipeline() const { return ElementRef::ref(state("pipeline").pipeline.get()); }

  /// Frames of the pool currently lent to the producer or held by GStreamer.
  std::size_t slots_in_use() const {
    return pool_measure("slots_in_use", &detail::SlotPool::in_use);
  }
  /// The most frames of the current pool ever in use at once.
  std::size_t peak_slots_in_use() const {
    return pool_measure("peak_slots_in_use", &detail::SlotPool::peak_in_use);
  }
  /// Frames the current pool has allocated so far (pool_size() at start, more as it grows).
  std::size_t slots_allocated() const {
    return pool_measure("slots_allocated", &detail::SlotPool::count);
  }
  /// Bytes of frame memory the current pool has allocated so far.
  std::size_t pool_bytes() const {
    return pool_measure("pool_bytes", &detail::SlotPool::allocated_bytes);
  }
  /// The most frames the current pool may hold (from max_pool_bytes, or pool_size for a drop
  /// policy); 0 before start().
  std::size_t slot_limit() const { return pool_measure("slot_limit", &detail::SlotPool::limit); }
  /// True while acquire() waits for a frame to come back. Safe to call from any thread that does
  /// not move or destroy the sink meanwhile.
  bool acquire_waiting() const {
    const State& s = state("acquire_waiting");
    const std::shared_ptr<detail::SlotPool> pool = s.main.shared_pool();
    const std::shared_ptr<detail::SlotPool> audio =
        s.audio_lane ? s.audio_lane->shared_pool() : nullptr;
    return (pool && pool->someone_waiting()) || (audio && audio->someone_waiting());
  }
  /// Options::audio_buffer_frames: the most frames acquire_audio() lends at once.
  std::size_t audio_buffer_frames() const {
    return state("audio_buffer_frames").options.audio_buffer_frames;
  }
  /// Options::pool_size: the frames allocated at start, the least the pool holds.
  std::size_t pool_size() const { return state("pool_size").options.pool_size; }
  /// Frames pushed into appsrc so far, over the sink's life (`gst_app_src_push_buffer` returned
  /// OK). Safe to call from any thread that does not move or destroy the sink meanwhile.
  std::uint64_t pushed() const {
    return state("pushed").main.tally->pushed.load(std::memory_order_relaxed);
  }
  /// Frames lost so far, over the sink's life: dropped by a Backpressure policy (scratch frames
  /// not pushed, frames discarded by appsrc's leaky queue) or pushed but flushed out of appsrc by
  /// a stop before they left it. Exact once finish() returned; safe to call from any thread that
  /// does not move or destroy the sink meanwhile.
  std::uint64_t dropped() const {
    return state("dropped").main.tally->dropped.load(std::memory_order_relaxed);
  }
  /// Audio buffers pushed into the audio appsrc so far (with audio_appsrc_name; else pushed()).
  std::uint64_t audio_pushed() const {
    const State& s = state("audio_pushed");
    return (s.audio_lane ? *s.audio_lane : s.main).tally->pushed.load(std::memory_order_relaxed);
  }
  /// Audio buffers lost so far, as dropped() counts frames (with audio_appsrc_name; else
  /// dropped()).
  std::uint64_t audio_dropped() const {
    const State& s = state("audio_dropped");
    return (s.audio_lane ? *s.audio_lane : s.main).tally->dropped.load(std::memory_order_relaxed);
  }
  /// The counters Pipeline merges into its Stats (Stats::dropped).
  /// Frames dropped, and the audio lane's buffers (pushed + dropped) and drops.
  StageCounters counters() const {
    const State& s = state("counters");
    if (!s.audio_lane) return {dropped()};
    const std::uint64_t audio_dropped =
        s.audio_lane->tally->dropped.load(std::memory_order_relaxed);
    return {dropped(), s.audio_lane->tally->pushed.load(std::memory_order_relaxed) + audio_dropped,
            audio_dropped};
  }
  /// The caps set by the last start(), as a string ("" before).
  const std::string& caps() const { return state("caps").main.caps; }
  /// The caps of the audio appsrc set by the last start(AudioSpec), as a string ("" before).
  const std::string& audio_caps() const {
    const State& s = state("audio_caps");
    return (s.audio_lane ? *s.audio_lane : s.main).caps;
  }

 private:
  static constexpr std::chrono::milliseconds kBusPollInterval{50};
  /// How long to wait for the ERROR message that explains a failed state change or push.
  static constexpr GstClockTime kErrorGrace = 1 * GST_SECOND;
  /// abort()'s wait for EOS on a healthy pipeline (at most eos_timeout).
  static constexpr std::chrono::milliseconds kAbortEosWait{2000};
  /// finish()'s wait for EOS after acquire() timed out (at most eos_timeout).
  static constexpr std::chrono::milliseconds kStuckEosWait{1000};

  struct State {
    Options options;
    detail::ElementPtr pipeline;
    detail::BusPtr bus;
    /// The appsrc named options.appsrc_name: video, or the audio of an audio-only sink.
    detail::AppSrcLane main;
    /// The appsrc named options.audio_appsrc_name, when that is set.
    std::unique_ptr<detail::AppSrcLane> audio_lane;
    /// The appsrc named options.text_appsrc_name (subtitles), when that is set. It has no pool:
    /// each text is copied into a buffer of its own (a few bytes a second).
    std::unique_ptr<detail::AppSrcLane> text_lane;
    std::uint64_t text_end = 0;  // pts + duration of the last text pushed
    bool text_sent = false;
    StreamSpec spec{};
    AudioSpec audio{};
    bool main_is_audio = false;  // the main lane was configured by start(AudioSpec)
    std::size_t audio_lent = 0;  // frames lent by the last acquire_audio()
    bool streaming = false;  // between the start() that plays the pipeline and finish()/an error
    bool stuck = false;      // acquire() timed out in this stream: downstream holds every frame
    std::atomic<bool> interrupted{false};
    detail::StickyFailure failure;  // the downstream error thrown, repeated until the next start()

    explicit State(Options o) : options(std::move(o)) {
      if (options.pool_size == 0) {
        throw InvalidArgument("framepipe::AppSrcSink: pool_size must be at least 1");
      }
      if (options.appsrc_name.empty()) {
        throw InvalidArgument("framepipe::AppSrcSink: appsrc_name must not be empty");
      }
      if (!options.text_appsrc_name.empty() &&
          (options.text_appsrc_name == options.appsrc_name ||
           options.text_appsrc_name == options.audio_appsrc_name)) {
        throw InvalidArgument(
            "framepipe::AppSrcSink: text_appsrc_name must differ from "
            "appsrc_name and audio_appsrc_name");
      }
      if (options.audio_appsrc_name == options.appsrc_name) {
        throw InvalidArgument(
            "framepipe::AppSrcSink: audio_appsrc_name must differ from "
            "appsrc_name (leave it empty for a sink with one appsrc)");
      }
      if (options.audio_buffer_frames == 0) {
        throw InvalidArgument("framepipe::AppSrcSink: audio_buffer_frames must be at least 1");
      }
#if !GST_CHECK_VERSION(1, 20, 0)
      if (options.backpressure == Backpressure::DropOldest) {
        throw InvalidArgument(
            "framepipe::AppSrcSink: Backpressure::DropOldest needs GStreamer 1.20 or later "
            "(appsrc leaky-type)");
      }
#endif
      ensure_gstreamer_initialized();
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    ~State() { shutdown(); }

    void build(const std::string& description) {
      check_name("appsrc_name", options.appsrc_name);
      if (description.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw InvalidArgument(
            "framepipe::AppSrcSink: the downstream pipeline description is empty");
      }
      use_pipeline(
          detail::parse_launch("appsrc name=" + options.appsrc_name + " ! " + description));
    }

    /// A description that names its appsrcs itself (AppSrcSink::launch()).
    void build_whole(const std::string& description) {
      if (description.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw InvalidArgument("framepipe::AppSrcSink: the pipeline description is empty");
      }
      use_pipeline(detail::parse_launch(description));
    }

    static void check_name(const char* option, const std::string& name) {
      if (!detail::is_element_name_token(name)) {
        throw InvalidArgument(std::string("framepipe::AppSrcSink: AppSrcSinkOptions::") + option +
                              " \"" + name +
                              "\" is not an element name token (use letters, digits, '_' and '-')");
      }
    }

    void attach(ElementRef given) {
      if (!given || !GST_IS_PIPELINE(given.get())) {
        throw InvalidArgument("framepipe::AppSrcSink: needs a GstPipeline to attach to");
      }
      use_pipeline(detail::ElementPtr(given.release()));
    }

    void use_pipeline(detail::ElementPtr p) {
      main.attach(p.get(), options.appsrc_name, "framepipe::AppSrcSink");
      if (!options.audio_appsrc_name.empty()) {
        audio_lane = std::make_unique<detail::AppSrcLane>();
        audio_lane->attach(p.get(), options.audio_appsrc_name, "framepipe::AppSrcSink");
      }
      if (!options.text_appsrc_name.empty()) {
        text_lane = std::make_unique<detail::AppSrcLane>();
        text_lane->attach(p.get(), options.text_appsrc_name, "framepipe::AppSrcSink");
      }
      bus.reset(gst_element_get_bus(p.get()));
      pipeline = std::move(p);
    }

    /// Every lane of the sink: main, then audio.
    template <class F>
    void for_each_lane(F&& f) {
      f(main);
      if (audio_lane) f(*audio_lane);
      if (text_lane) f(*text_lane);
    }

    /// The lane audio goes through: the audio appsrc, or the only one.
    detail::AppSrcLane& audio_target() { return audio_lane ? *audio_lane : main; }

    /// Before a lane of a new stream is configured: forget the last stream's error and state.
    void begin_configure(detail::AppSrcLane& lane, const char* what) {
      if (streaming) {
        throw Error(std::string("framepipe::AppSrcSink: ") + what +
                    " while a stream is running; finish() it first");
      }
      bool any = false;
      for_each_lane([&](detail::AppSrcLane& l) { any = any || l.configured; });
      if (!any) {  // the first lane of a new stream
        failure.clear();
        stuck = false;
        interrupted.store(false, std::memory_order_release);
      }
      if (lane.configured) {
        throw Error(std::string("framepipe::AppSrcSink: ") + what +
                    " twice for one stream (its appsrc is already set up)");
      }
    }

    void start(const StreamSpec& s) {
      begin_configure(main, "start()");
      const GstVideoInfo info = video_info_of(s);
      const PlaneLayout layout = default_layout(s.format, s.size);
      if (const std::string diff = detail::layout_mismatch(info, layout); !diff.empty()) {
        // default_layout() is GStreamer's layout (tests/gst/layout_test.cpp proves it for this
        // GStreamer); if a future one differs, buffers would need a GstVideoMeta.
        throw Error("framepipe::AppSrcSink: framepipe's layout of " +
                    std::string(format_name(s.format)) + " differs from this GStreamer's:" + diff);
      }
      const detail::CapsPtr new_caps(gst_video_info_to_caps(&info));
      configure_lane(main, new_caps.get(), layout.size, s.pacing, s.fps);
      spec = s;
      main_is_audio = false;
      play_when_configured();
    }

    void start(const AudioSpec& a, Pacing pacing) {
      detail::AppSrcLane& lane = audio_target();
      begin_configure(lane, "start(AudioSpec)");
      const detail::CapsPtr new_caps = audio_caps_of(a);
      // Each buffer holds at most audio_buffer_frames frames: a latency unit of that many.
      configure_lane(lane, new_caps.get(), options.audio_buffer_frames * a.frame_bytes(), pacing,
                     FrameRate{static_cast<std::int64_t>(a.rate),
                               static_cast<std::int64_t>(options.audio_buffer_frames)});
      audio = a;
      audio_lent = 0;
      if (!audio_lane) main_is_audio = true;
      play_when_configured();
    }

    /// The subtitle appsrc: `text/x-raw, format=utf8`, timed, live with `pacing` RealTime.
    void start_text(Pacing pacing) {
      if (!text_lane) {
        throw Error(
            "framepipe::AppSrcSink: start_text() needs AppSrcSinkOptions::text_appsrc_name");
      }
      begin_configure(*text_lane, "start_text()");
      const detail::CapsPtr caps(
          gst_caps_new_simple("text/x-raw", "format", G_TYPE_STRING, "utf8", nullptr));
      text_lane->caps = detail::take_gchar(gst_caps_to_string(caps.get()));
      gst_app_src_set_caps(text_lane->appsrc.get(), caps.get());
      gst_app_src_set_stream_type(text_lane->appsrc.get(), GST_APP_STREAM_TYPE_STREAM);
      const bool live = pacing == Pacing::RealTime;
      g_object_set(text_lane->appsrc.get(), "format", GST_FORMAT_TIME, "is-live",
                   live ? TRUE : FALSE, nullptr);
      if (live) g_object_set(text_lane->appsrc.get(), "min-latency", gint64{0}, nullptr);
      text_lane->configured = true;
      text_end = 0;
      text_sent = false;
      play_when_configured();
    }

    void submit_text(std::string_view text, std::uint64_t pts, std::uint64_t duration) {
      if (!streaming) throw_not_streaming("submit_text");
      if (!text_lane) {
        throw Error(
            "framepipe::AppSrcSink: submit_text() needs AppSrcSinkOptions::text_appsrc_name");
      }
      if (pts == UINT64_MAX || duration == 0 || duration > UINT64_MAX - pts) {
        throw InvalidArgument(
            "framepipe::AppSrcSink: submit_text() needs a pts and a duration above 0");
      }
      if (text_sent && pts < text_end) {
        throw InvalidArgument("framepipe::AppSrcSink: text at " + std::to_string(pts) +
                              " ns starts before the previous text ends (" +
                              std::to_string(text_end) + " ns)");
      }
      GstBuffer* buffer = gst_buffer_new_memdup(text.data(), text.size());
      if (buffer == nullptr) throw Error("framepipe::AppSrcSink: gst_buffer_new_memdup() failed");
      GST_BUFFER_PTS(buffer) = pts;
      GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
      GST_BUFFER_DURATION(buffer) = duration;
      const GstFlowReturn flow = gst_app_src_push_buffer(text_lane->appsrc.get(), buffer);
      if (flow != GST_FLOW_OK) {
        detail::MessagePtr error(options.owns_state ? gst_bus_timed_pop_filtered(
                                                          bus.get(), kErrorGrace, GST_MESSAGE_ERROR)
                                                    : nullptr);
        if (error) throw_error(error.get());
        fail(std::make_exception_ptr(StreamError(
            detail::object_name(GST_OBJECT_CAST(text_lane->appsrc.get())),
            std::string("gst_app_src_push_buffer() returned ") + gst_flow_get_name(flow), "")));
      }
      text_lane->tally->pushed.fetch_add(1, std::memory_order_relaxed);
      text_end = pts + duration;
      text_sent = true;
      read_bus();
    }

    /// Caps, stream type, format, liveness and queue of `lane`'s appsrc, and its pool of slots of
    /// `slot_bytes`; `unit` is the rate of its buffers (frames, or audio buffers, per second).
    void configure_lane(detail::AppSrcLane& lane, GstCaps* caps, std::size_t slot_bytes,
                        Pacing pacing, FrameRate unit) {
      lane.caps = detail::take_gchar(gst_caps_to_string(caps));
      gst_app_src_set_caps(lane.appsrc.get(), caps);
      gst_app_src_set_stream_type(lane.appsrc.get(), GST_APP_STREAM_TYPE_STREAM);
      const bool live = pacing == Pacing::RealTime;
      g_object_set(lane.appsrc.get(), "format", GST_FORMAT_TIME, "is-live", live ? TRUE : FALSE,
                   nullptr);
      std::size_t queued = 0;  // appsrc's queue limit in buffers, 0 for none
#if GST_CHECK_VERSION(1, 20, 0)
      if (options.backpressure == Backpressure::DropOldest) {
        // Room for the buffer being produced and one held downstream: the rest may queue.
        queued = std::max<std::size_t>(1, options.pool_size - 2);
        g_object_set(lane.appsrc.get(), "max-buffers", static_cast<guint64>(queued), "max-bytes",
                     guint64{0}, "max-time", guint64{0}, nullptr);
        gst_app_src_set_leaky_type(lane.appsrc.get(), GST_APP_LEAKY_TYPE_DOWNSTREAM);
      }
#endif
      if (live) set_live_latency(lane, unit, queued);
      const std::size_t limit = options.backpressure == Backpressure::Block
                                    ? detail::SlotPool::slots_within(options.max_pool_bytes,
                                                                     slot_bytes, options.pool_size)
                                    : options.pool_size;
      lane.configure_pool(slot_bytes, options.pool_size, limit,
                          options.backpressure != Backpressure::Block);
      lane.configured = true;
    }

    /// Sets the pipeline PLAYING once every lane has its caps (one clock, one start for all).
    void play_when_configured() {
      bool all = true;
      for_each_lane([&](detail::AppSrcLane& l) { all = all && l.configured; });
      if (!all) return;
      if (!options.owns_state) {  // the caller plays the pipeline; appsrc queues until then
        streaming = true;
        return;
      }
      try {
        detail::set_playing(
            pipeline.get(), bus.get(), [this](GstMessage* error) { throw_error(error); },
            [this](std::exception_ptr error) { fail(std::move(error)); }, kErrorGrace);
      } catch (...) {
        unconfigure();
        throw;
      }
      streaming = true;
    }

    void unconfigure() noexcept {
      for_each_lane([](detail::AppSrcLane& l) { l.configured = false; });
    }

    /// A live appsrc reports its latency: none of its own (min 0), and as much buffering as it
    /// has (max: unbounded, or the leaky queue's buffers). Without it, appsrc answers max 0 and a
    /// synchronised sink warns "Pipeline construction is invalid, please add queues".
    static void set_live_latency(detail::AppSrcLane& lane, FrameRate rate,
                                 std::size_t queued_frames) {
      gint64 max = -1;
      if (queued_frames > 0 && rate.num > 0) {
        // A latency past what the property holds (a rate of a frame in centuries) is unbounded.
        const guint64 ns =
            gst_util_uint64_scale(static_cast<guint64>(queued_frames) * GST_SECOND,
                                  static_cast<guint64>(rate.den), static_cast<guint64>(rate.num));
        if (ns <= static_cast<guint64>(G_MAXINT64)) max = static_cast<gint64>(ns);
      }
      g_object_set(lane.appsrc.get(), "min-latency", gint64{0}, "max-latency", max, nullptr);
    }

    [[noreturn]] void throw_not_streaming(const char* what) const {
      failure.rethrow_if_set();
      std::string waiting;
      if (main.configured && audio_lane && !audio_lane->configured) {
        waiting = "; the pipeline starts once start(AudioSpec) set up appsrc \"" +
                  options.audio_appsrc_name + "\"";
      } else if (text_lane && !text_lane->configured) {
        waiting = "; the pipeline starts once start_text() set up appsrc \"" +
                  options.text_appsrc_name + "\"";
      } else if (audio_lane && audio_lane->configured && !main.configured) {
        waiting = "; the pipeline starts once start(StreamSpec) set up appsrc \"" +
                  options.appsrc_name + "\"";
      }
      throw Error(std::string("framepipe::AppSrcSink: ") + what +
                  "() before start() (or after finish())" + waiting);
    }

    void take_slot(detail::AppSrcLane& lane) {
      if (lane.current != nullptr) return;
      if (interrupted.load(std::memory_order_acquire)) throw_interrupted();
      if (options.backpressure != Backpressure::Block) {
        lane.current = lane.pool->try_take(std::chrono::milliseconds(0));
        if (lane.current == nullptr) lane.current = &lane.scratch;  // dropped at submit()
        return;
      }
      const auto started = std::chrono::steady_clock::now();
      while (lane.current == nullptr) {
        lane.current = lane.pool->try_take(kBusPollInterval, &interrupted);
        if (lane.current != nullptr) return;
        if (interrupted.load(std::memory_order_acquire)) throw_interrupted();
        read_bus();
        if (options.acquire_timeout.count() > 0 &&
            std::chrono::steady_clock::now() - started >= options.acquire_timeout) {
          stuck = true;
          throw Timeout(options.acquire_timeout, "no frame of the pool came back from GStreamer",
                        detail::stuck_pool_advice(pipeline.get(), lane.pool->count(),
                                                  lane.pool->allocated_bytes()));
        }
      }
    }

    [[noreturn]] static void throw_interrupted() {
      throw Interrupted("framepipe::AppSrcSink: acquire() interrupted (interrupt() was called)");
    }

    void interrupt() noexcept {
      interrupted.store(true, std::memory_order_release);
      for_each_lane([](detail::AppSrcLane& l) {
        if (const std::shared_ptr<detail::SlotPool> p = l.shared_pool()) p->wake();
      });
    }

    void submit(const FrameTime& time) {
      if (!streaming) throw_not_streaming("submit");
      if (main_is_audio) throw Error("framepipe::AppSrcSink: submit() on an audio stream");
      if (main.current == nullptr) {
        throw Error("framepipe::AppSrcSink: submit() without acquire()");
      }
      push(main, main.pool->slot_bytes(), time.pts, time.duration, time.index, time.index + 1);
    }

    void submit_audio(const AudioTime& time) {
      if (!streaming) throw_not_streaming("submit_audio");
      detail::AppSrcLane& lane = audio_target();
      if (lane.current == nullptr || (&lane == &main && !main_is_audio)) {
        throw Error("framepipe::AppSrcSink: submit_audio() without acquire_audio()");
      }
      if (time.frames == 0 || time.frames > audio_lent) {
        throw InvalidArgument("framepipe::AppSrcSink: submit_audio() of " +
                              std::to_string(time.frames) + " frames, but acquire_audio() lent " +
                              std::to_string(audio_lent));
      }
      push(lane, static_cast<std::size_t>(time.frames) * audio.frame_bytes(), time.pts,
           time.duration, time.offset, time.offset + time.frames);
    }

    /// Pushes the slot `lane` lent, its first `bytes` bytes, stamped; or drops a scratch slot.
    void push(detail::AppSrcLane& lane, std::size_t bytes, std::uint64_t pts,
              std::uint64_t duration, std::uint64_t offset, std::uint64_t offset_end) {
      if (lane.current == &lane.scratch) {
        lane.current = nullptr;
        lane.tally->dropped.fetch_add(1, std::memory_order_relaxed);
        read_bus();
        return;
      }
      GstBuffer* buffer = lane.pool->wrap(std::exchange(lane.current, nullptr), bytes);
      GST_BUFFER_PTS(buffer) = pts;
      GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
      GST_BUFFER_DURATION(buffer) = duration;
      GST_BUFFER_OFFSET(buffer) = offset;
      GST_BUFFER_OFFSET_END(buffer) = offset_end;
      const GstFlowReturn flow = gst_app_src_push_buffer(lane.appsrc.get(), buffer);
      if (flow != GST_FLOW_OK) {
        detail::MessagePtr error(options.owns_state ? gst_bus_timed_pop_filtered(
                                                          bus.get(), kErrorGrace, GST_MESSAGE_ERROR)
                                                    : nullptr);
        if (error) throw_error(error.get());
        fail(std::make_exception_ptr(StreamError(
            detail::object_name(GST_OBJECT_CAST(lane.appsrc.get())),
            std::string("gst_app_src_push_buffer() returned ") + gst_flow_get_name(flow), "")));
      }
      lane.tally->pushed.fetch_add(1, std::memory_order_relaxed);
      read_bus();
    }

    /// Ends every lane's stream (`gst_app_src_end_of_stream`): the pipeline's EOS comes when the
    /// last of them reached the sinks.
    void end_of_streams() noexcept {
      for_each_lane([](detail::AppSrcLane& l) {
        l.return_current();
        gst_app_src_end_of_stream(l.appsrc.get());
      });
    }

    void finish() {
      if (!streaming) {
        if (options.owns_state) unconfigure();  // a half set-up stream that never played
        return;
      }
      end_of_streams();
      if (!options.owns_state) {  // the caller waits for EOS on its bus
        streaming = false;
        unconfigure();
        return;
      }
      const std::chrono::milliseconds wait =
          stuck ? std::min(options.eos_timeout, kStuckEosWait) : options.eos_timeout;
      if (!wait_for_eos(wait)) {
        stop();
        throw Timeout(wait, stuck ? "EOS did not reach the pipeline's sinks (after acquire() "
                                    "timed out: downstream holds every frame)"
                                  : "EOS did not reach the pipeline's sinks");
      }
      stop();
    }

    /// Waits up to `wait` for EOS on the bus, logging warnings and infos; false when it did not
    /// come; throws (after stopping) on an ERROR.
    bool wait_for_eos(std::chrono::milliseconds wait) {
      const auto deadline = std::chrono::steady_clock::now() + wait;
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
            deadline - std::chrono::steady_clock::now());
        detail::MessagePtr message(gst_bus_timed_pop_filtered(
            bus.get(), static_cast<GstClockTime>(std::max<std::int64_t>(left.count(), 0)),
            static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
                                        GST_MESSAGE_INFO)));
        if (!message) return false;
        if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_EOS) return true;
        if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) throw_error(message.get());
        detail::log_bus_message(message.get(), options.on_log);
      }
    }

    void abort() noexcept {
      if (!streaming) {
        stop();
        return;
      }
      if (!options.owns_state) {  // the caller's pipeline: end the stream, the caller waits
        end_of_streams();
        streaming = false;
        unconfigure();
        return;
      }
      if (!stuck) {
        end_of_streams();
        try {
          wait_for_eos(std::min(options.eos_timeout, kAbortEosWait));
        } catch (...) {  // an error now only means the stream ends here
        }
      }
      stop();
    }

    /// Reads what the bus holds without waiting: logs warnings and infos, throws on an error.
    void read_bus() {
      if (!options.owns_state) return;  // the bus is the caller's
      detail::read_bus(
          bus.get(), [this](GstMessage* error) { throw_error(error); },
          [this](GstMessage* note) { detail::log_bus_message(note, options.on_log); });
    }

    /// Stops, remembers and throws the exception an ERROR message becomes, with framepipe's
    /// guess at its cause (an odd size an encoder refuses, the path a sink could not open).
    [[noreturn]] void throw_error(GstMessage* message) {
      const detail::BusReport r = detail::parse_bus_report(message);
      std::string hint =
          main_is_audio ? std::string() : detail::odd_size_hint(r, message, spec.size);
      if (const std::string where = detail::location_hint(r, message); !where.empty()) {
        hint += (hint.empty() ? "" : "; ") + where;
      }
      std::string caps = main.caps;
      if (audio_lane) caps += (caps.empty() ? "" : "; ") + audio_lane->caps;
      if (text_lane) caps += (caps.empty() ? "" : "; ") + text_lane->caps;
      fail(detail::to_exception(r, caps, hint));
    }

    /// Stops the pipeline, then throws `error`, which every lane's acquire and submit repeat
    /// until the next start(): one error ends every stream.
    [[noreturn]] void fail(std::exception_ptr error) {
      stop();
      failure.raise(std::move(error));
    }

    /// Sets the pipeline to NULL (which also flushes its bus) and ends the stream of every lane.
    void stop() noexcept {
      for_each_lane([](detail::AppSrcLane& l) { l.return_current(); });
      streaming = false;
      unconfigure();
      if (options.owns_state) detail::set_null(pipeline.get());
    }

    /// The destructor's end: EOS and a bounded wait when a stream is running, then NULL; removes
    /// the probes from the appsrcs (in attach mode the pipeline outlives the sink).
    void shutdown() noexcept {
      if (streaming) {
        try {
          finish();
        } catch (...) {  // a destructor reports nothing; finish() already stopped the pipeline
        }
      }
      stop();
      for_each_lane([](detail::AppSrcLane& l) { l.detach(); });
    }
  };

  struct Launch {};
  AppSrcSink(Launch, Options options) : state_(std::make_unique<State>(std::move(options))) {}

  State& state(const char* what) {
    return detail::checked_state(state_, "framepipe::AppSrcSink", "sink", what);
  }
  const State& state(const char* what) const {
    return detail::checked_state(state_, "framepipe::AppSrcSink", "sink", what);
  }

  /// What `measure` (a count of detail::SlotPool) says of the current pool; 0 before start().
  std::size_t pool_measure(const char* what,
                           std::size_t (detail::SlotPool::*measure)() const) const {
    const std::shared_ptr<detail::SlotPool> pool = state(what).main.shared_pool();
    return pool ? (pool.get()->*measure)() : 0;
  }

  std::unique_ptr<State> state_;
};

static_assert(Sink<AppSrcSink> && SinkFor<AppSrcSink, PixelFormat::I420>);
static_assert(AudioSink<AppSrcSink> && AudioSinkFor<AppSrcSink, AudioFormat::S16LE>);
static_assert(SubtitleSink<AppSrcSink>);

}  // namespace framepipe
