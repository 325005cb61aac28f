// The queue an AppSinkSource keeps between GStreamer's streaming thread and next(): a fixed ring
// of GstSample references, allocated once.
#pragma once

#include <gst/gst.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "framepipe/core/error.hpp"

namespace framepipe::detail {

/// A first-in first-out ring of at most capacity() GstSamples, each held by one reference the ring
/// owns. No allocation after construction. Not thread-safe: its owner guards it with its lock.
class SampleRing {
 public:
  /// Throws InvalidArgument for a capacity of 0.
  explicit SampleRing(std::size_t capacity) : samples_(capacity, nullptr) {
    if (capacity == 0) throw InvalidArgument("framepipe: a SampleRing needs room for one sample");
  }
  SampleRing(const SampleRing&) = delete;
  SampleRing& operator=(const SampleRing&) = delete;
  ~SampleRing() { clear(); }

  std::size_t capacity() const noexcept { return samples_.size(); }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  bool full() const noexcept { return count_ == samples_.size(); }

  /// Adds `sample` at the back, taking over the caller's reference. Returns false (and takes
  /// nothing) when the ring is full.
  bool push(GstSample* sample) noexcept {
    if (full()) return false;
    samples_[(head_ + count_) % samples_.size()] = sample;
    ++count_;
    return true;
  }

  /// The sample at the front, still owned by the ring; null when empty.
  GstSample* front() const noexcept { return empty() ? nullptr : samples_[head_]; }

  /// Removes the front sample and hands its reference to the caller; null when empty.
  GstSample* take_front() noexcept {
    if (empty()) return nullptr;
    GstSample* sample = std::exchange(samples_[head_], nullptr);
    head_ = (head_ + 1) % samples_.size();
    --count_;
    return sample;
  }

  /// Removes the front sample and drops its reference; false when empty.
  bool drop_front() noexcept {
    GstSample* sample = take_front();
    if (sample == nullptr) return false;
    gst_sample_unref(sample);
    return true;
  }

  /// Drops every sample.
  void clear() noexcept {
    while (drop_front()) {
    }
    head_ = 0;
  }

 private:
  std::vector<GstSample*> samples_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
};

}  // namespace framepipe::detail
