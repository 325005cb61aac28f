// The audio roles of the stage model: what makes a class an AudioGenerator or an AudioSink. Like
// the video roles (core/stage.hpp), each is a concept assembled from small named traits, one per
// thing a stage declares or does, so that a diagnostic names the missing part. The audio members
// have names of their own (acquire_audio, submit_audio, ...) so that one sink can take video and
// audio at once: one GStreamer pipeline with an appsrc for each (docs/architecture.md, "Several
// streams"). A sink that also takes subtitles is a SubtitleSink.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <type_traits>
#include <utility>

#include "framepipe/core/audio_buffer.hpp"
#include "framepipe/core/audio_format.hpp"
#include "framepipe/core/audio_time.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

namespace detail {

template <class S, AudioFormat In>
concept DeclaresAcceptsAudioTemplate =
    std::convertible_to<decltype(S::template accepts_audio<In>), bool>;
template <class S>
concept DeclaresSingleAudioInput = std::convertible_to<decltype(S::audio_input), AudioFormat>;

/// True when `Check<S, F>::value` holds for every (`all`) or some audio format F.
template <class S, template <class, AudioFormat> class Check, bool all>
constexpr bool over_audio_formats() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    if constexpr (all) {
      return (Check<S, kAllAudioFormats[I]>::value && ...);
    } else {
      return (Check<S, kAllAudioFormats[I]>::value || ...);
    }
  }
  (std::make_index_sequence<std::size(kAllAudioFormats)>{});
}

template <class S, AudioFormat In>
struct HasAcceptsAudioFor : std::bool_constant<DeclaresAcceptsAudioTemplate<S, In>> {};

}  // namespace detail

/// True when stage `S` takes audio of format `In`: its `static constexpr AudioFormat
/// audio_input`, or its variable template `template <AudioFormat In> static constexpr bool
/// accepts_audio`.
template <class S, AudioFormat In>
constexpr bool stage_accepts_audio() {
  if constexpr (detail::DeclaresAcceptsAudioTemplate<S, In>) {
    return S::template accepts_audio<In>;
  } else if constexpr (detail::DeclaresSingleAudioInput<S>) {
    return S::audio_input == In;
  } else {
    return false;
  }
}

// ---- The named traits ---------------------------------------------------------------------------

/// The stage declares the audio format it makes: `static constexpr AudioFormat output`.
template <class G>
concept HasAudioOutputFormat = std::convertible_to<decltype(G::output), AudioFormat>;

/// The audio generator states its stream with `AudioSpec audio_spec() const` (its format is
/// `output`).
template <class G>
concept HasAudioSpec = requires(const G& g) {
  { g.audio_spec() } -> std::same_as<AudioSpec>;
};

/// The audio generator fills a buffer with `void generate(AudioView<output>, const AudioTime&)`:
/// the view's frames are frames [time.offset, time.offset + time.frames) of its stream.
template <class G>
concept GeneratesAudio = HasAudioOutputFormat<G> &&
    requires(G& g, AudioView<G::output> samples, const AudioTime& time) {
  g.generate(samples, time);
};

/// The sink declares the audio formats it takes: `static constexpr AudioFormat audio_input`, or
/// `template <AudioFormat In> static constexpr bool accepts_audio`.
template <class S>
concept DeclaresAudioInputs = detail::DeclaresSingleAudioInput<S> ||
    detail::over_audio_formats<S, detail::HasAcceptsAudioFor, false>();

namespace detail {

template <class S, AudioFormat In>
concept LendsAudioOf = requires(S& s, std::size_t frames) {
  { s.template acquire_audio<In>(frames) } -> std::same_as<AudioView<In>>;
}
|| requires(S& s, std::size_t frames) {
  { s.acquire_audio(frames) } -> std::same_as<AudioView<In>>;
};

template <class S, AudioFormat In>
struct LendsAudioIfAccepted
    : std::bool_constant<!stage_accepts_audio<S, In>() || LendsAudioOf<S, In>> {};

}  // namespace detail

/// The sink lends room for `frames` frames of every audio format it declares:
/// `AudioView<In> acquire_audio(std::size_t frames)`, or
/// `template <AudioFormat F> AudioView<F> acquire_audio(std::size_t frames)`.
template <class S>
concept LendsEachAudioInput = detail::over_audio_formats<S, detail::LendsAudioIfAccepted, true>();

/// The sink takes the filled audio back with `submit_audio(const AudioTime&)`.
template <class S>
concept TakesAudioSubmit = requires(S& s, const AudioTime& time) {
  s.submit_audio(time);
};

/// The sink ends its streams with `finish()` (the same member as a video Sink's).
template <class S>
concept FinishesAudio = requires(S& s) {
  s.finish();
};

// ---- The roles ----------------------------------------------------------------------------------

/// An AudioGenerator fills buffer after buffer of audio that the caller lends it.
template <class G>
concept AudioGenerator = HasAudioOutputFormat<G> && HasAudioSpec<G> && GeneratesAudio<G>;

/// An AudioSink lends the memory audio is written into (`acquire_audio`), takes it back filled
/// (`submit_audio`) and ends the stream (`finish`). Optional: `start(const AudioSpec&)`, called
/// before the first buffer. A class may be a Sink (video) and an AudioSink at once.
template <class S>
concept AudioSink =
    DeclaresAudioInputs<S> && LendsEachAudioInput<S> && TakesAudioSubmit<S> && FinishesAudio<S>;

/// An AudioSink that takes audio of format `In`.
template <class S, AudioFormat In>
concept AudioSinkFor = AudioSink<S> &&(stage_accepts_audio<S, In>());

/// A sink that takes subtitles beside the frames: `start_text(Pacing)` before the first,
/// `submit_text(std::string_view utf8, std::uint64_t pts, std::uint64_t duration)` for each.
template <class S>
concept SubtitleSink = requires(S& s, std::string_view text, std::uint64_t ns, Pacing pacing) {
  s.start_text(pacing);
  s.submit_text(text, ns, ns);
};

namespace detail {

/// A first stage of a Pipeline that carries an audio generator (WithAudio, audio/with_audio.hpp):
/// `audio()` returns it.
template <class G>
concept CarriesAudio = requires(G& g) {
  requires AudioGenerator<std::remove_cvref_t<decltype(g.audio())>>;
};

}  // namespace detail
}  // namespace framepipe
