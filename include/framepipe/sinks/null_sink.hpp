// NullSink: takes frames of any format and throws them away (benchmarks, dry runs).
#pragma once

#include <cstdint>
#include <string>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// Accepts every format; lends one reusable frame and counts what it is given.
class NullSink {
 public:
  template <PixelFormat In>
  static constexpr bool accepts = true;

  /// Sizes the frame it lends for `spec`.
  void start(const StreamSpec& spec) {
    check_frame_size(spec.size);
    spec_ = spec;
    const std::size_t bytes = default_layout(spec.format, spec.size).size;
    if (bytes > storage_.value.capacity) {
      storage_.value = {detail::allocate_aligned(bytes), bytes};
    }
    started_ = true;
  }

  template <PixelFormat F>
  FrameView<F> acquire() {
    if (!started_ || spec_.format != F || !storage_.value.bytes) {
      throw Error("framepipe::NullSink: acquire<" + std::string(format_name(F)) +
                  ">() without start() for that format");
    }
    return FrameView<F>::wrap(storage_.value.bytes.get(), spec_.size);
  }

  void submit(const FrameTime&) { ++frames_; }
  void finish() { started_ = false; }

  /// Frames submitted so far.
  std::uint64_t frames() const { return frames_; }

 private:
  StreamSpec spec_{};
  struct Storage {
    detail::AlignedBytes bytes;
    std::size_t capacity = 0;
  };
  detail::Scratch<Storage> storage_;  // copies of the sink start without storage
  std::uint64_t frames_ = 0;
  bool started_ = false;
};

static_assert(Sink<NullSink> && SinkFor<NullSink, PixelFormat::NV12>);

}  // namespace framepipe
