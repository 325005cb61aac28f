// SourceReader<Source, Converter...>: pull mode. The caller asks for one frame at a time from a
// lending source, through optional converters -- the mirror of Writer.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <tuple>
#include <utility>

#include "framepipe/core/chain.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/source.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"

namespace framepipe {

/// One frame handed to the caller by a reader: valid until the reader's next read() (or close()).
template <PixelFormat F>
class ReadFrame {
 public:
  ReadFrame(FrameView<F> view, const FrameTime& time) : view_(view), time_(time) {}
  /// The pixels.
  FrameView<F> view() const { return view_; }
  /// Its index, pts and duration as the source stated them.
  const FrameTime& time() const { return time_; }

 private:
  FrameView<F> view_;
  FrameTime time_;
};

namespace detail {

/// The sink at the end of a reader's chain: it lends one reused frame, and the reader hands that
/// frame to the caller once the chain has filled it.
template <PixelFormat F>
class HoldingSink {
 public:
  static constexpr PixelFormat input = F;

  void start(const StreamSpec& spec) {
    spec_ = spec;
    if (frame_.size() != spec.size) frame_ = Frame<F>(spec.size);
  }
  FrameView<F> acquire() { return frame_.view(); }
  void submit(const FrameTime& time) { time_ = time; }
  void finish() {}

  const StreamSpec& spec() const { return spec_; }
  ReadFrame<F> held() const { return {frame_.view(), time_}; }

 private:
  StreamSpec spec_{};
  Frame<F> frame_;
  FrameTime time_{};
};

template <class Src, class... Converters>
inline constexpr PixelFormat kReaderFormat =
    ChainFormats<first_stage_output<Src>(), Converters...>::value[sizeof...(Converters)];

}  // namespace detail

/// Frames from a lending Source, pulled one at a time, optionally through converters:
/// \code
///   SourceReader reader{my_source, Bgr24Unpacker{}};
///   while (auto frame = reader.read()) use(frame->view(), frame->time());
/// \endcode
/// With no converter, read() hands out the source's own lent frame (zero copy), which goes back to
/// the source at the next read(). With converters, the first one reads the lent frame in place and
/// the last one writes a frame the reader owns and reuses; the lent frame goes back at once.
/// Not copyable or movable: it is an open stream (return one from a function by prvalue).
template <class Src, class... Converters>
class SourceReader {
  // The Source concept (core/source.hpp), one named trait at a time, as Pipeline checks it.
  static_assert(HasOutputFormat<Src>,
                "framepipe::SourceReader: the source must declare "
                "`static constexpr PixelFormat output`");
  static_assert(OpensStream<Src>,
                "framepipe::SourceReader: the source must have `StreamSpec start()`");
  static_assert(!HasOutputFormat<Src> || LendsFrames<Src>,
                "framepipe::SourceReader: the source must have "
                "`std::optional<LentFrame<output>> next()`");
  static_assert(HasStop<Src>, "framepipe::SourceReader: the source must have `void stop()`");
  static constexpr bool kConverts = sizeof...(Converters) > 0;
  /// The source's format (a stand-in when it declares none, which is reported above).
  static constexpr PixelFormat kSourceFormat = detail::first_stage_output<Src>();

 public:
  /// The format read() hands out: the source's, or the last converter's output.
  static constexpr PixelFormat format = detail::kReaderFormat<Src, Converters...>;

 private:
  using Engine =
      detail::ChainEngine<Src, kSourceFormat, Converters..., detail::HoldingSink<format>>;
  using SteadyClock = std::chrono::steady_clock;

 public:
  /// Starts the source (which may wait until its stream's format is known) and the chain.
  explicit SourceReader(Src source, Converters... converters)
      : source_(std::move(source)),
        engine_(std::move(converters)..., detail::HoldingSink<format>{}) {
    const StreamSpec input = source_.start();
    open_ = true;
    if constexpr (kConverts) {
      try {
        engine_.open(input);
      } catch (...) {
        close_quietly();
        throw;
      }
      spec_ = engine_.sink().spec();
    } else {
      spec_ = input;
    }
    start_ = SteadyClock::now();
  }

  SourceReader(const SourceReader&) = delete;
  SourceReader& operator=(const SourceReader&) = delete;
  /// Stops the source; never throws.
  ~SourceReader() { close_quietly(); }

  /// The next frame, or std::nullopt at the end of the stream -- and on every call after it, and
  /// after close(). The frame stays valid until the next read(). Throws what the source and the
  /// converters throw (a stream error, a timeout); the stream then stays open, so the caller may
  /// read on or close().
  std::optional<ReadFrame<format>> read() {
    current_.release();  // the previous frame goes back to the source first
    if (!open_ || ended_) return std::nullopt;
    const auto t0 = SteadyClock::now();
    std::optional<LentFrame<kSourceFormat>> lent = source_.next();
    stats_.generate += SteadyClock::now() - t0;
    if (!lent) {
      ended_ = true;
      finish();
      return std::nullopt;
    }
    stats_.source_dropped = detail::stage_counters(source_).dropped;
    if constexpr (kConverts) {
      engine_.push(lent->view(), lent->time(), stats_);
      stats_.elapsed = SteadyClock::now() - start_;
      return engine_.sink().held();
    } else {
      current_ = std::move(*lent);
      ++stats_.frames;
      stats_.bytes += default_layout(format, current_.view().size()).size;
      stats_.dropped = stats_.source_dropped;
      stats_.elapsed = SteadyClock::now() - start_;
      return ReadFrame<format>{current_.view(), current_.time()};
    }
  }

  /// Ends the stream early: gives back the frame in hand and stops the source. read() then returns
  /// std::nullopt. A second close() does nothing.
  void close() {
    if (!open_) return;
    finish();
    open_ = false;
    source_.stop();
  }

  /// What read() hands out: format, size, fps, colour and chroma siting.
  const StreamSpec& spec() const { return spec_; }
  /// Frames read so far, bytes, time spent waiting for the source (`generate`) and converting,
  /// and the frames the source dropped before lending them (`source_dropped`).
  const Stats& stats() const { return stats_; }
  Src& source() { return source_; }
  bool at_end() const { return ended_ || !open_; }

 private:
  void finish() {
    current_.release();
    if constexpr (kConverts) engine_.close(stats_);
    stats_.elapsed = SteadyClock::now() - start_;
  }

  void close_quietly() noexcept {
    if (!open_) return;
    open_ = false;
    current_.release();
    engine_.abort();
    source_.stop();
  }

  Src source_;
  Engine engine_;
  LentFrame<kSourceFormat> current_;
  StreamSpec spec_{};
  Stats stats_{};
  SteadyClock::time_point start_{};
  bool open_ = false;
  bool ended_ = false;
};

template <class Src, class... Converters>
SourceReader(Src, Converters...) -> SourceReader<Src, Converters...>;

}  // namespace framepipe
