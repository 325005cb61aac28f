// SlotPool: reserved slots up front, growth within a limit only while none of its buffers waits in
// appsrc, zero-copy wrapping, slots back when GStreamer frees a buffer, loss counting, wake(),
// slots whose pages are mapped before the first frame is written into them.
#include "framepipe/gst/slot_pool.hpp"

#include <doctest/doctest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "framepipe/gst/runtime.hpp"

using namespace framepipe;
using namespace std::chrono_literals;
using detail::SlotPool;

namespace {

std::shared_ptr<SlotPool> make_pool(std::size_t reserved, std::size_t limit,
                                    std::shared_ptr<detail::SinkTally> tally = nullptr) {
  ensure_gstreamer_initialized();
  if (!tally) tally = std::make_shared<detail::SinkTally>();
  return std::make_shared<SlotPool>(1000, reserved, limit, std::move(tally));
}

/// What appsrc's src-pad probe sees when `buffer` leaves appsrc.
void leave_appsrc(GstBuffer* buffer) {
  GstPadProbeInfo info{};
  info.type = GST_PAD_PROBE_TYPE_BUFFER;
  info.data = buffer;
  SlotPool::mark_leaving(nullptr, &info, nullptr);
}

}  // namespace

TEST_CASE("slots_within: what a budget pays for, never fewer than reserved") {
  CHECK(SlotPool::cost_of(1000) > 1000);
  CHECK(SlotPool::slots_within(0, 1000, 4) == 4);
  CHECK(SlotPool::slots_within(10 * SlotPool::cost_of(1000), 1000, 4) == 10);
  CHECK(SlotPool::slots_within(10 * SlotPool::cost_of(1000) - 1, 1000, 4) == 9);
  CHECK(SlotPool::slots_within(0, 1000, 0) == 1);
}

TEST_CASE("reserved slots are allocated up front and released with the pool") {
  const std::size_t before = SlotPool::live_bytes();
  {
    const auto pool = make_pool(3, 8);
    CHECK(pool->count() == 3);
    CHECK(pool->allocated_bytes() == 3000);
    CHECK(pool->in_use() == 0);
    CHECK(SlotPool::live_bytes() == before + 3000);
  }
  CHECK(SlotPool::live_bytes() == before);
}

TEST_CASE("the pool grows up to its limit while nothing waits in appsrc, then waits") {
  const auto pool = make_pool(1, 3);
  std::vector<SlotPool::Slot*> taken;
  for (int i = 0; i < 3; ++i) {
    SlotPool::Slot* slot = pool->try_take(0ms);
    REQUIRE(slot != nullptr);
    taken.push_back(slot);
  }
  CHECK(pool->count() == 3);
  CHECK(pool->peak_in_use() == 3);
  CHECK(pool->try_take(20ms) == nullptr);  // at the limit
  CHECK(pool->count() == 3);
  pool->give_back(taken.back());
  CHECK(pool->try_take(0ms) == taken.back());  // the same memory again
}

TEST_CASE("no growth while one of its buffers waits in appsrc's queue; growth once it left") {
  const auto tally = std::make_shared<detail::SinkTally>();
  const auto pool = make_pool(1, 5, tally);
  SlotPool::Slot* first = pool->try_take(0ms);
  REQUIRE(first != nullptr);
  GstBuffer* buffer = pool->wrap(first);   // "pushed": waits in appsrc until it leaves
  CHECK(pool->try_take(20ms) == nullptr);  // a producer merely ahead waits
  CHECK(pool->count() == 1);
  leave_appsrc(buffer);  // now held downstream
  SlotPool::Slot* second = pool->try_take(0ms);
  CHECK(second != nullptr);
  CHECK(pool->count() == 2);
  pool->give_back(second);
  // Freed after leaving appsrc: back in the pool, not counted as lost.
  gst_buffer_unref(buffer);
  CHECK(pool->in_use() == 0);
  CHECK(tally->dropped.load() == 0);
}

TEST_CASE("wrap() lends the slot's own memory; a buffer freed inside appsrc counts as lost") {
  const auto tally = std::make_shared<detail::SinkTally>();
  std::weak_ptr<SlotPool> weak;
  GstBuffer* buffer = nullptr;
  SlotPool::Slot* slot = nullptr;
  {
    const auto pool = make_pool(1, 1, tally);
    weak = pool;
    slot = pool->try_take(0ms);
    REQUIRE(slot != nullptr);
    buffer = pool->wrap(slot);
  }
  CHECK(!weak.expired());  // the buffer keeps its pool alive
  GstMapInfo map;
  REQUIRE(gst_buffer_map(buffer, &map, GST_MAP_READ));
  CHECK(map.data == slot->data.get());
  CHECK(map.size == 1000);
  gst_buffer_unmap(buffer, &map);
  gst_buffer_unref(buffer);  // never left appsrc
  CHECK(tally->dropped.load() == 1);
  CHECK(weak.expired());  // the last buffer took the pool with it
}

TEST_CASE("wrap(slot, used) hands GStreamer only the bytes filled (an audio buffer)") {
  const auto pool = make_pool(1, 1);
  SlotPool::Slot* slot = pool->try_take(0ms);
  REQUIRE(slot != nullptr);
  GstBuffer* buffer = pool->wrap(slot, 384);
  CHECK(gst_buffer_get_size(buffer) == 384);
  GstMapInfo map;
  REQUIRE(gst_buffer_map(buffer, &map, GST_MAP_READ));
  CHECK(map.data == slot->data.get());
  gst_buffer_unmap(buffer, &map);
  gst_buffer_unref(buffer);
  CHECK(pool->in_use() == 0);  // back in the pool, whole
  SlotPool::Slot* again = pool->try_take(0ms);
  REQUIRE(again == slot);
  buffer = pool->wrap(again, 5000);  // clamped to the slot
  CHECK(gst_buffer_get_size(buffer) == 1000);
  gst_buffer_unref(buffer);
}

TEST_CASE("wake() ends a wait whose stop flag is set, long before its limit") {
  const auto pool = make_pool(1, 1);
  REQUIRE(pool->try_take(0ms) != nullptr);
  std::atomic<bool> stop{false};
  std::atomic<bool> returned{false};
  SlotPool::Slot* result = reinterpret_cast<SlotPool::Slot*>(1);
  std::thread waiter([&] {
    result = pool->try_take(60s, &stop);
    returned = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!pool->someone_waiting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  REQUIRE(pool->someone_waiting());
  CHECK(!returned.load());
  stop = true;
  pool->wake();
  waiter.join();
  CHECK(result == nullptr);
  CHECK(!pool->someone_waiting());
}

TEST_CASE("a new slot's pages are already mapped: writing a frame into it faults none in") {
  ensure_gstreamer_initialized();
  // A 1080p I420 frame: 760 pages, each faulted in by its first write unless the pool touched
  // them when it allocated the slot.
  constexpr std::size_t kBytes = 1920 * 1080 * 3 / 2;
  auto pool = std::make_shared<SlotPool>(kBytes, 1, 2, std::make_shared<detail::SinkTally>());
  const auto faults = [] {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return usage.ru_minflt;
  };
  for (int i = 0; i < 2; ++i) {  // the reserved slot, then one the pool grows by
    SlotPool::Slot* slot = pool->try_take(0ms);
    REQUIRE(slot != nullptr);
    const long before = faults();
    std::memset(slot->data.get(), 0x80, kBytes);
    const long taken = faults() - before;
    INFO("slot " << i << ": " << taken << " page faults writing " << kBytes << " bytes");
    CHECK(taken < 8);
  }
  CHECK(pool->count() == 2);
}
