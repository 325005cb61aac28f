// CallbackSink<F>: hands each finished frame to a user function.
#pragma once

#include <functional>
#include <utility>

#include "framepipe/core/frame.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// Lends a frame of format `F`, and calls `on_frame(view, time)` with it at each submit(); the
/// view is valid only during the call. `on_finish` (optional) runs at the end of the stream.
/// \code
///   CallbackSink<PixelFormat::I420> sink{[](FrameView<PixelFormat::I420> f, const FrameTime& t) {
///     /* use f */
///   }};
/// \endcode
template <PixelFormat F>
class CallbackSink {
 public:
  /// The format it takes.
  static constexpr PixelFormat input = F;
  /// Called at each submit() with the filled frame (valid only during the call) and its time.
  using FrameFn = std::function<void(FrameView<F>, const FrameTime&)>;
  /// Called at finish(), the end of the stream.
  using FinishFn = std::function<void()>;

  /// `on_frame` for every frame; `on_finish`, if given, once at the end of each run.
  explicit CallbackSink(FrameFn on_frame, FinishFn on_finish = {})
      : on_frame_(std::move(on_frame)), on_finish_(std::move(on_finish)) {}

  /// Sizes the frame it lends for `spec` (Pipeline calls this before the first frame).
  void start(const StreamSpec& spec) {
    spec_ = spec;
    if (frame_.value.size() != spec.size) frame_.value = Frame<F>(spec.size);
  }
  /// Lends its one frame, to be filled. Throws Error before start().
  FrameView<F> acquire() {
    if (frame_.value.data() == nullptr)
      throw Error("framepipe::CallbackSink: acquire() before start()");
    return frame_.value.view();
  }
  /// Hands the filled frame to `on_frame`.
  void submit(const FrameTime& time) {
    if (on_frame_) on_frame_(frame_.value.view(), time);
  }
  /// Calls `on_finish`, if any.
  void finish() {
    if (on_finish_) on_finish_();
  }
  /// What start() was told (format, size, rate, colour).
  const StreamSpec& spec() const { return spec_; }

 private:
  FrameFn on_frame_;
  FinishFn on_finish_;
  StreamSpec spec_{};
  detail::Scratch<Frame<F>> frame_;  // copies of the sink start without a frame
};

static_assert(SinkFor<CallbackSink<PixelFormat::I420>, PixelFormat::I420>);

}  // namespace framepipe
