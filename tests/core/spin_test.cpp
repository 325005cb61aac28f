#include "framepipe/core/spin.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

using namespace framepipe;
using namespace std::chrono_literals;
using detail::spin_until;

static_assert(noexcept(detail::cpu_relax()));

TEST_CASE("spin_until returns at once when ready, without spinning") {
  int calls = 0;
  CHECK(spin_until(
      [&] {
        ++calls;
        return true;
      },
      0ns));
  CHECK(calls == 1);
}

TEST_CASE("spin_until gives up once its budget has passed, and says whether it is ready") {
  int calls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_FALSE(spin_until(
      [&] {
        ++calls;
        return false;
      },
      1ms));
  CHECK(std::chrono::steady_clock::now() - t0 >= 1ms);
  CHECK(calls > 1);  // it asked again while it spun
}

TEST_CASE("spin_until sees a flag another thread sets") {
  std::atomic<bool> flag{false};
  std::thread setter([&] { flag.store(true, std::memory_order_release); });
  // A budget far longer than any scheduling delay: the wait ends when the flag is seen.
  const bool seen = spin_until([&] { return flag.load(std::memory_order_acquire); }, 60s);
  setter.join();
  CHECK(seen);
}
