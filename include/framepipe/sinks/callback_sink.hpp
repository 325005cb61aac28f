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
  static constexpr PixelFormat input = F;
  using FrameFn = std::function<void(FrameView<F>, const FrameTime&)>;
  using FinishFn = std::function<void()>;

  explicit CallbackSink(FrameFn on_frame, FinishFn on_finish = {})
      : on_frame_(std::move(on_frame)), on_finish_(std::move(on_finish)) {}

  void start(const StreamSpec& spec) {
    spec_ = spec;
    if (frame_.value.size() != spec.size) frame_.value = Frame<F>(spec.size);
  }
  FrameView<F> acquire() {
    if (frame_.value.data() == nullptr)
      throw Error("framepipe::CallbackSink: acquire() before start()");
    return frame_.value.view();
  }
  void submit(const FrameTime& time) {
    if (on_frame_) on_frame_(frame_.value.view(), time);
  }
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

}  // namespace framepipe
