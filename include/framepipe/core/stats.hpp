// Counters of a run.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace framepipe {

/// What a run did and where its time went. Returned by Pipeline::run(), and readable while a run
/// goes on with Pipeline::stats().
struct Stats {
  std::uint64_t frames = 0;   ///< frames handed to the sink
  std::uint64_t dropped = 0;  ///< frames lost: `late` and `source_dropped` ones, plus those the
                              ///< sink dropped
  std::uint64_t source_dropped = 0;  ///< frames a lending source dropped before lending them
  std::uint64_t late = 0;   ///< frames Pacing::RealTime skipped because their time had passed
  std::uint64_t bytes = 0;  ///< bytes of the frames handed to the sink
  std::uint64_t audio_frames = 0;   ///< audio frames (one sample of every channel) handed to the
                                    ///< sink (Writer::write_audio and write_audio_from)
  std::uint64_t audio_buffers = 0;  ///< audio buffers the sink received (its counters())
  std::uint64_t audio_dropped = 0;  ///< of those, the ones the sink dropped
  std::chrono::nanoseconds elapsed{0};   ///< wall time of the whole run, finish() included
  std::chrono::nanoseconds generate{0};  ///< time in the generator
  std::chrono::nanoseconds convert{0};   ///< time in the converters
  std::chrono::nanoseconds acquire{0};   ///< time waiting for the sink to lend a frame
  std::chrono::nanoseconds submit{0};    ///< time in the sink's submit()
  std::chrono::nanoseconds finish{0};    ///< time in the sink's finish() (EOS and its wait)

  /// Frames the sink passed on: handed to it and not dropped by it.
  std::uint64_t delivered() const { return frames - (dropped - late - source_dropped); }
  /// Wall time in seconds.
  double seconds() const { return std::chrono::duration<double>(elapsed).count(); }
  /// Frames handed to the sink per second of wall time (0 before any time has passed).
  double fps() const {
    const double s = seconds();
    return s > 0 ? static_cast<double>(frames) / s : 0.0;
  }
};

/// What a sink or a lending source counts itself, for the Pipeline to merge into its Stats. A
/// stage that offers `StageCounters counters() const` (cumulative over the stage's life) gets its
/// drops counted in Stats::dropped (a source's also in Stats::source_dropped); the Pipeline reads
/// it on the run's thread only.
struct StageCounters {
  std::uint64_t dropped = 0;        ///< frames the stage received (or made) but did not pass on
  std::uint64_t audio_buffers = 0;  ///< audio buffers a sink with an audio lane received
  std::uint64_t audio_dropped = 0;  ///< of those, the ones it did not pass on
};

namespace detail {

/// Stats as relaxed atomics: written by the run's thread, read by any other (Pipeline::stats()).
/// Each field is exact on its own; a snapshot taken mid-frame may mix two consecutive frames.
class AtomicStats {
 public:
  AtomicStats() = default;
  AtomicStats(const AtomicStats& other) { store(other.load()); }
  AtomicStats& operator=(const AtomicStats& other) {
    store(other.load());
    return *this;
  }

  void store(const Stats& s) noexcept {
    frames_.store(s.frames, std::memory_order_relaxed);
    dropped_.store(s.dropped, std::memory_order_relaxed);
    late_.store(s.late, std::memory_order_relaxed);
    source_dropped_.store(s.source_dropped, std::memory_order_relaxed);
    bytes_.store(s.bytes, std::memory_order_relaxed);
    audio_frames_.store(s.audio_frames, std::memory_order_relaxed);
    audio_buffers_.store(s.audio_buffers, std::memory_order_relaxed);
    audio_dropped_.store(s.audio_dropped, std::memory_order_relaxed);
    elapsed_.store(s.elapsed.count(), std::memory_order_relaxed);
    generate_.store(s.generate.count(), std::memory_order_relaxed);
    convert_.store(s.convert.count(), std::memory_order_relaxed);
    acquire_.store(s.acquire.count(), std::memory_order_relaxed);
    submit_.store(s.submit.count(), std::memory_order_relaxed);
    finish_.store(s.finish.count(), std::memory_order_relaxed);
  }

  Stats load() const noexcept {
    using std::chrono::nanoseconds;
    Stats s;
    s.frames = frames_.load(std::memory_order_relaxed);
    s.dropped = dropped_.load(std::memory_order_relaxed);
    s.late = late_.load(std::memory_order_relaxed);
    s.source_dropped = source_dropped_.load(std::memory_order_relaxed);
    s.bytes = bytes_.load(std::memory_order_relaxed);
    s.audio_frames = audio_frames_.load(std::memory_order_relaxed);
    s.audio_buffers = audio_buffers_.load(std::memory_order_relaxed);
    s.audio_dropped = audio_dropped_.load(std::memory_order_relaxed);
    s.elapsed = nanoseconds(elapsed_.load(std::memory_order_relaxed));
    s.generate = nanoseconds(generate_.load(std::memory_order_relaxed));
    s.convert = nanoseconds(convert_.load(std::memory_order_relaxed));
    s.acquire = nanoseconds(acquire_.load(std::memory_order_relaxed));
    s.submit = nanoseconds(submit_.load(std::memory_order_relaxed));
    s.finish = nanoseconds(finish_.load(std::memory_order_relaxed));
    return s;
  }

 private:
  std::atomic<std::uint64_t> frames_{0}, dropped_{0}, late_{0}, source_dropped_{0}, bytes_{0},
      audio_frames_{0}, audio_buffers_{0}, audio_dropped_{0};
  std::atomic<std::int64_t> elapsed_{0}, generate_{0}, convert_{0}, acquire_{0}, submit_{0},
      finish_{0};
};

}  // namespace detail
}  // namespace framepipe
