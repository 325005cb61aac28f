// BandPool: a small, persistent set of threads that share one frame's work, band by band. A
// converter that runs in bands owns one; its threads start with the pool and live until it goes,
// so no thread is created and nothing is allocated per frame.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "framepipe/core/error.hpp"
#include "framepipe/core/spin.hpp"

namespace framepipe::detail {

/// `threads` workers in all: the caller of run() and `threads - 1` threads of the pool's own.
///
/// Hand-off cost: a worker spins for a while (kWorkerSpin) after each job before it parks, so a
/// converter that runs frame after frame hands each job over in well under a microsecond; the
/// caller starts on the first band at once rather than waiting for the workers to wake, and
/// spins (kCallerSpin) before it parks to wait for the last band.
class BandPool {
 public:
  /// What run() calls for each band: `work(context, band)`.
  using BandFn = void (*)(void* context, int band);

  /// How long a worker spins for the next job before it parks.
  static constexpr std::chrono::microseconds kWorkerSpin{100};
  /// How long the caller of run() spins for the workers' last bands before it parks.
  static constexpr std::chrono::microseconds kCallerSpin{200};
  /// run_rows() cuts a frame into one band per worker while they are all awake (each band taken
  /// costs a few cache-line round trips between cores: 16 bands at 1080p ran 20% slower than 2),
  /// and into this many per worker when one has parked: whoever is free takes the next band, so
  /// a worker that takes its time to wake delays the frame by about one band at most.
  static constexpr int kBandsPerParkedThread = 4;

  /// A pool of `threads` workers (the caller included); 0 means the hardware's cores. Throws
  /// InvalidArgument above 256, and what std::thread throws when a thread cannot start.
  explicit BandPool(unsigned threads) : threads_(resolve(threads)) {
    workers_.reserve(threads_ - 1);
    try {
      for (unsigned i = 1; i < threads_; ++i) workers_.emplace_back([this] { work_loop(); });
    } catch (...) {
      stop_workers();
      throw;
    }
  }
  BandPool(const BandPool&) = delete;
  BandPool& operator=(const BandPool&) = delete;
  ~BandPool() { stop_workers(); }

  /// Workers in all, the caller of run() included.
  unsigned threads() const noexcept { return threads_; }

  /// Calls `work(context, b)` once for every band b in [0, bands), spread over the workers, and
  /// returns when all are done. The caller takes bands too, from the first one on. The first
  /// exception a band throws is rethrown here (the other bands still run to their end). One run()
  /// at a time.
  void run(int bands, BandFn work, void* context) {
    if (bands <= 0) return;
    if (threads_ == 1 || bands == 1) {
      for (int b = 0; b < bands; ++b) work(context, b);
      return;
    }
    bool wake = false;
    {
      const std::lock_guard lock(mutex_);
      job_ = {work, context, bands};
      next_band_ = 0;
      error_ = nullptr;
      bands_left_.store(bands, std::memory_order_relaxed);
      generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      wake = parked_.load(std::memory_order_relaxed) > 0;
    }
    if (wake) wake_.notify_all();
    take_bands();
    const auto done = [this] { return bands_left_.load(std::memory_order_acquire) == 0; };
    if (!spin_until(done, kCallerSpin)) {
      std::unique_lock lock(mutex_);
      caller_parked_ = true;
      done_.wait(lock, done);
      caller_parked_ = false;
    }
    // Every band has ended (each ended under the mutex, before its release of bands_left_): no
    // worker writes error_ again before the next run().
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  /// Calls `rows(begin, end)` for bands of whole `unit_rows`-row units that together cover
  /// [0, height) once (band_rows()): one per worker, or kBandsPerParkedThread per worker when one
  /// of them has parked; one per unit when there are fewer units than that.
  template <class RowsFn>
  void run_rows(int height, int unit_rows, const RowsFn& rows) {
    const int units = (height + unit_rows - 1) / unit_rows;
    // Read without the lock: a stale value only changes how finely the frame is cut.
    const int per_thread = parked_.load(std::memory_order_relaxed) > 0 ? kBandsPerParkedThread : 1;
    struct Context {
      const RowsFn& rows;
      int height, unit_rows, bands;
    } context{rows, height, unit_rows, std::min(units, static_cast<int>(threads_) * per_thread)};
    run(
        context.bands,
        [](void* c, int band) {
          const Context& ctx = *static_cast<const Context*>(c);
          const auto [begin, end] = band_rows(band, ctx.bands, ctx.height, ctx.unit_rows);
          ctx.rows(begin, end);
        },
        &context);
  }

  /// The rows [begin, end) of band `band` out of `bands`, when `units` units of `unit_rows` rows
  /// each (e.g. row pairs: 2) are shared out as evenly as possible; `rows` cuts the last one.
  static std::pair<int, int> band_rows(int band, int bands, int rows, int unit_rows) {
    const std::int64_t units = (rows + unit_rows - 1) / unit_rows;
    const auto first = static_cast<int>(units * band / bands) * unit_rows;
    const auto last = static_cast<int>(units * (band + 1) / bands) * unit_rows;
    return {std::min(first, rows), std::min(last, rows)};
  }

  /// The worker count `threads` stands for: itself, or the hardware's cores for 0.
  static unsigned resolve(unsigned threads) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    if (threads > 256) {
      throw InvalidArgument("framepipe: " + std::to_string(threads) +
                            " threads for one converter is surely a mistake (at most 256)");
    }
    return threads;
  }

 private:
  struct Job {
    BandFn work = nullptr;
    void* context = nullptr;
    int bands = 0;
  };

  /// Takes bands of the current job until none is left (the caller of run() and every worker).
  /// A worker that comes late may find the next job here: it takes that job's bands, which is
  /// what it would have done anyway.
  void take_bands() {
    for (;;) {
      Job job;
      int band = 0;
      {
        const std::lock_guard lock(mutex_);
        if (next_band_ >= job_.bands) return;
        job = job_;
        band = next_band_++;
      }
      std::exception_ptr error;
      try {
        job.work(job.context, band);
      } catch (...) {
        error = std::current_exception();
      }
      bool wake_caller = false;
      {
        const std::lock_guard lock(mutex_);
        if (error && !error_) error_ = std::move(error);
        const bool last = bands_left_.fetch_sub(1, std::memory_order_acq_rel) == 1;
        wake_caller = last && caller_parked_;
      }
      if (wake_caller) done_.notify_one();
    }
  }

  void work_loop() {
    std::uint64_t seen = 0;
    const auto news = [&] {
      return stopping_.load(std::memory_order_acquire) ||
             generation_.load(std::memory_order_acquire) != seen;
    };
    for (;;) {
      if (!spin_until(news, kWorkerSpin)) {
        std::unique_lock lock(mutex_);
        parked_.fetch_add(1, std::memory_order_relaxed);
        wake_.wait(lock, news);
        parked_.fetch_sub(1, std::memory_order_relaxed);
      }
      if (stopping_.load(std::memory_order_acquire)) return;
      seen = generation_.load(std::memory_order_acquire);
      take_bands();
    }
  }

  void stop_workers() noexcept {
    {
      const std::lock_guard lock(mutex_);
      stopping_.store(true, std::memory_order_release);
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  unsigned threads_;
  std::vector<std::thread> workers_;
  // What the spinning threads poll, each on a cache line of its own: the workers read
  // generation_ and stopping_ while the bands' threads count bands_left_ down.
  alignas(64) std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stopping_{false};
  alignas(64) std::atomic<int> bands_left_{0};
  // The rest is guarded by mutex_.
  alignas(64) std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Job job_;
  int next_band_ = 0;
  std::atomic<int> parked_{0};  // changed under the mutex; run_rows() peeks at it
  bool caller_parked_ = false;
  std::exception_ptr error_;
};

/// What a converter that runs in bands holds: its thread count, and the BandPool made at its first
/// frame (not before: a converter may be built and copied many times but run once). A copy
/// starts without threads of its own.
class BandedRows {
 public:
  explicit BandedRows(unsigned threads) : threads_(threads) {}
  BandedRows(const BandedRows& other) : threads_(other.threads_) {}
  BandedRows& operator=(const BandedRows& other) {
    threads_ = other.threads_;
    pool_.reset();
    return *this;
  }
  BandedRows(BandedRows&&) noexcept = default;
  BandedRows& operator=(BandedRows&&) noexcept = default;
  ~BandedRows() = default;

  /// Workers per frame: 1, the count asked for, or the hardware's cores for 0.
  unsigned threads() const { return threads_ == 1 ? 1 : BandPool::resolve(threads_); }

  /// `rows(0, height)` on this thread when there is one worker; else BandPool::run_rows().
  template <class RowsFn>
  void run(int height, int unit_rows, const RowsFn& rows) {
    if (threads_ == 1) {
      rows(0, height);
      return;
    }
    if (!pool_) pool_ = std::make_unique<BandPool>(threads_);
    pool_->run_rows(height, unit_rows, rows);
  }

 private:
  unsigned threads_;
  std::unique_ptr<BandPool> pool_;
};

}  // namespace framepipe::detail
