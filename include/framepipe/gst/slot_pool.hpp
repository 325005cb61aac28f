// The memory AppSrcSink lends: frame-sized (or audio-buffer-sized) slots that become GstBuffers
// without a copy and come back when GStreamer frees them. A pool grows on demand within a byte
// budget.
#pragma once

#include <gst/gst.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe::detail {

/// Writes zeros over fresh memory, so that the kernel maps its pages now (a frame-sized block
/// comes straight from mmap) rather than page by page in the first write into it: a 1080p I420
/// frame is 760 page faults, 5 to 15 ms on a loaded 2-core machine, which would fall on the
/// first frames of a live stream (benchmarks/latency_bench.cpp, share_*_us).
inline void prefault(std::uint8_t* data, std::size_t bytes) noexcept {
  std::memset(data, 0, bytes);
}

/// Counters an AppSrcSink shares with its pools (buffers may outlive the sink); atomics because
/// GStreamer's threads free buffers.
struct SinkTally {
  std::atomic<std::uint64_t> pushed{0};   ///< buffers accepted by gst_app_src_push_buffer
  std::atomic<std::uint64_t> dropped{0};  ///< frames lost: not pushed, or freed inside appsrc
};

/// Frame-sized, 64-byte aligned blocks ("slots") that are lent to the producer, then to GStreamer,
/// and come back when GStreamer drops its last reference.
///
/// The pool starts with `reserved` slots, allocated and touched (prefault()) when it is made, and
/// grows by one slot whenever none is free, as long as it holds fewer than `limit` slots and none
/// of its buffers waits inside appsrc's queue; else a taker waits for a slot to come back. So it
/// grows only for frames held downstream of appsrc (an encoder's look-ahead, a sink's last
/// sample, filesink's pending writes), which may never come back without more input, and not for
/// a producer that is merely ahead of a slow consumer, which waits as with a fixed pool. Slots
/// are never freed before the pool itself, so a steady stream reuses the same memory. Shared:
/// each buffer in flight keeps the pool alive, so downstream may hold a buffer after the sink that
/// made it is gone.
class SlotPool : public std::enable_shared_from_this<SlotPool> {
 public:
  struct Slot {
    AlignedBytes data;
    SlotPool* pool = nullptr;
    /// Set while GStreamer holds the slot: the buffer's own reference to the pool.
    std::shared_ptr<SlotPool> keep_alive;
    /// Set when the buffer left appsrc (mark_leaving(), from a probe on its src pad); a buffer
    /// freed without it was dropped inside appsrc (leaky queue, or flushed by a stop) and is
    /// counted as lost.
    std::atomic<bool> left_appsrc{false};
  };

  /// What one slot costs against a byte budget: its frame and its bookkeeping.
  static constexpr std::size_t cost_of(std::size_t frame_bytes) noexcept {
    return frame_bytes + sizeof(Slot);
  }
  /// The most slots a budget of `budget_bytes` pays for, never fewer than `reserved` (at least 1).
  static constexpr std::size_t slots_within(std::size_t budget_bytes, std::size_t frame_bytes,
                                            std::size_t reserved) noexcept {
    return std::max({std::size_t{1}, reserved, budget_bytes / cost_of(frame_bytes)});
  }

  /// `reserved` slots of `bytes` each, allocated now; at most `limit` slots (>= reserved) ever.
  SlotPool(std::size_t bytes, std::size_t reserved, std::size_t limit,
           std::shared_ptr<SinkTally> tally)
      : bytes_(bytes),
        limit_(std::max({std::size_t{1}, reserved, limit})),
        tally_(std::move(tally)) {
    const std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < std::max<std::size_t>(1, reserved); ++i) free_.push_back(grow());
  }
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;
  ~SlotPool() { live_bytes_counter().fetch_sub(slots_.size() * bytes_, std::memory_order_relaxed); }

  /// A free slot: a free one at once, else a new one while the pool is below its limit, else the
  /// first to come back within `wait`. Null when none came back in that time, or when `*stop`
  /// became true (see wake()).
  Slot* try_take(std::chrono::milliseconds wait, const std::atomic<bool>* stop = nullptr) {
    std::unique_lock lock(mutex_);
    if (free_.empty() && may_grow()) free_.push_back(grow());
    if (free_.empty()) {
      waiting_.fetch_add(1, std::memory_order_relaxed);
      freed_.wait_for(lock, wait, [&] {
        return !free_.empty() || may_grow() ||
               (stop != nullptr && stop->load(std::memory_order_acquire));
      });
      waiting_.fetch_sub(1, std::memory_order_relaxed);
      if (free_.empty() && may_grow()) free_.push_back(grow());
      if (free_.empty()) return nullptr;
    }
    Slot* slot = free_.back();
    free_.pop_back();
    peak_in_use_ = std::max(peak_in_use_, slots_.size() - free_.size());
    return slot;
  }

  /// Wakes every try_take() waiting, so that it rechecks its `stop` flag (set it first).
  void wake() noexcept {
    { const std::lock_guard lock(mutex_); }  // a waiter between its check and its wait sees it
    freed_.notify_all();
  }

  /// Returns a slot that was taken but never handed to GStreamer.
  void give_back(Slot* slot) noexcept {
    {
      const std::lock_guard lock(mutex_);
      free_.push_back(slot);  // never allocates: free_ has room for every slot (grow())
    }
    freed_.notify_all();
  }

  /// Wraps a taken slot into a new GstBuffer without copying (`gst_buffer_new_wrapped_full`);
  /// the slot comes back to the pool when the buffer is freed. The buffer holds a reference to
  /// the pool until then, and names its slot in its qdata (for mark_leaving()). The buffer holds
  /// the slot's first `used` bytes (a video frame fills its slot; an audio buffer may hold fewer
  /// frames than its slot has room for); `used` is clamped to the slot's size.
  GstBuffer* wrap(Slot* slot) { return wrap(slot, bytes_); }
  GstBuffer* wrap(Slot* slot, std::size_t used) {
    used = std::min(used, bytes_);
    slot->keep_alive = shared_from_this();
    slot->left_appsrc.store(false, std::memory_order_relaxed);
    GstBuffer* buffer =
        gst_buffer_new_wrapped_full(static_cast<GstMemoryFlags>(0), slot->data.get(), bytes_, 0,
                                    used, slot, &SlotPool::on_buffer_freed);
    if (buffer == nullptr) {
      slot->keep_alive.reset();
      give_back(slot);
      throw Error("framepipe: gst_buffer_new_wrapped_full() failed");
    }
    gst_mini_object_set_qdata(GST_MINI_OBJECT_CAST(buffer), slot_quark(), slot, nullptr);
    in_appsrc_.fetch_add(1, std::memory_order_acq_rel);  // pushed next (push takes ownership)
    return buffer;
  }

  /// A GstPadProbeCallback for appsrc's src pad (GST_PAD_PROBE_TYPE_BUFFER, no user data): marks
  /// the slot of every pool buffer leaving appsrc. It holds nothing, so it keeps no pool alive.
  static GstPadProbeReturn mark_leaving(GstPad*, GstPadProbeInfo* info, gpointer) noexcept {
    GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (buffer == nullptr) return GST_PAD_PROBE_OK;
    auto* slot =
        static_cast<Slot*>(gst_mini_object_get_qdata(GST_MINI_OBJECT_CAST(buffer), slot_quark()));
    if (slot != nullptr && !slot->left_appsrc.exchange(true, std::memory_order_acq_rel)) {
      slot->pool->left_appsrc();
    }
    return GST_PAD_PROBE_OK;
  }

  /// Slots not in the free list: lent to the producer or held by GStreamer.
  std::size_t in_use() const {
    const std::lock_guard lock(mutex_);
    return slots_.size() - free_.size();
  }
  /// The most slots ever in use at once.
  std::size_t peak_in_use() const {
    const std::lock_guard lock(mutex_);
    return peak_in_use_;
  }
  /// Slots allocated so far (they stay allocated until the pool goes).
  std::size_t count() const {
    const std::lock_guard lock(mutex_);
    return slots_.size();
  }
  /// Bytes of frame memory allocated so far: count() * slot_bytes().
  std::size_t allocated_bytes() const { return count() * bytes_; }
  /// The most slots the pool may ever hold.
  std::size_t limit() const noexcept { return limit_; }
  std::size_t slot_bytes() const noexcept { return bytes_; }
  /// True while a try_take() waits for a slot to come back.
  bool someone_waiting() const noexcept { return waiting_.load(std::memory_order_relaxed) > 0; }

  /// Bytes of frame memory held by every SlotPool alive in the process (a pool lives while its
  /// sink or any buffer made from it does).
  static std::size_t live_bytes() noexcept {
    return live_bytes_counter().load(std::memory_order_relaxed);
  }

 private:
  static std::atomic<std::size_t>& live_bytes_counter() noexcept {
    static std::atomic<std::size_t> bytes{0};
    return bytes;
  }
  static GQuark slot_quark() noexcept {
    static const GQuark quark = g_quark_from_static_string("framepipe-slot");
    return quark;
  }

  /// True when a taker may allocate a slot: below the limit, and appsrc's queue holds none of
  /// this pool's buffers (caller holds mutex_).
  bool may_grow() const noexcept {
    return slots_.size() < limit_ && in_appsrc_.load(std::memory_order_acquire) == 0;
  }

  /// One of this pool's buffers left appsrc's queue; when it was the last one there, a waiting
  /// taker may now grow the pool.
  void left_appsrc() noexcept {
    if (in_appsrc_.fetch_sub(1, std::memory_order_acq_rel) == 1 &&
        waiting_.load(std::memory_order_relaxed) > 0) {
      wake();
    }
  }

  /// A new slot (caller holds mutex_, and slots_.size() < limit_), its memory already touched.
  Slot* grow() {
    auto slot = std::make_unique<Slot>();
    slot->data = allocate_aligned(bytes_);
    prefault(slot->data.get(), bytes_);
    slot->pool = this;
    if (free_.capacity() < slots_.size() + 1) {
      free_.reserve(std::min(limit_, std::max<std::size_t>(8, 2 * (slots_.size() + 1))));
    }
    slots_.push_back(std::move(slot));
    live_bytes_counter().fetch_add(bytes_, std::memory_order_relaxed);
    return slots_.back().get();
  }

  /// The GDestroyNotify of every wrapped buffer; runs on whichever thread drops the last
  /// reference.
  static void on_buffer_freed(gpointer data) noexcept {
    auto* slot = static_cast<Slot*>(data);
    // Keep the pool alive until after the notify: this may be the last reference to it.
    const std::shared_ptr<SlotPool> pool = std::move(slot->keep_alive);
    if (!slot->left_appsrc.load(std::memory_order_acquire)) {
      pool->tally_->dropped.fetch_add(1, std::memory_order_relaxed);
      pool->in_appsrc_.fetch_sub(1, std::memory_order_acq_rel);  // freed inside appsrc
    }
    slot->pool->give_back(slot);
  }

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;
  std::size_t bytes_;
  std::size_t limit_;
  std::size_t peak_in_use_ = 0;
  std::atomic<int> waiting_{0};
  std::atomic<std::size_t> in_appsrc_{0};  // wrapped buffers not yet out of appsrc's queue
  std::shared_ptr<SinkTally> tally_;
};

}  // namespace framepipe::detail
