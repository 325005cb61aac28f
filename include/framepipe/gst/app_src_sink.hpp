// AppSrcSink: the sink that lends frames living in GStreamer-ready memory and pushes them, without
// a copy, into `appsrc ! <your pipeline>`.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/gst/caps.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe {

/// What AppSrcSink::acquire() does when every frame of its pool is in flight.
enum class Backpressure {
  /// Wait until GStreamer gives a frame back: nothing is lost, the producer slows down to
  /// downstream's pace (files, benchmarks).
  Block,
  /// Never wait (live sources): keep at most max(1, pool_size - 2) frames queued inside appsrc
  /// (`max-buffers`, `leaky-type=downstream`, GStreamer >= 1.20), so that pushing a new frame into
  /// a full queue discards the oldest frame still waiting there; if every frame of the pool is held
  /// further downstream all the same, the new frame is dropped instead. Either way the newest
  /// frames win, and every loss is counted.
  DropOldest,
  /// Never wait (live sources): when no frame of the pool is free, acquire() lends a spare scratch
  /// frame, and submit() discards it instead of pushing it. Every loss is counted.
  DropNewest,
};

namespace detail {

/// Counters an AppSrcSink shares with its pools (buffers may outlive the sink); atomics because
/// GStreamer's threads free buffers.
struct SinkTally {
  std::atomic<std::uint64_t> pushed{0};   ///< buffers accepted by gst_app_src_push_buffer
  std::atomic<std::uint64_t> dropped{0};  ///< frames lost: not pushed, or freed inside appsrc
};

/// A fixed number of frame-sized, 64-byte aligned blocks ("slots") that are lent to the
/// producer, then to GStreamer, and come back when GStreamer drops its last reference. Shared:
/// each buffer in flight keeps the pool alive, so downstream may hold a buffer after the sink
/// that made it is gone.
class SlotPool : public std::enable_shared_from_this<SlotPool> {
 public:
  struct Slot {
    AlignedBytes data;
    SlotPool* pool = nullptr;
    /// Set while GStreamer holds the slot: the buffer's own reference to the pool.
    std::shared_ptr<SlotPool> keep_alive;
    /// Set when the buffer left appsrc (a probe on its src pad); a buffer freed without it was
    /// dropped inside appsrc (leaky queue, or flushed by a stop) and is counted as lost.
    std::atomic<bool> left_appsrc{false};
  };

  SlotPool(std::size_t count, std::size_t bytes, std::shared_ptr<SinkTally> tally)
      : slots_(std::make_unique<Slot[]>(count)),
        count_(count),
        bytes_(bytes),
        tally_(std::move(tally)) {
    free_.reserve(count);  // release() then never allocates
    for (std::size_t i = 0; i < count; ++i) {
      slots_[i].data = allocate_aligned(bytes);
      slots_[i].pool = this;
      free_.push_back(&slots_[i]);
    }
  }
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  /// A free slot, waiting up to `wait` for one; null if none came back in that time.
  Slot* try_take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, wait, [this] { return !free_.empty(); })) return nullptr;
    Slot* slot = free_.back();
    free_.pop_back();
    peak_in_use_ = std::max(peak_in_use_, count_ - free_.size());
    return slot;
  }

  /// Returns a slot that was taken but never handed to GStreamer.
  void give_back(Slot* slot) noexcept {
    {
      const std::lock_guard lock(mutex_);
      free_.push_back(slot);
    }
    freed_.notify_all();
  }

  /// Wraps a taken slot into a new GstBuffer without copying (`gst_buffer_new_wrapped_full`);
  /// the slot comes back to the pool when the buffer is freed. The buffer holds a reference to
  /// the pool until then.
  GstBuffer* wrap(Slot* slot) {
    slot->keep_alive = shared_from_this();
    slot->left_appsrc.store(false, std::memory_order_relaxed);
    GstBuffer* buffer =
        gst_buffer_new_wrapped_full(static_cast<GstMemoryFlags>(0), slot->data.get(), bytes_, 0,
                                    bytes_, slot, &SlotPool::on_buffer_freed);
    if (buffer == nullptr) {
      slot->keep_alive.reset();
      give_back(slot);
      throw Error("framepipe: gst_buffer_new_wrapped_full() failed");
    }
    return buffer;
  }

  /// Slots not in the free list: lent to the producer or held by GStreamer.
  std::size_t in_use() const {
    const std::lock_guard lock(mutex_);
    return count_ - free_.size();
  }
  /// The most slots ever in use at once.
  std::size_t peak_in_use() const {
    const std::lock_guard lock(mutex_);
    return peak_in_use_;
  }
  std::size_t count() const noexcept { return count_; }
  std::size_t slot_bytes() const noexcept { return bytes_; }

 private:
  /// The GDestroyNotify of every wrapped buffer; runs on whichever thread drops the last
  /// reference.
  static void on_buffer_freed(gpointer data) noexcept {
    auto* slot = static_cast<Slot*>(data);
    // Keep the pool alive until after the notify: this may be the last reference to it.
    const std::shared_ptr<SlotPool> pool = std::move(slot->keep_alive);
    if (!slot->left_appsrc.load(std::memory_order_acquire)) {
      pool->tally_->dropped.fetch_add(1, std::memory_order_relaxed);
    }
    slot->pool->give_back(slot);
  }

 public:
  /// The GstPadProbeCallback on appsrc's src pad: marks the slot of every buffer leaving appsrc.
  /// `data` is a std::shared_ptr<SlotPool>*.
  static GstPadProbeReturn on_buffer_leaving(GstPad*, GstPadProbeInfo* info,
                                             gpointer data) noexcept {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (buffer == nullptr || gst_buffer_n_memory(buffer) != 1) return GST_PAD_PROBE_OK;
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return GST_PAD_PROBE_OK;
    const std::uint8_t* bytes = map.data;
    gst_buffer_unmap(buffer, &map);
    SlotPool& pool = **static_cast<std::shared_ptr<SlotPool>*>(data);
    for (std::size_t i = 0; i < pool.count_; ++i) {
      if (pool.slots_[i].data.get() == bytes) {
        pool.slots_[i].left_appsrc.store(true, std::memory_order_release);
        break;
      }
    }
    return GST_PAD_PROBE_OK;
  }
  static void free_probe_data(gpointer data) noexcept {
    delete static_cast<std::shared_ptr<SlotPool>*>(data);
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::unique_ptr<Slot[]> slots_;
  std::vector<Slot*> free_;
  std::size_t count_;
  std::size_t bytes_;
  std::size_t peak_in_use_ = 0;
  std::shared_ptr<SinkTally> tally_;
};

/// What an ERROR, WARNING or INFO bus message says (`gst_message_parse_error()` and friends).
struct BusReport {
  std::string element;
  std::string message;
  std::string debug;
  std::string domain;
  int code = 0;
  bool not_negotiated = false;
};

inline BusReport parse_bus_report(GstMessage* message) {
  GError* raw_error = nullptr;
  gchar* raw_debug = nullptr;
  switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error(message, &raw_error, &raw_debug);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning(message, &raw_error, &raw_debug);
      break;
    case GST_MESSAGE_INFO:
      gst_message_parse_info(message, &raw_error, &raw_debug);
      break;
    default:
      break;
  }
  const GErrorPtr error(raw_error);
  BusReport report;
  report.element = object_name(GST_MESSAGE_SRC(message));
  report.debug = take_gchar(raw_debug);
  if (error) {
    report.message = error->message != nullptr ? error->message : "";
    report.domain = g_quark_to_string(error->domain);
    report.code = error->code;
    report.not_negotiated =
        error->domain == GST_CORE_ERROR && error->code == GST_CORE_ERROR_NEGOTIATION;
  }
  // A source whose streaming thread stops posts GST_ELEMENT_FLOW_ERROR: STREAM/FAILED with the
  // flow return in the details ("flow-return") and in the debug text.
  if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    const GstStructure* details = nullptr;
    gst_message_parse_error_details(message, &details);
    gint flow = 0;
    if (details != nullptr && gst_structure_get_int(details, "flow-return", &flow) &&
        flow == GST_FLOW_NOT_NEGOTIATED) {
      report.not_negotiated = true;
    }
  }
  if (report.debug.find("not-negotiated") != std::string::npos) report.not_negotiated = true;
  return report;
}

}  // namespace detail

/// Options of an AppSrcSink; every member has a default, so designated initialisers can set any
/// subset: `AppSrcSink{"fakesink", {.pool_size = 8}}`.
struct AppSrcSinkOptions {
  /// Frames in flight: lent to the producer or held by GStreamer. acquire() blocks when all are
  /// in use (back-pressure), so memory is bounded by pool_size frames. Count what downstream
  /// keeps: an appsink fed directly keeps the last sample it returned (GStreamer 1.22 reuses it
  /// for the next pull), so pulling one frame at a time from it needs at least 2.
  std::size_t pool_size = 4;
  /// What acquire() does when all pool_size frames are in flight: wait (Block), or drop and count
  /// (DropOldest, DropNewest) for live sources. See Backpressure.
  Backpressure backpressure = Backpressure::Block;
  /// How long finish() (and the destructor) wait for EOS to reach the sinks.
  std::chrono::milliseconds eos_timeout{10000};
  /// How long acquire() waits for a frame to come back from GStreamer before it throws Timeout;
  /// zero waits as long as it takes (a live pipeline may legitimately pause). Pipeline errors end
  /// the wait either way. Only Backpressure::Block waits; the drop policies never do.
  std::chrono::milliseconds acquire_timeout{0};
  /// Name of the appsrc: the one framepipe creates, or the one it looks for in a given pipeline.
  std::string appsrc_name = "framepipe_src";
  /// Receives the bus's WARNING and INFO messages. Unset: warnings go to stderr, infos nowhere.
  std::function<void(LogLevel, const std::string&)> on_log{};
  /// Attach mode only: true (default) lets the sink drive the pipeline's state and read its bus,
  /// as for a pipeline it built; false leaves both to the caller, who sets the pipeline PLAYING,
  /// watches its bus (errors then surface there, and as StreamError when a push is refused) and,
  /// after finish() has sent EOS, waits for it and sets the pipeline to NULL.
  bool owns_state = true;
};

/// A framepipe Sink that hands frames to GStreamer through an `appsrc`, without copying them.
///
/// Frames live in a fixed pool of `pool_size` blocks laid out as GStreamer's default layout for
/// the caps (so no GstVideoMeta is needed). acquire() lends a free block, the last stage writes
/// into it, and submit() wraps that very block into a GstBuffer (`gst_buffer_new_wrapped_full`)
/// and pushes it (`gst_app_src_push_buffer`, which takes ownership). The block comes back to the
/// pool when GStreamer frees the buffer.
/// \code
///   Pipeline p{TextClockGenerator{{.width = 320, .height = 240}}, I420Packer{},
///              AppSrcSink{"videoconvert ! vp8enc ! webmmux ! filesink location=a.webm"}};
///   p.run({.frames = 150, .fps = {30, 1}});
/// \endcode
/// Errors of the pipeline surface as exceptions (StreamError, NotNegotiated, Timeout) from
/// start(), acquire(), submit() or finish(). Movable, not copyable; like every stage, used from one
/// thread at a time (GStreamer's threads only ever touch the pool).
class AppSrcSink {
 public:
  using Options = AppSrcSinkOptions;

  /// Every PixelFormat has a GStreamer name, so every format is accepted.
  template <PixelFormat In>
  static constexpr bool accepts = true;

  /// Builds `appsrc name=<options.appsrc_name> ! <downstream_description>` with
  /// `gst_parse_launch_full()`, so that a bad description fails here rather than at the first
  /// frame. Throws InvalidArgument (empty description, pool_size 0), MissingElement (an element
  /// no plugin provides) or ParseError (anything else GStreamer rejects).
  explicit AppSrcSink(std::string downstream_description, Options options = {})
      : state_(std::make_unique<State>(std::move(options))) {
    if (!state_->options.owns_state) {
      throw InvalidArgument(
          "framepipe::AppSrcSink: owns_state = false is for attaching to a caller's pipeline; a "
          "pipeline the sink builds is always driven by the sink");
    }
    state_->build(downstream_description);
  }

  /// Attaches to the appsrc named `options.appsrc_name` inside a pipeline the caller built
  /// (`gst_bin_get_by_name`). The sink then drives the pipeline's state and reads its bus, unless
  /// `options.owns_state` is false, which leaves both to the caller.
  /// Throws InvalidArgument when `pipeline` is not a GstPipeline or has no such appsrc.
  explicit AppSrcSink(ElementRef pipeline, Options options = {})
      : state_(std::make_unique<State>(std::move(options))) {
    state_->attach(std::move(pipeline));
  }

  AppSrcSink(AppSrcSink&&) noexcept = default;
  AppSrcSink& operator=(AppSrcSink&&) noexcept = default;
  /// If the stream was started and not finished, sends EOS and waits up to eos_timeout for it
  /// (so that a file being written is finalised), then stops the pipeline. Never throws.
  ~AppSrcSink() = default;

  /// Sets the appsrc's caps from `spec` (caps_of()), `format=time`, `stream-type=stream` and
  /// `is-live` (for Pacing::RealTime), allocates the pool and sets the pipeline to PLAYING
  /// (`gst_element_set_state`). Throws StreamError when the pipeline cannot start.
  void start(const StreamSpec& spec) { state("start").start(spec); }

  /// Lends a free frame of the pool. With Backpressure::Block, blocks while all pool_size frames
  /// are in flight; while blocked, reads the bus so that a pipeline error is thrown rather than
  /// waited on forever, and throws Timeout after Options::acquire_timeout (when set). With a drop
  /// policy it never waits: when no frame is free it lends a scratch frame that submit() drops.
  /// Calling it again before submit() returns the same frame. `F` must be the format given to
  /// start().
  template <PixelFormat F>
  FrameView<F> acquire() {
    State& s = state("acquire");
    if (!s.streaming) {
      throw Error("framepipe::AppSrcSink: acquire() before start() (or after finish())");
    }
    if (F != s.spec.format) {
      throw InvalidArgument("framepipe::AppSrcSink: acquire<" + std::string(format_name(F)) +
                            ">() but the stream was started with " +
                            std::string(format_name(s.spec.format)));
    }
    s.take_slot();
    return FrameView<F>::wrap(s.current->data.get(), s.spec.size);
  }

  /// Pushes the frame acquire() lent, stamped with `time` (PTS, DURATION, OFFSET = frame index),
  /// without copying it (`gst_app_src_push_buffer`). Also reads the bus without waiting: throws
  /// StreamError (NotNegotiated when downstream refused the caps) if the pipeline failed, and
  /// hands warnings to the log callback.
  void submit(const FrameTime& time) { state("submit").submit(time); }

  /// Ends the stream (`gst_app_src_end_of_stream`), waits up to eos_timeout for EOS to reach the
  /// sinks, then sets the pipeline to NULL. Throws StreamError if the pipeline reports an error
  /// first, Timeout if EOS does not come in time. Idempotent; does nothing before start(), and
  /// only stops the pipeline after an error was already thrown.
  void finish() { state("finish").finish(); }

  /// The pipeline's element named `name` (`gst_bin_get_by_name`, which searches nested bins).
  /// Throws InvalidArgument when there is none.
  ElementRef element(std::string_view name) const {
    const std::string n(name);
    GstElement* found = gst_bin_get_by_name(GST_BIN(state("element").pipeline.get()), n.c_str());
    if (found == nullptr) {
      throw InvalidArgument("framepipe::AppSrcSink: the pipeline has no element named \"" + n +
                            "\"");
    }
    return ElementRef::adopt(found);
  }
  /// The whole GstPipeline (appsrc included).
  ElementRef pipeline() const { return ElementRef::ref(state("pipeline").pipeline.get()); }

  /// Frames of the pool currently lent to the producer or held by GStreamer.
  std::size_t slots_in_use() const {
    const State& s = state("slots_in_use");
    return s.pool ? s.pool->in_use() : 0;
  }
  /// The most frames of the current pool ever in use at once: never more than pool_size().
  std::size_t peak_slots_in_use() const {
    const State& s = state("peak_slots_in_use");
    return s.pool ? s.pool->peak_in_use() : 0;
  }
  /// Frames in the pool (Options::pool_size).
  std::size_t pool_size() const { return state("pool_size").options.pool_size; }
  /// Frames pushed into appsrc so far, over the sink's life (`gst_app_src_push_buffer` returned
  /// OK). Safe to call from any thread that does not move or destroy the sink meanwhile.
  std::uint64_t pushed() const {
    return state("pushed").tally->pushed.load(std::memory_order_relaxed);
  }
  /// Frames lost so far, over the sink's life: dropped by a Backpressure policy (scratch frames
  /// not pushed, frames discarded by appsrc's leaky queue) or pushed but flushed out of appsrc by
  /// a stop before they left it. Exact once finish() returned; safe to call from any thread that
  /// does not move or destroy the sink meanwhile.
  std::uint64_t dropped() const {
    return state("dropped").tally->dropped.load(std::memory_order_relaxed);
  }
  /// The counters Pipeline merges into its Stats (Stats::dropped).
  SinkCounters counters() const { return {dropped()}; }
  /// The caps set by the last start(), as a string ("" before).
  const std::string& caps() const { return state("caps").caps; }

 private:
  static constexpr std::chrono::milliseconds kBusPollInterval{50};
  /// How long to wait for the ERROR message that explains a failed state change or push.
  static constexpr GstClockTime kErrorGrace = 1 * GST_SECOND;

  struct State {
    Options options;
    detail::ElementPtr pipeline;
    detail::GstObjectPtr<GstAppSrc> appsrc;
    detail::BusPtr bus;
    std::shared_ptr<detail::SinkTally> tally = std::make_shared<detail::SinkTally>();
    std::shared_ptr<detail::SlotPool> pool;
    gulong probe = 0;  // on appsrc's src pad, for the current pool (SlotPool::on_buffer_leaving)
    /// The frame lent when a drop policy finds no free slot; never pushed.
    detail::SlotPool::Slot scratch;
    detail::SlotPool::Slot* current = nullptr;  // lent by acquire(), not yet submitted
    StreamSpec spec{};
    std::string caps;
    std::size_t scratch_bytes = 0;
    bool streaming = false;  // between a successful start() and finish()/an error

    explicit State(Options o) : options(std::move(o)) {
      if (options.pool_size == 0) {
        throw InvalidArgument("framepipe::AppSrcSink: pool_size must be at least 1");
      }
      if (options.appsrc_name.empty()) {
        throw InvalidArgument("framepipe::AppSrcSink: appsrc_name must not be empty");
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
      if (description.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw InvalidArgument(
            "framepipe::AppSrcSink: the downstream pipeline description is empty");
      }
      const std::string full = "appsrc name=" + options.appsrc_name + " ! " + description;
      GstParseContext* context = gst_parse_context_new();
      GError* raw_error = nullptr;
      GstElement* parsed =
          gst_parse_launch_full(full.c_str(), context, GST_PARSE_FLAG_FATAL_ERRORS, &raw_error);
      const detail::GErrorPtr error(raw_error);
      detail::ElementPtr element(parsed != nullptr ? GST_ELEMENT(gst_object_ref_sink(parsed))
                                                   : nullptr);
      std::string missing;
      if (gchar** names = gst_parse_context_get_missing_elements(context); names != nullptr) {
        for (gchar** n = names; *n != nullptr; ++n)
          missing += (missing.empty() ? "" : ", ") + std::string(*n);
        g_strfreev(names);
      }
      gst_parse_context_free(context);
      if (error || !element) {
        const std::string message = error ? error->message : "gst_parse_launch_full() failed";
        if (error && error->domain == GST_PARSE_ERROR &&
            error->code == GST_PARSE_ERROR_NO_SUCH_ELEMENT) {
          throw MissingElement(missing.empty() ? std::string("?") : missing, message);
        }
        throw ParseError(full, message);
      }
      if (!GST_IS_PIPELINE(element.get())) {
        throw ParseError(full, "the description did not make a pipeline");
      }
      use_pipeline(std::move(element));
    }

    void attach(ElementRef given) {
      if (!given || !GST_IS_PIPELINE(given.get())) {
        throw InvalidArgument("framepipe::AppSrcSink: needs a GstPipeline to attach to");
      }
      use_pipeline(detail::ElementPtr(given.release()));
    }

    void use_pipeline(detail::ElementPtr p) {
      GstElement* src = gst_bin_get_by_name(GST_BIN(p.get()), options.appsrc_name.c_str());
      if (src == nullptr || !GST_IS_APP_SRC(src)) {
        if (src != nullptr) gst_object_unref(src);
        throw InvalidArgument("framepipe::AppSrcSink: the pipeline has no appsrc named \"" +
                              options.appsrc_name + "\"");
      }
      appsrc.reset(GST_APP_SRC(src));
      bus.reset(gst_element_get_bus(p.get()));
      pipeline = std::move(p);
    }

    void start(const StreamSpec& s) {
      if (streaming) {
        throw Error("framepipe::AppSrcSink: start() while a stream is running; finish() it first");
      }
      const GstVideoInfo info = video_info_of(s);
      const PlaneLayout layout = default_layout(s.format, s.size);
      if (const std::string diff = detail::layout_mismatch(info, layout); !diff.empty()) {
        // default_layout() is GStreamer's layout (tests/gst/layout_test.cpp proves it for this
        // GStreamer); if a future one differs, buffers would need a GstVideoMeta.
        throw Error("framepipe::AppSrcSink: framepipe's layout of " +
                    std::string(format_name(s.format)) + " differs from this GStreamer's:" + diff);
      }
      const detail::CapsPtr new_caps(gst_video_info_to_caps(&info));
      caps = detail::take_gchar(gst_caps_to_string(new_caps.get()));
      gst_app_src_set_caps(appsrc.get(), new_caps.get());
      gst_app_src_set_stream_type(appsrc.get(), GST_APP_STREAM_TYPE_STREAM);
      g_object_set(appsrc.get(), "format", GST_FORMAT_TIME, "is-live",
                   s.pacing == Pacing::RealTime ? TRUE : FALSE, nullptr);
#if GST_CHECK_VERSION(1, 20, 0)
      if (options.backpressure == Backpressure::DropOldest) {
        // Room for the frame being produced and one held downstream: the rest may queue.
        const std::size_t queued = std::max<std::size_t>(1, options.pool_size - 2);
        g_object_set(appsrc.get(), "max-buffers", static_cast<guint64>(queued), "max-bytes",
                     guint64{0}, "max-time", guint64{0}, nullptr);
        gst_app_src_set_leaky_type(appsrc.get(), GST_APP_LEAKY_TYPE_DOWNSTREAM);
      }
#endif
      // A pool whose blocks are still held downstream (by a previous run) stays alive on its own.
      if (!pool || pool->slot_bytes() != layout.size || pool->in_use() != 0) {
        pool = std::make_shared<detail::SlotPool>(options.pool_size, layout.size, tally);
        watch_pool();
      }
      if (options.backpressure != Backpressure::Block &&
          (!scratch.data || scratch_bytes != layout.size)) {
        scratch.data = detail::allocate_aligned(layout.size);
        scratch_bytes = layout.size;
      }
      spec = s;
      if (!options.owns_state) {  // the caller plays the pipeline; appsrc queues until then
        streaming = true;
        return;
      }
      if (gst_element_set_state(pipeline.get(), GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        detail::MessagePtr error(
            gst_bus_timed_pop_filtered(bus.get(), kErrorGrace, GST_MESSAGE_ERROR));
        stop();
        if (error) throw_error(error.get());
        throw StreamError(detail::object_name(GST_OBJECT_CAST(pipeline.get())),
                          "the pipeline could not be set to PLAYING", "");
      }
      streaming = true;
    }

    /// Moves the probe that marks buffers leaving appsrc onto the current pool.
    void watch_pool() {
      const detail::GstObjectPtr<GstPad> pad(
          gst_element_get_static_pad(GST_ELEMENT_CAST(appsrc.get()), "src"));
      if (!pad) throw Error("framepipe::AppSrcSink: appsrc has no src pad");
      if (probe != 0) gst_pad_remove_probe(pad.get(), probe);
      probe = gst_pad_add_probe(
          pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &detail::SlotPool::on_buffer_leaving,
          new std::shared_ptr<detail::SlotPool>(pool), &detail::SlotPool::free_probe_data);
    }

    void take_slot() {
      if (current != nullptr) return;
      if (options.backpressure != Backpressure::Block) {
        current = pool->try_take(std::chrono::milliseconds(0));
        if (current == nullptr) current = &scratch;  // dropped at submit()
        return;
      }
      const auto started = std::chrono::steady_clock::now();
      while (current == nullptr) {
        current = pool->try_take(kBusPollInterval);
        if (current != nullptr) return;
        read_bus();
        if (options.acquire_timeout.count() > 0 &&
            std::chrono::steady_clock::now() - started >= options.acquire_timeout) {
          throw Timeout(options.acquire_timeout,
                        "no frame of the pool came back from GStreamer (all " +
                            std::to_string(pool->count()) + " are held downstream)");
        }
      }
    }

    void submit(const FrameTime& time) {
      if (!streaming) {
        throw Error("framepipe::AppSrcSink: submit() before start() (or after finish())");
      }
      if (current == nullptr) throw Error("framepipe::AppSrcSink: submit() without acquire()");
      if (current == &scratch) {
        current = nullptr;
        tally->dropped.fetch_add(1, std::memory_order_relaxed);
        read_bus();
        return;
      }
      GstBuffer* buffer = pool->wrap(std::exchange(current, nullptr));
      GST_BUFFER_PTS(buffer) = time.pts;
      GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
      GST_BUFFER_DURATION(buffer) = time.duration;
      GST_BUFFER_OFFSET(buffer) = time.index;
      GST_BUFFER_OFFSET_END(buffer) = time.index + 1;
      const GstFlowReturn flow = gst_app_src_push_buffer(appsrc.get(), buffer);
      if (flow != GST_FLOW_OK) {
        detail::MessagePtr error(options.owns_state ? gst_bus_timed_pop_filtered(
                                                          bus.get(), kErrorGrace, GST_MESSAGE_ERROR)
                                                    : nullptr);
        stop();
        if (error) throw_error(error.get());
        throw StreamError(
            detail::object_name(GST_OBJECT_CAST(appsrc.get())),
            std::string("gst_app_src_push_buffer() returned ") + gst_flow_get_name(flow), "");
      }
      tally->pushed.fetch_add(1, std::memory_order_relaxed);
      read_bus();
    }

    void finish() {
      if (!streaming) return;
      return_current();
      gst_app_src_end_of_stream(appsrc.get());
      if (!options.owns_state) {  // the caller waits for EOS on its bus
        streaming = false;
        return;
      }
      const auto deadline = std::chrono::steady_clock::now() + options.eos_timeout;
      for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
            deadline - std::chrono::steady_clock::now());
        detail::MessagePtr message(gst_bus_timed_pop_filtered(
            bus.get(), static_cast<GstClockTime>(std::max<std::int64_t>(left.count(), 0)),
            static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
                                        GST_MESSAGE_INFO)));
        if (!message) {
          stop();
          throw Timeout(options.eos_timeout, "EOS did not reach the pipeline's sinks");
        }
        if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_EOS) break;
        if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) {
          stop();
          throw_error(message.get());
        }
        log(message.get());
      }
      stop();
    }

    /// Reads what the bus holds without waiting: logs warnings and infos, throws on an error.
    void read_bus() {
      if (!options.owns_state) return;  // the bus is the caller's
      for (;;) {
        detail::MessagePtr message(gst_bus_pop_filtered(
            bus.get(), static_cast<GstMessageType>(GST_MESSAGE_ERROR | GST_MESSAGE_WARNING |
                                                   GST_MESSAGE_INFO)));
        if (!message) return;
        if (GST_MESSAGE_TYPE(message.get()) == GST_MESSAGE_ERROR) {
          stop();
          throw_error(message.get());
        }
        log(message.get());
      }
    }

    [[noreturn]] void throw_error(GstMessage* message) const {
      const detail::BusReport r = detail::parse_bus_report(message);
      if (r.not_negotiated)
        throw NotNegotiated(r.element, r.message, r.debug, caps, r.domain, r.code);
      throw StreamError(r.element, r.message, r.debug, r.domain, r.code);
    }

    void log(GstMessage* message) const {
      const bool warning = GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING;
      const detail::BusReport r = detail::parse_bus_report(message);
      std::string text = std::string("GStreamer ") + (warning ? "warning" : "info");
      if (!r.element.empty()) text += " from element \"" + r.element + "\"";
      text += ": " + r.message;
      if (!r.debug.empty()) text += " (debug: " + r.debug + ")";
      const LogLevel level = warning ? LogLevel::Warning : LogLevel::Info;
      if (options.on_log) {
        options.on_log(level, text);
      } else if (warning) {
        std::fprintf(stderr, "framepipe: %s\n", text.c_str());
      }
    }

    void return_current() noexcept {
      if (current == &scratch) current = nullptr;
      if (current != nullptr) pool->give_back(std::exchange(current, nullptr));
    }

    /// Sets the pipeline to NULL (which also flushes its bus) and ends the stream.
    void stop() noexcept {
      return_current();
      streaming = false;
      if (pipeline && options.owns_state) gst_element_set_state(pipeline.get(), GST_STATE_NULL);
    }

    /// The destructor's end: EOS and a bounded wait when a stream is running, then NULL.
    void shutdown() noexcept {
      if (streaming) {
        try {
          finish();
        } catch (...) {  // a destructor reports nothing; finish() already stopped the pipeline
        }
      }
      stop();
    }
  };

  State& state(const char* what) {
    if (!state_) {
      throw Error(std::string("framepipe::AppSrcSink: ") + what + "() on a moved-from sink");
    }
    return *state_;
  }
  const State& state(const char* what) const { return const_cast<AppSrcSink*>(this)->state(what); }

  std::unique_ptr<State> state_;
};

}  // namespace framepipe
