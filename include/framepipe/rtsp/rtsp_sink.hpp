// RtspSink: the Sink that feeds an RtspServer's stream, attaching to the appsrc of each media
// gst-rtsp-server builds and dropping (and counting) frames while nobody watches.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/gst/app_src_sink.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/gst/stage_state.hpp"
#include "framepipe/rtsp/detail/gst_rtsp_server.hpp"
#include "framepipe/rtsp/detail/rtsp_shared.hpp"

namespace framepipe {

/// The Sink of an RtspServer (RtspServer::sink()), for Pipeline and Writer: I420 or NV12 frames.
///
/// When a client makes gst-rtsp-server build the media, the sink attaches an AppSrcSink to its
/// `appsrc` (attach mode, `owns_state = false`, Backpressure::DropOldest, is-live) and pushes
/// every frame there without a copy, timestamped on the media's running time (the producer's
/// spacing, but never ahead of the media's clock: gst-rtsp-server's sinks would wait for such a
/// frame while appsrc's leaky queue dropped the ones behind it); when the media goes
/// (its last client left, or the server stopped), it detaches. acquire() never waits: while no
/// media exists, or when the media's queue is full, the frame is dropped and counted. made() ==
/// sent() + dropped() once finish() returned.
///
/// It is an AudioSink too (Writer::write_audio, WithAudio): start(AudioSpec) after
/// start(StreamSpec) gives the medias built from then on a second stream, Opus
/// (detail::rtsp_audio_branch: `appsrc name=audio ! audioconvert ! audioresample ! opusenc !
/// rtpopuspay name=pay1 pt=97`), encoded once like the video; the sink attaches a second lane of
/// its AppSrcSink to it and stamps the audio on the same anchor as the frames (see media_pts), so
/// the two stay in sync. Audio made while nobody watches is dropped and counted: audio_made() ==
/// audio_sent() + audio_dropped() once finish() returned. A stream without start(AudioSpec) is
/// video only, as the media before it.
///
/// One thread calls start(), acquire(), submit(), the audio calls and finish(); interrupt() and
/// made(), sent(), dropped() (and their audio_ counterparts) may be called from any thread.
class RtspSink {
 public:
  /// I420 and NV12: what the encoders of the presets take without a conversion.
  template <PixelFormat In>
  static constexpr bool accepts = In == PixelFormat::I420 || In == PixelFormat::NV12;
  /// Both sample formats (audioconvert converts them for opusenc).
  template <AudioFormat In>
  static constexpr bool accepts_audio = true;
  /// The most frames one audio buffer holds: 40 ms at 48 kHz, two Opus frames.
  static constexpr std::size_t kAudioBufferFrames = 1920;

  explicit RtspSink(std::shared_ptr<detail::RtspShared> shared)
      : state_(std::make_unique<State>(std::move(shared))) {}
  RtspSink(RtspSink&&) noexcept = default;
  RtspSink& operator=(RtspSink&&) noexcept = default;
  ~RtspSink() {
    if (state_) state_->detach();
  }

  /// Begins a stream of `spec` (I420 or NV12); the server's encoder preset makes a key frame every
  /// second at spec.fps from the next media on.
  void start(const StreamSpec& spec) {
    State& s = state("start");
    if (spec.format != PixelFormat::I420 && spec.format != PixelFormat::NV12) {
      throw InvalidArgument("framepipe::RtspSink: takes I420 or NV12, not " +
                            std::string(format_name(spec.format)));
    }
    if (s.streaming) throw Error("framepipe::RtspSink: start() while a stream is running");
    s.spec = spec;
    s.spec.pacing = Pacing::RealTime;  // the media's appsrc is live
    s.scratch = detail::allocate_aligned(default_layout(spec.format, spec.size).size);
    s.interrupted.store(false, std::memory_order_release);
    s.audio.reset();
    s.shared->set_stream(spec.fps, std::nullopt);
    s.detach();  // a media from an earlier stream may have other caps
    s.streaming = true;
  }

  /// Adds audio of `spec` to the stream start(StreamSpec) began: the medias built from now on
  /// carry it as their second stream (Opus). Throws MissingElement when opusenc or rtpopuspay is
  /// not installed.
  void start(const AudioSpec& spec) {
    State& s = state("start(AudioSpec)");
    if (!s.streaming) throw Error("framepipe::RtspSink: start(AudioSpec) before start()");
    check_audio_channels(spec.channels);
    detail::check_rtsp_audio_elements();
    s.audio = spec;
    s.audio_lent = 0;
    s.audio_scratch = detail::allocate_aligned(kAudioBufferFrames * spec.frame_bytes());
    s.shared->set_stream(s.spec.fps, spec);
    s.detach();
  }

  /// The most frames acquire_audio() lends at once (kAudioBufferFrames).
  std::size_t audio_buffer_frames() const noexcept { return kAudioBufferFrames; }

  /// Lends room for `frames` frames (1 to kAudioBufferFrames) of the audio start(AudioSpec) began:
  /// memory of the attached media's audio pool, or (nobody watches, or the pool is all in flight)
  /// scratch memory that submit_audio() drops. Never waits.
  template <AudioFormat F>
  AudioView<F> acquire_audio(std::size_t frames) {
    State& s = state("acquire_audio");
    if (!s.streaming || !s.audio) {
      throw Error("framepipe::RtspSink: acquire_audio() before start(AudioSpec)");
    }
    s.shared->rethrow_failure();
    if (F != s.audio->format) {
      throw InvalidArgument("framepipe::RtspSink: acquire_audio<" +
                            std::string(audio_format_name(F)) + ">() but the audio is " +
                            to_string(*s.audio));
    }
    if (frames == 0 || frames > kAudioBufferFrames) {
      throw InvalidArgument("framepipe::RtspSink: acquire_audio(" + std::to_string(frames) +
                            "): 1 to " + std::to_string(kAudioBufferFrames) + " frames");
    }
    if (s.interrupted.load(std::memory_order_acquire)) {
      throw Interrupted("framepipe::RtspSink: acquire_audio() interrupted");
    }
    s.follow_media();
    s.audio_lent = frames;
    s.audio_lent_attached = false;
    if (s.attached) {
      try {
        AudioView<F> view = s.attached->template acquire_audio<F>(frames);
        s.audio_lent_attached = true;
        return view;
      } catch (const Interrupted&) {
        throw;
      } catch (const Error&) {  // the media is going: watch for the next one
        s.detach();
      }
    }
    return AudioView<F>::wrap(s.audio_scratch.get(), frames * s.audio->frame_bytes(),
                              s.audio->channels);
  }

  /// Pushes the audio acquire_audio() lent (its pts moved onto the media's running time, on the
  /// frames' anchor), or drops it when it was scratch memory.
  void submit_audio(const AudioTime& time) {
    State& s = state("submit_audio");
    if (!s.streaming || !s.audio) {
      throw Error("framepipe::RtspSink: submit_audio() before start(AudioSpec)");
    }
    s.shared->rethrow_failure();
    if (std::exchange(s.audio_lent, 0) == 0) {
      throw Error("framepipe::RtspSink: submit_audio() without acquire_audio()");
    }
    s.audio_made.fetch_add(1, std::memory_order_relaxed);
    if (!std::exchange(s.audio_lent_attached, false) || !s.attached) {
      s.audio_idle_dropped += 1;
      s.publish_counters();
      return;
    }
    AudioTime moved = time;
    moved.pts = s.audio_media_pts(time.pts);
    try {
      s.attached->submit_audio(moved);
    } catch (const Error&) {
      s.detach();
    }
    s.publish_counters();
  }

  /// Lends the frame to fill: a frame of the attached media's pool, or (nobody watches, or the
  /// pool is all in flight) a scratch frame that submit() drops. Never waits.
  template <PixelFormat F>
  FrameView<F> acquire() {
    State& s = state("acquire");
    if (!s.streaming) throw Error("framepipe::RtspSink: acquire() before start()");
    s.shared->rethrow_failure();
    if (F != s.spec.format) {
      throw InvalidArgument("framepipe::RtspSink: acquire<" + std::string(format_name(F)) +
                            ">() but the stream is " + std::string(format_name(s.spec.format)));
    }
    if (s.interrupted.load(std::memory_order_acquire)) {
      throw Interrupted("framepipe::RtspSink: acquire() interrupted (interrupt() was called)");
    }
    s.follow_media();
    s.lent_attached = false;
    if (s.attached) {
      try {
        FrameView<F> view = s.attached->template acquire<F>();
        s.lent_attached = true;
        return view;
      } catch (const Interrupted&) {
        throw;
      } catch (const Error&) {  // the media is going: watch for the next one
        s.detach();
      }
    }
    return FrameView<F>::wrap(s.scratch.get(), s.spec.size);
  }

  /// Pushes the lent frame to the media (its pts moved onto the media's running time), or drops
  /// it when it was a scratch frame. A media that refuses it (it is being torn down) is detached.
  void submit(const FrameTime& time) {
    State& s = state("submit");
    if (!s.streaming) throw Error("framepipe::RtspSink: submit() before start()");
    s.shared->rethrow_failure();
    s.made.fetch_add(1, std::memory_order_relaxed);
    if (!std::exchange(s.lent_attached, false) || !s.attached) {
      s.idle_dropped += 1;
      s.publish_counters();
      return;
    }
    FrameTime moved = time;
    moved.pts = s.media_pts(time.pts);
    if (s.shared->key_frame_wanted.exchange(false, std::memory_order_acq_rel)) s.force_key_frame();
    try {
      s.attached->submit(moved);
    } catch (const Error&) {
      s.detach();
    }
    s.publish_counters();
  }

  /// Ends the stream: sends EOS into the media being watched (its clients see the end) and
  /// detaches. The server keeps serving; a later start() begins a new stream.
  void finish() {
    State& s = state("finish");
    s.detach();
    s.streaming = false;
  }

  /// Like finish(); never throws.
  void abort() noexcept {
    if (!state_) return;
    state_->detach();
    state_->streaming = false;
  }

  /// Makes every later acquire() throw Interrupted until the next start(); acquire() never
  /// waits, so there is nothing else to cut short. Thread-safe.
  void interrupt() noexcept {
    if (state_) state_->interrupted.store(true, std::memory_order_release);
  }

  /// Frames submitted so far.
  std::uint64_t made() const noexcept { return load(&State::made); }
  /// Frames pushed into a media (queued frames of a media torn down are counted as sent).
  std::uint64_t sent() const noexcept { return load(&State::sent); }
  /// Frames dropped: nobody watched, the media's queue was full, or the media refused them.
  std::uint64_t dropped() const noexcept { return load(&State::dropped); }
  /// Audio buffers submitted so far.
  std::uint64_t audio_made() const noexcept { return load(&State::audio_made); }
  /// Audio buffers pushed into a media.
  std::uint64_t audio_sent() const noexcept { return load(&State::audio_sent); }
  /// Audio buffers dropped, as dropped() counts frames.
  std::uint64_t audio_dropped() const noexcept { return load(&State::audio_dropped); }
  /// Times a frame's pts had got ahead of the media's running time and was set back to it (see
  /// the class comment); the frames after it keep their spacing from there.
  std::uint64_t retimed() const noexcept { return load(&State::retimed); }
  /// The counters Pipeline and Writer merge into their Stats (dropped, audio_buffers,
  /// audio_dropped).
  StageCounters counters() const { return {dropped(), audio_made(), audio_dropped()}; }
  /// True while the sink feeds a media (a client watches, or is about to).
  bool attached() const noexcept { return state_ && state_->attached.has_value(); }

 private:
  struct State {
    explicit State(std::shared_ptr<detail::RtspShared> s) : shared(std::move(s)) {
      if (!shared) throw InvalidArgument("framepipe::RtspSink: made from an RtspServer's sink()");
    }

    /// Attaches to a new media, or detaches from one that went.
    void follow_media() {
      if (!shared) return;
      auto [pipeline_now, generation_now] = shared->current();
      if (generation_now == generation) return;
      detach();
      generation = generation_now;
      if (!pipeline_now) return;
      AppSrcSinkOptions options;
      options.backpressure = Backpressure::DropOldest;
      options.pool_size = shared->pool_size;
      options.appsrc_name = "src";
      options.owns_state = false;
      if (audio) {
        options.audio_appsrc_name = "audio";
        options.audio_buffer_frames = kAudioBufferFrames;
      }
      try {
        attached.emplace(pipeline_now, options);
        attached->start(spec);
        if (audio) attached->start(*audio);
        pipeline = std::move(pipeline_now);
        GstElement* p = gst_bin_get_by_name(GST_BIN(pipeline.get()), "pay0");
        if (p != nullptr) {
          pay_sink.reset(gst_element_get_static_pad(p, "sink"));
          gst_object_unref(p);
        }
        rebased = false;
        audio_attached = audio.has_value();
      } catch (const Error&) {  // not the media we built (no appsrc "src"): leave it alone
        attached.reset();
        audio_attached = false;
        pipeline = ElementRef();
      }
    }

    void detach() noexcept {
      if (attached) {
        try {
          attached->finish();  // EOS into the media, no wait (owns_state = false)
        } catch (...) {
        }
        detached_dropped += attached->dropped();
        if (audio_attached) audio_detached_dropped += attached->audio_dropped();
        attached.reset();
      }
      audio_attached = false;
      pipeline = ElementRef();
      pay_sink.reset();
      lent_attached = false;
      audio_lent_attached = false;
      publish_counters();
    }

    /// The media pipeline's running time now, 0 before it has a clock.
    std::uint64_t running_time() const {
      GstClock* clock = gst_element_get_clock(pipeline.get());
      if (clock == nullptr) return 0;
      const GstClockTime now = gst_clock_get_time(clock);
      gst_object_unref(clock);
      const GstClockTime base = gst_element_get_base_time(pipeline.get());
      return now > base ? now - base : 0;
    }

    /// The frame's pts moved onto the media's running time: the producer's spacing, from the
    /// running time of the first frame on, but never ahead of the running time now, and always
    /// increasing. gst-rtsp-server's sinks wait for each buffer's time on the clock: a pts ahead
    /// of it holds the whole media up, and appsrc's leaky queue then drops nearly every frame.
    /// Pts get ahead when the frame that set the anchor was late and the producer then caught up
    /// (16 clients starting at once on 2 cores held the producer up for a second just as the
    /// media came: every later pts was a second ahead), when the producer's clock runs fast or
    /// jumps, or when the media's running time stops (PAUSED). Such a frame is stamped with the
    /// running time now, and the frames after it keep their spacing from there.
    std::uint64_t media_pts(std::uint64_t pts) {
      const std::uint64_t now = running_time();
      anchor(pts, now);
      std::uint64_t out = base_running + (pts >= first_pts ? pts - first_pts : 0);
      if (out > now) {
        first_pts = pts;
        base_running = now;
        out = now;
        retimed.fetch_add(1, std::memory_order_relaxed);
      }
      if (last_media_pts && out <= *last_media_pts) out = *last_media_pts + 1;
      last_media_pts = out;
      return out;
    }

    /// The first buffer (frame or audio) after attaching sets the anchor: its pts is the running
    /// time now.
    void anchor(std::uint64_t pts, std::uint64_t now) {
      if (rebased) return;
      rebased = true;
      first_pts = pts;
      base_running = now;
      last_media_pts.reset();
      last_audio_pts.reset();
    }

    /// The audio's pts moved onto the media's running time on the frames' anchor (so that the
    /// two keep the producer's offsets), and always increasing. Not held back to the running time
    /// now: the producer sends the audio up to the end of the frame it is about to send, a little
    /// ahead, and the media's audio sink waits for it without holding the frames up.
    std::uint64_t audio_media_pts(std::uint64_t pts) {
      anchor(pts, running_time());
      std::uint64_t out =
          pts >= first_pts
              ? base_running + (pts - first_pts)
              : (base_running > first_pts - pts ? base_running - (first_pts - pts) : 0);
      if (last_audio_pts && out <= *last_audio_pts) out = *last_audio_pts + 1;
      last_audio_pts = out;
      return out;
    }

    /// Asks the encoder for a key frame (`gst_video_event_new_upstream_force_key_unit`), pushed
    /// upstream from the payloader's sink pad: a client just started playing. Not through
    /// gst_element_send_event(), which takes the payloader's state lock, which gst-rtsp-server
    /// may hold while clients come and go: the producer must never wait for it.
    void force_key_frame() const {
      if (!pay_sink) return;
      gst_pad_push_event(pay_sink.get(),
                         gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    }

    void publish_counters() noexcept {
      const std::uint64_t d =
          idle_dropped + detached_dropped + (attached ? attached->dropped() : 0);
      const std::uint64_t m = made.load(std::memory_order_relaxed);
      dropped.store(d, std::memory_order_relaxed);
      sent.store(m >= d ? m - d : 0, std::memory_order_relaxed);
      const std::uint64_t ad = audio_idle_dropped + audio_detached_dropped +
                               (attached && audio_attached ? attached->audio_dropped() : 0);
      const std::uint64_t am = audio_made.load(std::memory_order_relaxed);
      audio_dropped.store(ad, std::memory_order_relaxed);
      audio_sent.store(am >= ad ? am - ad : 0, std::memory_order_relaxed);
    }

    std::shared_ptr<detail::RtspShared> shared;
    StreamSpec spec{};
    bool streaming = false;
    std::atomic<bool> interrupted{false};
    detail::AlignedBytes scratch;
    std::uint64_t generation = 0;
    ElementRef pipeline;
    detail::GstObjectPtr<GstPad> pay_sink;  // the payloader's sink pad
    std::optional<AppSrcSink> attached;
    bool lent_attached = false;
    bool rebased = false;
    std::uint64_t first_pts = 0;
    std::uint64_t base_running = 0;
    std::optional<std::uint64_t> last_media_pts;
    std::atomic<std::uint64_t> retimed{0};
    std::uint64_t idle_dropped = 0;
    std::uint64_t detached_dropped = 0;
    std::atomic<std::uint64_t> made{0};
    std::atomic<std::uint64_t> sent{0};
    std::atomic<std::uint64_t> dropped{0};
    // The audio (start(AudioSpec)); unset for a video-only stream.
    std::optional<AudioSpec> audio;
    detail::AlignedBytes audio_scratch;
    std::size_t audio_lent = 0;  // frames lent by the last acquire_audio()
    bool audio_lent_attached = false;
    bool audio_attached = false;  // `attached` feeds an audio appsrc too
    std::optional<std::uint64_t> last_audio_pts;
    std::uint64_t audio_idle_dropped = 0;
    std::uint64_t audio_detached_dropped = 0;
    std::atomic<std::uint64_t> audio_made{0};
    std::atomic<std::uint64_t> audio_sent{0};
    std::atomic<std::uint64_t> audio_dropped{0};
  };

  std::uint64_t load(std::atomic<std::uint64_t> State::*counter) const noexcept {
    return state_ ? (state_.get()->*counter).load(std::memory_order_relaxed) : 0;
  }

  State& state(const char* what) {
    return detail::checked_state(state_, "framepipe::RtspSink", "sink", what);
  }

  std::unique_ptr<State> state_;
};

static_assert(Sink<RtspSink> && SinkFor<RtspSink, PixelFormat::I420> &&
              SinkFor<RtspSink, PixelFormat::NV12> && AudioSinkFor<RtspSink, AudioFormat::S16LE> &&
              AudioSinkFor<RtspSink, AudioFormat::F32LE>);

}  // namespace framepipe
