// What the audio generators share: a sine's value at a frame, computed from the frame number (so
// the phase never drifts), and the conversion of a real amplitude to a sample of a format.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"

namespace framepipe::detail {

/// A real amplitude in [-1, 1] (clamped) as a sample of `F`: S16LE scales by 32767 and rounds,
/// F32LE keeps the value.
template <AudioFormat F>
SampleType<F> sample_of(double value) {
  const double v = std::clamp(value, -1.0, 1.0);
  if constexpr (F == AudioFormat::S16LE) {
    return static_cast<std::int16_t>(std::lround(v * 32767.0));
  } else {
    return static_cast<float>(v);
  }
}

/// sin(2π · frequency · n / rate), the phase reduced to one turn before the sine: n · frequency
/// stays exact in a double for 2^53 / frequency frames (about 70 years of 48 kHz at 1 kHz).
inline double sine_at(std::uint64_t n, double frequency, std::uint32_t rate) {
  const double turns = std::fmod(static_cast<double>(n) * frequency, static_cast<double>(rate));
  return std::sin(2.0 * std::numbers::pi * turns / static_cast<double>(rate));
}

/// Writes `sample` into every channel of frame `frame` of `view`.
template <AudioFormat F>
void fill_frame(AudioView<F> view, std::size_t frame, SampleType<F> sample) {
  std::fill_n(view.data() + frame * static_cast<std::size_t>(view.channels()),
              static_cast<std::size_t>(view.channels()), sample);
}

}  // namespace framepipe::detail
