// AppSinkSourceOptions: the defaults -- a small bounded queue, no drops, a finite pull wait,
// videoconvert only when needed -- and that AppSinkSource refuses options it cannot honour.
#include "framepipe/gst/app_sink_source_options.hpp"

#include <doctest/doctest.h>

#include "framepipe/core/error.hpp"
#include "framepipe/gst/app_sink_source.hpp"

using namespace framepipe;
using namespace std::chrono_literals;

TEST_CASE("the defaults: a small queue, no drops, a finite pull wait, convert only if needed") {
  const AppSinkSourceOptions o;
  CHECK(o.max_buffers == 4);
  CHECK(o.backpressure == Backpressure::Block);
  CHECK_FALSE(o.matrix.has_value());
  CHECK_FALSE(o.range.has_value());
  CHECK(o.pull_timeout == 10s);
  CHECK(o.pull_timeout.count() > 0);  // never wait forever by default
  CHECK(o.convert == VideoConvert::Auto);
  CHECK_FALSE(o.sync);
  CHECK(o.appsink_name == "framepipe_sink");
  CHECK(!o.on_log);
  CHECK(o.owns_state);
}

TEST_CASE("options AppSinkSource refuses") {
  using Source = AppSinkSource<PixelFormat::I420>;
  CHECK_THROWS_AS(Source("videotestsrc", {.max_buffers = 0}), InvalidArgument);
  CHECK_THROWS_AS(Source("videotestsrc", {.appsink_name = "two words"}), InvalidArgument);
  CHECK_THROWS_AS(Source("videotestsrc", {.appsink_name = ""}), InvalidArgument);
  CHECK_THROWS_AS(Source("videotestsrc", {.owns_state = false}), InvalidArgument);
  CHECK_NOTHROW(Source("videotestsrc", {.max_buffers = 1, .appsink_name = "my-sink_2"}));
}
