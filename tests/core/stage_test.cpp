#include "framepipe/core/stage.hpp"

#include <doctest/doctest.h>

#include "framepipe/convert/function_converter.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/convert/nv12_packer.hpp"
#include "framepipe/generators/function_generator.hpp"
#include "framepipe/generators/test_pattern_generator.hpp"
#include "framepipe/sinks/callback_sink.hpp"
#include "framepipe/sinks/null_sink.hpp"

using namespace framepipe;
using PF = PixelFormat;

namespace {

struct NoOutput {
  Size size() const { return {1, 1}; }
  void generate(FrameView<PF::GRAY8>, const FrameTime&) {}
};
struct NoSize {
  static constexpr PixelFormat output = PF::GRAY8;
  void generate(FrameView<PF::GRAY8>, const FrameTime&) {}
};
struct WrongGenerate {
  static constexpr PixelFormat output = PF::GRAY8;
  Size size() const { return {1, 1}; }
  void generate(FrameView<PF::BGR24>, const FrameTime&) {}
};

struct ConvertsButDeclaresNoInput {
  static constexpr PixelFormat output = PF::GRAY8;
  void convert(FrameView<PF::BGR24>, FrameView<PF::GRAY8>) {}
};
struct DeclaresButCannotConvertAll {
  template <PixelFormat In>
  static constexpr bool accepts = In == PF::BGR24 || In == PF::RGB24;
  static constexpr PixelFormat output = PF::GRAY8;
  void convert(FrameView<PF::BGR24>, FrameView<PF::GRAY8>) {}  // no RGB24 overload
};

struct NoFinish {
  static constexpr PixelFormat input = PF::I420;
  FrameView<PF::I420> acquire() { return {}; }
  void submit(const FrameTime&) {}
};
struct LendsWrongFormat {
  static constexpr PixelFormat input = PF::I420;
  FrameView<PF::NV12> acquire() { return {}; }
  void submit(const FrameTime&) {}
  void finish() {}
};

}  // namespace

TEST_CASE("Each role is the conjunction of its named traits") {
  // Generators.
  static_assert(Generator<TestPatternGenerator>);
  static_assert(Generator<FunctionGenerator<PF::NV12>>);
  static_assert(!DrawsConcurrently<TestPatternGenerator>);  // opt-in: declared, never assumed
  static_assert(!HasOutputFormat<NoOutput> && !Generator<NoOutput>);
  static_assert(!HasFrameSize<NoSize> && !Generator<NoSize>);
  static_assert(HasOutputFormat<WrongGenerate> && HasFrameSize<WrongGenerate>);
  static_assert(!GeneratesFrames<WrongGenerate> && !Generator<WrongGenerate>);
  // Converters.
  static_assert(Converter<I420Packer> && ConverterFor<Nv12Packer, PF::RGBA32>);
  static_assert(!ConverterFor<I420Packer, PF::GRAY8>);  // a converter, but not of gray
  static_assert(ConverterFor<FunctionConverter<PF::GRAY8, PF::BGR24>, PF::GRAY8>);
  static_assert(!DeclaresInputs<ConvertsButDeclaresNoInput>);
  static_assert(!Converter<ConvertsButDeclaresNoInput>);
  static_assert(DeclaresInputs<DeclaresButCannotConvertAll>);
  static_assert(DeclaresOutput<DeclaresButCannotConvertAll>);
  static_assert(!ConvertsEachInput<DeclaresButCannotConvertAll>);
  static_assert(!Converter<DeclaresButCannotConvertAll>);
  // Sinks.
  static_assert(Sink<NullSink> && SinkFor<NullSink, PF::GRAY8>);
  static_assert(SinkFor<CallbackSink<PF::I420>, PF::I420>);
  static_assert(!SinkFor<CallbackSink<PF::I420>, PF::NV12>);
  static_assert(TakesSubmit<NoFinish> && LendsEachInput<NoFinish> && !HasFinish<NoFinish>);
  static_assert(!Sink<NoFinish>);
  static_assert(!LendsEachInput<LendsWrongFormat> && !Sink<LendsWrongFormat>);
  CHECK(stage_accepts<I420Packer, PF::BGR24>());
}

TEST_CASE("stage_accepts, first_accepted_input and converter_output read what a stage declares") {
  CHECK(stage_accepts<NullSink, PF::NV12>());
  CHECK_FALSE(stage_accepts<CallbackSink<PF::I420>, PF::NV12>());
  CHECK(first_accepted_input<I420Packer>() == PF::BGR24);
  CHECK(first_accepted_input<CallbackSink<PF::NV12>>() == PF::NV12);
  CHECK_FALSE(first_accepted_input<ConvertsButDeclaresNoInput>().has_value());
  CHECK(converter_output<Nv12Packer, PF::RGB24>() == PF::NV12);
  CHECK(converter_output<FunctionConverter<PF::GRAY8, PF::BGR24>, PF::GRAY8>() == PF::BGR24);
}
