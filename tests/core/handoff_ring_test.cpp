#include "framepipe/core/handoff_ring.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace framepipe;
using namespace std::chrono_literals;
using detail::HandoffRing;

namespace {

/// Two lanes take items 0..count-1 in turn (lane k: k, k + 2, ...), each through two steps; every
/// step records the item it runs, in the order the steps ran.
struct TwoLanes {
  HandoffRing<2> ring;
  std::mutex mutex;
  std::vector<std::uint64_t> step_items[2];

  void run_lane(std::uint64_t first, std::uint64_t count) {
    for (std::uint64_t i = first; i < count; i += 2) {
      for (std::size_t step = 0; step < 2; ++step) {
        if (!ring.wait_turn(step, i)) return;
        {
          const std::lock_guard lock(mutex);
          step_items[step].push_back(i);
        }
        ring.pass(step, i);
        if (i >= ring.end()) return;
      }
    }
  }
};

}  // namespace

TEST_CASE("HandoffRing: each step takes the items one at a time, in order, across lanes") {
  TwoLanes lanes;
  constexpr std::uint64_t kCount = 2000;  // enough for waits that spin and waits that park
  std::thread other([&] { lanes.run_lane(1, kCount); });
  lanes.run_lane(0, kCount);
  other.join();
  for (const auto& items : lanes.step_items) {
    REQUIRE(items.size() == kCount);
    for (std::uint64_t i = 0; i < kCount; ++i) CHECK(items[i] == i);
  }
  CHECK(lanes.ring.end() == HandoffRing<2>::kNoEnd);
  CHECK(lanes.ring.error() == nullptr);
}

TEST_CASE("HandoffRing: a wait parks until the turn comes, however long it takes") {
  HandoffRing<1> ring;
  std::promise<void> waiting;
  std::future<bool> got = std::async(std::launch::async, [&] {
    waiting.set_value();
    return ring.wait_turn(0, 1);
  });
  waiting.get_future().wait();
  // Well past the spin (kSpin): the waiter has parked, and pass() must wake it.
  CHECK(got.wait_for(20ms) == std::future_status::timeout);
  REQUIRE(ring.wait_turn(0, 0));
  ring.pass(0, 0);
  REQUIRE(got.wait_for(10s) == std::future_status::ready);
  CHECK(got.get());
}

TEST_CASE("HandoffRing: end_at and fail keep the earliest end and the earliest item's error") {
  HandoffRing<2> ring;
  CHECK(ring.end() == HandoffRing<2>::kNoEnd);
  ring.end_at(7);
  ring.end_at(9);
  CHECK(ring.end() == 7);
  // Lanes that draw at once may fail out of order: the earlier frame's error is the run's.
  ring.fail(5, std::make_exception_ptr(std::runtime_error("item 5")));
  ring.fail(3, std::make_exception_ptr(std::runtime_error("item 3")));
  ring.fail(4, std::make_exception_ptr(std::runtime_error("item 4")));
  ring.fail(3, std::make_exception_ptr(std::runtime_error("item 3, again")));
  CHECK(ring.end() == 3);
  REQUIRE(ring.error() != nullptr);
  CHECK_THROWS_WITH(std::rethrow_exception(ring.error()), "item 3");
}

TEST_CASE("HandoffRing: a lane that fails ends the run after the items before it") {
  // Item 5 fails in step 0: items 0..4 still pass both steps, and nothing from 5 on runs step 1.
  struct Lanes : TwoLanes {
    void run_lane(std::uint64_t first) {
      for (std::uint64_t i = first;; i += 2) {
        if (!ring.wait_turn(0, i)) return;
        if (i < ring.end() && i == 5)
          ring.fail(i, std::make_exception_ptr(std::runtime_error("5")));
        ring.pass(0, i);
        if (i >= ring.end()) return;
        if (!ring.wait_turn(1, i)) return;
        {
          const std::lock_guard lock(mutex);
          step_items[1].push_back(i);
        }
        ring.pass(1, i);
      }
    }
  } lanes;
  std::thread other([&] { lanes.run_lane(1); });
  lanes.run_lane(0);
  other.join();
  CHECK(lanes.step_items[1] == std::vector<std::uint64_t>{0, 1, 2, 3, 4});
  CHECK(lanes.ring.end() == 5);
  CHECK_THROWS_WITH(std::rethrow_exception(lanes.ring.error()), "5");
}

TEST_CASE("HandoffRing: close() ends every wait at once") {
  HandoffRing<2> ring;
  std::future<bool> step0 = std::async(std::launch::async, [&] { return ring.wait_turn(0, 4); });
  std::future<bool> step1 = std::async(std::launch::async, [&] { return ring.wait_turn(1, 9); });
  ring.close();
  REQUIRE(step0.wait_for(10s) == std::future_status::ready);
  REQUIRE(step1.wait_for(10s) == std::future_status::ready);
  CHECK_FALSE(step0.get());
  CHECK_FALSE(step1.get());
  CHECK_FALSE(ring.wait_turn(0, 0));  // even the turn that is due: closed is closed
}
