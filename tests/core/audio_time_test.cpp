#include "framepipe/core/audio_time.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using namespace framepipe;

namespace {
constexpr std::uint64_t kTenHours = 10ull * 3600ull;
}  // namespace

TEST_CASE("AudioTime at 48 kHz is exact after 10 hours") {
  const std::uint64_t n = kTenHours * 48000;  // 1,728,000,000 frames
  CHECK(AudioTime::pts_of(n, 48000) == kTenHours * kNanosPerSecond);
  // One frame is 20833.33 ns: truncated, then the third frame lands on a whole 62500 ns.
  CHECK(AudioTime::pts_of(n + 1, 48000) == kTenHours * kNanosPerSecond + 20'833);
  CHECK(AudioTime::pts_of(n + 3, 48000) == kTenHours * kNanosPerSecond + 62'500);
  // 1024-frame buffers (opusenc's and AAC's favourites) tile the 10 hours with no gap.
  const AudioTime last = AudioTime::at(n - 1024, 1024, 48000);
  CHECK(last.pts + last.duration == kTenHours * kNanosPerSecond);
  CHECK(last.duration == 21'333'334);  // its pts, 10 h - 21333333.3, truncated
}

TEST_CASE("AudioTime at 44.1 kHz is exact after 10 hours") {
  const std::uint64_t n = kTenHours * 44100;  // 1,587,600,000 frames
  CHECK(AudioTime::pts_of(n, 44100) == kTenHours * kNanosPerSecond);
  CHECK(AudioTime::pts_of(n + 1, 44100) == kTenHours * kNanosPerSecond + 22'675);  // 22675.7
  CHECK(AudioTime::pts_of(n + 441, 44100) == kTenHours * kNanosPerSecond + 10'000'000);
  // Summing the durations of 10 hours of 1000-frame buffers lands on the exact time: what a
  // clock made of per-buffer increments of 22.675 ms would miss by 10 h * 0.7 ns / buffer.
  std::uint64_t sum = 0;
  std::uint64_t offset = 0;
  while (offset < n) {
    const AudioTime t = AudioTime::at(offset, 1000, 44100);
    CHECK_MESSAGE(t.pts == sum, "buffer at frame ", offset);
    if (t.pts != sum) break;
    sum += t.duration;
    offset += 1000;
  }
  CHECK(sum == AudioTime::pts_of(offset, 44100));
  CHECK(offset == n);  // 1,587,600 buffers of 1000
  CHECK(sum == kTenHours * kNanosPerSecond);
}

TEST_CASE("AudioTime truncates like gst_util_uint64_scale and does not overflow") {
  CHECK(AudioTime::at(0, 480, 48000) == AudioTime{0, 480, 0, 10'000'000});
  CHECK(AudioTime::at(1, 1, 44100) == AudioTime{1, 1, 22'675, 22'676});
  CHECK(AudioTime::at(2, 1, 44100).duration == 22'676);  // pts(3) = 68027.2 -> 68027
  // n * 1e9 needs more than 64 bits here; the result does not.
  CHECK(AudioTime::pts_of(1ull << 40, 48000) == 22906492245333333ull);  // by Python
  CHECK(AudioTime::pts_of(UINT64_MAX, 1) == UINT64_MAX);                // saturates
}

TEST_CASE("AudioTime::first_frame_at is the inverse of pts_of") {
  for (std::uint32_t rate : {8000u, 44100u, 48000u, 96000u, 7u}) {
    for (std::uint64_t ns : {0ull, 1ull, 20'833ull, 20'834ull, 999'999'999ull, 1'000'000'000ull,
                             36'000'000'000'123ull}) {
      const std::uint64_t n = AudioTime::first_frame_at(ns, rate);
      CHECK(AudioTime::pts_of(n, rate) >= ns);
      if (n > 0) CHECK(AudioTime::pts_of(n - 1, rate) < ns);
    }
  }
  CHECK(AudioTime::first_frame_at(kNanosPerSecond, 48000) == 48000);
}
