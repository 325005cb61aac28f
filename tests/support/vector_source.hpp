// A lending Source for tests: lends views of frames it owns, one per next(), and records what it
// lent and got back. Optionally blocks in next() until interrupt(), like a live source.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/source.hpp"

namespace framepipe::test {

template <PixelFormat F>
class VectorSource {
 public:
  static constexpr PixelFormat output = F;

  /// What happened to the source, shared with the test (the source itself is moved around).
  struct Log {
    std::vector<const std::uint8_t*> lent;
    std::uint64_t released = 0;
    int starts = 0;
    int stops = 0;
  };

  /// `count` frames of `spec.size`, frame i filled with byte i; at `block_at` (if set) next()
  /// blocks until interrupt(); at `throw_at` it throws.
  VectorSource(StreamSpec spec, std::uint64_t count, Log* log,
               std::optional<std::uint64_t> block_at = std::nullopt,
               std::optional<std::uint64_t> throw_at = std::nullopt)
      : spec_(spec), log_(log), block_at_(block_at), throw_at_(throw_at) {
    spec_.format = F;
    for (std::uint64_t i = 0; i < count; ++i) {
      frames_.emplace_back(spec.size);
      std::fill_n(frames_.back().data(), frames_.back().size_bytes(), static_cast<std::uint8_t>(i));
    }
  }
  VectorSource(VectorSource&& other) noexcept
      : spec_(other.spec_),
        frames_(std::move(other.frames_)),
        log_(other.log_),
        block_at_(other.block_at_),
        throw_at_(other.throw_at_) {}

  StreamSpec start() {
    const std::lock_guard lock(mutex_);
    next_ = 0;
    interrupted_ = false;
    ++log_->starts;
    return spec_;
  }

  std::optional<LentFrame<F>> next() {
    std::unique_lock lock(mutex_);
    if (block_at_ && next_ == *block_at_) {
      waiting_ = true;
      waiting_changed_.notify_all();
      waiting_changed_.wait(lock, [this] { return interrupted_; });
      waiting_ = false;
    }
    if (interrupted_) throw Interrupted("VectorSource: interrupted");
    if (throw_at_ && next_ == *throw_at_) throw std::runtime_error("the source failed");
    if (next_ >= frames_.size()) return std::nullopt;
    const std::uint64_t i = next_++;
    log_->lent.push_back(frames_[i].data());
    return LentFrame<F>(frames_[i].view(), FrameTime::at(i, spec_.fps), &VectorSource::give_back,
                        this, &frames_[i]);
  }

  void stop() noexcept { ++log_->stops; }

  void interrupt() noexcept {
    {
      const std::lock_guard lock(mutex_);
      interrupted_ = true;
    }
    waiting_changed_.notify_all();
  }

  /// Waits (bounded) until next() blocks; false if it did not within `limit`.
  bool wait_until_blocked(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return waiting_changed_.wait_for(lock, limit, [this] { return waiting_; });
  }

 private:
  static void give_back(void* owner, void*) noexcept {
    ++static_cast<VectorSource*>(owner)->log_->released;
  }

  StreamSpec spec_;
  std::vector<Frame<F>> frames_;
  Log* log_;
  std::optional<std::uint64_t> block_at_;
  std::optional<std::uint64_t> throw_at_;
  std::mutex mutex_;
  std::condition_variable waiting_changed_;
  std::uint64_t next_ = 0;
  bool interrupted_ = false;
  bool waiting_ = false;
};

}  // namespace framepipe::test
