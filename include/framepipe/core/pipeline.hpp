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

#include "framepipe/core/audio_feed.hpp"
#include "framepipe/core/audio_stage.hpp"
#include "framepipe/core/chain.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/frame_time.hpp"
#include "framepipe/core/handoff_ring.hpp"
#include "framepipe/core/scope_exit.hpp"
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
  /// Overlapped stages: frame i + 1 is drawn while frame i is converted and handed to the sink.
  /// The run's thread and one thread more (started by run(), joined before it returns) take the
  /// frames in turn, each drawing its frame into a frame of its own and converting it (memory: two
  /// more frames of the generator's format); the drawing steps go one at a time in frame order
  /// (both lanes draw at once when the generator DrawsConcurrently), and so do the
  /// convert-and-hand-over steps. So every stage is still called by one thread at a time (but a
  /// DrawsConcurrently generator) and sees the frames in order, but not always from the same
  /// thread. Order, exact timestamps, pacing, back-pressure, request_stop(), stats() and the
  /// handling of errors are those of a sequential run; on_progress is called from the run's
  /// thread. Pays when two cores are free and drawing costs about as much as converting, or the
  /// generator DrawsConcurrently (figures in benchmarks/README.md). Needs a converter: with none
  /// the generator draws into the sink's own frame, and the run stays sequential. Ignored with a
  /// lending source.
  bool overlap = false;
};

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

  using Engine = detail::ChainEngine<G, detail::first_stage_output<G>(), Stages...>;
  using Sink = typename Engine::Sink;

  // A first stage that carries audio (WithAudio, audio/with_audio.hpp): its sink must take it.
  static constexpr bool kAudio = detail::CarriesAudio<G>;
  template <class S, class Gen>
  static constexpr bool sink_takes_audio() {
    if constexpr (detail::CarriesAudio<Gen>) {
      return AudioSinkFor<S, std::remove_cvref_t<decltype(std::declval<Gen&>().audio())>::output>;
    } else {
      return true;
    }
  }
  static_assert(sink_takes_audio<Sink, G>(),
                "framepipe: the first stage carries audio (WithAudio), so the sink must be an "
                "AudioSink of its format (acquire_audio, submit_audio, finish)");

 public:
  /// formats[0] is the generator's output; formats[i + 1] that of converter i; the last one is
  /// what the sink receives.
  static constexpr auto formats = Engine::formats;
  static constexpr PixelFormat sink_format = Engine::sink_format;

  explicit Pipeline(G generator, Stages... stages)
      : generator_(std::move(generator)), engine_(std::move(stages)...) {}

  /// The first stage: the generator, or the lending source.
  G& first_stage() { return generator_; }
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
      const detail::ScopeExit clear_stop{
          [this]() noexcept { engine_.take_stop(); }};  // outlives no run
      return run_checked(options);
    }
  }

  /// Audio frames (one sample of every channel) the current or last run sent, with a first stage
  /// that carries audio (WithAudio); 0 otherwise. Read it once run() returned.
  std::uint64_t audio_frames() const { return audio_.frames(); }

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
        std::optional<LentFrame<detail::first_stage_output<G>()>> frame = generator_.next();
        stats.generate += SteadyClock::now() - t0;
        if (!frame || (limit != 0 && frame->time().pts >= limit)) break;
        stats.source_dropped = detail::stage_counters(generator_).dropped - source_dropped_before;
        engine_.push(frame->view(), frame->time(), stats);
        frame->release();  // back to the source before the counters are published
        progress(options, stats, start, last_progress);
      }
    } catch (const Interrupted&) {
      if (engine_.sink_interrupted()) engine_.abort(&stats);  // as in run_generator
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
    // On every way out; once the stream is closed, a no-op.
    const detail::ScopeExit end_stream{[this]() noexcept { engine_.abort(); }};
    if constexpr (kAudio) {
      audio_.start(engine_.sink(), generator_.audio().audio_spec(), options.pacing);
    }
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
      if (engine_.sink_interrupted()) engine_.abort(&stats);
    }
    engine_.close(stats);  // a no-op after the abort above
    publish(stats, start);
    return stats;
  }

  /// Paces frame `time` (Pacing::RealTime): Draw once it is due (sleeping until then), Late when
  /// its time is more than a period past (it is skipped and counted), Stop on request_stop().
  enum class PaceVerdict { Draw, Late, Stop };
  PaceVerdict pace(const RunOptions& options, const FrameTime& time, SteadyClock::time_point start,
                   bool take_stop) {
    if (options.pacing != Pacing::RealTime) return PaceVerdict::Draw;
    const auto due = start + std::chrono::nanoseconds(time.pts);
    if (SteadyClock::now() > due + std::chrono::nanoseconds(time.duration))
      return PaceVerdict::Late;
    return sleep_until_or_stop(due, take_stop) ? PaceVerdict::Draw : PaceVerdict::Stop;
  }

  /// Draws, converts and hands over one frame after the other, on the run's thread.
  void draw_sequentially(const RunOptions& options, std::uint64_t frame_count, Stats& stats,
                         SteadyClock::time_point start) {
    auto last_progress = start;
    for (std::uint64_t i = 0; i < frame_count; ++i) {
      if (engine_.take_stop()) break;
      const FrameTime time = FrameTime::at(i, options.fps);
      const PaceVerdict verdict = pace(options, time, start, true);
      if (verdict == PaceVerdict::Stop) break;
      if (verdict == PaceVerdict::Late) {
        ++stats.late;
        ++stats.dropped;
        publish(stats, start);
        continue;  // too late to be worth producing
      }
      send_audio_until(time.pts + time.duration);
      engine_.push_drawn([&](auto frame) { generator_.generate(frame, time); }, time, stats);
      progress(options, stats, start, last_progress);
    }
  }

  /// RunOptions::overlap: two lanes, this thread and one more, take the frames in turn (even
  /// frames here, odd ones there). Each lane draws its frame into a frame of its own, then converts
  /// it and hands it to the sink; the drawing steps go one at a time in frame order (only the
  /// pacing does when the generator DrawsConcurrently: both lanes then draw at once), and so do the
  /// convert-and-hand-over steps (detail::HandoffRing), so frame i + 1 is drawn while frame i is
  /// converted and handed over. A frame is drawn and converted by the same thread: it never
  /// crosses from one core's cache to the other's, which on two cores costs more than the
  /// conversion (a hand-off of each drawn frame from a drawing thread to a converting one ran
  /// slower than the sequential run).
  void draw_overlapped(const RunOptions& options, std::uint64_t frame_count, Stats& stats,
                       SteadyClock::time_point start) {
    constexpr std::size_t kLanes = 2;
    constexpr std::size_t kDraw = 0;
    constexpr std::size_t kPush = 1;
    const Size size = generator_.size();
    if (drawn_.size() != kLanes || drawn_[0].size() != size) {
      drawn_.clear();
      for (std::size_t i = 0; i < kLanes; ++i) drawn_.emplace_back(size);
    }
    detail::HandoffRing<2> ring;
    // Written in the drawing steps, read in the convert-and-hand-over steps, which run at the
    // same time: relaxed atomics, each exact on its own. Stats itself is touched only in the
    // latter, one at a time.
    std::atomic<std::uint64_t> late{0};
    std::atomic<std::int64_t> generate_ns{0};
    const auto merge_drawing = [&] {
      const std::uint64_t late_now = late.load(std::memory_order_relaxed);
      stats.dropped += late_now - stats.late;
      stats.late = late_now;
      stats.generate = std::chrono::nanoseconds(generate_ns.load(std::memory_order_relaxed));
    };
    const auto lane = [&](std::size_t index) noexcept {
      auto last_progress = start;
      Frame<detail::first_stage_output<G>()>& frame = drawn_[index];
      for (std::uint64_t i = index; i < frame_count; i += kLanes) {
        // Pacing in turn, then drawing: in turn too, unless the generator DrawsConcurrently.
        if (!ring.wait_turn(kDraw, i)) return;
        const FrameTime time = FrameTime::at(i, options.fps);
        bool drawn = false;
        PaceVerdict paced = PaceVerdict::Stop;
        try {
          if (i < ring.end() && !engine_.stop_requested())
            paced = pace(options, time, start, false);
        } catch (...) {
          ring.fail(i, std::current_exception());
        }
        if (paced == PaceVerdict::Stop) ring.end_at(i);
        if (paced == PaceVerdict::Late) late.fetch_add(1, std::memory_order_relaxed);
        if constexpr (DrawsConcurrently<G>) ring.pass(kDraw, i);
        if (paced == PaceVerdict::Draw) {
          try {
            const auto t0 = SteadyClock::now();
            generator_.generate(frame.view(), time);
            generate_ns.fetch_add((SteadyClock::now() - t0).count(), std::memory_order_relaxed);
            drawn = true;
          } catch (...) {
            ring.fail(i, std::current_exception());  // the frames before it are still handed over
          }
        }
        if constexpr (!DrawsConcurrently<G>) ring.pass(kDraw, i);
        // Converting and handing over, in turn. A frame at or past the end passes its turn
        // untouched, so that a later frame's lane, which may have drawn meanwhile, sees the end.
        if (!ring.wait_turn(kPush, i)) return;
        if (i >= ring.end()) {
          ring.pass(kPush, i);
          return;
        }
        try {
          merge_drawing();
          send_audio_until(time.pts + time.duration);
          if (drawn) engine_.push(frame.view(), time, stats);
          if (index == 0) {
            progress(options, stats, start, last_progress);  // on_progress: the run's thread
          } else {
            publish(stats, start);
          }
        } catch (...) {
          ring.fail(i, std::current_exception());
          ring.close();  // nothing more can be handed over: the other lane stops at once
          return;
        }
        ring.pass(kPush, i);
      }
    };
    std::thread other(lane, 1);
    lane(0);          // never throws: a failure ends the run through the ring
    other.join();     // before the frames it draws into, the ring or the counters go away
    merge_drawing();  // close() counts the drops, late ones included
    if (const std::exception_ptr error = ring.error()) std::rethrow_exception(error);
  }

  /// With a first stage that carries audio: its audio up to `pts` (the end of the frame about to
  /// be handed over), drawn into the memory the sink lends, before the frame. Called in the
  /// hand-over steps, which go one at a time, so the sink still sees one thread at a time.
  void send_audio_until(std::uint64_t pts) {
    if constexpr (kAudio) {
      // Marked as a wait in the sink: request_stop() cuts a blocked acquire_audio() short too.
      engine_.lending([&] { audio_.draw_until(engine_.sink(), generator_.audio(), pts); });
    }
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
  std::vector<Frame<detail::first_stage_output<G>()>> drawn_;
  detail::AtomicStats live_;
  detail::AudioFeed<Sink> audio_;
};

template <class G, class... Stages>
Pipeline(G, Stages...) -> Pipeline<G, Stages...>;

}  // namespace framepipe
