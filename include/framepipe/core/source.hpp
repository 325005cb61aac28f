// The lending source: the mirror of the lending sink. A Source hands out views of memory it owns
// (a mapped GstBuffer, a camera's DMA buffer) and takes each back when the chain is done with it,
// so the first converter reads the frame in place.
#pragma once

#include <concepts>
#include <optional>
#include <utility>

#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// A frame lent by a Source: its view, its time, and the way back to its owner. Move-only; the
/// frame goes back to the source when the LentFrame is destroyed or release()d, once.
/// \code
///   while (std::optional<LentFrame<PixelFormat::I420>> frame = source.next()) {
///     use(frame->view(), frame->time());
///   }  // each frame goes back at the end of its iteration
/// \endcode
template <PixelFormat F>
class LentFrame {
 public:
  /// Gives the frame identified by `token` back to `owner`; never throws.
  using ReleaseFn = void (*)(void* owner, void* token) noexcept;

  LentFrame() = default;
  /// A frame that `release(owner, token)` gives back. A null `release` lends nothing back (the
  /// source keeps the memory alive on its own terms, e.g. until its next next()).
  LentFrame(FrameView<F> view, FrameTime time, ReleaseFn release, void* owner, void* token) noexcept
      : view_(view), time_(time), release_(release), owner_(owner), token_(token), held_(true) {}

  LentFrame(LentFrame&& other) noexcept
      : view_(other.view_),
        time_(other.time_),
        release_(other.release_),
        owner_(other.owner_),
        token_(other.token_),
        held_(std::exchange(other.held_, false)) {}
  LentFrame& operator=(LentFrame&& other) noexcept {
    if (this != &other) {
      release();
      view_ = other.view_;
      time_ = other.time_;
      release_ = other.release_;
      owner_ = other.owner_;
      token_ = other.token_;
      held_ = std::exchange(other.held_, false);
    }
    return *this;
  }
  LentFrame(const LentFrame&) = delete;
  LentFrame& operator=(const LentFrame&) = delete;
  ~LentFrame() { release(); }

  /// The pixels; valid until the frame is released.
  FrameView<F> view() const noexcept { return view_; }
  /// Its index, pts and duration (GstBuffer PTS and DURATION for a GStreamer source).
  const FrameTime& time() const noexcept { return time_; }
  /// Whether it still holds a frame.
  explicit operator bool() const noexcept { return held_; }

  /// Gives the frame back now; does nothing the second time.
  void release() noexcept {
    if (!std::exchange(held_, false)) return;
    if (release_ != nullptr) release_(owner_, token_);
  }

 private:
  FrameView<F> view_{};
  FrameTime time_{};
  ReleaseFn release_ = nullptr;
  void* owner_ = nullptr;
  void* token_ = nullptr;
  bool held_ = false;
};

// ---- The named traits of the Source role --------------------------------------------------------

/// The source opens its stream with `StreamSpec start()`: it starts producing and returns what it
/// will lend (format, size, fps, colour, chroma siting), waiting if need be until that is known.
template <class S>
concept OpensStream = requires(S& s) {
  { s.start() } -> std::same_as<StreamSpec>;
};

/// The source lends frames with `std::optional<LentFrame<output>> next()`: the next frame, or
/// std::nullopt at the end of the stream (and on every call after it).
template <class S>
concept LendsFrames = HasOutputFormat<S> && requires(S& s) {
  { s.next() } -> std::same_as<std::optional<LentFrame<S::output>>>;
};

/// The source ends its stream, early or after its end, with `stop()`; start() works again after.
template <class S>
concept HasStop = requires(S& s) {
  s.stop();
};

/// A Source lends frames it owns, one after another, until the end of its stream. Optional members
/// the pipeline uses when present: `interrupt()` (thread-safe: a blocked or later next() throws
/// Interrupted until the next start()) and `StageCounters counters() const` (frames it dropped
/// before lending them).
template <class S>
concept Source = HasOutputFormat<S> && OpensStream<S> && LendsFrames<S> && HasStop<S>;

namespace detail {

/// Whether the first stage of a Pipeline means to be a lending source (it has `next`) rather than a
/// generator: decides which role's diagnostics it gets.
template <class S>
concept MeansToLend = requires(S& s) {
  s.next();
};

}  // namespace detail
}  // namespace framepipe
