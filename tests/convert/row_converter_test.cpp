#include "framepipe/convert/row_converter.hpp"

#include <doctest/doctest.h>

#include <mutex>
#include <vector>

#include "framepipe/core/error.hpp"

using framepipe::Size;

namespace {

struct CountingOptions {
  unsigned threads = 1;
};

/// A converter that records which rows its bands covered.
class RowCounter : public framepipe::detail::RowConverter<CountingOptions> {
 public:
  explicit RowCounter(CountingOptions options) : RowConverter(options) {}

  std::vector<int> cover(Size src, Size dst) const {
    std::vector<int> hits(static_cast<std::size_t>(src.height > 0 ? src.height : 0), 0);
    std::mutex mutex;
    run_rows(src, "counter source", dst, [&](int begin, int end) {
      CHECK(begin % 2 == 0);  // bands of whole row pairs
      const std::lock_guard lock(mutex);
      for (int y = begin; y < end; ++y) ++hits[static_cast<std::size_t>(y)];
    });
    return hits;
  }
};

}  // namespace

TEST_CASE("RowConverter runs every row exactly once, in bands of row pairs, on any thread count") {
  for (const unsigned threads : {1u, 2u, 3u, 0u}) {
    for (const int height : {1, 2, 7, 64, 1081}) {
      CAPTURE(threads);
      CAPTURE(height);
      const RowCounter counter({.threads = threads});
      const std::vector<int> hits = counter.cover({5, height}, {5, height});
      for (const int h : hits) CHECK(h == 1);
    }
  }
}

TEST_CASE("RowConverter refuses frames of two sizes, naming both") {
  const RowCounter counter({.threads = 2});
  CHECK_THROWS_WITH_AS(counter.cover({4, 4}, {4, 6}),
                       "framepipe: counter source is 4x4 but destination is 4x6",
                       framepipe::InvalidArgument);
}

TEST_CASE(
    "RowConverter keeps the options, the kernel path chosen when made, and the thread count") {
  const RowCounter counter({.threads = 3});
  CHECK(counter.options().threads == 3);
  CHECK(counter.isa() == framepipe::active_isa());
  CHECK(counter.threads() == 3);
  const RowCounter copy = counter;  // a copy starts without band threads, with the same count
  CHECK(copy.threads() == 3);
  CHECK(copy.cover({3, 9}, {3, 9}) == std::vector<int>(9, 1));
}
