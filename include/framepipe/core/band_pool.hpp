// BandPool: a small, persistent set of threads that share one frame's work, band by band. A
// converter that runs in bands owns one; its threads start with the pool and live until it goes,
// so no thread is created and nothing is allocated per frame.
#pragma once

#include <algorithm>
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

namespace framepipe::detail {

/// `threads` workers in all: the caller of run() and `threads - 1` threads of the pool's own.
class BandPool {
 public:
  /// What run() calls for each band: `work(context, band)`.
  using BandFn = void (*)(void* context, int band);

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
  /// returns when all are done. The first exception a band throws is rethrown here (the other
  /// bands still run to their end). One run() at a time.
  void run(int bands, BandFn work, void* context) {
    if (bands <= 0) return;
    if (threads_ == 1 || bands == 1) {
      for (int b = 0; b < bands; ++b) work(context, b);
      return;
    }
    {
      const std::lock_guard lock(mutex_);
      job_ = {work, context, bands};
      next_band_ = 0;
      bands_left_ = bands;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    take_bands();
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return bands_left_ == 0; });
    job_ = {};
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  /// Calls `rows(begin, end)` for as many bands as there are workers, each a run of whole
  /// `unit_rows`-row units, together covering [0, height) once (band_rows()).
  template <class RowsFn>
  void run_rows(int height, int unit_rows, const RowsFn& rows) {
    struct Context {
      const RowsFn& rows;
      int height, unit_rows, bands;
    } context{rows, height, unit_rows, static_cast<int>(threads_)};
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
      bool last = false;
      {
        const std::lock_guard lock(mutex_);
        if (error && !error_) error_ = std::move(error);
        last = --bands_left_ == 0;
      }
      if (last) done_.notify_all();
    }
  }

  void work_loop() {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
      }
      take_bands();
    }
  }

  void stop_workers() noexcept {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
  }

  unsigned threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  Job job_;
  int next_band_ = 0;
  int bands_left_ = 0;
  std::uint64_t generation_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
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
