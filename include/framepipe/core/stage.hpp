// The stage model: what makes a class a Generator, a Converter or a Sink, checked by concepts
// built from small named traits so that diagnostics can say which part is missing.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "framepipe/color/color_space.hpp"
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
  FrameRate rate{};
  /// The matrix and range of Y'CbCr frames, stated by the stage that produced them; unset for
  /// RGB and gray, or when the producer does not say (sinks then state default_color_spec()).
  std::optional<ColorSpec> color{};
  Pacing pacing = Pacing::AsFastAsPossible;
};

/// Every pixel format, for compile-time searches over formats.
inline constexpr PixelFormat kAllPixelFormats[] = {
    PixelFormat::BGR24, PixelFormat::RGB24, PixelFormat::BGRA32, PixelFormat::RGBA32,
    PixelFormat::GRAY8, PixelFormat::I420,  PixelFormat::NV12};

// ---- Generators --------------------------------------------------------------------------------

/// The generator declares `static constexpr PixelFormat output`.
template <class G>
concept HasOutputFormat = requires {
  { G::output } -> std::convertible_to<PixelFormat>;
};

/// The stage reports its frame size with `Size size() const`.
template <class G>
concept HasFrameSize = requires(const G& g) {
  { g.size() } -> std::same_as<Size>;
};

/// A Generator draws frame after frame: `void generate(FrameView<output>, const FrameTime&)`.
template <class G>
concept Generator = HasOutputFormat<G> && HasFrameSize<G> &&
    requires(G& g, FrameView<G::output> frame, const FrameTime& time) {
  g.generate(frame, time);
};

// ---- Converters and sinks: which inputs they accept --------------------------------------------

namespace detail {

template <class S, PixelFormat In>
concept DeclaresAcceptsTemplate = requires {
  { S::template accepts<In> } -> std::convertible_to<bool>;
};

template <class S>
concept DeclaresSingleInput = requires {
  { S::input } -> std::convertible_to<PixelFormat>;
};

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

/// True when `S` declares its inputs in one of the two ways stage_accepts() understands.
template <class S>
constexpr bool declares_inputs() {
  return detail::DeclaresSingleInput<S> || []<std::size_t... I>(std::index_sequence<I...>) {
    return (detail::DeclaresAcceptsTemplate<S, kAllPixelFormats[I]> || ...);
  }
  (std::make_index_sequence<std::size(kAllPixelFormats)>{});
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
  if constexpr (requires {
                  { C::template output_for<In> } -> std::convertible_to<PixelFormat>;
                }) {
    return C::template output_for<In>;
  } else if constexpr (requires {
                         { C::output } -> std::convertible_to<PixelFormat>;
                       }) {
    return C::output;
  } else {
    // A converter that declares no output is reported by Pipeline's static_assert; answering
    // `In` here keeps that report the only error.
    return In;
  }
}

/// A Converter turns `FrameView<In>` into `FrameView<converter_output<C, In>()>` of the same size.
template <class C, PixelFormat In>
concept ConverterFor = (stage_accepts<C, In>()) &&
                       requires(C& c, FrameView<In> in, FrameView<converter_output<C, In>()> out) {
  c.convert(in, out);
};

/// A Sink that takes frames of format `In`: it lends a frame (`acquire`), takes it back filled
/// (`submit`) and ends the stream (`finish`). `acquire` is either `FrameView<In> acquire()` or
/// `template <PixelFormat F> FrameView<F> acquire()`; `start(const StreamSpec&)` is optional.
template <class S, PixelFormat In>
concept SinkFor = (stage_accepts<S, In>()) && requires(S& s, const FrameTime& time) {
  s.submit(time);
  s.finish();
}
&&(
    requires(S& s) {
      { s.template acquire<In>() } -> std::same_as<FrameView<In>>;
    } ||
    requires(S & s) {
      { s.acquire() } -> std::same_as<FrameView<In>>;
    });

// ---- Named traits behind Pipeline's diagnostics for a stage that misses part of its concept ----

namespace detail {

/// The generator has `generate(FrameView<output>, const FrameTime&)` (false without `output`).
template <class G>
concept GeneratesFrames = HasOutputFormat<G> &&
    requires(G& g, FrameView<G::output> frame, const FrameTime& time) {
  g.generate(frame, time);
};

template <class C, PixelFormat In>
concept DeclaresOutputFor = requires {
  { C::template output_for<In> } -> std::convertible_to<PixelFormat>;
};

/// The converter declares its output: `static constexpr PixelFormat output`, or the variable
/// template `template <PixelFormat In> static constexpr PixelFormat output_for`.
template <class C>
constexpr bool declares_output() {
  if constexpr (requires {
                  { C::output } -> std::convertible_to<PixelFormat>;
                }) {
    return true;
  } else {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (DeclaresOutputFor<C, kAllPixelFormats[I]> || ...);
    }
    (std::make_index_sequence<std::size(kAllPixelFormats)>{});
  }
}

template <class C, PixelFormat In>
concept ConvertsInput = requires(C& c, FrameView<In> from,
                                 FrameView<converter_output<C, In>()> to) {
  c.convert(from, to);
};

/// `ConvertsInput<C, In>`, asked only when `C` takes `In`.
template <class C, PixelFormat In>
constexpr bool converts_if_accepted() {
  if constexpr (stage_accepts<C, In>()) {
    return ConvertsInput<C, In>;
  } else {
    return true;
  }
}

/// `convert(FrameView<In>, FrameView<converter_output<C, In>()>)` is callable for every input
/// format `In` that the converter declares.
template <class C>
constexpr bool converts_each_input() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (converts_if_accepted<C, kAllPixelFormats[I]>() && ...);
  }
  (std::make_index_sequence<std::size(kAllPixelFormats)>{});
}

template <class S, PixelFormat In>
concept LendsInput = requires(S& s) {
  { s.template acquire<In>() } -> std::same_as<FrameView<In>>;
}
|| requires(S& s) {
  { s.acquire() } -> std::same_as<FrameView<In>>;
};

/// `LendsInput<S, In>`, asked only when `S` takes `In`.
template <class S, PixelFormat In>
constexpr bool lends_if_accepted() {
  if constexpr (stage_accepts<S, In>()) {
    return LendsInput<S, In>;
  } else {
    return true;
  }
}

/// The sink lends frames of every input format it declares: `FrameView<In> acquire()` or
/// `template <PixelFormat F> FrameView<F> acquire()`.
template <class S>
constexpr bool lends_each_input() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (lends_if_accepted<S, kAllPixelFormats[I]>() && ...);
  }
  (std::make_index_sequence<std::size(kAllPixelFormats)>{});
}

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

/// True when `Check<Stage>::value` holds for every stage in `Stages...` but the last (that is, for
/// every converter of a Pipeline<G, Stages...>).
template <template <class> class Check, class... Stages>
constexpr bool all_converters() {
  constexpr std::size_t kCount = sizeof...(Stages) == 0 ? 0 : sizeof...(Stages) - 1;
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (Check<std::tuple_element_t<I, std::tuple<Stages...>>>::value && ...);
  }
  (std::make_index_sequence<kCount>{});
}

template <class C>
struct ConverterDeclaresInputs : std::bool_constant<declares_inputs<C>()> {};
template <class C>
struct ConverterDeclaresOutput : std::bool_constant<declares_output<C>()> {};
/// Only asked of a converter that declares its inputs and output.
template <class C>
struct ConverterConvertsEachInput
    : std::bool_constant<!declares_inputs<C>() || !declares_output<C>() ||
                         converts_each_input<C>()> {};

/// Calls the sink's acquire in whichever form it declares.
template <PixelFormat In, class S>
FrameView<In> sink_acquire(S& sink) {
  if constexpr (requires { sink.template acquire<In>(); }) {
    return sink.template acquire<In>();
  } else {
    return sink.acquire();
  }
}

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
