// FunctionAudioGenerator: an audio generator from a function.
#pragma once

#include <functional>
#include <utility>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/error.hpp"

namespace framepipe {

/// An AudioGenerator that calls `fill(samples, time)` for each buffer: the samples are frames
/// [time.offset, time.offset + time.frames) of a stream described by `spec` (whose format is `F`).
template <AudioFormat F = AudioFormat::S16LE>
class FunctionAudioGenerator {
 public:
  using Fill = std::function<void(AudioView<F>, const AudioTime&)>;
  static constexpr AudioFormat output = F;

  /// Throws InvalidArgument for a bad `spec`, one of another format than `F`, or an empty `fill`.
  FunctionAudioGenerator(AudioSpec spec, Fill fill) : spec_(spec), fill_(std::move(fill)) {
    check_audio_spec(spec);
    if (spec.format != F) {
      throw InvalidArgument("framepipe::FunctionAudioGenerator: spec.format differs from F");
    }
    if (!fill_) throw InvalidArgument("framepipe::FunctionAudioGenerator: no function");
  }

  AudioSpec audio_spec() const { return spec_; }
  void generate(AudioView<F> samples, const AudioTime& time) { fill_(samples, time); }

 private:
  AudioSpec spec_;
  Fill fill_;
};

static_assert(AudioGenerator<FunctionAudioGenerator<>>);

}  // namespace framepipe
