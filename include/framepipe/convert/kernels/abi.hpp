// The name of the inline namespace that framepipe's compiled kernels live in, and whether the
// AArch64 kernels are compiled in. Its own header so that any kernel header — SIMD or scalar —
// can use it without pulling in <immintrin.h> or <arm_neon.h>.
#pragma once

// FRAMEPIPE_KERNELS_ABI: the inline namespace the kernels and their selectors live in, named
// after the ISA level this translation unit is compiled for. A kernel with target("sse4.1") in a
// file built with -mavx2 is compiled with AVX2 too (a target attribute adds to the command line, it
// never removes), so two files with different -m flags hold different machine code under one name;
// without distinct names the linker keeps one copy for the whole program, which may be the one a
// CPU cannot run.
#if defined(__AVX512VBMI__) && defined(__AVX512BW__)
#  define FRAMEPIPE_KERNELS_ABI tu_avx512vbmi
#elif defined(__AVX512BW__)
#  define FRAMEPIPE_KERNELS_ABI tu_avx512bw
#elif defined(__AVX2__)
#  define FRAMEPIPE_KERNELS_ABI tu_avx2
#elif defined(__AVX__)
#  define FRAMEPIPE_KERNELS_ABI tu_avx
#elif defined(__SSE4_1__)
#  define FRAMEPIPE_KERNELS_ABI tu_sse41
#elif defined(__SSSE3__)
#  define FRAMEPIPE_KERNELS_ABI tu_ssse3
#elif defined(__aarch64__) && defined(__ARM_FEATURE_SVE)
#  define FRAMEPIPE_KERNELS_ABI tu_aarch64_sve
#elif defined(__aarch64__)
#  define FRAMEPIPE_KERNELS_ABI tu_aarch64
#else
#  define FRAMEPIPE_KERNELS_ABI tu_base
#endif

// FRAMEPIPE_KERNELS_NEON: 1 when the AArch64 NEON kernels (pack_neon.hpp) are compiled in, with GCC
// or Clang on AArch64, where NEON is part of the base ISA (no target attribute and no run-time
// check is needed to use it); 0 elsewhere. Here rather than in pack_neon.hpp so that isa.hpp can
// name the path without pulling in <arm_neon.h> and the kernels.
#if defined(__aarch64__) && defined(__ARM_NEON) && defined(__GNUC__)
#  define FRAMEPIPE_KERNELS_NEON 1
#else
#  define FRAMEPIPE_KERNELS_NEON 0
#endif
