// ToneGenerator: a steady sine on every channel.
#pragma once

#include <cstddef>
#include <cstdint>

#include "framepipe/audio/sample_math.hpp"
#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/error.hpp"

namespace framepipe {

/// Options of a ToneGenerator.
struct ToneOptions {
  std::uint32_t rate = 48000;
  int channels = 2;
  double frequency = 1000.0;  ///< Hz, above 0 and below rate / 2
  double amplitude = 0.5;     ///< peak, 0 to 1 of full scale
};

/// A sine of `frequency` Hz on every channel, its phase computed from the frame number (0 at frame
/// 0), so buffers of any size join without a click and the tone never drifts.
template <AudioFormat F = AudioFormat::S16LE>
class ToneGenerator {
 public:
  using Options = ToneOptions;
  static constexpr AudioFormat output = F;

  /// Throws InvalidArgument for a rate of 0, a bad channel count, a frequency not within
  /// (0, rate / 2) or an amplitude not within [0, 1].
  explicit ToneGenerator(Options options = {}) : options_(options) {
    check_audio_spec(audio_spec());
    if (!(options.frequency > 0.0) || options.frequency >= options.rate / 2.0) {
      throw InvalidArgument("framepipe::ToneGenerator: frequency must be within (0, rate / 2)");
    }
    if (!(options.amplitude >= 0.0 && options.amplitude <= 1.0)) {
      throw InvalidArgument("framepipe::ToneGenerator: amplitude must be within [0, 1]");
    }
  }

  AudioSpec audio_spec() const { return {F, options_.rate, options_.channels}; }

  void generate(AudioView<F> samples, const AudioTime& time) const {
    for (std::size_t i = 0; i < samples.frames(); ++i) {
      const double v =
          options_.amplitude * detail::sine_at(time.offset + i, options_.frequency, options_.rate);
      detail::fill_frame(samples, i, detail::sample_of<F>(v));
    }
  }

 private:
  Options options_;
};

static_assert(AudioGenerator<ToneGenerator<>> && AudioGenerator<ToneGenerator<AudioFormat::F32LE>>);

}  // namespace framepipe
