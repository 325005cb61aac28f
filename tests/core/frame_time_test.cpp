#include "framepipe/core/frame_time.hpp"

#include <doctest/doctest.h>

using namespace framepipe;

TEST_CASE("FrameTime at 30/1 is exact") {
  CHECK(FrameTime::at(0, {30, 1}) == FrameTime{0, 0, 33'333'333});
  CHECK(FrameTime::at(1, {30, 1}) == FrameTime{1, 33'333'333, 33'333'333});
  CHECK(FrameTime::at(2, {30, 1}).duration == 33'333'334);  // pts(3) = 100 ms exactly
  CHECK(FrameTime::at(2, {30, 1}).pts == 66'666'666);
  // 3,000,000 frames at 30/1 is exactly 100,000 s.
  CHECK(FrameTime::at(3'000'000, {30, 1}) == FrameTime{3'000'000, 100'000'000'000'000, 33'333'333});
}

TEST_CASE("FrameTime at 30000/1001 is exact, truncated like gst_util_uint64_scale") {
  CHECK(FrameTime::at(0, {30000, 1001}) == FrameTime{0, 0, 33'366'666});
  CHECK(FrameTime::at(1, {30000, 1001}) == FrameTime{1, 33'366'666, 33'366'667});
  // 3,000,000 * 1001 / 30000 s = 100,100 s exactly.
  CHECK(FrameTime::at(3'000'000, {30000, 1001}).pts == 100'100'000'000'000);
  CHECK(FrameTime::at(3'000'000, {30000, 1001}).duration == 33'366'666);
  CHECK(FrameTime::at(3'000'001, {30000, 1001}).pts == 100'100'033'366'666);
}

TEST_CASE("FrameTime durations tile the timeline without gaps or overlaps") {
  for (FrameRate rate : {FrameRate{30, 1}, FrameRate{30000, 1001}, FrameRate{24, 1},
                         FrameRate{60000, 1001}, FrameRate{7, 3}}) {
    for (std::uint64_t i : {0ull, 1ull, 99ull, 123'456'789ull}) {
      const FrameTime t = FrameTime::at(i, rate);
      CHECK(t.pts + t.duration == FrameTime::at(i + 1, rate).pts);
    }
  }
}

TEST_CASE("FrameTime does not overflow where i * 1e9 * den exceeds 64 bits") {
  // 2^40 frames at 60000/1001: the product needs more than 64 bits, the result does not.
  const std::uint64_t i = 1ull << 40;
  const FrameTime t = FrameTime::at(i, {60000, 1001});
  CHECK(t.pts == 18343518990062933333ull);  // floor(2^40 * 1e9 * 1001 / 60000), by Python
}

TEST_CASE("FrameTime::seconds and check_frame_rate") {
  CHECK(FrameTime::at(45, {30, 1}).seconds() == doctest::Approx(1.5));
  CHECK_THROWS_AS(check_frame_rate({0, 1}), InvalidArgument);
  CHECK_THROWS_AS(check_frame_rate({30, 0}), InvalidArgument);
  CHECK_THROWS_AS(check_frame_rate({-30, 1}), InvalidArgument);
  CHECK_NOTHROW(check_frame_rate({30000, 1001}));
}
