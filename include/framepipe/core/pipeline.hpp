// Pipeline<Generator, Converter..., Sink>: a generator and pacing in front of the chain engine.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "framepipe/core/chain.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/handoff_ring.hpp"
#include "framepipe/core/source.hpp"
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
  /// Overlapped stages: the generator draws frame i + 1 on a thread of its own while the run's
  /// thread converts frame i and hands it to the sink, with two frames in flight between the two
  /// (memory: two more frames of the generator's format). Order, exact timestamps, pacing,
  /// back-pressure, request_stop() and the handling of errors are those of a sequential run.
  /// Needs a converter: with none the generator draws into the sink's own frame, and the run
  /// stays sequential. Ignored with a lending source.
  bool overlap = false;
};

namespace detail {

/// The generator's output format, or a stand-in when it declares none (reported separately).
template <class G>
constexpr PixelFormat generator_output() {
  if constexpr (HasOutputFormat<G>) {
    return G::output;
  } else {
    return PixelFormat::BGR24;
  }
}

/// Runs a function when the scope ends, however it ends.
template <class F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ~ScopeExit() { f_(); }

 private:
  F f_;
};

}  // namespace detail

/// A generator or a lending source, zero or more converters and a sink, composed at compile time:
/// \code
///   Pipeline<TextClockGenerator, I420Packer, AppSrcSink> p{gen, packer, sink};
///   Stats s = p.run({.frames = 150, .fps = {30, 1}});
/// \endcode
/// Adjacent stages must agree on the pixel format (checked by static_assert). Intermediate frames
/// are owned by the chain engine and reused: the steady state allocates nothing per frame. A
/// generator draws into memory the pipeline owns; a lending Source (core/source.hpp) lends its
/// own frames, which the first converter reads in place.
template <class G, class... Stages>
class Pipeline {
  static_assert(sizeof...(Stages) >= 1, "framepipe::Pipeline needs a generator and a sink");
  static constexpr bool kLends = detail::MeansToLend<G>;
  // The Generator concept (core/stage.hpp), or the Source concept (core/source.hpp) for a first
  // stage that has next(), one named trait at a time.
  static_assert(HasOutputFormat<G>,
                "framepipe: the first stage (generator or lending source) must declare "
                "`static constexpr PixelFormat output`");
  static_assert(kLends || HasFrameSize<G>,
                "framepipe: the first stage (generator) must have `Size size() const`");
  static_assert(kLends || !HasOutputFormat<G> || GeneratesFrames<G>,
                "framepipe: the first stage (generator) must have "
                "`void generate(FrameView<output>, const FrameTime&)`");
  static_assert(!kLends || OpensStream<G>,
                "framepipe: the first stage (lending source) must have `StreamSpec start()`");
  static_assert(!kLends || !HasOutputFormat<G> || LendsFrames<G>,
                "framepipe: the first stage (lending source) must have "
                "`std::optional<LentFrame<output>> next()`");
  static_assert(!kLends || HasStop<G>,
                "framepipe: the first stage (lending source) must have `void stop()`");

  using Engine = detail::ChainEngine<G, detail::generator_output<G>(), Stages...>;
  using Sink = typename Engine::Sink;

 public:
  /// formats[0] is the generator's output; formats[i + 1] that of converter i; the last one is
  /// what the sink receives.
  static constexpr auto formats = Engine::formats;
  static constexpr PixelFormat sink_format = Engine::sink_format;

  explicit Pipeline(G generator, Stages... stages)
      : generator_(std::move(generator)), engine_(std::move(stages)...) {}

  /// The first stage: the generator, or the lending source.
  G& generator() { return generator_; }
  G& source() { return generator_; }
  Sink& sink() { return engine_.sink(); }
  /// Converter `I` (0-based, in chain order).
  template <std::size_t I>
  auto& converter() {
    return engine_.template converter<I>();
  }

  /// Produces the frames `options` asks for, hands each to the sink, then calls the sink's
  /// finish() (which for AppSrcSink sends EOS and waits for it). Returns the run's counters.
  /// With a lending source, the source's stream sets size, rate and colour: `frames` (0: all)
  /// and `duration` (0: all) only cut it short, and `fps` is not used.
  ///
  /// Every way out ends the stream: a normal end and request_stop() through finish(); an
  /// exception from any stage, from `on_progress` or from the sink through the sink's abort()
  /// (bounded; AppSrcSink still sends EOS so a file stays playable), and the exception then
  /// propagates. Either way the same Pipeline can run() again.
  Stats run(const RunOptions& options) {
    if constexpr (!Engine::links_ok) {
      return {};  // unreachable: the class did not compile; this keeps the error single
    } else {
      const detail::ScopeExit clear_stop{[this] { engine_.take_stop(); }};  // outlives no run
      return run_checked(options);
    }
  }

  /// The counters of the current run so far, or of the last run once it ended; safe to call from
  /// any thread while run() goes on (each field is published after every frame).
  Stats stats() const { return live_.load(); }

  /// Asks the current run, from any thread, to stop: it ends after the frame it is producing, or
  /// at once when it is waiting for the sink to lend a frame (downstream holds every frame; the
  /// sink's interrupt() cuts that wait short). run() then ends the stream as usual -- through the
  /// sink's finish(), or its bounded abort() when the wait was cut -- and returns. A request made
  /// before run() starts stops that run before its first frame; each request ends at most one run.
  void request_stop() noexcept {
    engine_.request_stop();
    if constexpr (requires { generator_.interrupt(); }) generator_.interrupt();
  }

 private:
  using SteadyClock = std::chrono::steady_clock;

  Stats run_checked(const RunOptions& options) {
    if constexpr (kLends) {
      return run_source(options);
    } else {
      return run_generator(options);
    }
  }

  /// A lending source's stream, frame after frame until its end (or `frames`, `duration`, a stop).
  Stats run_source(const RunOptions& options) {
    StreamSpec spec = generator_.start();
    const detail::ScopeExit stop_source{[this]() noexcept { generator_.stop(); }};
    spec.pacing = options.pacing;
    engine_.open(spec);
    const detail::ScopeExit end_stream{[this]() noexcept { engine_.abort(); }};
    const std::uint64_t source_dropped_before = detail::stage_counters(generator_).dropped;
    Stats stats;
    live_.store(stats);
    const auto start = SteadyClock::now();
    auto last_progress = start;
    const auto limit = static_cast<std::uint64_t>(options.duration.count());
    try {
      for (std::uint64_t i = 0; options.frames == 0 || i < options.frames; ++i) {
        if (engine_.take_stop()) break;
        const auto t0 = SteadyClock::now();
        std::optional<LentFrame<detail::generator_output<G>()>> frame = generator_.next();
        stats.generate += SteadyClock::now() - t0;
        if (!frame || (limit != 0 && frame->time().pts >= limit)) break;
        stats.source_dropped = detail::stage_counters(generator_).dropped - source_dropped_before;
        engine_.push(frame->view(), frame->time(), stats);
        frame->release();  // back to the source before the counters are published
        const auto now = publish(stats, start);
        if (options.on_progress && now - last_progress >= options.progress_interval) {
          last_progress = now;
          options.on_progress(stats);
        }
      }
    } catch (const Interrupted&) {
      if (engine_.sink_interrupted()) engine_.abort();  // as in run_generator
    }
    engine_.close(stats);
    publish(stats, start);
    return stats;
  }

  Stats run_generator(const RunOptions& options) {
    check_frame_rate(options.fps);
    if (options.frames == 0 && options.duration <= std::chrono::nanoseconds::zero()) {
      throw InvalidArgument(
          "framepipe::Pipeline::run: set RunOptions::frames or RunOptions::duration");
    }
    const std::uint64_t frame_count =
        options.frames != 0 ? options.frames : frames_within(options.duration, options.fps);

    engine_.open({.size = generator_.size(),
                  .fps = options.fps,
                  .color = detail::stage_color_spec(generator_, generator_.size()),
                  .pacing = options.pacing});
    const detail::ScopeExit end_stream{[this]() noexcept { engine_.abort(); }};  // once closed, a
                                                                                 // no-op
    Stats stats;
    live_.store(stats);
    const auto start = SteadyClock::now();
    try {
      if constexpr (Engine::kConverters > 0) {
        if (options.overlap) {
          draw_overlapped(options, frame_count, stats, start);
        } else {
          draw_sequentially(options, frame_count, stats, start);
        }
      } else {
        draw_sequentially(options, frame_count, stats, start);
      }
    } catch (const Interrupted&) {
      // request_stop() while the sink could not lend a frame: downstream holds every frame, so
      // the bounded abort() ends the stream rather than a finish() that would wait for them.
      if (engine_.sink_interrupted()) engine_.abort();
    }
    engine_.close(stats);  // a no-op after the abort above
    publish(stats, start);
    return stats;
  }

  /// Paces frame `time` (Pacing::RealTime): Draw once it is due (sleeping until then), Late when
  /// its time is more than a period past (it is skipped and counted), Stop on request_stop().
  enum class Slot { Draw, Late, Stop };
  Slot pace(const RunOptions& options, const FrameTime& time, SteadyClock::time_point start,
            bool take_stop) {
    if (options.pacing != Pacing::RealTime) return Slot::Draw;
    const auto due = start + std::chrono::nanoseconds(time.pts);
    if (SteadyClock::now() > due + std::chrono::nanoseconds(time.duration)) return Slot::Late;
    return sleep_until_or_stop(due, take_stop) ? Slot::Draw : Slot::Stop;
  }

  /// Draws, converts and hands over one frame after the other, on the run's thread.
  void draw_sequentially(const RunOptions& options, std::uint64_t frame_count, Stats& stats,
                         SteadyClock::time_point start) {
    auto last_progress = start;
    for (std::uint64_t i = 0; i < frame_count; ++i) {
      if (engine_.take_stop()) break;
      const FrameTime time = FrameTime::at(i, options.fps);
      const Slot slot = pace(options, time, start, true);
      if (slot == Slot::Stop) break;
      if (slot == Slot::Late) {
        ++stats.late;
        ++stats.dropped;
        publish(stats, start);
        continue;  // too late to be worth producing
      }
      engine_.push_drawn([&](auto frame) { generator_.generate(frame, time); }, time, stats);
      progress(options, stats, start, last_progress);
    }
  }

  /// The generator draws on a thread of its own into one of two frames, while this thread
  /// converts and hands over the one before (RunOptions::overlap).
  void draw_overlapped(const RunOptions& options, std::uint64_t frame_count, Stats& stats,
                       SteadyClock::time_point start) {
    constexpr std::size_t kInFlight = 2;
    const Size size = generator_.size();
    if (drawn_.size() != kInFlight || drawn_[0].size() != size) {
      drawn_.clear();
      for (std::size_t i = 0; i < kInFlight; ++i) drawn_.emplace_back(size);
    }
    detail::HandoffRing<FrameTime> ring(kInFlight);
    // Written by the drawing thread, read here: relaxed, each exact on its own.
    std::atomic<std::uint64_t> late{0};
    std::atomic<std::int64_t> generate_ns{0};
    std::thread drawer([&]() noexcept {
      try {
        for (std::uint64_t i = 0; i < frame_count; ++i) {
          if (engine_.stop_requested()) break;
          const FrameTime time = FrameTime::at(i, options.fps);
          const Slot paced = pace(options, time, start, false);
          if (paced == Slot::Stop) break;
          if (paced == Slot::Late) {
            late.fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          const std::optional<std::size_t> slot = ring.take_free();
          if (!slot) return;  // closed: the run ended
          const auto t0 = SteadyClock::now();
          generator_.generate(drawn_[*slot].view(), time);
          generate_ns.fetch_add((SteadyClock::now() - t0).count(), std::memory_order_relaxed);
          if (!ring.hand_over(*slot, time)) return;
        }
        ring.finish();
      } catch (...) {
        ring.fail(std::current_exception());
      }
    });
    // Declared after the thread: on every way out, the hand-off closes and the thread is joined
    // before the frames it draws into (members) or the ring go away.
    const detail::ScopeExit join{[&]() noexcept {
      ring.close();
      drawer.join();
    }};
    const auto merge_drawer = [&] {
      stats.late = late.load(std::memory_order_relaxed);
      stats.generate = std::chrono::nanoseconds(generate_ns.load(std::memory_order_relaxed));
    };
    auto last_progress = start;
    while (!engine_.stop_requested()) {
      const std::optional<detail::HandoffRing<FrameTime>::Item> item = ring.take_filled();
      if (!item) break;
      merge_drawer();
      engine_.push(drawn_[item->slot].view(), item->value, stats);
      ring.give_back(item->slot);
      progress(options, stats, start, last_progress);
    }
    merge_drawer();  // close() counts the drops, late ones included
    if (const std::exception_ptr error = ring.error()) std::rethrow_exception(error);
  }

  /// Publishes the counters, and calls on_progress when its interval has passed.
  void progress(const RunOptions& options, Stats& stats, SteadyClock::time_point start,
                SteadyClock::time_point& last_progress) {
    const auto now = publish(stats, start);
    if (options.on_progress && now - last_progress >= options.progress_interval) {
      last_progress = now;
      options.on_progress(stats);
    }
  }

  /// Publishes the counters so far (Pipeline::stats()); returns the time it took for "now".
  SteadyClock::time_point publish(Stats& stats, SteadyClock::time_point start) {
    const auto now = SteadyClock::now();
    stats.elapsed = now - start;
    live_.store(stats);
    return now;
  }

  /// Sleeps until `due`, waking every few milliseconds to honour request_stop(); false when a
  /// stop was requested (and takes the request when `take_stop`).
  bool sleep_until_or_stop(SteadyClock::time_point due, bool take_stop) {
    constexpr auto kSlice = std::chrono::milliseconds(5);
    for (;;) {
      if (take_stop ? engine_.take_stop() : engine_.stop_requested()) return false;
      const auto now = SteadyClock::now();
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

  G generator_;
  Engine engine_;
  /// The frames an overlapped run's generator draws into (RunOptions::overlap).
  std::vector<Frame<detail::generator_output<G>()>> drawn_;
  detail::AtomicStats live_;
};

template <class G, class... Stages>
Pipeline(G, Stages...) -> Pipeline<G, Stages...>;

}  // namespace framepipe
