// HandoffRing: the bounded hand-off between two threads of an overlapped run. A fixed set of
// slots cycles from the producer (which fills one) to the consumer (which empties it) and back, in
// order; nothing is allocated after construction.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "framepipe/core/error.hpp"

namespace framepipe::detail {

/// `depth` slots, each carrying a `T` (e.g. a frame time) from producer to consumer in FIFO order.
/// The producer takes a free slot (take_free), fills the frame it indexes, and hands it over
/// (hand_over); the consumer takes the oldest filled slot (take_filled), uses it and gives it back
/// (give_back). Either side can end the hand-off: the producer with finish() (no more slots) or
/// fail(error); either with close() (stop now). Every wait ends when the hand-off ends.
template <class T>
class HandoffRing {
 public:
  struct Item {
    std::size_t slot;
    T value;
  };

  explicit HandoffRing(std::size_t depth) : filled_(depth), free_(depth) {
    if (depth == 0) throw InvalidArgument("framepipe: a hand-off needs at least one slot");
    for (std::size_t i = 0; i < depth; ++i) free_[i] = depth - 1 - i;
    free_count_ = depth;
  }
  HandoffRing(const HandoffRing&) = delete;
  HandoffRing& operator=(const HandoffRing&) = delete;

  /// Producer: a free slot, waiting for one; std::nullopt once the hand-off was closed.
  std::optional<std::size_t> take_free() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return free_count_ > 0 || closed_; });
    if (closed_) return std::nullopt;
    return free_[--free_count_];
  }

  /// Producer: hands a filled slot to the consumer. False once the hand-off was closed.
  bool hand_over(std::size_t slot, T value) {
    {
      const std::lock_guard lock(mutex_);
      if (closed_) return false;
      filled_[(head_ + filled_count_) % filled_.size()] = Item{slot, std::move(value)};
      ++filled_count_;
    }
    changed_.notify_all();
    return true;
  }

  /// Consumer: the oldest filled slot, waiting for one; std::nullopt when the producer finished
  /// (or failed) and every filled slot was taken, or once the hand-off was closed.
  std::optional<Item> take_filled() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return filled_count_ > 0 || finished_ || closed_; });
    if (closed_ || filled_count_ == 0) return std::nullopt;
    Item item = std::move(*filled_[head_]);
    filled_[head_].reset();
    head_ = (head_ + 1) % filled_.size();
    --filled_count_;
    return item;
  }

  /// Consumer: gives an emptied slot back to the producer.
  void give_back(std::size_t slot) {
    {
      const std::lock_guard lock(mutex_);
      free_[free_count_++] = slot;
    }
    changed_.notify_all();
  }

  /// Producer: no more slots will come; the consumer drains what was handed over.
  void finish() noexcept { end([this] { finished_ = true; }); }
  /// Producer: it failed; the consumer drains, then error() holds the reason.
  void fail(std::exception_ptr error) noexcept {
    end([this, &error] {
      finished_ = true;
      error_ = std::move(error);
    });
  }
  /// Either side: stop now; every wait returns at once, and what is in flight is abandoned.
  void close() noexcept { end([this] { closed_ = true; }); }

  /// The producer's failure, once the consumer has seen the end.
  std::exception_ptr error() const {
    const std::lock_guard lock(mutex_);
    return error_;
  }

 private:
  template <class F>
  void end(F&& set) noexcept {
    {
      const std::lock_guard lock(mutex_);
      set();
    }
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<Item>> filled_;  // a circular FIFO of filled_count_ items from head_
  std::vector<std::size_t> free_;            // a stack of free_count_ slots
  std::size_t head_ = 0;
  std::size_t filled_count_ = 0;
  std::size_t free_count_ = 0;
  bool finished_ = false;
  bool closed_ = false;
  std::exception_ptr error_;
};

}  // namespace framepipe::detail
