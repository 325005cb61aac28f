// The stage model: what makes a class a Generator, a Converter or a Sink. Each role is a concept
// assembled from small named traits, one trait per thing a stage must declare or do, so that a
// diagnostic can name the missing part. Pipeline and Writer check exactly these traits.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "framepipe/core/color_space.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe {

/// How a run is paced.
enum class Pacing {
  AsFastAsPossible,  ///< produce frames as fast as the stages allow (files, benchmarks)
  RealTime,          ///< produce frame i at start + pts(i) on the wall clock (live sinks)
};

/// What a sink is told before the first frame: the format it will receive and how it is timed.
struct StreamSpec {
  PixelFormat format = PixelFormat::BGR24;
  Size size{};
  FrameRate fps{};
  /// The matrix and range of Y'CbCr frames, stated by the stage that produced them; unset for
  /// RGB and gray, or when the producer does not say (sinks then state default_color_spec()).
  std::optional<ColorSpec> color{};
  /// Where 4:2:0 chroma sits (Y'CbCr formats only); framepipe's packers write Center.
  ChromaSite chroma_site = ChromaSite::Center;
  Pacing pacing = Pacing::AsFastAsPossible;
};

/// Every pixel format, for compile-time searches over formats.
inline constexpr PixelFormat kAllPixelFormats[] = {
    PixelFormat::BGR24, PixelFormat::RGB24, PixelFormat::BGRA32, PixelFormat::RGBA32,
    PixelFormat::GRAY8, PixelFormat::I420,  PixelFormat::NV12};

// ---- Which inputs a stage accepts ---------------------------------------------------------------

namespace detail {

// What a stage declares about formats (false where the member is missing or of another type).
template <class S, PixelFormat In>
concept DeclaresAcceptsTemplate = std::convertible_to<decltype(S::template accepts<In>), bool>;
template <class S>
concept DeclaresSingleInput = std::convertible_to<decltype(S::input), PixelFormat>;
template <class C, PixelFormat In>
concept DeclaresOutputFor = std::convertible_to<decltype(C::template output_for<In>), PixelFormat>;
template <class C>
concept DeclaresSingleOutput = std::convertible_to<decltype(C::output), PixelFormat>;

/// True when `Check<S, F>()` holds for every format F in kAllPixelFormats.
template <class S, template <class, PixelFormat> class Check>
constexpr bool for_every_format() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (Check<S, kAllPixelFormats[I]>::value && ...);
  }
  (std::make_index_sequence<std::size(kAllPixelFormats)>{});
}

/// True when `Check<S, F>()` holds for some format F in kAllPixelFormats.
template <class S, template <class, PixelFormat> class Check>
constexpr bool for_some_format() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (Check<S, kAllPixelFormats[I]>::value || ...);
  }
  (std::make_index_sequence<std::size(kAllPixelFormats)>{});
}

template <class S, PixelFormat In>
struct HasAcceptsFor : std::bool_constant<DeclaresAcceptsTemplate<S, In>> {};
template <class C, PixelFormat In>
struct HasOutputFor : std::bool_constant<DeclaresOutputFor<C, In>> {};

}  // namespace detail

/// True when stage `S` takes frames of format `In`. A stage says so either with one
/// `static constexpr PixelFormat input` or with a variable template
/// `template <PixelFormat In> static constexpr bool accepts`.
template <class S, PixelFormat In>
constexpr bool stage_accepts() {
  if constexpr (detail::DeclaresAcceptsTemplate<S, In>) {
    return S::template accepts<In>;
  } else if constexpr (detail::DeclaresSingleInput<S>) {
    return S::input == In;
  } else {
    return false;
  }
}

/// The first format (in kAllPixelFormats order) that `S` accepts; for messages and defaults.
template <class S>
constexpr std::optional<PixelFormat> first_accepted_input() {
  std::optional<PixelFormat> found;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((found = found ? found
                    : (stage_accepts<S, kAllPixelFormats[I]>()
                           ? std::optional<PixelFormat>(kAllPixelFormats[I])
                           : std::nullopt)),
     ...);
  }
  (std::make_index_sequence<std::size(kAllPixelFormats)>{});
  return found;
}

/// The format converter `C` produces from input `In`: its `template <PixelFormat In> static
/// constexpr PixelFormat output_for`, or its single `static constexpr PixelFormat output`.
template <class C, PixelFormat In>
constexpr PixelFormat converter_output() {
  if constexpr (detail::DeclaresOutputFor<C, In>) {
    return C::template output_for<In>;
  } else if constexpr (detail::DeclaresSingleOutput<C>) {
    return C::output;
  } else {
    // A converter that declares no output fails DeclaresOutput, which Pipeline and Writer report;
    // answering `In` here keeps that report the only error.
    return In;
  }
}

// ---- The named traits: one thing a stage declares or does each --------------------------------

/// The stage declares the format it makes: `static constexpr PixelFormat output` (a generator;
/// a converter may instead declare `output_for`, see DeclaresOutput).
template <class S>
concept HasOutputFormat = detail::DeclaresSingleOutput<S>;

/// The stage reports its frame size with `Size size() const`.
template <class S>
concept HasFrameSize = requires(const S& s) {
  { s.size() } -> std::same_as<Size>;
};

/// The generator draws with `void generate(FrameView<output>, const FrameTime&)`.
template <class G>
concept GeneratesFrames = HasOutputFormat<G> &&
    requires(G& g, FrameView<G::output> frame, const FrameTime& time) {
  g.generate(frame, time);
};

/// The converter or sink declares the formats it takes: `static constexpr PixelFormat input`, or
/// `template <PixelFormat In> static constexpr bool accepts`.
template <class S>
concept DeclaresInputs = detail::DeclaresSingleInput<S> ||
    detail::for_some_format<S, detail::HasAcceptsFor>();

/// The converter declares what it makes: `static constexpr PixelFormat output`, or
/// `template <PixelFormat In> static constexpr PixelFormat output_for`.
template <class C>
concept DeclaresOutput = detail::DeclaresSingleOutput<C> ||
    detail::for_some_format<C, detail::HasOutputFor>();

namespace detail {

template <class C, PixelFormat In>
        struct ConvertsIfAccepted : std::bool_constant < !stage_accepts<C, In>() ||
    requires(C & c, FrameView<In> from, FrameView<converter_output<C, In>()> to) {
  c.convert(from, to);
} > {};

template <class S, PixelFormat In>
concept LendsFrameOf = requires(S& s) {
  { s.template acquire<In>() } -> std::same_as<FrameView<In>>;
}
|| requires(S& s) {
  { s.acquire() } -> std::same_as<FrameView<In>>;
};

template <class S, PixelFormat In>
struct LendsIfAccepted : std::bool_constant<!stage_accepts<S, In>() || LendsFrameOf<S, In>> {};

}  // namespace detail

/// The converter has `convert(FrameView<In>, FrameView<converter_output<C, In>()>)` for every
/// input format `In` it declares (a template `convert` serves them all).
template <class C>
concept ConvertsEachInput = detail::for_every_format<C, detail::ConvertsIfAccepted>();

/// The sink lends a frame of every input format it declares: `FrameView<In> acquire()`, or
/// `template <PixelFormat F> FrameView<F> acquire()`.
template <class S>
concept LendsEachInput = detail::for_every_format<S, detail::LendsIfAccepted>();

/// The sink takes a filled frame back with `submit(const FrameTime&)`.
template <class S>
concept TakesSubmit = requires(S& s, const FrameTime& time) {
  s.submit(time);
};

/// The sink ends the stream with `finish()`.
template <class S>
concept HasFinish = requires(S& s) {
  s.finish();
};

// ---- The roles ---------------------------------------------------------------------------------

/// A Generator draws frame after frame into memory the pipeline owns.
template <class G>
concept Generator = HasOutputFormat<G> && HasFrameSize<G> && GeneratesFrames<G>;

/// Optional, for a Generator: it may draw two frames at once, from two threads
/// (`static constexpr bool draws_concurrently = true`: its `generate` writes no state that
/// another call reads or writes). An overlapped run (RunOptions::overlap) then lets both lanes
/// draw at the same time; without it the draws go one at a time, in frame order.
template <class G>
concept DrawsConcurrently = requires {
  requires bool(G::draws_concurrently);
};

/// A Converter turns a frame of each input format it declares into a frame of its output format,
/// of the same size.
template <class C>
concept Converter = DeclaresInputs<C> && DeclaresOutput<C> && ConvertsEachInput<C>;

/// A Converter that takes frames of format `In`.
template <class C, PixelFormat In>
concept ConverterFor = Converter<C> &&(stage_accepts<C, In>());

/// A Sink lends the frame the last stage writes into (`acquire`), takes it back filled
/// (`submit`) and ends the stream (`finish`). Optional members the pipeline uses when present:
/// `start(const StreamSpec&)`, `StageCounters counters() const`, `interrupt()` and `abort()`
/// (see detail::SinkHooks in core/chain.hpp).
template <class S>
concept Sink = DeclaresInputs<S> && LendsEachInput<S> && TakesSubmit<S> && HasFinish<S>;

/// A Sink that takes frames of format `In`.
template <class S, PixelFormat In>
concept SinkFor = Sink<S> &&(stage_accepts<S, In>());

namespace detail {

/// Calls `stage.color_spec(size)` when the stage states a colour description.
template <class S>
std::optional<ColorSpec> stage_color_spec(const S& stage, Size size) {
  if constexpr (requires {
                  { stage.color_spec(size) } -> std::convertible_to<ColorSpec>;
                }) {
    return stage.color_spec(size);
  } else {
    return std::nullopt;
  }
}

}  // namespace detail
}  // namespace framepipe
