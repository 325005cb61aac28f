// The chain engine behind Pipeline and Writer: it checks the converters and the sink against their
// roles, works out the format after every stage, owns the intermediate frames, and pushes one
// frame at a time from the first stage into the sink. Pipeline drives it from a generator (with
// pacing), Writer from the caller's frames.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/scope_exit.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"

namespace framepipe::detail {

// ---- Formats along a chain, and whether adjacent stages fit -------------------------------------

/// Reads as the diagnostic when stages do not fit: "the output format of Producer is Out, and
/// Consumer (which takes ConsumerInput) does not accept it".
/// A consumer that declares no inputs at all fails DeclaresInputs, reported on its own.
template <class Producer, PixelFormat Out, class Consumer, PixelFormat ConsumerInput>
inline constexpr bool next_stage_accepts_output =
    !DeclaresInputs<Consumer> || stage_accepts<Consumer, Out>();

template <class Producer, PixelFormat Out, class Consumer>
struct StageLink {
  static constexpr PixelFormat kConsumerInput = first_accepted_input<Consumer>().value_or(Out);
  static_assert(next_stage_accepts_output<Producer, Out, Consumer, kConsumerInput>,
                "framepipe: a stage's output format is not an input format of the next stage; "
                "the note names <producer, its output, consumer, an input it takes>");
  static constexpr bool ok = next_stage_accepts_output<Producer, Out, Consumer, kConsumerInput>;
};

/// Formats along a chain: [0] is the first stage's output, [i + 1] the output of converter i.
/// A converter that does not accept its input still yields a format (its first declared output),
/// so that one mismatch produces one diagnostic rather than a cascade.
template <PixelFormat In, class... Converters>
struct ChainFormats;

template <PixelFormat In>
struct ChainFormats<In> {
  static constexpr std::array<PixelFormat, 1> value{In};
};

template <PixelFormat In, class C, class... Rest>
struct ChainFormats<In, C, Rest...> {
  static constexpr PixelFormat kIn =
      stage_accepts<C, In>() ? In : first_accepted_input<C>().value_or(In);
  static constexpr PixelFormat kOut = converter_output<C, kIn>();
  static constexpr auto value = [] {
    std::array<PixelFormat, sizeof...(Rest) + 2> all{};
    all[0] = In;
    const auto tail = ChainFormats<kOut, Rest...>::value;
    for (std::size_t i = 0; i < tail.size(); ++i) all[i + 1] = tail[i];
    return all;
  }();
};

/// The first stage's output format (a generator's or a lending source's), or a stand-in when it
/// declares none: that is reported on its own, and the stand-in keeps the error single.
template <class S>
constexpr PixelFormat first_stage_output() {
  if constexpr (HasOutputFormat<S>) {
    return S::output;
  } else {
    return PixelFormat::BGR24;
  }
}

template <class... T>
using LastOf = std::tuple_element_t<sizeof...(T) - 1, std::tuple<T...>>;

/// The role check of converter `Index` (0-based, in chain order), one named trait at a time. Each
/// converter is checked on its own, so that a failure is reported in the instantiation of
/// `ConverterRole<Index, C>`: the note names the stage, its index and its type.
template <std::size_t Index, class C>
struct ConverterRole {
  static_assert(DeclaresInputs<C>,
                "framepipe: a converter must declare its input format: "
                "`static constexpr PixelFormat input` (or `template <PixelFormat In> static "
                "constexpr bool accepts`); the note names <its index in the chain, the converter>");
  static_assert(DeclaresOutput<C>,
                "framepipe: a converter must declare its output format: "
                "`static constexpr PixelFormat output` (or `template <PixelFormat In> static "
                "constexpr PixelFormat output_for`); the note names <its index in the chain, the "
                "converter>");
  // Asked only of a converter that declares its inputs and output (else those are the error).
  static_assert(!DeclaresInputs<C> || !DeclaresOutput<C> || ConvertsEachInput<C>,
                "framepipe: a converter must have `void convert(FrameView<input>, "
                "FrameView<output>)` for each input format it declares; the note names <its "
                "index in the chain, the converter>");
  /// True once checked: reading it instantiates the checks above.
  static constexpr bool checked = true;
};

/// Checks converters `Stages...` (all but the last, the sink) each on its own (ConverterRole).
template <class Indices, class... Stages>
struct ConverterRoles;

template <std::size_t... I, class... Stages>
struct ConverterRoles<std::index_sequence<I...>, Stages...> {
  static constexpr bool checked =
      (ConverterRole<I, std::tuple_element_t<I, std::tuple<Stages...>>>::checked && ... && true);
};

// ---- What a chain calls on its sink, optional members included ---------------------------------

/// Calls the sink's acquire in whichever form it declares.
template <PixelFormat In, class S>
FrameView<In> sink_acquire(S& sink) {
  if constexpr (requires { sink.template acquire<In>(); }) {
    return sink.template acquire<In>();
  } else {
    return sink.acquire();
  }
}

/// A stage's own counters (StageCounters), or zeros for a stage that keeps none.
template <class S>
StageCounters stage_counters(const S& stage) {
  if constexpr (requires {
                  { stage.counters() } -> std::convertible_to<StageCounters>;
                }) {
    return stage.counters();
  } else {
    return {};
  }
}

/// Ends a stream on an error path: the sink's `abort()` (bounded, never throws) when it has one,
/// else its finish() with any error dropped (the error being handled is the one that counts).
template <class S>
void sink_abort(S& sink) noexcept {
  if constexpr (requires { sink.abort(); }) {
    sink.abort();
  } else {
    try {
      sink.finish();
    } catch (...) {
    }
  }
}

/// Whether the sink can cut a blocked acquire() short (`interrupt()`, thread-safe).
template <class S>
inline constexpr bool kSinkInterrupts = requires(S& s) {
  s.interrupt();
};

/// Everything another thread may touch while a stream runs: the stop request, and whether the
/// chain is waiting in the sink's acquire(). Copies carry the values, so chains stay movable.
struct StopSignal {
  std::atomic<bool> requested{false};
  std::atomic<bool> in_acquire{false};
  std::atomic<bool> sink_interrupted{false};

  StopSignal() = default;
  StopSignal(const StopSignal& other) : requested(other.requested.load()) {}
  StopSignal& operator=(const StopSignal& other) {
    requested.store(other.requested.load());
    return *this;
  }
};

// ---- The engine --------------------------------------------------------------------------------

/// Converters `Stages...` (all but the last) and a sink (the last), fed frames of format `In` by
/// `Source` (named in diagnostics only). Owns the stages and one frame per intermediate format,
/// allocated at open() and reused across streams of the same size: the steady state allocates
/// nothing per frame. The last converter (or the source, when there is none) writes straight into
/// the frame the sink lends.
///
/// A stream is open() -> push()/push_drawn() ... -> close() on a normal end, or abort() on any
/// error path; abort() is a no-op once the stream is closed, so a scope guard may call it on every
/// exit.
template <class Source, PixelFormat In, class... Stages>
class ChainEngine {
  static_assert(sizeof...(Stages) >= 1, "framepipe: a chain needs at least a sink");

  // The role checks, trait by trait, in chain order, so that a stage missing part of its role
  // gets one readable line: each converter on its own (ConverterRole, whose note names it), then
  // the sink. Converter, Sink and ConverterFor in core/stage.hpp are these same traits.
  static_assert(
      ConverterRoles<std::make_index_sequence<sizeof...(Stages) - 1>, Stages...>::checked);
  static_assert(DeclaresInputs<LastOf<Stages...>>,
                "framepipe: the last stage (sink) must declare its input format: "
                "`static constexpr PixelFormat input` (or `template <PixelFormat In> static "
                "constexpr bool accepts`)");
  static_assert(LendsEachInput<LastOf<Stages...>>,
                "framepipe: the last stage (sink) must have `FrameView<input> acquire()` (or "
                "`template <PixelFormat F> FrameView<F> acquire()`)");
  static_assert(TakesSubmit<LastOf<Stages...>>,
                "framepipe: the last stage (sink) must have `void submit(const FrameTime&)`");
  static_assert(HasFinish<LastOf<Stages...>>,
                "framepipe: the last stage (sink) must have `void finish()`");

 public:
  using Sink = LastOf<Stages...>;
  static constexpr std::size_t kConverters = sizeof...(Stages) - 1;

 private:
  template <std::size_t I>
  using StageAt = std::tuple_element_t<I, std::tuple<Stages...>>;

  template <std::size_t... I>
  static constexpr auto chain_formats(std::index_sequence<I...>) {
    return ChainFormats<In, StageAt<I>...>::value;
  }

  template <std::size_t... I>
  static constexpr bool links_ok_at(std::index_sequence<I...>) {
    return (StageLink<std::tuple_element_t<I, std::tuple<Source, Stages...>>,
                      chain_formats(std::make_index_sequence<kConverters>{})[I], StageAt<I>>::ok &&
            ...);
  }

 public:
  /// formats[0] is `In`; formats[i + 1] the output of converter i; the last one the sink's input.
  static constexpr auto formats = chain_formats(std::make_index_sequence<kConverters>{});
  static constexpr PixelFormat sink_format = formats[kConverters];
  /// Whether adjacent stages fit. Evaluating it instantiates every StageLink: a mismatch is
  /// reported there, once.
  static constexpr bool links_ok = links_ok_at(std::make_index_sequence<kConverters + 1>{});

 private:
  template <std::size_t... I>
  static auto frame_tuple(std::index_sequence<I...>) -> std::tuple<Frame<formats[I]>...>;
  /// [0] holds `In` for a source that draws in place (push_drawn); [i] the output of converter
  /// i - 1. The last converter's output is the sink's frame.
  using Frames = decltype(frame_tuple(std::make_index_sequence<kConverters>{}));
  using SteadyClock = std::chrono::steady_clock;

 public:
  explicit ChainEngine(Stages... stages) : stages_(std::move(stages)...) {}

  Sink& sink() { return std::get<kConverters>(stages_); }
  const Sink& sink() const { return std::get<kConverters>(stages_); }
  /// Converter `I` (0-based, in chain order).
  template <std::size_t I>
  StageAt<I>& converter() {
    return std::get<I>(stages_);
  }

  /// Opens a stream whose frames of format `In` are described by `input` (size, fps, colour,
  /// chroma siting, pacing; `input.format` is set to `In`): allocates the intermediate frames
  /// (kept from a previous stream of the same size), tells each converter that has
  /// `start(const StreamSpec&)` the stream it will receive, and starts the sink with the stream
  /// it receives. Throws what a start() throws.
  void open(StreamSpec input) {
    check_frame_size(input.size);
    check_frame_rate(input.fps);
    input.format = In;
    allocate(input.size, std::make_index_sequence<kConverters>{});
    size_ = input.size;
    frame_bytes_ = default_layout(sink_format, input.size).size;
    const StreamSpec spec = start_converters(input, std::make_index_sequence<kConverters>{});
    if constexpr (requires(Sink & s) { s.start(spec); }) sink().start(spec);
    sink_dropped_before_ = stage_counters(sink()).dropped;
    stop_.sink_interrupted.store(false);
    open_ = true;
  }

  bool is_open() const { return open_; }
  Size size() const { return size_; }

  /// Pushes one frame that the source draws in place with `draw(FrameView<In>)`: into the first
  /// intermediate frame, or, with no converter, straight into the frame the sink lends.
  template <class Draw>
  void push_drawn(Draw&& draw, const FrameTime& time, Stats& stats) {
    if constexpr (kConverters == 0) {
      const FrameView<sink_format> out = acquire(stats);
      const auto t0 = SteadyClock::now();
      draw(out);
      stats.generate += SteadyClock::now() - t0;
    } else {
      if (std::get<0>(frames_).size() != size_) std::get<0>(frames_) = Frame<In>(size_);
      const auto t0 = SteadyClock::now();
      draw(std::get<0>(frames_).view());
      stats.generate += SteadyClock::now() - t0;
      convert_all(std::get<0>(frames_).view(), stats, std::make_index_sequence<kConverters>{});
    }
    submit(time, stats);
  }

  /// Pushes one frame the source lends (the caller's frame): the first converter reads it in
  /// place; with no converter it is copied into the frame the sink lends. Its size must be the
  /// stream's (InvalidArgument otherwise, before anything is touched).
  void push(FrameView<In> frame, const FrameTime& time, Stats& stats) {
    detail::check_same_size(frame.size(), "frame", size_, "the stream");
    if constexpr (kConverters == 0) {
      const FrameView<sink_format> out = acquire(stats);
      const auto t0 = SteadyClock::now();
      copy_frame(frame, out);
      stats.convert += SteadyClock::now() - t0;
    } else {
      convert_all(frame, stats, std::make_index_sequence<kConverters>{});
    }
    submit(time, stats);
  }

  /// Ends the stream normally: the sink's finish() (AppSrcSink: EOS and its wait). The stream is
  /// closed even when finish() throws (the sink has then stopped itself).
  void close(Stats& stats) {
    if (!open_) return;
    open_ = false;
    const auto t0 = SteadyClock::now();
    sink().finish();
    stats.finish += SteadyClock::now() - t0;
    count_drops(stats);  // a sink may count its last drops only once the stream has ended
  }

  /// Ends the stream on an error path (see sink_abort); a no-op once closed. Never throws. With
  /// `stats`, the frames the abort flushed out of the sink are counted as dropped, so that the
  /// frames made are the frames sent plus the frames dropped on this path too.
  void abort(Stats* stats = nullptr) noexcept {
    if (!open_) return;
    open_ = false;
    sink_abort(sink());
    if (stats == nullptr) return;
    try {
      count_drops(*stats);
    } catch (...) {  // a sink whose counters() throws keeps the counts it had before the abort
    }
  }

  /// From any thread: asks the stream to stop. When the chain is waiting in the sink's acquire()
  /// and the sink can be interrupted, the wait is cut short (acquire() throws Interrupted).
  /// Dekker-style with acquire(): either the chain sees the request before it waits, or this sees
  /// the chain waiting.
  void request_stop() noexcept {
    stop_.requested.store(true);
    if constexpr (kSinkInterrupts<Sink>) {
      if (stop_.in_acquire.load()) {
        stop_.sink_interrupted.store(true);
        sink().interrupt();
      }
    }
  }
  /// Runs `lend` -- which takes memory from the sink by another way than acquire(), e.g. the
  /// audio of a WithAudio first stage (acquire_audio) -- marked as waiting in the sink, as
  /// acquire() is, so that request_stop() interrupts a wait in it too; throws Interrupted at once
  /// when a stop was already requested and the sink can be interrupted.
  template <class Lend>
  void lending(Lend&& lend) {
    stop_.in_acquire.store(true);
    const ScopeExit leave{[this]() noexcept { stop_.in_acquire.store(false); }};
    if (kSinkInterrupts<Sink> && stop_.requested.load()) {
      throw Interrupted("framepipe: stop requested");
    }
    std::forward<Lend>(lend)();
  }

  /// Takes the stop request, if any (each request stops one stream).
  bool take_stop() noexcept { return stop_.requested.exchange(false); }
  bool stop_requested() const noexcept { return stop_.requested.load(); }
  /// Whether request_stop() interrupted the sink's acquire() (downstream held every frame).
  bool sink_interrupted() const noexcept { return stop_.sink_interrupted.load(); }

 private:
  /// Starts converters 0.. in order, each told the stream it receives; returns the sink's.
  template <std::size_t... I>
  StreamSpec start_converters(StreamSpec spec, std::index_sequence<I...>) {
    ((spec = start_converter<I>(spec)), ...);
    return spec;
  }

  /// Tells converter I its input (its optional `start(const StreamSpec&)`) and returns the stream
  /// it makes: its output format; the colour it states (`color_spec(size)`, e.g. a packer's), or
  /// for Y'CbCr in and out the input's colour and siting unchanged, and none for RGB or gray.
  template <std::size_t I>
  StreamSpec start_converter(const StreamSpec& in) {
    auto& c = converter<I>();
    if constexpr (requires { c.start(in); }) c.start(in);
    StreamSpec out = in;
    out.format = formats[I + 1];
    const bool yuv_in = format_info(in.format).yuv;
    const bool yuv_out = format_info(out.format).yuv;
    if (const std::optional<ColorSpec> stated = stage_color_spec(c, in.size)) {
      out.color = stated;
      out.chroma_site = ChromaSite::Center;
    } else if (!(yuv_in && yuv_out)) {
      out.color.reset();
      out.chroma_site = ChromaSite::Center;
    }
    return out;
  }

  template <std::size_t... I>
  void allocate([[maybe_unused]] Size size, std::index_sequence<I...>) {
    // [0] is allocated on the first push_drawn(): a source that lends its frames never needs it.
    ((I == 0 || std::get<I>(frames_).size() == size
          ? void()
          : void(std::get<I>(frames_) = std::tuple_element_t<I, Frames>(size))),
     ...);
  }

  FrameView<sink_format> acquire(Stats& stats) {
    const auto t0 = SteadyClock::now();
    stop_.in_acquire.store(true);
    const ScopeExit leave{[this]() noexcept { stop_.in_acquire.store(false); }};
    if (kSinkInterrupts<Sink> && stop_.requested.load()) {
      throw Interrupted("framepipe: stop requested");
    }
    const FrameView<sink_format> out = sink_acquire<sink_format>(sink());
    stats.acquire += SteadyClock::now() - t0;
    return out;
  }

  template <std::size_t... I>
  void convert_all(FrameView<In> first, Stats& stats, std::index_sequence<I...>) {
    (convert_step<I>(first, stats), ...);
  }

  /// Converter I reads the first frame (I == 0) or the previous intermediate, and writes the next
  /// intermediate or, for the last converter, the frame the sink lends.
  template <std::size_t I>
  void convert_step(FrameView<In> first, Stats& stats) {
    const auto in = [&] {
      if constexpr (I == 0) {
        return first;
      } else {
        return std::get<I>(frames_).view();
      }
    }();
    if constexpr (I + 1 < kConverters) {
      const auto t0 = SteadyClock::now();
      converter<I>().convert(in, std::get<I + 1>(frames_).view());
      stats.convert += SteadyClock::now() - t0;
    } else {
      const FrameView<sink_format> out = acquire(stats);
      const auto t0 = SteadyClock::now();
      converter<I>().convert(in, out);
      stats.convert += SteadyClock::now() - t0;
    }
  }

  void submit(const FrameTime& time, Stats& stats) {
    const auto t0 = SteadyClock::now();
    sink().submit(time);
    stats.submit += SteadyClock::now() - t0;
    ++stats.frames;
    stats.bytes += frame_bytes_;
    count_drops(stats);
  }

  void count_drops(Stats& stats) const {
    stats.dropped =
        stats.late + stats.source_dropped + (stage_counters(sink()).dropped - sink_dropped_before_);
  }

  template <PixelFormat F>
  static void copy_frame(FrameView<F> from, FrameView<F> to) {
    const PlaneLayout l = default_layout(F, from.size());
    for (int p = 0; p < l.planes; ++p) {
      const auto bytes = static_cast<std::size_t>(l.row_bytes[static_cast<std::size_t>(p)]);
      for (int y = 0; y < l.rows[static_cast<std::size_t>(p)]; ++y) {
        std::copy_n(from.row(p, y), bytes, to.row(p, y));
      }
    }
  }

  std::tuple<Stages...> stages_;
  Frames frames_{};
  StopSignal stop_;
  Size size_{};
  std::size_t frame_bytes_ = 0;
  std::uint64_t sink_dropped_before_ = 0;  // the sink's drop count is cumulative over its life
  bool open_ = false;
};

}  // namespace framepipe::detail
