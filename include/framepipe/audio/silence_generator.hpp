// SilenceGenerator: zeros.
#pragma once

#include <algorithm>
#include <cstdint>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"

namespace framepipe {

/// Options of a SilenceGenerator.
struct SilenceOptions {
  std::uint32_t rate = 48000;
  int channels = 2;
};

/// Silence: every sample 0 (a stream that must exist, e.g. a muxer that waits for an audio track).
template <AudioFormat F = AudioFormat::S16LE>
class SilenceGenerator {
 public:
  using Options = SilenceOptions;
  static constexpr AudioFormat output = F;

  /// Throws InvalidArgument for a rate of 0 or a bad channel count.
  explicit SilenceGenerator(Options options = {}) : options_(options) {
    check_audio_spec(audio_spec());
  }

  AudioSpec audio_spec() const { return {F, options_.rate, options_.channels}; }

  void generate(AudioView<F> samples, const AudioTime&) const {
    std::fill_n(samples.data(), samples.samples(), SampleType<F>{});
  }

 private:
  Options options_;
};

static_assert(AudioGenerator<SilenceGenerator<>>);

}  // namespace framepipe
