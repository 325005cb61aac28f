// AppSrcSinkOptions: the defaults, and that the default byte budget covers what x264enc at its
// defaults holds at 1080p (48 frames measured on 2 cores) with room for more cores.
#include "framepipe/gst/app_src_sink_options.hpp"

#include <doctest/doctest.h>

#include "framepipe/core/frame.hpp"
#include "framepipe/gst/slot_pool.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("the defaults: a growing pool, a finite acquire wait") {
  const AppSrcSinkOptions o;
  CHECK(o.pool_size == 4);
  CHECK(o.max_pool_bytes == std::size_t{512} * 1024 * 1024);
  CHECK(o.backpressure == Backpressure::Block);
  CHECK(o.eos_timeout == 10s);
  CHECK(o.acquire_timeout == 15s);
  CHECK(o.acquire_timeout.count() > 0);  // never wait forever by default
  CHECK(o.appsrc_name == "framepipe_src");
  CHECK(!o.on_log);
  CHECK(o.owns_state);
}

TEST_CASE("the default budget holds x264enc's frames at 1080p, with room to spare") {
  const AppSrcSinkOptions o;
  const std::size_t i420 = default_layout(PixelFormat::I420, {1920, 1080}).size;
  const std::size_t bgra = default_layout(PixelFormat::BGRA32, {1920, 1080}).size;
  CHECK(detail::SlotPool::slots_within(o.max_pool_bytes, i420, o.pool_size) >= 2 * 48);
  CHECK(detail::SlotPool::slots_within(o.max_pool_bytes, bgra, o.pool_size) >= 48);
  // And 0 means a fixed pool of pool_size.
  CHECK(detail::SlotPool::slots_within(0, i420, o.pool_size) == o.pool_size);
}
