// BeepGenerator: short tones at set times -- by default a 10 ms 1 kHz beep at the start of every
// second -- and silence between them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

#include "framepipe/audio/sample_math.hpp"
#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame_time.hpp"

namespace framepipe {

/// Options of a BeepGenerator.
struct BeepOptions {
  std::uint32_t rate = 48000;
  int channels = 2;
  double frequency = 1000.0;             ///< Hz, above 0 and below rate / 2
  double amplitude = 0.5;                ///< peak, 0 to 1 of full scale
  std::uint64_t length_ns = 10'000'000;  ///< each beep lasts this long (10 ms)
  /// A beep starts at every multiple of this (1 s), from 0; 0 for none but those of `at_ns`.
  std::uint64_t period_ns = kNanosPerSecond;
  /// Beeps at these stream times too (ns, any order).
  std::vector<std::uint64_t> at_ns{};
};

/// Beeps: a sine of `frequency` Hz that starts, at phase 0, at the first frame whose pts is at or
/// after each beep time (every `period_ns`, and each of `at_ns`) and lasts `length_ns`; silence
/// elsewhere. Frame n is placed by AudioTime::pts_of(n), the same integer time the buffers carry,
/// so a beep at second k starts within one frame of k s however long the stream.
template <AudioFormat F = AudioFormat::S16LE>
class BeepGenerator {
 public:
  using Options = BeepOptions;
  static constexpr AudioFormat output = F;

  /// Throws InvalidArgument for a rate of 0, a bad channel count, a frequency not within
  /// (0, rate / 2), an amplitude not within [0, 1], or a beep length of 0.
  explicit BeepGenerator(Options options = {}) : options_(std::move(options)) {
    check_audio_spec(audio_spec());
    if (!(options_.frequency > 0.0) || options_.frequency >= options_.rate / 2.0) {
      throw InvalidArgument("framepipe::BeepGenerator: frequency must be within (0, rate / 2)");
    }
    if (!(options_.amplitude >= 0.0 && options_.amplitude <= 1.0)) {
      throw InvalidArgument("framepipe::BeepGenerator: amplitude must be within [0, 1]");
    }
    if (options_.length_ns == 0) {
      throw InvalidArgument("framepipe::BeepGenerator: length_ns must be above 0");
    }
    std::sort(options_.at_ns.begin(), options_.at_ns.end());
  }

  AudioSpec audio_spec() const { return {F, options_.rate, options_.channels}; }
  const Options& options() const { return options_; }

  void generate(AudioView<F> samples, const AudioTime& time) const {
    for (std::size_t i = 0; i < samples.frames(); ++i) {
      const std::uint64_t n = time.offset + i;
      const std::uint64_t start = beep_start(n);
      double v = 0.0;
      if (start != kNone) {
        v = options_.amplitude * detail::sine_at(n - start, options_.frequency, options_.rate);
      }
      detail::fill_frame(samples, i, detail::sample_of<F>(v));
    }
  }

  /// The first frame of the beep that frame `n` belongs to, or kNone when `n` is silent.
  std::uint64_t beep_start(std::uint64_t n) const {
    const std::uint64_t t = AudioTime::pts_of(n, options_.rate);
    std::uint64_t best = kNone;
    auto consider = [&](std::uint64_t beep_ns) {
      const std::uint64_t first = AudioTime::first_frame_at(beep_ns, options_.rate);
      const std::uint64_t last = AudioTime::first_frame_at(beep_ns + options_.length_ns,
                                                           options_.rate);  // exclusive
      if (n >= first && n < last && (best == kNone || first > best)) best = first;
    };
    if (options_.period_ns > 0) consider(t - t % options_.period_ns);
    // Listed beeps at or before t that may still sound (beeps may overlap; the latest wins).
    auto it = std::upper_bound(options_.at_ns.begin(), options_.at_ns.end(), t);
    while (it != options_.at_ns.begin() && *std::prev(it) + options_.length_ns + 1 > t) {
      consider(*--it);
    }
    return best;
  }

  static constexpr std::uint64_t kNone = UINT64_MAX;

 private:
  Options options_;
};

static_assert(AudioGenerator<BeepGenerator<>>);

}  // namespace framepipe
