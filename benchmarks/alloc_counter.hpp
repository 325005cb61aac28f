// Counts the heap allocations of a whole benchmark program: C++ operator new (replaced) and
// glibc's malloc/calloc/realloc (interposed), so GLib's and GStreamer's allocations count too;
// and reads its peak resident memory.
// It defines those replacements, so include it in exactly one .cpp of a program.
#pragma once

#include <sys/resource.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

// The replaced operator new/delete below are malloc/free underneath; GCC, seeing both, takes the
// pairing for a new/free mismatch.
#if defined(__GNUC__) && !defined(__clang__)
#  pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace framepipe_bench {

/// Every C++ `operator new` of the process.
inline std::atomic<std::uint64_t> g_allocations{0};
/// Every malloc/calloc/realloc of the process, GLib's and GStreamer's included.
inline std::atomic<std::uint64_t> g_mallocs{0};

/// The process's peak resident memory so far, in MiB (getrusage's ru_maxrss).
inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

}  // namespace framepipe_bench

// Every C++ heap allocation of the process is counted (GLib's own g_malloc is not: it does not go
// through operator new).
void* operator new(std::size_t size) {
  framepipe_bench::g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  framepipe_bench::g_allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(align);
  if (void* p = std::aligned_alloc(a, (size + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}
// C allocations are counted by interposing glibc's malloc, calloc and realloc (free stays glibc's).
extern "C" {
void* __libc_malloc(std::size_t);               // NOLINT(bugprone-reserved-identifier)
void* __libc_calloc(std::size_t, std::size_t);  // NOLINT(bugprone-reserved-identifier)
void* __libc_realloc(void*, std::size_t);       // NOLINT(bugprone-reserved-identifier)
void* malloc(std::size_t size) {
  framepipe_bench::g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  framepipe_bench::g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) {
  framepipe_bench::g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_realloc(p, size);
}
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
