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
#include "framepipe/gst/network.hpp"
#include "framepipe/gst/runtime.hpp"
#include "framepipe/gst/stage_state.hpp"
#include "framepipe/web/detail/whep_shared.hpp"

namespace framepipe {

/// The name of the tee that carries a WhepSink's encoded stream (before any payloader): another
/// output (HLS, a recording) can take a branch of it (`WhepSink::encoded_tee()`).
inline constexpr const char* kWhepEncodedTee = "framepipe_encoded";
/// The name of the tee that carries a WhepSink's encoded audio (Opus), when the stream has audio.
inline constexpr const char* kWhepAudioTee = "framepipe_audio";

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
/// It is an AudioSink too (Writer::write_audio, WithAudio), as RtspSink is: start(AudioSpec) after
/// start(StreamSpec) rebuilds the encode (no frame went in yet) with a second appsrc,
/// `appsrc name=audio ! audioconvert ! audioresample ! opusenc` (detail::opus_encode_description)
/// into a tee `framepipe_audio` (kWhepAudioTee) with its own leaky `queue ! fakesink`. A viewer
/// whose offer receives opus/48000/2 gets a second branch, `queue leaky=downstream ! rtpopuspay !
/// webrtcbin` (sendonly, the offer's payload type); one whose offer has no such m-line gets the
/// video only. Audio is stamped on the frames' clock: the first buffer pushed anchors the
/// producer's pts to the pipeline's running time. Audio made while no viewer watches is dropped
/// and counted: audio_made() == audio_sent() + audio_dropped() once finish() returned.
///
/// One thread calls start(), acquire(), submit() and finish(); interrupt() and the counters may
/// be called from any thread.
class WhepSink {
 public:
  template <PixelFormat In>
  static constexpr bool accepts = In == PixelFormat::I420 || In == PixelFormat::NV12;
  /// Both sample formats (audioconvert converts them for opusenc).
  template <AudioFormat In>
  static constexpr bool accepts_audio = true;
  /// The most frames one audio buffer holds: 40 ms at 48 kHz, two Opus frames.
  static constexpr std::size_t kAudioBufferFrames = 1920;

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
    s.audio.reset();
    s.build();
  }

  /// Adds audio of `spec` to the stream start(StreamSpec) began, before its first frame: the
  /// encode is rebuilt with an Opus branch, and viewers that join from now on receive it too.
  /// Throws MissingElement when opusenc or rtpopuspay is not installed.
  void start(const AudioSpec& spec) {
    State& s = state("start(AudioSpec)");
    if (!s.encode) throw Error("framepipe::WhepSink: start(AudioSpec) before start()");
    check_audio_channels(spec.channels);
    detail::check_opus_elements();
    s.audio = spec;
    s.audio_lent = 0;
    s.audio_scratch = detail::allocate_aligned(kAudioBufferFrames * spec.frame_bytes());
    s.close_encode();
    s.build();
  }

  /// The most frames acquire_audio() lends at once (kAudioBufferFrames).
  std::size_t audio_buffer_frames() const noexcept { return kAudioBufferFrames; }

  /// Lends room for `frames` frames (1 to kAudioBufferFrames) of the audio start(AudioSpec) began:
  /// memory of the encode's audio pool while a viewer watches, else scratch memory that
  /// submit_audio() drops. Never waits.
  template <AudioFormat F>
  AudioView<F> acquire_audio(std::size_t frames) {
    State& s = state("acquire_audio");
    if (!s.encode || !s.audio) {
      throw Error("framepipe::WhepSink: acquire_audio() before start(AudioSpec)");
    }
    if (F != s.audio->format) {
      throw InvalidArgument("framepipe::WhepSink: acquire_audio<" +
                            std::string(audio_format_name(F)) + ">() but the audio is " +
                            to_string(*s.audio));
    }
    if (frames == 0 || frames > kAudioBufferFrames) {
      throw InvalidArgument("framepipe::WhepSink: acquire_audio(" + std::to_string(frames) +
                            "): 1 to " + std::to_string(kAudioBufferFrames) + " frames");
    }
    if (s.interrupted.load(std::memory_order_acquire)) {
      throw Interrupted(
          "framepipe::WhepSink: acquire_audio() interrupted (interrupt() was called)");
    }
    s.audio_lent = frames;
    s.audio_lent_encode = s.shared->viewers() > 0;
    if (s.audio_lent_encode) return s.encode->template acquire_audio<F>(frames);
    return AudioView<F>::wrap(s.audio_scratch.get(), frames * s.audio->frame_bytes(),
                              s.audio->channels);
  }

  /// Pushes the audio acquire_audio() lent (its pts moved onto the pipeline's running time, on the
  /// anchor the first buffer set), or drops it when no viewer watched.
  void submit_audio(const AudioTime& time) {
    State& s = state("submit_audio");
    if (!s.encode || !s.audio) {
      throw Error("framepipe::WhepSink: submit_audio() before start(AudioSpec)");
    }
    if (std::exchange(s.audio_lent, 0) == 0) {
      throw Error("framepipe::WhepSink: submit_audio() without acquire_audio()");
    }
    s.audio_made.fetch_add(1, std::memory_order_relaxed);
    if (!std::exchange(s.audio_lent_encode, false)) {
      s.audio_idle_dropped += 1;
      s.drain_bus();
      s.publish();
      return;
    }
    AudioTime moved = time;
    moved.pts = s.audio_running_pts(time.pts);
    s.encode->submit_audio(moved);
    s.publish();
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
    s.anchor(time.pts, now.pts);
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
  /// Audio buffers submitted so far.
  std::uint64_t audio_made() const noexcept { return load(&State::audio_made); }
  /// Audio buffers pushed into the encode.
  std::uint64_t audio_sent() const noexcept { return load(&State::audio_sent); }
  /// Audio buffers dropped: no viewer watched, or appsrc's queue was full.
  std::uint64_t audio_dropped() const noexcept { return load(&State::audio_dropped); }
  /// Stats::dropped, and the audio buffers and their drops (Stats::audio_buffers, audio_dropped).
  StageCounters counters() const { return {dropped(), audio_made(), audio_dropped()}; }
  /// The tee of the encoded stream (kWhepEncodedTee) while a stream runs, for another output to
  /// take a branch of (request a `src_%u` pad, link a leaky queue, sync its state); empty before
  /// start() and after finish().
  ElementRef encoded_tee() const { return state_ ? state_->tee : ElementRef(); }

  /// The encode's audio description (after start(AudioSpec)): the Opus encode of the appsrc
  /// "audio", the tee kWhepAudioTee and a leaky queue into a fakesink.
  static std::string audio_description() {
    return detail::opus_encode_description("audio") + " ! tee name=" + kWhepAudioTee +
           " allow-not-linked=true ! queue leaky=downstream max-size-buffers=2 ! fakesink "
           "sync=false async=false";
  }

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

    /// Builds and starts the encode of `spec` (and `audio`, when set), and lets viewers attach.
    void build() {
      AppSrcSinkOptions options = live_sink_options();
      options.pool_size = shared->options.pool_size;
      if (audio) {
        options.audio_appsrc_name = "audio";
        options.audio_buffer_frames = kAudioBufferFrames;
        encode.emplace(AppSrcSink::launch("appsrc name=" + options.appsrc_name + " ! " +
                                              description(shared->options, spec.fps) + "  " +
                                              audio_description(),
                                          options));
      } else {
        encode.emplace(description(shared->options, spec.fps), options);
      }
      try {
        encode->start(spec);
        if (audio) encode->start(*audio, Pacing::RealTime);
        pipeline = encode->pipeline();
        tee = encode->element(kWhepEncodedTee);
        tee_sink.reset(gst_element_get_static_pad(tee.get(), "sink"));
        audio_tee = audio ? encode->element(kWhepAudioTee) : ElementRef();
      } catch (...) {
        encode.reset();
        tee_sink.reset();
        tee = ElementRef();
        audio_tee = ElementRef();
        pipeline = ElementRef();
        throw;
      }
      last_pts.reset();
      anchored = false;
      last_audio_pts.reset();
      shared->attach_stream(pipeline, tee, audio_tee);
    }

    /// The first buffer pushed (frame or audio) anchors the producer's pts to the running time.
    void anchor(std::uint64_t pts, std::uint64_t running) {
      if (anchored) return;
      anchored = true;
      anchor_pts = pts;
      anchor_running = running;
    }

    /// The audio's pts on the running time: the producer's offset from the anchor, always
    /// increasing.
    std::uint64_t audio_running_pts(std::uint64_t pts) {
      anchor(pts, running_time());
      std::uint64_t out = pts >= anchor_pts                   ? anchor_running + (pts - anchor_pts)
                          : anchor_running > anchor_pts - pts ? anchor_running - (anchor_pts - pts)
                                                              : 0;
      if (last_audio_pts && out <= *last_audio_pts) out = *last_audio_pts + 1;
      last_audio_pts = out;
      return out;
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
      close_encode();
      publish();
    }

    /// Removes every viewer, then ends the encode (EOS) and keeps its drops.
    void close_encode() noexcept {
      shared->detach_stream();
      try {
        encode->finish();
      } catch (...) {
        // An encode that cannot end cleanly is stopped all the same (the destructor).
      }
      encode_dropped += encode->dropped();
      if (audio_tee) audio_encode_dropped += encode->audio_dropped();
      encode.reset();
      tee_sink.reset();
      tee = ElementRef();
      audio_tee = ElementRef();
      pipeline = ElementRef();
      lent_encode = false;
      audio_lent_encode = false;
    }

    void publish() noexcept {
      const std::uint64_t d = idle_dropped + encode_dropped + (encode ? encode->dropped() : 0);
      const std::uint64_t m = made.load(std::memory_order_relaxed);
      dropped.store(d, std::memory_order_relaxed);
      sent.store(m >= d ? m - d : 0, std::memory_order_relaxed);
      const std::uint64_t ad = audio_idle_dropped + audio_encode_dropped +
                               (encode && audio_tee ? encode->audio_dropped() : 0);
      const std::uint64_t am = audio_made.load(std::memory_order_relaxed);
      audio_dropped.store(ad, std::memory_order_relaxed);
      audio_sent.store(am >= ad ? am - ad : 0, std::memory_order_relaxed);
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
    bool anchored = false;
    std::uint64_t anchor_pts = 0;
    std::uint64_t anchor_running = 0;
    // The audio (start(AudioSpec)); unset for a video-only stream.
    std::optional<AudioSpec> audio;
    ElementRef audio_tee;
    detail::AlignedBytes audio_scratch;
    std::size_t audio_lent = 0;  // frames lent by the last acquire_audio()
    bool audio_lent_encode = false;
    std::optional<std::uint64_t> last_audio_pts;
    std::uint64_t audio_idle_dropped = 0;
    std::uint64_t audio_encode_dropped = 0;
    std::atomic<std::uint64_t> audio_made{0};
    std::atomic<std::uint64_t> audio_sent{0};
    std::atomic<std::uint64_t> audio_dropped{0};
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
              SinkFor<WhepSink, PixelFormat::NV12> && AudioSinkFor<WhepSink, AudioFormat::S16LE> &&
              AudioSinkFor<WhepSink, AudioFormat::F32LE>);

}  // namespace framepipe
