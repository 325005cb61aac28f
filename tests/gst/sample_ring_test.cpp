// SampleRing alone: order, capacity, the references it takes and gives, wrap-around, clear.
#include "framepipe/gst/sample_ring.hpp"

#include <doctest/doctest.h>

#include <vector>

#include "framepipe/gst/runtime.hpp"

using namespace framepipe;

namespace {

/// A sample whose buffer's pts is `pts`.
GstSample* sample_at(GstClockTime pts) {
  GstBuffer* buffer = gst_buffer_new();
  GST_BUFFER_PTS(buffer) = pts;
  GstSample* sample = gst_sample_new(buffer, nullptr, nullptr, nullptr);
  gst_buffer_unref(buffer);
  return sample;
}

GstClockTime pts_of(GstSample* sample) { return GST_BUFFER_PTS(gst_sample_get_buffer(sample)); }

}  // namespace

TEST_CASE("SampleRing: first in, first out, across the wrap-around") {
  ensure_gstreamer_initialized();
  detail::SampleRing ring(3);
  CHECK(ring.capacity() == 3);
  CHECK(ring.empty());
  CHECK(ring.front() == nullptr);
  CHECK(ring.take_front() == nullptr);
  GstClockTime next_in = 0;
  GstClockTime next_out = 0;
  for (int round = 0; round < 5; ++round) {
    while (!ring.full()) REQUIRE(ring.push(sample_at(next_in++)));
    CHECK(ring.size() == 3);
    GstSample* extra = sample_at(99);
    CHECK_FALSE(ring.push(extra));  // full: takes nothing
    gst_sample_unref(extra);
    for (int i = 0; i < 2; ++i) {
      CHECK(pts_of(ring.front()) == next_out);
      GstSample* taken = ring.take_front();
      CHECK(pts_of(taken) == next_out++);
      gst_sample_unref(taken);
    }
    CHECK(ring.size() == 1);
  }
  CHECK(ring.drop_front());
  CHECK(ring.empty());
  CHECK_FALSE(ring.drop_front());
}

TEST_CASE("SampleRing: holds one reference of each sample, and clear() drops them") {
  ensure_gstreamer_initialized();
  std::vector<GstSample*> mine;
  {
    detail::SampleRing ring(2);
    for (GstClockTime i = 0; i < 2; ++i) {
      GstSample* s = sample_at(i);
      mine.push_back(gst_sample_ref(s));  // one of ours beside the ring's
      REQUIRE(ring.push(s));
    }
    for (GstSample* s : mine) CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(s) == 2);
    ring.clear();
    CHECK(ring.empty());
    for (GstSample* s : mine) CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(s) == 1);
    REQUIRE(ring.push(gst_sample_ref(mine[0])));
  }  // the destructor drops what is left
  CHECK(GST_MINI_OBJECT_REFCOUNT_VALUE(mine[0]) == 1);
  for (GstSample* s : mine) gst_sample_unref(s);
  CHECK_THROWS_AS(detail::SampleRing(0), InvalidArgument);
}
