// Pipeline<Generator, Converter..., Sink>: stages composed and checked at compile time.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"

namespace framepipe {

/// How long and how fast Pipeline::run() goes.
struct RunOptions {
  /// Frames to produce; 0 means "as many as `duration` covers".
  std::uint64_t frames = 0;
  /// Frame rate: sets every pts and duration, and the pace of Pacing::RealTime.
  FrameRate fps{30, 1};
  /// Stream length, used when `frames` is 0: the frames whose pts falls before it.
  std::chrono::nanoseconds duration{0};
  /// AsFastAsPossible, or RealTime: frame i is produced at start + pts(i) on the wall clock, and a
  /// frame whose time is already more than one frame duration past is skipped (not generated)
  /// and counted in Stats::late and Stats::dropped.
  Pacing pacing = Pacing::AsFastAsPossible;
  /// Called from the run's thread about once per `progress_interval` with the counters so far.
  std::function<void(const Stats&)> on_progress{};
  std::chrono::milliseconds progress_interval{1000};
};

namespace detail {

/// Reads as the diagnostic when stages do not fit: "the output format of Producer is Out, and
/// Consumer (which takes ConsumerInput) does not accept it".
/// A consumer that declares no inputs at all is reported by Pipeline's own checks, not here.
template <class Producer, PixelFormat Out, class Consumer, PixelFormat ConsumerInput>
inline constexpr bool next_stage_accepts_output =
    !declares_inputs<Consumer>() || stage_accepts<Consumer, Out>();

template <class Producer, PixelFormat Out, class Consumer>
struct StageLink {
  static constexpr PixelFormat kConsumerInput = first_accepted_input<Consumer>().value_or(Out);
  static_assert(next_stage_accepts_output<Producer, Out, Consumer, kConsumerInput>,
                "framepipe::Pipeline: a stage's output format is not an input format of the next "
                "stage; the note names <producer, its output, consumer, an input it takes>");
  static constexpr bool ok = next_stage_accepts_output<Producer, Out, Consumer, kConsumerInput>;
};

/// Formats along a chain: [0] is the generator's output, [i + 1] the output of converter i.
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

/// The chain behind a source of `In` frames (a generator, or a Writer's caller) and `Stages`
/// (converters, then the sink): the format after every stage and whether adjacent stages fit.
template <class Source, PixelFormat In, class... Stages>
struct StageChain {
  static constexpr std::size_t kConverters = sizeof...(Stages) - 1;
  template <std::size_t I>
  using StageAt = std::tuple_element_t<I, std::tuple<Stages...>>;

  template <std::size_t... I>
  static constexpr auto chain_formats(std::index_sequence<I...>) {
    return ChainFormats<In, StageAt<I>...>::value;
  }
  /// formats[0] is `In`; formats[i + 1] the output of converter i; the last one the sink's input.
  static constexpr auto formats = chain_formats(std::make_index_sequence<kConverters>{});
  static constexpr PixelFormat sink_format = formats[kConverters];

  template <std::size_t... I>
  static constexpr bool links_ok_at(std::index_sequence<I...>) {
    return (StageLink<std::tuple_element_t<I, std::tuple<Source, Stages...>>, formats[I],
                      StageAt<I>>::ok &&
            ...);
  }
  /// Evaluating it instantiates every StageLink: a mismatch is reported there, once.
  static constexpr bool links_ok = links_ok_at(std::make_index_sequence<kConverters + 1>{});
};

/// The generator's output format, or a stand-in when it declares none (reported separately).
template <class G>
constexpr PixelFormat generator_output() {
  if constexpr (HasOutputFormat<G>) {
    return G::output;
  } else {
    return PixelFormat::BGR24;
  }
}

template <class... T>
using LastOf = std::tuple_element_t<sizeof...(T) - 1, std::tuple<T...>>;

/// What another thread may touch while a run goes on: the published counters and the stop flag.
/// Copies carry the values, so a Pipeline stays copyable and movable.
struct RunControl {
  AtomicStats live;
  std::atomic<bool> stop{false};

  RunControl() = default;
  RunControl(const RunControl& other)
      : live(other.live), stop(other.stop.load(std::memory_order_relaxed)) {}
  RunControl& operator=(const RunControl& other) {
    live = other.live;
    stop.store(other.stop.load(std::memory_order_relaxed), std::memory_order_relaxed);
    return *this;
  }
};

/// The sink's own counters (SinkCounters), or zeros for a sink that keeps none.
template <class S>
SinkCounters sink_counters(const S& sink) {
  if constexpr (requires {
                  { sink.counters() } -> std::convertible_to<SinkCounters>;
                }) {
    return sink.counters();
  } else {
    return {};
  }
}

}  // namespace detail

/// A generator, zero or more converters and a sink, composed at compile time:
/// \code
///   Pipeline<TextClockGenerator, I420Packer, AppSrcSink> p{gen, packer, sink};
///   Stats s = p.run({.frames = 150, .fps = {30, 1}});
/// \endcode
/// Adjacent stages must agree on the pixel format (checked by static_assert). Intermediate frames
/// are owned by the pipeline and reused: the steady state allocates nothing per frame.
template <class G, class... Stages>
class Pipeline {
  static_assert(sizeof...(Stages) >= 1, "framepipe::Pipeline needs a generator and a sink");
  static_assert(HasOutputFormat<G>,
                "framepipe::Pipeline: the first stage (generator) must declare "
                "`static constexpr PixelFormat output`");
  static_assert(HasFrameSize<G>,
                "framepipe::Pipeline: the first stage (generator) must have `Size size() const`");
  static_assert(!HasOutputFormat<G> || detail::GeneratesFrames<G>,
                "framepipe::Pipeline: the first stage (generator) must have "
                "`void generate(FrameView<output>, const FrameTime&)`");
  static_assert(detail::all_converters<detail::ConverterDeclaresInputs, Stages...>(),
                "framepipe::Pipeline: a converter must declare its input format: "
                "`static constexpr PixelFormat input` (or `template <PixelFormat In> static "
                "constexpr bool accepts`)");
  static_assert(detail::all_converters<detail::ConverterDeclaresOutput, Stages...>(),
                "framepipe::Pipeline: a converter must declare its output format: "
                "`static constexpr PixelFormat output` (or `template <PixelFormat In> static "
                "constexpr PixelFormat output_for`)");
  static_assert(detail::all_converters<detail::ConverterConvertsEachInput, Stages...>(),
                "framepipe::Pipeline: a converter must have `void convert(FrameView<input>, "
                "FrameView<output>)` for each input format it declares");
  static_assert(detail::lends_each_input<detail::LastOf<Stages...>>(),
                "framepipe::Pipeline: the last stage (sink) must have `FrameView<input> acquire()` "
                "(or `template <PixelFormat F> FrameView<F> acquire()`)");
  static_assert(detail::TakesSubmit<detail::LastOf<Stages...>>,
                "framepipe::Pipeline: the last stage (sink) must have "
                "`void submit(const FrameTime&)`");
  static_assert(detail::HasFinish<detail::LastOf<Stages...>>,
                "framepipe::Pipeline: the last stage (sink) must have `void finish()`");

  using Sink = detail::LastOf<Stages...>;
  using Chain = detail::StageChain<G, detail::generator_output<G>(), Stages...>;
  static constexpr std::size_t kConverters = Chain::kConverters;

 public:
  /// formats[0] is the generator's output; formats[i + 1] that of converter i; the last one is
  /// what the sink receives.
  static constexpr auto formats = Chain::formats;
  static constexpr PixelFormat sink_format = Chain::sink_format;

 private:
  static constexpr bool kLinksOk = Chain::links_ok;
  static_assert(kLinksOk || true);  // a mismatch is reported once, in detail::StageLink

  template <std::size_t I>
  using ConverterAt = std::tuple_element_t<I, std::tuple<Stages...>>;

  template <std::size_t... I>
  static auto intermediate_frames(std::index_sequence<I...>) -> std::tuple<Frame<formats[I]>...>;
  /// The generator's output and every converter's output but the last (which the sink lends).
  using Intermediates = decltype(intermediate_frames(std::make_index_sequence<kConverters>{}));

 public:
  explicit Pipeline(G generator, Stages... stages)
      : stages_(std::move(generator), std::move(stages)...) {}

  G& generator() { return std::get<0>(stages_); }
  Sink& sink() { return std::get<sizeof...(Stages)>(stages_); }
  /// Converter `I` (0-based, in chain order).
  template <std::size_t I>
  ConverterAt<I>& converter() {
    return std::get<1 + I>(stages_);
  }

  /// Produces the frames `options` asks for, hands each to the sink, then calls the sink's
  /// finish() (which for AppSrcSink sends EOS and waits for it). Returns the run's counters.
  /// A request_stop() ends the run early, but still through finish().
  Stats run(const RunOptions& options) {
    if constexpr (!kLinksOk) {
      return {};  // unreachable: the class did not compile; this keeps the error single
    } else {
      struct ClearStop {
        std::atomic<bool>& stop;
        ~ClearStop() { stop.store(false, std::memory_order_relaxed); }
      } clear_stop{control_.stop};  // a request outlives no run
      return run_checked(options);
    }
  }

  /// The counters of the current run so far, or of the last run once it ended; safe to call from
  /// any thread while run() goes on (each field is published after every frame).
  Stats stats() const { return control_.live.load(); }

  /// Asks the current run, from any thread, to stop after the frame it is producing: run() then
  /// calls the sink's finish() as usual (so a file being written is finalised) and returns. A
  /// request made before run() starts stops that run before its first frame; each request ends
  /// at most one run.
  void request_stop() noexcept { control_.stop.store(true, std::memory_order_relaxed); }

 private:
  Stats run_checked(const RunOptions& options) {
    check_frame_rate(options.fps);
    if (options.frames == 0 && options.duration <= std::chrono::nanoseconds::zero()) {
      throw InvalidArgument(
          "framepipe::Pipeline::run: set RunOptions::frames or RunOptions::duration");
    }
    const Size size = generator().size();
    check_frame_size(size);
    const std::uint64_t frame_count =
        options.frames != 0 ? options.frames : frames_within(options.duration, options.fps);

    allocate_intermediates(size, std::make_index_sequence<kConverters>{});
    StreamSpec spec{sink_format, size, options.fps, color_of_sink_input(size), options.pacing};
    if constexpr (requires(Sink & s) { s.start(spec); }) sink().start(spec);

    using Clock = std::chrono::steady_clock;
    Stats stats;
    control_.live.store(stats);
    const std::uint64_t sink_dropped_before = detail::sink_counters(sink()).dropped;
    const std::uint64_t frame_bytes = default_layout(sink_format, size).size;
    const auto start = Clock::now();
    auto last_progress = start;
    for (std::uint64_t i = 0; i < frame_count; ++i) {
      if (control_.stop.exchange(false, std::memory_order_relaxed)) break;
      const FrameTime time = FrameTime::at(i, options.fps);
      if (options.pacing == Pacing::RealTime) {
        const auto due = start + std::chrono::nanoseconds(time.pts);
        if (Clock::now() > due + std::chrono::nanoseconds(time.duration)) {
          ++stats.late;
          ++stats.dropped;
          stats.elapsed = Clock::now() - start;
          control_.live.store(stats);
          continue;  // too late to be worth producing
        }
        if (!sleep_until_or_stop(due)) break;
      }
      produce(time, stats, std::make_index_sequence<kConverters>{});
      const auto before_submit = Clock::now();
      sink().submit(time);
      const auto after_submit = Clock::now();
      stats.submit += after_submit - before_submit;
      ++stats.frames;
      stats.bytes += frame_bytes;
      stats.dropped = stats.late + (detail::sink_counters(sink()).dropped - sink_dropped_before);
      stats.elapsed = after_submit - start;
      control_.live.store(stats);
      if (options.on_progress && after_submit - last_progress >= options.progress_interval) {
        last_progress = after_submit;
        options.on_progress(stats);
      }
    }
    const auto before_finish = Clock::now();
    sink().finish();
    const auto end = Clock::now();
    // The sink may count its last drops only once the stream has ended (finish()).
    stats.dropped = stats.late + (detail::sink_counters(sink()).dropped - sink_dropped_before);
    stats.finish = end - before_finish;
    stats.elapsed = end - start;
    control_.live.store(stats);
    return stats;
  }

  /// Sleeps until `due`, waking every few milliseconds to honour request_stop(); false when a
  /// stop was requested (and consumes the request).
  bool sleep_until_or_stop(std::chrono::steady_clock::time_point due) {
    constexpr auto kSlice = std::chrono::milliseconds(5);
    for (;;) {
      if (control_.stop.exchange(false, std::memory_order_relaxed)) return false;
      const auto now = std::chrono::steady_clock::now();
      if (now >= due) return true;
      if (due - now <= kSlice) {
        std::this_thread::sleep_until(due);
        return true;
      }
      std::this_thread::sleep_for(kSlice);
    }
  }

  static std::uint64_t frames_within(std::chrono::nanoseconds duration, FrameRate rate) {
    // The number of frames i with pts(i) < duration: ceil(duration * num / (1e9 * den)).
    const auto d = static_cast<std::uint64_t>(duration.count());
    const auto ticks = kNanosPerSecond * static_cast<std::uint64_t>(rate.den);
    const auto num = static_cast<std::uint64_t>(rate.num);
    const std::uint64_t whole = detail::scale_u64(d, num, ticks);
    return FrameTime::at(whole, rate).pts < d ? whole + 1 : whole;
  }

  std::optional<ColorSpec> color_of_sink_input(Size size) const {
    if constexpr (kConverters == 0) {
      return detail::stage_color_spec(std::get<0>(stages_), size);
    } else {
      return detail::stage_color_spec(std::get<kConverters>(stages_), size);
    }
  }

  template <std::size_t... I>
  void allocate_intermediates([[maybe_unused]] Size size, std::index_sequence<I...>) {
    // Reuse frames across runs of the same size.
    ((std::get<I>(frames_).size() == size
          ? void()
          : void(std::get<I>(frames_) = std::tuple_element_t<I, Intermediates>(size))),
     ...);
  }

  template <std::size_t... I>
  void produce(const FrameTime& time, Stats& stats, std::index_sequence<I...>) {
    using Clock = std::chrono::steady_clock;
    if constexpr (kConverters == 0) {
      const auto t0 = Clock::now();
      FrameView<sink_format> out = detail::sink_acquire<sink_format>(sink());
      const auto t1 = Clock::now();
      generator().generate(out, time);
      stats.acquire += t1 - t0;
      stats.generate += Clock::now() - t1;
    } else {
      const auto t0 = Clock::now();
      generator().generate(std::get<0>(frames_).view(), time);
      const auto t1 = Clock::now();
      stats.generate += t1 - t0;
      (convert_step<I>(stats), ...);
    }
  }

  template <std::size_t I>
  void convert_step(Stats& stats) {
    using Clock = std::chrono::steady_clock;
    auto in = std::get<I>(frames_).view();
    if constexpr (I + 1 < kConverters) {
      const auto t0 = Clock::now();
      converter<I>().convert(in, std::get<I + 1>(frames_).view());
      stats.convert += Clock::now() - t0;
    } else {
      const auto t0 = Clock::now();
      FrameView<sink_format> out = detail::sink_acquire<sink_format>(sink());
      const auto t1 = Clock::now();
      converter<I>().convert(in, out);
      stats.acquire += t1 - t0;
      stats.convert += Clock::now() - t1;
    }
  }

  std::tuple<G, Stages...> stages_;
  Intermediates frames_{};
  detail::RunControl control_;
};

template <class G, class... Stages>
Pipeline(G, Stages...) -> Pipeline<G, Stages...>;

}  // namespace framepipe
