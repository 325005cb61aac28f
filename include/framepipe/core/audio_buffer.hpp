// AudioView<F>, a view of interleaved audio frames, and AudioBuffer<F>, which owns them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe {

/// A non-owning view of `frames()` frames of interleaved audio of format `F`, `channels()`
/// samples each. Checked on construction: a view never holds part of a frame.
template <AudioFormat F>
class AudioView {
 public:
  using Sample = SampleType<F>;
  static constexpr AudioFormat format = F;

  /// An empty view (no frames, one channel).
  AudioView() = default;

  /// `frames` frames of `channels` samples at `data`. Throws InvalidArgument for a channel count
  /// outside 1..kMaxAudioChannels, or a null `data` with frames.
  AudioView(Sample* data, std::size_t frames, int channels)
      : data_(data), frames_(frames), channels_(channels) {
    check_audio_channels(channels);
    if (data == nullptr && frames > 0) {
      throw InvalidArgument("framepipe: AudioView<" + std::string(audio_format_name(F)) + "> of " +
                            std::to_string(frames) + " frames has no data");
    }
  }

  /// The `bytes` bytes at `data` as frames of `channels` samples. Throws InvalidArgument when
  /// `bytes` is not a whole number of frames (a partial sample or a partial frame), besides what
  /// the constructor checks. `data` must be aligned for Sample.
  static AudioView wrap(void* data, std::size_t bytes, int channels) {
    check_audio_channels(channels);
    const std::size_t frame_bytes = sizeof(Sample) * static_cast<std::size_t>(channels);
    if (bytes % frame_bytes != 0) {
      throw InvalidArgument("framepipe: " + std::to_string(bytes) + " bytes are not a whole " +
                            "number of " + std::string(audio_format_name(F)) + " frames of " +
                            std::to_string(channels) + " channels (" + std::to_string(frame_bytes) +
                            " bytes each)");
    }
    return AudioView(static_cast<Sample*>(data), bytes / frame_bytes, channels);
  }

  Sample* data() const { return data_; }
  std::size_t frames() const { return frames_; }
  int channels() const { return channels_; }
  /// Samples of every channel: frames() * channels().
  std::size_t samples() const { return frames_ * static_cast<std::size_t>(channels_); }
  std::size_t bytes() const { return samples() * sizeof(Sample); }
  bool empty() const { return frames_ == 0; }

  /// Sample `channel` of frame `frame` (unchecked).
  Sample& at(std::size_t frame, int channel) const {
    return data_[frame * static_cast<std::size_t>(channels_) + static_cast<std::size_t>(channel)];
  }

  /// Frames [first, first + count) of this view. Throws InvalidArgument past the end.
  AudioView sub(std::size_t first, std::size_t count) const {
    if (first > frames_ || count > frames_ - first) {
      throw InvalidArgument("framepipe: AudioView::sub(" + std::to_string(first) + ", " +
                            std::to_string(count) + ") of " + std::to_string(frames_) + " frames");
    }
    return AudioView(data_ + first * static_cast<std::size_t>(channels_), count, channels_);
  }

 private:
  Sample* data_ = nullptr;
  std::size_t frames_ = 0;
  int channels_ = 1;
};

/// Owned interleaved audio: `frames` frames of `channels` samples of format `F`, zeroed (silence),
/// in one 64-byte aligned block.
template <AudioFormat F>
class AudioBuffer {
 public:
  using Sample = SampleType<F>;

  AudioBuffer() = default;
  /// Throws InvalidArgument for a channel count outside 1..kMaxAudioChannels.
  AudioBuffer(std::size_t frames, int channels) {
    check_audio_channels(channels);
    const std::size_t bytes =
        std::max<std::size_t>(1, frames * static_cast<std::size_t>(channels) * sizeof(Sample));
    data_ = detail::allocate_aligned(bytes);
    std::fill_n(data_.get(), bytes, std::uint8_t{0});
    view_ = AudioView<F>(reinterpret_cast<Sample*>(data_.get()), frames, channels);
  }

  /// A view of the whole buffer; valid while the buffer lives (and is not assigned to).
  AudioView<F> view() const { return view_; }
  std::size_t frames() const { return view_.frames(); }
  int channels() const { return view_.channels(); }

 private:
  detail::AlignedBytes data_;
  AudioView<F> view_{};
};

}  // namespace framepipe
