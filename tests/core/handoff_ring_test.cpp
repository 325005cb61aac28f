#include "framepipe/core/handoff_ring.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <thread>
#include <vector>

using namespace framepipe;

TEST_CASE("HandoffRing carries values from producer to consumer in order, through its slots") {
  detail::HandoffRing<int> ring(2);
  std::vector<int> got;
  std::vector<std::size_t> slots;
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      const auto slot = ring.take_free();
      REQUIRE(slot.has_value());
      REQUIRE(ring.hand_over(*slot, i));
    }
    ring.finish();
  });
  while (auto item = ring.take_filled()) {
    got.push_back(item->value);
    slots.push_back(item->slot);
    ring.give_back(item->slot);
  }
  producer.join();
  REQUIRE(got.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(got[static_cast<std::size_t>(i)] == i);
  for (const std::size_t s : slots) CHECK(s < 2);
  CHECK_FALSE(ring.error());
}

TEST_CASE("HandoffRing: a failure reaches the consumer after what was handed over") {
  detail::HandoffRing<int> ring(3);
  ring.hand_over(*ring.take_free(), 7);
  ring.fail(std::make_exception_ptr(std::runtime_error("drawing failed")));
  const auto first = ring.take_filled();
  REQUIRE(first.has_value());
  CHECK(first->value == 7);
  CHECK_FALSE(ring.take_filled().has_value());
  CHECK_THROWS_WITH(std::rethrow_exception(ring.error()), "drawing failed");
}

TEST_CASE("HandoffRing: close() ends every wait on both sides") {
  detail::HandoffRing<int> ring(1);
  ring.hand_over(*ring.take_free(), 1);  // the only slot is now filled
  std::thread producer([&] { CHECK_FALSE(ring.take_free().has_value()); });  // waits for a slot
  ring.close();
  producer.join();
  CHECK_FALSE(ring.take_filled().has_value());  // what was in flight is abandoned
  CHECK_FALSE(ring.hand_over(0, 2));
  CHECK_THROWS_AS(detail::HandoffRing<int>(0), InvalidArgument);
}
