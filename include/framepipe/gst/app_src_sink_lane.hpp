// One appsrc of an AppSrcSink and the pool of memory it lends: a sink has one lane per stream it
// feeds (video, audio), all in one GStreamer pipeline.
#pragma once

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "framepipe/core/error.hpp"
#include "framepipe/gst/error.hpp"
#include "framepipe/gst/pipeline_control.hpp"
#include "framepipe/gst/slot_pool.hpp"

namespace framepipe::detail {

/// An appsrc, the probe that marks the pool's buffers leaving it, the pool, the scratch slot a
/// drop policy lends when the pool is empty, and the slot lent and not yet pushed. Used from the
/// sink's thread, except `pool` (guarded by pool_mutex against interrupt() and the measures) and
/// the tally (atomics).
struct AppSrcLane {
  GstObjectPtr<GstAppSrc> appsrc;
  GstObjectPtr<GstPad> src_pad;  // appsrc's, carrying `probe`
  gulong probe = 0;              // SlotPool::mark_leaving on src_pad
  std::shared_ptr<SinkTally> tally = std::make_shared<SinkTally>();
  /// Guards the `pool` pointer against other threads; only configure() replaces it.
  mutable std::mutex pool_mutex;
  std::shared_ptr<SlotPool> pool;
  /// The slot lent when a drop policy finds no free slot; never pushed.
  SlotPool::Slot scratch;
  std::size_t scratch_bytes = 0;
  SlotPool::Slot* current = nullptr;  // lent, not yet submitted
  std::string caps;                   // set by the last configure()
  bool configured = false;            // caps and pool set for the coming stream

  /// Finds the appsrc named `name` in `pipeline` and puts the probe on its src pad.
  void attach(GstElement* pipeline, const std::string& name, const char* owner) {
    ElementRef src = element_by_name(pipeline, name, owner, GST_TYPE_APP_SRC, "appsrc");
    appsrc.reset(GST_APP_SRC(src.release()));
    src_pad.reset(gst_element_get_static_pad(GST_ELEMENT(appsrc.get()), "src"));
    if (!src_pad) throw Error(std::string(owner) + ": appsrc \"" + name + "\" has no src pad");
    // Marks the slot of every buffer leaving appsrc; holds nothing, removed by detach().
    probe = gst_pad_add_probe(src_pad.get(), GST_PAD_PROBE_TYPE_BUFFER, &SlotPool::mark_leaving,
                              nullptr, nullptr);
  }

  /// A pool of `reserved` slots of `bytes`, at most `limit`; the current one when it fits and no
  /// block of it is still held downstream (a pool held by a previous run stays alive on its own).
  /// With `scratch_needed`, a scratch slot of `bytes` too.
  void configure_pool(std::size_t bytes, std::size_t reserved, std::size_t limit,
                      bool scratch_needed) {
    if (!pool || pool->slot_bytes() != bytes || pool->limit() != limit || pool->in_use() != 0) {
      auto fresh = std::make_shared<SlotPool>(bytes, reserved, limit, tally);
      const std::lock_guard lock(pool_mutex);
      pool = std::move(fresh);
    }
    if (scratch_needed && (!scratch.data || scratch_bytes != bytes)) {
      scratch.data = allocate_aligned(bytes);
      prefault(scratch.data.get(), bytes);
      scratch_bytes = bytes;
    }
  }

  /// The pool, read under its mutex (for other threads).
  std::shared_ptr<SlotPool> shared_pool() const {
    const std::lock_guard lock(pool_mutex);
    return pool;
  }

  /// Gives the lent slot back unpushed (a scratch slot is simply forgotten).
  void return_current() noexcept {
    if (current == &scratch) current = nullptr;
    if (current != nullptr) pool->give_back(std::exchange(current, nullptr));
  }

  /// Removes the probe (in attach mode the pipeline outlives the sink).
  void detach() noexcept {
    if (src_pad && probe != 0) gst_pad_remove_probe(src_pad.get(), probe);
    probe = 0;
  }
};

}  // namespace framepipe::detail
