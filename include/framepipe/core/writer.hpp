// Writer<In, Converter..., Sink>: push mode. The caller's own loop hands frames in one at a time;
// the same converters and sinks as Pipeline carry them on.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pipeline.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"

namespace framepipe {

/// Where a Writer's timestamps come from.
enum class Timestamps {
  FrameIndex,  ///< pts(i) = i / fps, exact (FrameTime::at); write(frame, pts) is refused
  Explicit,    ///< the caller passes each pts to write(frame, pts); they must increase
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

  using Sink = detail::LastOf<Stages...>;
  using Chain = detail::StageChain<WriterInput, In, Stages...>;
  static constexpr std::size_t kConverters = Chain::kConverters;

 public:
  /// formats[0] is `In`; formats[i + 1] the output of converter i; the last one the sink's input.
  static constexpr auto formats = Chain::formats;
  static constexpr PixelFormat sink_format = Chain::sink_format;

 private:
  static constexpr bool kLinksOk = Chain::links_ok;
  static_assert(kLinksOk || true);  // a mismatch is reported once, in detail::StageLink

  template <std::size_t I>
  using ConverterAt = std::tuple_element_t<I, std::tuple<Stages...>>;

  /// Outputs of every converter but the last (which writes into the sink's frame).
  template <std::size_t... I>
  static auto intermediate_frames(std::index_sequence<I...>)
      -> std::tuple<Frame<formats[I + 1]>...>;
  using Intermediates = decltype(intermediate_frames(
      std::make_index_sequence < kConverters == 0 ? 0 : kConverters - 1 > {}));

 public:
  /// Opens the stream: checks the options and tells the sink (AppSrcSink starts its pipeline).
  explicit Writer(WriterOptions options, Stages... stages)
      : options_(options), stages_(std::move(stages)...) {
    check_frame_size(options_.size);
    check_frame_rate(options_.fps);
    allocate_intermediates(std::make_index_sequence<std::tuple_size_v<Intermediates>>{});
    const StreamSpec spec{sink_format, options_.size, options_.fps, color_of_sink_input(),
                          options_.pacing};
    if constexpr (requires(Sink & s) { s.start(spec); }) sink().start(spec);
    start_ = Clock::now();
    open_ = true;
  }

  // Not copyable or movable: it is an open stream (return one from a function by prvalue).
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  /// Closes the stream if close() was not called; never throws (errors are dropped here: call
  /// close() to see them).
  ~Writer() {
    if (!open_) return;
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
    FrameTime time = FrameTime::at(written_, options_.fps);
    if (options_.timestamps == Timestamps::Clock) {
      const auto now = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count());
      // Never repeat or go back, even when two writes land on one clock tick.
      time = {written_, written_ == 0 ? now : std::max(now, last_pts_ + 1), period()};
    }
    push(frame, time);
  }

  /// Writes the next frame with presentation time `pts` (nanoseconds since the stream's start),
  /// for variable-rate sources. Each pts must be greater than the one before.
  void write(FrameView<In> frame, std::uint64_t pts) {
    if (options_.timestamps != Timestamps::Explicit) {
      throw InvalidArgument(
          "framepipe::Writer: write(frame, pts) needs WriterOptions::timestamps = Explicit");
    }
    if (written_ > 0 && pts <= last_pts_) {
      throw InvalidArgument("framepipe::Writer: pts " + std::to_string(pts) +
                            " ns does not follow the previous pts " + std::to_string(last_pts_) +
                            " ns (timestamps must increase)");
    }
    push(frame, {written_, pts, period()});
  }

  /// Ends the stream (the sink's finish(): EOS and its wait for AppSrcSink) and returns the
  /// counters. Throws what finish() throws. A second close() only returns the counters.
  Stats close() {
    if (!open_) return stats_;
    open_ = false;
    const auto before = Clock::now();
    sink().finish();
    stats_.dropped = detail::sink_counters(sink()).dropped - sink_dropped_before_;
    const auto end = Clock::now();
    stats_.finish = end - before;
    stats_.elapsed = end - start_;
    return stats_;
  }

  bool is_open() const { return open_; }
  /// Counters so far; `dropped` counts the frames the sink's drop policy let go.
  const Stats& stats() const { return stats_; }
  const WriterOptions& options() const { return options_; }
  Sink& sink() { return std::get<kConverters>(stages_); }
  template <std::size_t I>
  ConverterAt<I>& converter() {
    return std::get<I>(stages_);
  }

 private:
  using Clock = std::chrono::steady_clock;

  std::uint64_t period() const { return FrameTime::at(0, options_.fps).duration; }

  std::optional<ColorSpec> color_of_sink_input() const {
    if constexpr (kConverters == 0) {
      return std::nullopt;
    } else {
      return detail::stage_color_spec(std::get<kConverters - 1>(stages_), options_.size);
    }
  }

  template <std::size_t... I>
  void allocate_intermediates(std::index_sequence<I...>) {
    ((std::get<I>(frames_) = std::tuple_element_t<I, Intermediates>(options_.size)), ...);
  }

  void push(FrameView<In> frame, const FrameTime& time) {
    if constexpr (kLinksOk) {
      if (!open_) throw Error("framepipe::Writer: write after close");
      if (frame.size() != options_.size) {
        throw InvalidArgument("framepipe::Writer: frame is " + std::to_string(frame.width()) + "x" +
                              std::to_string(frame.height()) + " but the stream is " +
                              std::to_string(options_.size.width) + "x" +
                              std::to_string(options_.size.height));
      }
      const auto t0 = Clock::now();
      Clock::duration acquire{};
      if constexpr (kConverters == 0) {
        FrameView<sink_format> out = detail::sink_acquire<sink_format>(sink());
        acquire = Clock::now() - t0;
        copy_frame(frame, out);
      } else {
        convert_chain(frame, acquire, std::make_index_sequence<kConverters>{});
      }
      stats_.acquire += acquire;
      stats_.convert += Clock::now() - t0 - acquire;
      const auto before_submit = Clock::now();
      sink().submit(time);
      stats_.submit += Clock::now() - before_submit;
      ++stats_.frames;
      stats_.dropped = detail::sink_counters(sink()).dropped - sink_dropped_before_;
      stats_.bytes += default_layout(sink_format, options_.size).size;
      last_pts_ = time.pts;
      ++written_;
    }
  }

  template <std::size_t... I>
  void convert_chain(FrameView<In> frame, Clock::duration& acquire, std::index_sequence<I...>) {
    (convert_step<I>(frame, acquire), ...);
  }

  /// Converter I reads the caller's frame (I == 0) or the previous intermediate, and writes the
  /// next intermediate or, for the last converter, the frame the sink lends.
  template <std::size_t I>
  void convert_step(FrameView<In> frame, Clock::duration& acquire) {
    const auto in = [&] {
      if constexpr (I == 0) {
        return frame;
      } else {
        return std::get<I - 1>(frames_).view();
      }
    }();
    if constexpr (I + 1 < kConverters) {
      std::get<I>(stages_).convert(in, std::get<I>(frames_).view());
    } else {
      const auto before = Clock::now();
      FrameView<sink_format> out = detail::sink_acquire<sink_format>(sink());
      acquire += Clock::now() - before;
      std::get<I>(stages_).convert(in, out);
    }
  }

  template <PixelFormat F>
  static void copy_frame(FrameView<F> from, FrameView<F> to) {
    const PlaneLayout l = default_layout(F, from.size());
    for (int p = 0; p < l.planes; ++p) {
      const auto bytes = static_cast<std::size_t>(l.row_bytes[static_cast<std::size_t>(p)]);
      for (int y = 0; y < l.rows[static_cast<std::size_t>(p)]; ++y) {
        std::copy_n(from.row(p, y), bytes, to.row(p, y));
      }
    }
  }

  WriterOptions options_;
  std::tuple<Stages...> stages_;
  Intermediates frames_{};
  Stats stats_{};
  Clock::time_point start_{};
  std::uint64_t written_ = 0;
  std::uint64_t last_pts_ = 0;
  std::uint64_t sink_dropped_before_ = 0;  // the sink's drop count is cumulative over its life
  bool open_ = false;
};

}  // namespace framepipe
