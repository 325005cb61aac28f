// Writer<In, Converter..., Sink>: push mode. The caller's own loop hands frames in one at a time;
// the same converters and sinks as Pipeline carry them on.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_feed.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/chain.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"

namespace framepipe {

/// Where a Writer's timestamps come from.
enum class Timestamps {
  FrameIndex,  ///< pts(i) = i / fps, exact (FrameTime::at); write(frame, pts) is refused
  Explicit,    ///< the caller passes each pts to write(frame, pts); they must increase and must not
               ///< be UINT64_MAX (GStreamer's "no timestamp")
  Clock,       ///< the steady clock since open, for live sources; pts never repeat
};

/// How a Writer's stream is described to its sink.
struct WriterOptions {
  Size size{};
  /// The nominal rate: caps framerate, and each buffer's duration (one period) unless the
  /// timestamps come from the frame index, where durations tile exactly.
  FrameRate fps{30, 1};
  Timestamps timestamps = Timestamps::FrameIndex;
  Pacing pacing = Pacing::AsFastAsPossible;
  /// For Y'CbCr frames written as they are: the matrix and range that made them, and where their
  /// chroma sits (what the sink states in its caps). Unset: default_color_spec().
  std::optional<ColorSpec> color{};
  ChromaSite chroma_site = ChromaSite::Center;
  /// The audio written beside the frames (write_audio()), through the same sink, which must then
  /// be an AudioSink (core/audio_stage.hpp; e.g. an AppSrcSink with an audio appsrc). Unset: no
  /// audio.
  std::optional<AudioSpec> audio{};
  /// Subtitles beside the frames (write_subtitle()), through the same sink, which must then be a
  /// SubtitleSink (e.g. an AppSrcSink with a text appsrc).
  bool subtitles = false;
};

/// The inverse of Pipeline: instead of a generator, the caller writes frames of format `In`.
/// \code
///   Writer<PixelFormat::BGR24, I420Packer, AppSrcSink> w{
///       {.size = {1920, 1080}, .fps = {30, 1}}, I420Packer{},
///       AppSrcSink{"videoconvert ! vp8enc deadline=1 ! webmmux ! filesink location=out.webm"}};
///   for (...) w.write(frame_view);    // an error downstream surfaces here
///   Stats s = w.close();              // EOS, wait, counters; the destructor closes too
/// \endcode
/// The first converter reads the caller's frame in place and the last one writes into the frame
/// the sink lends, so with a packer in the chain nothing is copied. With no converter the frame is
/// copied once into the sink's frame (the sink owns the memory GStreamer receives).
///
/// With WriterOptions::audio set, write_audio() sends audio beside the frames, through the same
/// sink: with AppSrcSink::launch() and two appsrcs, one pipeline, one clock, one EOS (close()),
/// and one error ends both streams. Audio pts come from the count of frames written (exact), or
/// from the caller.
template <PixelFormat In, class... Stages>
class Writer {
  static_assert(sizeof...(Stages) >= 1, "framepipe::Writer needs at least a sink");

  /// Stands in for the caller in diagnostics: "Writer's input".
  struct WriterInput {};
  using Engine = detail::ChainEngine<WriterInput, In, Stages...>;
  using Sink = typename Engine::Sink;
  using SteadyClock = std::chrono::steady_clock;

 public:
  using Options = WriterOptions;
  /// formats[0] is `In`; formats[i + 1] the output of converter i; the last one the sink's input.
  static constexpr auto formats = Engine::formats;
  static constexpr PixelFormat sink_format = Engine::sink_format;

  /// Opens the stream: checks the options and tells the sink (AppSrcSink starts its pipeline).
  /// With WriterOptions::audio, also tells the sink the audio stream (its `start(const
  /// AudioSpec&[, Pacing])`); throws InvalidArgument when the spec is bad, or the sink takes no
  /// audio or not of that format.
  explicit Writer(Options options, Stages... stages)
      : options_(options),
        engine_(std::move(stages)...),
        exceptions_at_open_(std::uncaught_exceptions()) {
    engine_.open({.size = options_.size,
                  .fps = options_.fps,
                  .color = options_.color,
                  .chroma_site = options_.chroma_site,
                  .pacing = options_.pacing});
    try {
      if (options_.audio) audio_.start(engine_.sink(), *options_.audio, options_.pacing);
      if (options_.subtitles) start_subtitles();
    } catch (...) {
      engine_.abort();
      throw;
    }
    start_ = SteadyClock::now();
  }

  // Not copyable or movable: it is an open stream (return one from a function by prvalue).
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Closes the stream if close() was not called, and never throws (call close() to see errors).
  /// While an exception unwinds the stack, it aborts instead (the sink's bounded abort(): EOS
  /// without a long wait), so an error path is not held up by a stuck downstream.
  ~Writer() {
    if (std::uncaught_exceptions() > exceptions_at_open_) {
      engine_.abort();
      return;
    }
    try {
      close();
    } catch (...) {
    }
  }

  /// Writes the next frame, timed by the frame index (Timestamps::FrameIndex) or by the clock
  /// (Timestamps::Clock). Throws what the stages throw, e.g. a downstream error.
  void write(FrameView<In> frame) {
    if (options_.timestamps == Timestamps::Explicit) {
      throw InvalidArgument(
          "framepipe::Writer: these timestamps are explicit; call write(frame, pts)");
    }
    FrameTime time = FrameTime::at(stats_.frames, options_.fps);
    if (options_.timestamps == Timestamps::Clock) {
      const auto now = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - start_)
              .count());
      // Never repeat or go back, even when two writes land on one clock tick.
      time = {stats_.frames, stats_.frames == 0 ? now : std::max(now, last_pts_ + 1), period()};
    }
    push(frame, time);
  }

  /// Writes the next frame with presentation time `pts` (nanoseconds since the stream's start),
  /// for variable-rate sources. Each pts must be greater than the one before, and below
  /// UINT64_MAX (GStreamer's GST_CLOCK_TIME_NONE, "no timestamp").
  void write(FrameView<In> frame, std::uint64_t pts) {
    if (options_.timestamps != Timestamps::Explicit) {
      throw InvalidArgument(
          "framepipe::Writer: write(frame, pts) needs WriterOptions::timestamps = Explicit");
    }
    if (pts == UINT64_MAX) {
      throw InvalidArgument(
          "framepipe::Writer: pts UINT64_MAX is GStreamer's \"no timestamp\", not a time");
    }
    if (stats_.frames > 0 && pts <= last_pts_) {
      throw InvalidArgument("framepipe::Writer: pts " + std::to_string(pts) +
                            " ns does not follow the previous pts " + std::to_string(last_pts_) +
                            " ns (timestamps must increase)");
    }
    push(frame, {stats_.frames, pts, period()});
  }

  /// Writes `samples` as the next audio, timed by the count of audio frames written before
  /// (AudioTime: exact however long the stream). In buffers of at most the sink's
  /// `audio_buffer_frames()`, each copied once into memory the sink lends. Throws InvalidArgument
  /// when WriterOptions::audio is unset, or when `samples` has another channel count than it
  /// states (a partial sample cannot reach here: AudioView refuses it), Error after close(), and
  /// what the sink throws.
  template <AudioFormat F>
  void write_audio(AudioView<F> samples) {
    check_audio<F>(samples);
    audio_.write(engine_.sink(), samples, AudioTime::pts_of(audio_.frames(), options_.audio->rate));
    count_audio();
  }

  /// Writes `samples` as audio starting at `pts` (ns since the stream's start; frames with their
  /// own clock). `pts` must not go back: it must be at or after the end of the audio written before
  /// (its pts plus its duration), and below UINT64_MAX. Otherwise as write_audio(samples).
  template <AudioFormat F>
  void write_audio(AudioView<F> samples, std::uint64_t pts) {
    check_audio<F>(samples);
    if (pts == UINT64_MAX) {
      throw InvalidArgument(
          "framepipe::Writer: audio pts UINT64_MAX is GStreamer's \"no timestamp\", not a time");
    }
    if (audio_.frames() > 0 && pts < audio_.end()) {
      throw InvalidArgument("framepipe::Writer: audio pts " + std::to_string(pts) +
                            " ns goes back before the end of the audio written so far (" +
                            std::to_string(audio_.end()) + " ns)");
    }
    audio_.write(engine_.sink(), samples, pts);
    count_audio();
  }

  /// Has `generator` draw the audio from where the audio written so far ends up to stream time
  /// `until_pts` (the frames whose pts is before it), straight into the memory the sink lends
  /// (no copy), timed by the frame count. Interleave it with write(): before frame i, audio up to
  /// the frame's end keeps the streams side by side in the muxer. Throws InvalidArgument when the
  /// generator's spec differs from WriterOptions::audio.
  template <class G>
  void write_audio_from(G& generator, std::uint64_t until_pts) {
    static_assert(AudioGenerator<G>,
                  "framepipe::Writer::write_audio_from needs an AudioGenerator (static constexpr "
                  "AudioFormat output; AudioSpec audio_spec() const; generate(AudioView<output>, "
                  "const AudioTime&))");
    if constexpr (AudioGenerator<G>) {
      static_assert(AudioSinkFor<Sink, G::output>,
                    "framepipe::Writer: the sink must be an AudioSink that takes the generator's "
                    "audio format (acquire_audio, submit_audio, finish)");
      check_open_audio();
      audio_.draw_until(engine_.sink(), generator, until_pts);
      count_audio();
    }
  }

  /// Writes `text` (UTF-8) as the subtitle shown from `pts` for `duration` ns (the sink's
  /// `submit_text`). Subtitles must not overlap. Throws InvalidArgument without
  /// WriterOptions::subtitles, Error after close(), and what the sink throws.
  void write_subtitle(std::string_view text, std::uint64_t pts, std::uint64_t duration) {
    static_assert(SubtitleSink<Sink>,
                  "framepipe::Writer::write_subtitle: the sink must be a SubtitleSink "
                  "(start_text, submit_text)");
    if constexpr (SubtitleSink<Sink>) {
      if (!engine_.is_open()) throw Error("framepipe::Writer: write_subtitle after close");
      if (!options_.subtitles) {
        throw InvalidArgument("framepipe::Writer: write_subtitle needs WriterOptions::subtitles");
      }
      engine_.sink().submit_text(text, pts, duration);
    }
  }

  /// Audio frames (one sample of every channel) written so far.
  std::uint64_t audio_frames() const { return audio_.frames(); }

  /// Ends the stream (the sink's finish(): EOS and its wait for AppSrcSink) and returns the
  /// counters. Throws what finish() throws. A second close() only returns the counters.
  Stats close() {
    if (engine_.is_open()) {
      engine_.close(stats_);
      if (options_.audio) count_audio();
      stats_.elapsed = SteadyClock::now() - start_;
    }
    return stats_;
  }

  bool is_open() const { return engine_.is_open(); }
  /// Counters so far; `dropped` counts the frames the sink's drop policy let go.
  const Stats& stats() const { return stats_; }
  const Options& options() const { return options_; }
  Sink& sink() { return engine_.sink(); }
  /// Converter `I` (0-based, in chain order).
  template <std::size_t I>
  auto& converter() {
    return engine_.template converter<I>();
  }

 private:
  std::uint64_t period() const { return FrameTime::at(0, options_.fps).duration; }

  void start_subtitles() {
    if constexpr (SubtitleSink<Sink>) {
      engine_.sink().start_text(options_.pacing);
    } else {
      throw InvalidArgument(
          "framepipe::Writer: WriterOptions::subtitles is set but the sink takes no subtitles (it "
          "is no SubtitleSink: start_text, submit_text)");
    }
  }

  /// Stats' audio counters: the frames written, and the sink's audio buffers and drops.
  void count_audio() {
    stats_.audio_frames = audio_.frames();
    const StageCounters sink = detail::stage_counters(engine_.sink());
    stats_.audio_buffers = sink.audio_buffers;
    stats_.audio_dropped = sink.audio_dropped;
  }

  void check_open_audio() const {
    if (!engine_.is_open()) throw Error("framepipe::Writer: write_audio after close");
    if (!options_.audio) {
      throw InvalidArgument("framepipe::Writer: write_audio needs WriterOptions::audio");
    }
  }

  template <AudioFormat F>
  void check_audio(AudioView<F> samples) const {
    static_assert(AudioSinkFor<Sink, F>,
                  "framepipe::Writer::write_audio: the sink must be an AudioSink that takes this "
                  "audio format (acquire_audio, submit_audio, finish)");
    check_open_audio();
    if (F != options_.audio->format) {
      throw InvalidArgument("framepipe::Writer: write_audio of " +
                            std::string(audio_format_name(F)) + " samples, the stream is " +
                            to_string(*options_.audio));
    }
    if (samples.channels() != options_.audio->channels) {
      throw InvalidArgument(
          "framepipe::Writer: write_audio of " + std::to_string(samples.channels()) +
          " channels, the stream (its caps) has " + std::to_string(options_.audio->channels));
    }
  }

  void push(FrameView<In> frame, const FrameTime& time) {
    if constexpr (Engine::links_ok) {
      if (!engine_.is_open()) throw Error("framepipe::Writer: write after close");
      engine_.push(frame, time, stats_);
      stats_.elapsed = SteadyClock::now() - start_;
      last_pts_ = time.pts;
    }
  }

  Options options_;
  Engine engine_;
  Stats stats_{};
  SteadyClock::time_point start_{};
  std::uint64_t last_pts_ = 0;
  detail::AudioFeed<Sink> audio_;
  int exceptions_at_open_ = 0;
};

}  // namespace framepipe
