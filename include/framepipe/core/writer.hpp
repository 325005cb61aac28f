// Writer<In, Converter..., Sink>: push mode. The caller's own loop hands frames in one at a time;
// the same converters and sinks as Pipeline carry them on.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <utility>

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
  explicit Writer(Options options, Stages... stages)
      : options_(options),
        engine_(std::move(stages)...),
        exceptions_at_open_(std::uncaught_exceptions()) {
    engine_.open({.size = options_.size,
                  .fps = options_.fps,
                  .color = options_.color,
                  .chroma_site = options_.chroma_site,
                  .pacing = options_.pacing});
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

  /// Ends the stream (the sink's finish(): EOS and its wait for AppSrcSink) and returns the
  /// counters. Throws what finish() throws. A second close() only returns the counters.
  Stats close() {
    if (engine_.is_open()) {
      engine_.close(stats_);
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
  int exceptions_at_open_ = 0;
};

}  // namespace framepipe
