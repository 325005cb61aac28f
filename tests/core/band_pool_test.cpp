#include "framepipe/core/band_pool.hpp"

#include <doctest/doctest.h>

#include <atomic>
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
