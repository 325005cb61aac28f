#include "framepipe/core/band_pool.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace framepipe;
using detail::BandPool;

TEST_CASE("BandPool runs every band exactly once, spread over its threads") {
  for (const unsigned threads : {1u, 2u, 3u, 8u}) {
    BandPool pool(threads);
    CHECK(pool.threads() == threads);
    struct Context {
      std::vector<std::atomic<int>> runs;
      std::mutex mutex;
      std::set<std::thread::id> ids;
    } context{std::vector<std::atomic<int>>(37), {}, {}};
    for (int round = 0; round < 50; ++round) {  // the same threads serve run after run
      pool.run(
          37,
          [](void* c, int band) {
            auto& ctx = *static_cast<Context*>(c);
            ++ctx.runs[static_cast<std::size_t>(band)];
            const std::lock_guard lock(ctx.mutex);
            ctx.ids.insert(std::this_thread::get_id());
          },
          &context);
    }
    for (const auto& r : context.runs) CHECK(r.load() == 50);
    CHECK(context.ids.size() <= threads);  // no thread beyond the pool's own and the caller
    // Which thread takes which band is the scheduler's choice; with one worker it is the caller.
    if (threads == 1) CHECK(context.ids == std::set<std::thread::id>{std::this_thread::get_id()});
  }
  CHECK(BandPool(0).threads() >= 1);  // 0: the hardware's cores
  CHECK_THROWS_AS(BandPool(1000), InvalidArgument);
}

TEST_CASE("BandPool rethrows a band's exception after every band has ended") {
  BandPool pool(4);
  std::atomic<int> ran{0};
  CHECK_THROWS_WITH(pool.run(
                        16,
                        [](void* c, int band) {
                          ++*static_cast<std::atomic<int>*>(c);
                          if (band == 5) throw std::runtime_error("band 5 failed");
                        },
                        &ran),
                    "band 5 failed");
  CHECK(ran == 16);
  pool.run(
      2, [](void* c, int) { ++*static_cast<std::atomic<int>*>(c); }, &ran);  // still usable
  CHECK(ran == 18);
}

TEST_CASE("BandPool::band_rows shares whole units out evenly and covers every row once") {
  for (const int rows : {1, 2, 3, 7, 1080, 2161}) {
    for (const int bands : {1, 2, 3, 8}) {
      int next = 0;
      for (int b = 0; b < bands; ++b) {
        const auto [begin, end] = BandPool::band_rows(b, bands, rows, 2);
        CHECK(begin == next);
        CHECK(begin % 2 == 0);
        CHECK(end >= begin);
        next = end;
      }
      CHECK(next == rows);
    }
  }
}

TEST_CASE("BandPool::run_rows covers every row once, in one band per worker or a few") {
  for (const unsigned threads : {1u, 2u, 3u}) {
    BandPool pool(threads);
    for (const int height : {1, 2, 5, 64, 1080, 2161}) {
      std::mutex mutex;
      std::vector<int> covered(static_cast<std::size_t>(height), 0);
      int bands = 0;
      pool.run_rows(height, 2, [&](int begin, int end) {
        const std::lock_guard lock(mutex);
        ++bands;
        CHECK(begin % 2 == 0);
        for (int y = begin; y < end; ++y) ++covered[static_cast<std::size_t>(y)];
      });
      for (const int c : covered) CHECK(c == 1);
      // One band per worker, or kBandsPerParkedThread each when a worker had parked.
      const int units = (height + 1) / 2;
      const int hot = std::min(units, static_cast<int>(threads));
      const int parked =
          std::min(units, static_cast<int>(threads) * BandPool::kBandsPerParkedThread);
      CHECK((bands == hot || (threads > 1 && bands == parked)));
    }
  }
}

TEST_CASE("BandPool: parked workers wake for the next job, and a parked caller for the last band") {
  BandPool pool(2);
  std::atomic<int> ran{0};
  const auto count = [](void* c, int) { ++*static_cast<std::atomic<int>*>(c); };
  for (int round = 0; round < 3; ++round) {
    // Longer than the workers spin (kWorkerSpin): they have parked when the job comes.
    std::this_thread::sleep_for(BandPool::kWorkerSpin * 20);
    pool.run(8, count, &ran);
  }
  CHECK(ran == 24);
  // Bands that take longer than the caller spins (kCallerSpin): it parks and must be woken.
  const auto slow = [](void* c, int) {
    std::this_thread::sleep_for(BandPool::kCallerSpin * 10);
    ++*static_cast<std::atomic<int>*>(c);
  };
  pool.run(2, slow, &ran);
  CHECK(ran == 26);
}
