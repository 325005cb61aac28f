#include "framepipe/core/audio_stage.hpp"

#include <doctest/doctest.h>

#include <cstddef>

#include "framepipe/core/stage.hpp"

using namespace framepipe;

namespace {

struct GoodGenerator {
  static constexpr AudioFormat output = AudioFormat::S16LE;
  AudioSpec audio_spec() const { return {}; }
  void generate(AudioView<output>, const AudioTime&) {}
};
struct GeneratorWithoutOutput {
  AudioSpec audio_spec() const { return {}; }
  void generate(AudioView<AudioFormat::S16LE>, const AudioTime&) {}
};
struct GeneratorWithoutSpec {
  static constexpr AudioFormat output = AudioFormat::S16LE;
  void generate(AudioView<output>, const AudioTime&) {}
};
struct GeneratorWrongGenerate {
  static constexpr AudioFormat output = AudioFormat::S16LE;
  AudioSpec audio_spec() const { return {}; }
  void generate(AudioView<AudioFormat::F32LE>, const AudioTime&) {}
};
/// A video generator is no audio generator (its `output` is a PixelFormat).
struct VideoGenerator {
  static constexpr PixelFormat output = PixelFormat::BGR24;
  Size size() const { return {2, 2}; }
  void generate(FrameView<output>, const FrameTime&) {}
};

struct GoodSink {
  static constexpr AudioFormat audio_input = AudioFormat::F32LE;
  AudioView<audio_input> acquire_audio(std::size_t) { return {}; }
  void submit_audio(const AudioTime&) {}
  void finish() {}
};
struct TemplateSink {
  template <AudioFormat F>
  static constexpr bool accepts_audio = true;
  template <AudioFormat F>
  AudioView<F> acquire_audio(std::size_t) {
    return {};
  }
  void submit_audio(const AudioTime&) {}
  void finish() {}
};
struct SinkWithoutInput {
  AudioView<AudioFormat::F32LE> acquire_audio(std::size_t) { return {}; }
  void submit_audio(const AudioTime&) {}
  void finish() {}
};
struct SinkWithoutAcquire {
  static constexpr AudioFormat audio_input = AudioFormat::F32LE;
  void submit_audio(const AudioTime&) {}
  void finish() {}
};
struct SinkLendingOtherFormat {
  static constexpr AudioFormat audio_input = AudioFormat::F32LE;
  AudioView<AudioFormat::S16LE> acquire_audio(std::size_t) { return {}; }
  void submit_audio(const AudioTime&) {}
  void finish() {}
};
struct SinkWithoutSubmit {
  static constexpr AudioFormat audio_input = AudioFormat::F32LE;
  AudioView<audio_input> acquire_audio(std::size_t) { return {}; }
  void finish() {}
};
struct SinkWithoutFinish {
  static constexpr AudioFormat audio_input = AudioFormat::F32LE;
  AudioView<audio_input> acquire_audio(std::size_t) { return {}; }
  void submit_audio(const AudioTime&) {}
};
/// One class may be a video Sink and an AudioSink at once.
struct AvSink : GoodSink {
  static constexpr PixelFormat input = PixelFormat::I420;
  FrameView<input> acquire() { return {}; }
  void submit(const FrameTime&) {}
};

}  // namespace

TEST_CASE("AudioGenerator: each trait fails alone") {
  static_assert(AudioGenerator<GoodGenerator>);
  static_assert(!HasAudioOutputFormat<GeneratorWithoutOutput> &&
                HasAudioSpec<GeneratorWithoutOutput>);
  static_assert(!AudioGenerator<GeneratorWithoutOutput>);
  static_assert(HasAudioOutputFormat<GeneratorWithoutSpec> && !HasAudioSpec<GeneratorWithoutSpec> &&
                GeneratesAudio<GeneratorWithoutSpec>);
  static_assert(HasAudioSpec<GeneratorWrongGenerate> && !GeneratesAudio<GeneratorWrongGenerate>);
  static_assert(!AudioGenerator<VideoGenerator> && Generator<VideoGenerator>);
  static_assert(!Generator<GoodGenerator>);
  CHECK(true);
}

TEST_CASE("AudioSink: each trait fails alone, and both declaration forms work") {
  static_assert(AudioSinkFor<GoodSink, AudioFormat::F32LE> &&
                !AudioSinkFor<GoodSink, AudioFormat::S16LE>);
  static_assert(AudioSinkFor<TemplateSink, AudioFormat::S16LE> &&
                AudioSinkFor<TemplateSink, AudioFormat::F32LE>);
  static_assert(!DeclaresAudioInputs<SinkWithoutInput> && TakesAudioSubmit<SinkWithoutInput>);
  static_assert(DeclaresAudioInputs<SinkWithoutAcquire> &&
                !LendsEachAudioInput<SinkWithoutAcquire>);
  static_assert(!LendsEachAudioInput<SinkLendingOtherFormat>);
  static_assert(LendsEachAudioInput<SinkWithoutSubmit> && !TakesAudioSubmit<SinkWithoutSubmit>);
  static_assert(TakesAudioSubmit<SinkWithoutFinish> && !FinishesAudio<SinkWithoutFinish>);
  static_assert(!AudioSink<SinkWithoutInput> && !AudioSink<SinkWithoutAcquire> &&
                !AudioSink<SinkWithoutSubmit> && !AudioSink<SinkWithoutFinish>);
  static_assert(AudioSink<AvSink> && Sink<AvSink>);
  static_assert(!Sink<GoodSink>);
  CHECK(stage_accepts_audio<AvSink, AudioFormat::F32LE>());
}
