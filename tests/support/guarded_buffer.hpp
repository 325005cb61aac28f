// Buffers that catch a kernel writing (or, on Linux, reading) outside its rows, shared by the
// row-kernel tests (kernels_test, unpack_kernels_test):
//   - Plane: rows with padded strides, a misaligned start and guard bytes around them; after a
//     run, guard_changes() counts the bytes outside the rows that changed;
//   - Yuv420Planes: the Y, U, V (I420) or Y, UV (NV12) planes of a frame, padded and misaligned
//     at random;
//   - GuardedPage (Linux): one page between two inaccessible ones, so that a row placed against
//     either end faults on the first byte touched beyond it -- no sanitizer needed.
#pragma once

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#if defined(__linux__)
#  include <sys/mman.h>
#  include <unistd.h>
#endif

namespace framepipe::test {

/// A plane of `rows` rows of `row_bytes` bytes, `stride` apart, starting `offset` bytes into a
/// buffer with kGuard bytes of slack on each side. Everything that is not a row is guard.
struct Plane {
  static constexpr std::size_t kGuard = 64;
  std::size_t offset = 0;
  std::size_t stride = 0;
  std::size_t row_bytes = 0;
  int rows = 0;
  std::vector<std::uint8_t> bytes;

  Plane() = default;
  Plane(std::size_t row_bytes_, int rows_, std::size_t padding, std::size_t misalign)
      : offset(kGuard + misalign),
        stride(row_bytes_ + padding),
        row_bytes(row_bytes_),
        rows(rows_),
        bytes(kGuard + misalign + stride * static_cast<std::size_t>(rows_) + kGuard) {}

  std::uint8_t* row(int y) { return bytes.data() + offset + static_cast<std::size_t>(y) * stride; }
  bool in_row(std::size_t i) const {
    if (i < offset) return false;
    const std::size_t r = (i - offset) / stride;
    return r < static_cast<std::size_t>(rows) && (i - offset) % stride < row_bytes;
  }
};

inline void fill_random(std::vector<std::uint8_t>& bytes, std::mt19937& rng) {
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(rng));
}

/// Counts bytes outside the rows of `after` that differ from `before` (a copy of it made before
/// the run).
inline std::size_t guard_changes(const Plane& before, const Plane& after) {
  std::size_t changed = 0;
  for (std::size_t i = 0; i < after.bytes.size(); ++i) {
    if (!after.in_row(i) && after.bytes[i] != before.bytes[i]) ++changed;
  }
  return changed;
}

/// The planes of a w x h 4:2:0 frame: Y, then U and V (I420) or the interleaved UV (NV12, `v`
/// empty). Strides are padded and starts misaligned at random; rows and guards hold random bytes.
struct Yuv420Planes {
  Plane y, u, v;
  bool nv12 = false;

  Yuv420Planes(int w, int h, bool nv12_, std::mt19937& rng) : nv12(nv12_) {
    std::uniform_int_distribution<int> small(0, 3);
    const auto cw = static_cast<std::size_t>((w + 1) / 2);
    const int ch = (h + 1) / 2;
    y = Plane(static_cast<std::size_t>(w), h, static_cast<std::size_t>(small(rng) * 5),
              static_cast<std::size_t>(small(rng)));
    u = Plane(nv12 ? 2 * cw : cw, ch, static_cast<std::size_t>(small(rng) * 3),
              static_cast<std::size_t>(small(rng)));
    if (!nv12) {
      v = Plane(cw, ch, static_cast<std::size_t>(small(rng) * 7),
                static_cast<std::size_t>(small(rng)));
    }
    fill_random(y.bytes, rng);
    fill_random(u.bytes, rng);
    fill_random(v.bytes, rng);
  }
};

#if defined(__linux__)
/// One page of usable memory between two inaccessible pages: a row placed against either end
/// faults on the first byte read or written beyond it.
class GuardedPage {
 public:
  GuardedPage() : page_(static_cast<std::size_t>(sysconf(_SC_PAGESIZE))) {
    void* p = mmap(nullptr, 3 * page_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(p != MAP_FAILED);
    base_ = static_cast<std::uint8_t*>(p);
    REQUIRE(mprotect(base_, page_, PROT_NONE) == 0);
    REQUIRE(mprotect(base_ + 2 * page_, page_, PROT_NONE) == 0);
  }
  GuardedPage(const GuardedPage&) = delete;
  GuardedPage& operator=(const GuardedPage&) = delete;
  ~GuardedPage() { munmap(base_, 3 * page_); }

  std::size_t capacity() const { return page_; }
  /// `n` bytes ending where the trailing guard page starts, or starting right after the leading
  /// one.
  std::uint8_t* place(std::size_t n, bool at_end) const {
    return at_end ? base_ + 2 * page_ - n : base_ + page_;
  }

 private:
  std::size_t page_;
  std::uint8_t* base_ = nullptr;
};
#endif  // __linux__

}  // namespace framepipe::test
