// What the SIMD row kernels share on x86: feature macros, per-function target attributes, CPU
// detection, the [E|O] lane order of the channel gathers and the source prefetch. Each ISA's
// shuffle and permute tables live in its own file; tails and short rows are pack_row_any.hpp's. The
// kernels live in the inline namespace FRAMEPIPE_KERNELS_ABI (abi.hpp), which keeps each
// translation unit's copy apart.
//
// How the kernels are built (see docs/architecture.md, "Colour"): every function that touches a
// vector type carries a `target` attribute for its ISA, so a plain -O2 build with no -march flag
// still contains the AVX2 and AVX-512 code, and pack_dispatch.hpp picks one at run time from
// __builtin_cpu_supports. No target_clones (its resolver symbols clash across files with clang 14)
// and no SIMD library (Highway needs -lhwy, xsimd only dispatches across separately built files).
#pragma once

#include <cstddef>
#include <cstdint>

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
/// 1 when the x86 SIMD kernels are compiled in (GCC and Clang on x86); 0 elsewhere, where the
/// scalar kernels are the only path.
#  define FRAMEPIPE_KERNELS_X86 1
#  include <immintrin.h>
#else
#  define FRAMEPIPE_KERNELS_X86 0
#endif

#if FRAMEPIPE_KERNELS_X86
// One attribute per kernel level. Every helper that touches a vector type carries its level's
// attribute (or a lower one): GCC and Clang refuse to inline intrinsics into anything less.
#  define FRAMEPIPE_TARGET_SSE4 __attribute__((target("sse4.1")))
#  define FRAMEPIPE_TARGET_AVX2 __attribute__((target("avx2")))
// The AVX-512 kernel uses VBMI's vpermb/vpermt2b for the byte gathers and VL for 256-bit masked
// stores; AVX-512BW alone implies neither, so the dispatcher checks all four.
#  define FRAMEPIPE_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))
#  define FRAMEPIPE_INLINE_SSE4 __attribute__((always_inline, target("sse4.1"))) inline
#  define FRAMEPIPE_INLINE_AVX2 __attribute__((always_inline, target("avx2"))) inline
#  define FRAMEPIPE_INLINE_AVX512 \
    __attribute__((always_inline, target("avx512f,avx512bw,avx512vl,avx512vbmi"))) inline
// Every file of AVX-512 kernels (pack and unpack) sits between these two. GCC 12's AVX-512
// intrinsics initialise their "undefined" pass-through operand from itself, which
// -Wmaybe-uninitialized (or -Wuninitialized, in a function that is not inlined further) reports
// wherever they are inlined (GCC bug 105593, fixed in 13). (.clang-format lists both as
// StatementMacros.)
#  if defined(__GNUC__) && !defined(__clang__)
#    define FRAMEPIPE_AVX512_WARNINGS_BEGIN                                                      \
      _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
          _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#    define FRAMEPIPE_AVX512_WARNINGS_END _Pragma("GCC diagnostic pop")
#  else
#    define FRAMEPIPE_AVX512_WARNINGS_BEGIN
#    define FRAMEPIPE_AVX512_WARNINGS_END
#  endif
#endif

// Nothing in x86_detail is compiled for a vector ISA (eo_pixel is constexpr, the detection
// plain code), so it lives outside the per-ISA inline namespace.
namespace framepipe::kernels::x86_detail {

/// Which CPU features the kernels use are present (and enabled by the OS, which
/// __builtin_cpu_supports checks through XGETBV). Not cached: pack_dispatch.hpp caches its
/// decision.
struct CpuFeatures {
  bool sse41 = false;
  bool avx2 = false;
  bool avx512 = false;  ///< AVX-512 F + BW + VL + VBMI: everything the AVX-512 kernel uses
};

inline CpuFeatures cpu_features() {
  CpuFeatures f;
#if FRAMEPIPE_KERNELS_X86
  __builtin_cpu_init();  // harmless if done already; needed if called from a static initialiser
  f.sse41 = __builtin_cpu_supports("sse4.1") != 0;
  f.avx2 = f.sse41 && __builtin_cpu_supports("avx2") != 0;
  f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") != 0 &&
             __builtin_cpu_supports("avx512bw") != 0 && __builtin_cpu_supports("avx512vl") != 0 &&
             __builtin_cpu_supports("avx512vbmi") != 0;
#endif
  return f;
}

// --- Channel gathers --------------------------------------------------------------------------
// Every kernel turns packed pixels into 16-bit lanes holding one channel as X << 8 (the byte in
// the high half, zero in the low half): exactly the `X << 8` operand of coefficients.hpp's luma
// formula, so pmulhuw applies directly. Within each group of pixels the lanes hold the even
// pixels first, then the odd ones ("[E|O]" order): the 2x2 chroma sums then pair lane i of the
// E half with lane i of the O half, and one final byte shuffle restores pixel order for luma.

/// Pixel index held by 16-bit lane `lane` of a group of `pixels` pixels in [E|O] order.
constexpr int eo_pixel(int lane, int pixels) {
  return lane < pixels / 2 ? 2 * lane : 2 * (lane - pixels / 2) + 1;
}

// --- Software prefetch ------------------------------------------------------------------------
// A frame larger than the cache streams from memory, and one thread's hardware prefetchers keep
// too few of its lines in flight: at 3840x2160 the AVX-512 kernel waited on loads for most of its
// 1.7 ms. Each wide kernel therefore asks for the source bytes it will read kPrefetchAhead bytes
// further along both rows (benchmarks/README.md, "Frames larger than the cache", has the
// distances tried). Past a row's end the prefetch touches the next row, or nothing: a prefetch
// never faults, and the address is formed as an integer, never as an out-of-range pointer.

/// Bytes ahead of the current block, in each source row, that the kernels prefetch.
inline constexpr std::size_t kPrefetchAhead = 2048;

/// Prefetches (into every cache level) the `Bytes` bytes each row will read kPrefetchAhead bytes
/// past `s0` and `s1`: one request per 64-byte line, so `Bytes` up to 64 needs one, up to 128 two.
template <int Bytes>
__attribute__((always_inline)) inline void prefetch_ahead(const std::uint8_t* s0,
                                                          const std::uint8_t* s1) {
  const std::uintptr_t a0 = reinterpret_cast<std::uintptr_t>(s0) + kPrefetchAhead;
  const std::uintptr_t a1 = reinterpret_cast<std::uintptr_t>(s1) + kPrefetchAhead;
  for (std::uintptr_t i = 0; i < static_cast<std::uintptr_t>(Bytes); i += 64) {
    __builtin_prefetch(reinterpret_cast<const void*>(a0 + i), 0, 3);
    __builtin_prefetch(reinterpret_cast<const void*>(a1 + i), 0, 3);
  }
}

}  // namespace framepipe::kernels::x86_detail
