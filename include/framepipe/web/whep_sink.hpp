// WhepSink: the Sink that feeds a WhepServer's viewers from one shared encode, dropping (and
// counting) the frames no viewer takes.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/gst/stage_state.hpp"
#include "framepipe/web/detail/whep_shared.hpp"

namespace framepipe {

/// The name of the tee that carries a WhepSink's encoded stream (before any payloader): another
/// output (HLS, a recording) can take a branch of it (`WhepSink::encoded_tee()`).
inline constexpr const char* kWhepEncodedTee = "framepipe_encoded";

/// The Sink of a WhepServer (WhepServer::sink()), for Pipeline and Writer: I420 or NV12 frames.
///
/// start() builds one encode, `appsrc ! <encoder> ! tee name=framepipe_encoded`, with a leaky
/// `queue ! fakesink` branch (so the stream can end with EOS whatever viewers do); each viewer
/// the server accepts is a `queue leaky=downstream ! <payloader> ! webrtcbin` branch of the
/// tee. While no viewer watches (and no Options::encoded_branches are set), frames are dropped
/// before the encoder and counted; made() == sent() + dropped() once finish() returned. acquire()
/// never waits (DropOldest). When a viewer joins, and when its connection comes up, the encoder is
/// asked for a key frame.
///
/// One thread calls start(), acquire(), submit() and finish(); interrupt() and the counters may
/// be called from any thread.
class WhepSink {
 public:
  template <PixelFormat In>
  static constexpr bool accepts = In == PixelFormat::I420 || In == PixelFormat::NV12;

  explicit WhepSink(std::shared_ptr<detail::WhepShared> shared)
      : state_(std::make_unique<State>(std::move(shared))) {}
  WhepSink(WhepSink&&) noexcept = default;
  WhepSink& operator=(WhepSink&&) noexcept = default;
  ~WhepSink() {
    if (state_) state_->stop();
  }

  /// Builds and starts the encode for `spec` (I420 or NV12); viewers may join from now on.
  void start(const StreamSpec& spec) {
    State& s = state("start");
    if (spec.format != PixelFormat::I420 && spec.format != PixelFormat::NV12) {
      throw InvalidArgument("framepipe::WhepSink: takes I420 or NV12, not " +
                            std::string(format_name(spec.format)));
    }
    if (s.encode) throw Error("framepipe::WhepSink: start() while a stream is running");
    s.spec = spec;
    s.spec.pacing = Pacing::RealTime;  // appsrc is live
    s.scratch = detail::allocate_aligned(default_layout(spec.format, spec.size).size);
    s.interrupted.store(false, std::memory_order_release);
    AppSrcSinkOptions options = live_sink_options();
    options.pool_size = s.shared->options.pool_size;
    s.encode.emplace(description(s.shared->options, spec.fps), options);
    try {
      s.encode->start(s.spec);
      s.pipeline = s.encode->pipeline();
      s.tee = s.encode->element(kWhepEncodedTee);
      s.tee_sink.reset(gst_element_get_static_pad(s.tee.get(), "sink"));
    } catch (...) {
      s.encode.reset();
      throw;
    }
    s.last_pts.reset();
    s.shared->attach_stream(s.pipeline, s.tee);
  }

  /// Lends a frame of the encode's pool while a viewer watches, else a scratch frame that
  /// submit() drops. Never waits.
  template <PixelFormat F>
  FrameView<F> acquire() {
    State& s = state("acquire");
    if (!s.encode) throw Error("framepipe::WhepSink: acquire() before start()");
    if (F != s.spec.format) {
      throw InvalidArgument("framepipe::WhepSink: acquire<" + std::string(format_name(F)) +
                            ">() but the stream is " + std::string(format_name(s.spec.format)));
    }
    if (s.interrupted.load(std::memory_order_acquire)) {
      throw Interrupted("framepipe::WhepSink: acquire() interrupted (interrupt() was called)");
    }
    s.lent_encode = !s.shared->options.encoded_branches.empty() || s.shared->viewers() > 0;
    if (s.lent_encode) return s.encode->template acquire<F>();
    return FrameView<F>::wrap(s.scratch.get(), s.spec.size);
  }

  /// Pushes the lent frame into the encode, stamped with the pipeline's running time now (the
  /// viewers' sinks play it at once), or drops it when no viewer watched.
  void submit(const FrameTime& time) {
    State& s = state("submit");
    if (!s.encode) throw Error("framepipe::WhepSink: submit() before start()");
    s.made.fetch_add(1, std::memory_order_relaxed);
    if (!std::exchange(s.lent_encode, false)) {
      s.idle_dropped += 1;
      s.drain_bus();
      s.publish();
      return;
    }
    if (s.shared->key_frame_wanted.exchange(false, std::memory_order_acq_rel)) {
      gst_pad_push_event(s.tee_sink.get(),
                         gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    }
    FrameTime now = time;
    now.pts = s.running_time();
    if (s.last_pts && now.pts <= *s.last_pts) now.pts = *s.last_pts + 1;
    s.last_pts = now.pts;
    s.encode->submit(now);
    s.publish();
  }

  /// Ends the stream: every viewer is removed, then EOS ends the encode. A later start() begins
  /// a new one.
  void finish() { state("finish").stop(); }
  /// Like finish(); never throws.
  void abort() noexcept {
    if (state_) state_->stop();
  }
  /// Makes every later acquire() throw Interrupted until the next start(). Thread-safe.
  void interrupt() noexcept {
    if (state_) state_->interrupted.store(true, std::memory_order_release);
  }

  /// Frames submitted so far.
  std::uint64_t made() const noexcept { return load(&State::made); }
  /// Frames pushed into the encode.
  std::uint64_t sent() const noexcept { return load(&State::sent); }
  /// Frames dropped: no viewer watched, or appsrc's queue was full.
  std::uint64_t dropped() const noexcept { return load(&State::dropped); }
  StageCounters counters() const { return {dropped()}; }
  /// The tee of the encoded stream (kWhepEncodedTee) while a stream runs, for another output to
  /// take a branch of (request a `src_%u` pad, link a leaky queue, sync its state); empty before
  /// start() and after finish().
  ElementRef encoded_tee() const { return state_ ? state_->tee : ElementRef(); }

  /// The encode's description after appsrc: the encoder (preset or Options::encoder), the tee,
  /// a leaky queue into a fakesink, and Options::encoded_branches, each after a queue.
  static std::string description(const WhepServerOptions& options, FrameRate fps) {
    std::string encoder = options.encoder;
    if (encoder.empty()) {
      const std::string n = std::to_string(detail::frames_per_second_ceil(fps));
      encoder = options.codec == VideoCodec::H264
                    ? encoder_description(VideoCodec::H264, fps) +
                          " ! video/x-h264,profile=constrained-baseline,stream-format=byte-stream"
                    : "vp8enc deadline=1 lag-in-frames=0 error-resilient=partitions "
                      "keyframe-max-dist=" +
                          n;
    }
    std::string description = encoder + " ! tee name=" + kWhepEncodedTee +
                              " allow-not-linked=true ! queue leaky=downstream max-size-buffers=2 "
                              "! fakesink sync=false async=false";
    for (const std::string& branch : options.encoded_branches) {
      description += ' ';
      description += kWhepEncodedTee;
      description += ". ! queue ! ";
      description += branch;
    }
    return description;
  }

 private:
  struct State {
    explicit State(std::shared_ptr<detail::WhepShared> s) : shared(std::move(s)) {
      if (!shared) throw InvalidArgument("framepipe::WhepSink: made from a WhepServer's sink()");
    }

    std::uint64_t running_time() const {
      GstClock* clock = gst_element_get_clock(pipeline.get());
      if (clock == nullptr) return 0;
      const GstClockTime now = gst_clock_get_time(clock);
      gst_object_unref(clock);
      const GstClockTime base = gst_element_get_base_time(pipeline.get());
      return now > base ? now - base : 0;
    }

    /// While no frame goes in, the encode does not read its bus: the messages of viewers that
    /// came and went (which hold their elements) are dropped here, up to the first ERROR,
    /// WARNING or INFO, which stays for the encode to read at its next frame.
    void drain_bus() const {
      const detail::BusPtr bus(gst_element_get_bus(pipeline.get()));
      for (;;) {
        const detail::MessagePtr head(gst_bus_peek(bus.get()));
        if (!head) return;
        if ((GST_MESSAGE_TYPE(head.get()) &
             (GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_INFO)) != 0) {
          return;
        }
        const detail::MessagePtr popped(gst_bus_pop(bus.get()));
      }
    }

    void stop() noexcept {
      if (!encode) return;
      shared->detach_stream();
      try {
        encode->finish();
      } catch (...) {
        // An encode that cannot end cleanly is stopped all the same (the destructor).
      }
      encode_dropped += encode->dropped();
      encode.reset();
      tee_sink.reset();
      tee = ElementRef();
      pipeline = ElementRef();
      lent_encode = false;
      publish();
    }

    void publish() noexcept {
      const std::uint64_t d = idle_dropped + encode_dropped + (encode ? encode->dropped() : 0);
      const std::uint64_t m = made.load(std::memory_order_relaxed);
      dropped.store(d, std::memory_order_relaxed);
      sent.store(m >= d ? m - d : 0, std::memory_order_relaxed);
    }

    std::shared_ptr<detail::WhepShared> shared;
    StreamSpec spec{};
    std::atomic<bool> interrupted{false};
    detail::AlignedBytes scratch;
    std::optional<AppSrcSink> encode;
    ElementRef pipeline;
    ElementRef tee;
    detail::GstObjectPtr<GstPad> tee_sink;
    bool lent_encode = false;
    std::optional<std::uint64_t> last_pts;
    std::uint64_t idle_dropped = 0;
    std::uint64_t encode_dropped = 0;
    std::atomic<std::uint64_t> made{0};
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> dropped{0};
  };

  std::uint64_t load(std::atomic<std::uint64_t> State::*counter) const noexcept {
    return state_ ? (state_.get()->*counter).load(std::memory_order_relaxed) : 0;
  }

  State& state(const char* what) {
    return detail::checked_state(state_, "framepipe::WhepSink", "sink", what);
  }

  std::unique_ptr<State> state_;
};

static_assert(Sink<WhepSink> && SinkFor<WhepSink, PixelFormat::I420> &&
              SinkFor<WhepSink, PixelFormat::NV12>);

}  // namespace framepipe
