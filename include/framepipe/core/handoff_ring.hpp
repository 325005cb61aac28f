// HandoffRing: the turns of an overlapped run. Frames go round a ring of threads (lanes), and each
// step of a frame (drawing; converting and handing it to the sink) waits for the same step of the
// frame before: every stage is called by one thread at a time, in frame order, while consecutive
// frames are in different steps at once. Nothing is allocated after construction.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <utility>

#include "framepipe/core/spin.hpp"

namespace framepipe::detail {

/// The turns of `Steps` steps over items 0, 1, 2, ... (frames): wait_turn(s, i) returns once item
/// i - 1 has passed step s (pass(s, i - 1)), so each step takes the items one at a time, in order.
/// Either side may end the run: end_at(i) (items from i on do not run; the ones before finish),
/// fail(i, error) (the same, and error() keeps the failure of the earliest item), or close() (stop
/// now: every wait returns false, what is in flight is abandoned).
///
/// A wait spins for a while (kSpin) before it parks: the turn usually comes within a few
/// microseconds on a busy run, and waking a parked thread costs tens of them on a virtual machine.
template <std::size_t Steps>
class HandoffRing {
  static_assert(Steps >= 1);

 public:
  /// How long a wait spins before it parks.
  static constexpr std::chrono::microseconds kSpin{100};
  /// The end when nothing ended the run.
  static constexpr std::uint64_t kNoEnd = std::numeric_limits<std::uint64_t>::max();

  HandoffRing() = default;
  HandoffRing(const HandoffRing&) = delete;
  HandoffRing& operator=(const HandoffRing&) = delete;

  /// Waits until it is item `item`'s turn at step `step`; false once the ring was closed (then
  /// the caller must not run the step).
  bool wait_turn(std::size_t step, std::uint64_t item) {
    std::atomic<std::uint64_t>& turn = turns_[step].next;
    const auto ready = [&] {
      return closed_.load(std::memory_order_acquire) ||
             turn.load(std::memory_order_acquire) == item;
    };
    if (!spin_until(ready, kSpin)) {
      std::unique_lock lock(mutex_);
      ++parked_;
      changed_.wait(lock, ready);
      --parked_;
    }
    return !closed_.load(std::memory_order_acquire);
  }

  /// Item `item` has passed step `step` (its turn there, from wait_turn): item + 1 may go.
  void pass(std::size_t step, std::uint64_t item) {
    bool wake = false;
    {
      const std::lock_guard lock(mutex_);
      turns_[step].next.store(item + 1, std::memory_order_release);
      wake = parked_ > 0;
    }
    if (wake) changed_.notify_all();
  }

  /// Items from `item` on do not run (the earliest end asked for counts).
  void end_at(std::uint64_t item) noexcept {
    std::uint64_t end = end_.load(std::memory_order_relaxed);
    while (item < end && !end_.compare_exchange_weak(end, item, std::memory_order_acq_rel)) {
    }
  }
  /// The first item that does not run (kNoEnd while nothing ended the run).
  std::uint64_t end() const noexcept { return end_.load(std::memory_order_acquire); }

  /// Item `item` failed: end_at(item), and error() keeps the failure of the earliest item (the
  /// first one asked for among equals): items may fail out of order when lanes run a step at once.
  void fail(std::uint64_t item, std::exception_ptr error) noexcept {
    {
      const std::lock_guard lock(mutex_);
      if (!error_ || item < error_item_) {
        error_ = std::move(error);
        error_item_ = item;
      }
    }
    end_at(item);
  }
  /// The failure of the earliest item that failed, if any.
  std::exception_ptr error() const {
    const std::lock_guard lock(mutex_);
    return error_;
  }

  /// Stop now: every wait returns false at once.
  void close() noexcept {
    {
      const std::lock_guard lock(mutex_);
      closed_.store(true, std::memory_order_release);
    }
    changed_.notify_all();
  }

 private:
  /// One step's turn, on a cache line of its own: the lanes poll it.
  struct alignas(64) Turn {
    std::atomic<std::uint64_t> next{0};
  };

  std::array<Turn, Steps> turns_{};
  alignas(64) std::atomic<std::uint64_t> end_{kNoEnd};
  std::atomic<bool> closed_{false};
  mutable std::mutex mutex_;  // guards parked_, error_ and error_item_; orders pass() and parking
  std::condition_variable changed_;
  int parked_ = 0;
  std::exception_ptr error_;
  std::uint64_t error_item_ = kNoEnd;
};

}  // namespace framepipe::detail
