// What the SIMD row kernels share on x86: feature macros, per-function target attributes, CPU
// detection, the byte-shuffle tables that gather one colour channel out of packed pixels, and the
// scalar fallback for short rows and odd last columns. The kernels live in the inline namespace
// FRAMEPIPE_KERNELS_ABI (abi.hpp), which keeps each translation unit's copy apart.
//
// How the kernels are built (see DESIGN.md, "Dispatch findings"): every function that touches a
// vector type carries a `target` attribute for its ISA, so a plain -O2 build with no -march flag
// still contains the AVX2 and AVX-512 code, and dispatch.hpp picks one at run time from
// __builtin_cpu_supports. No target_clones (its resolver symbols clash across files with clang 14)
// and no SIMD library (Highway needs -lhwy, xsimd only dispatches across separately built files).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/convert/kernels/scalar.hpp"
#include "framepipe/core/pixel_format.hpp"

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
#endif

// Nothing in x86_detail is compiled for a vector ISA (the tables are constexpr data, the
// detection plain code), so it lives outside the per-ISA inline namespace.
namespace framepipe::kernels::x86_detail {

/// Which CPU features the kernels use are present (and enabled by the OS, which
/// __builtin_cpu_supports checks through XGETBV). Not cached: dispatch.hpp caches its decision.
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

/// pshufb controls that gather channel byte `channel` of 8 pixels of `bpp` bytes into eight
/// [E|O] 16-bit lanes, from two 16-byte loads: `first` at the group's first byte and `second` at
/// byte 8 * bpp - 16 (so the loads never pass the group's last byte). 0x80 zeroes a byte.
struct ShuffleGather16 {
  std::array<std::uint8_t, 16> first{};
  std::array<std::uint8_t, 16> second{};
};

constexpr ShuffleGather16 shuffle_gather16(int bpp, int channel) {
  ShuffleGather16 g;
  const int second_at = 8 * bpp - 16;
  for (int lane = 0; lane < 8; ++lane) {
    const int pos = eo_pixel(lane, 8) * bpp + channel;
    const auto lo = static_cast<std::size_t>(2 * lane);
    g.first[lo] = g.second[lo] = 0x80;
    if (pos < 16) {
      g.first[lo + 1] = static_cast<std::uint8_t>(pos);
      g.second[lo + 1] = 0x80;
    } else {
      g.first[lo + 1] = 0x80;
      g.second[lo + 1] = static_cast<std::uint8_t>(pos - second_at);
    }
  }
  return g;
}

/// pshufb control that moves the high bytes of eight [E|O] lanes into pixel order, at bytes
/// `at`..`at + 7` of the result (0x80 elsewhere).
constexpr std::array<std::uint8_t, 16> shuffle_luma16(int at) {
  std::array<std::uint8_t, 16> m{};
  for (auto& b : m) b = 0x80;
  for (int lane = 0; lane < 8; ++lane) {
    m[static_cast<std::size_t>(at + eo_pixel(lane, 8))] = static_cast<std::uint8_t>(2 * lane + 1);
  }
  return m;
}

/// pshufb control that interleaves bytes 0..7 (U) with bytes 8..15 (V): U0 V0 U1 V1 ...
constexpr std::array<std::uint8_t, 16> shuffle_interleave16() {
  std::array<std::uint8_t, 16> m{};
  for (int i = 0; i < 8; ++i) {
    m[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(i);
    m[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(8 + i);
  }
  return m;
}

/// vpermt2b indices that gather channel byte `channel` of 32 pixels of `bpp` bytes into 32 [E|O]
/// 16-bit lanes from two 64-byte loads: table bytes 0..63 from the group's first byte, 64..127
/// from byte 32 * bpp - 64. The low byte of each lane is zeroed by a write mask, not an index.
constexpr std::array<std::uint8_t, 64> permute_gather64(int bpp, int channel) {
  std::array<std::uint8_t, 64> idx{};
  const int second_at = 32 * bpp - 64;
  for (int lane = 0; lane < 32; ++lane) {
    const int pos = eo_pixel(lane, 32) * bpp + channel;
    idx[static_cast<std::size_t>(2 * lane + 1)] =
        static_cast<std::uint8_t>(pos < 64 ? pos : 64 + pos - second_at);
  }
  return idx;
}

/// vpermt2b indices that take the high bytes of two groups of 32 [E|O] lanes (table bytes 0..63
/// and 64..127) back to 64 pixels in order.
constexpr std::array<std::uint8_t, 64> permute_luma64() {
  std::array<std::uint8_t, 64> idx{};
  for (int table = 0; table < 2; ++table) {
    for (int lane = 0; lane < 32; ++lane) {
      idx[static_cast<std::size_t>(32 * table + eo_pixel(lane, 32))] =
          static_cast<std::uint8_t>(64 * table + 2 * lane + 1);
    }
  }
  return idx;
}

/// vpermb indices that turn packuswb(U, V) of 32 + 32 samples (per 128-bit lane: 8 U, then 8 V)
/// into U0 V0 U1 V1 ... U31 V31.
constexpr std::array<std::uint8_t, 64> permute_interleave64() {
  std::array<std::uint8_t, 64> idx{};
  for (int i = 0; i < 32; ++i) {
    const int lane = i / 8;
    idx[static_cast<std::size_t>(2 * i)] = static_cast<std::uint8_t>(16 * lane + i % 8);
    idx[static_cast<std::size_t>(2 * i + 1)] = static_cast<std::uint8_t>(16 * lane + 8 + i % 8);
  }
  return idx;
}

/// How the AVX2 kernel spreads a group of 16 pixels over the two 128-bit lanes. A group is two
/// plain 32-byte loads, at byte 0 and at `second_load`; vpshufb cannot cross lanes, so lane l
/// holds the 8 pixels `lane_pixels[l]` (listed as adjacent pairs) whose bytes lie in lane l of
/// one of the two loads: pixels 0..7 | 8..15 for 3-byte pixels, 0..3 8..11 | 4..7 12..15 for
/// 4-byte ones.
struct Avx2Layout {
  int second_load;
  std::array<std::array<int, 8>, 2> lane_pixels;
};

constexpr Avx2Layout avx2_layout(int bpp) {
  if (bpp == 3) return {16, {{{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9, 10, 11, 12, 13, 14, 15}}}};
  return {32, {{{0, 1, 2, 3, 8, 9, 10, 11}, {4, 5, 6, 7, 12, 13, 14, 15}}}};
}

/// Pixel (0..15 within the group) in 16-bit lane `word` (0..7) of 128-bit lane `lane`: [E|O].
constexpr int avx2_pixel(const Avx2Layout& l, int lane, int word) {
  const auto& px = l.lane_pixels[static_cast<std::size_t>(lane)];
  return px[static_cast<std::size_t>(word < 4 ? 2 * word : 2 * (word - 4) + 1)];
}

/// Rank of `pixel` among the pixels of `lane`, in increasing order.
constexpr int avx2_rank(const Avx2Layout& l, int lane, int pixel) {
  int rank = 0;
  for (int p : l.lane_pixels[static_cast<std::size_t>(lane)]) rank += p < pixel ? 1 : 0;
  return rank;
}

/// vpshufb controls (both lanes) gathering channel byte `channel` of a group into [E|O] lanes of
/// X << 8, from the first and the second load.
struct ShuffleGather32 {
  std::array<std::uint8_t, 32> first{};
  std::array<std::uint8_t, 32> second{};
};

constexpr ShuffleGather32 shuffle_gather32(int bpp, int channel) {
  const Avx2Layout l = avx2_layout(bpp);
  ShuffleGather32 g;
  for (auto& b : g.first) b = 0x80;
  for (auto& b : g.second) b = 0x80;
  for (int lane = 0; lane < 2; ++lane) {
    for (int word = 0; word < 8; ++word) {
      const int pos = avx2_pixel(l, lane, word) * bpp + channel;
      const auto at = static_cast<std::size_t>(16 * lane + 2 * word + 1);
      const int in_first = pos - 16 * lane;
      const int in_second = pos - l.second_load - 16 * lane;
      if (in_first >= 0 && in_first < 16) {
        g.first[at] = static_cast<std::uint8_t>(in_first);
      } else {
        g.second[at] = static_cast<std::uint8_t>(in_second);
      }
    }
  }
  return g;
}

/// vpshufb control (both lanes) that moves the luma high bytes of a group's lane into bytes
/// `at`..`at + 7` of that lane, in increasing pixel order.
constexpr std::array<std::uint8_t, 32> shuffle_luma32(int bpp, int at) {
  const Avx2Layout l = avx2_layout(bpp);
  std::array<std::uint8_t, 32> m{};
  for (auto& b : m) b = 0x80;
  for (int lane = 0; lane < 2; ++lane) {
    for (int word = 0; word < 8; ++word) {
      const int rank = avx2_rank(l, lane, avx2_pixel(l, lane, word));
      m[static_cast<std::size_t>(16 * lane + at + rank)] = static_cast<std::uint8_t>(2 * word + 1);
    }
  }
  return m;
}

/// vpermd indices that take the luma of a 32-pixel step (per lane: 8 pixels of group a at bytes
/// 0..7, then 8 of group b) to pixel order. Each run of 4 consecutive pixels is one dword.
constexpr std::array<int, 8> permute_luma32(int bpp) {
  const Avx2Layout l = avx2_layout(bpp);
  std::array<int, 8> idx{};
  for (int d = 0; d < 8; ++d) {
    const int lane = d / 4;
    const int k = d % 4;
    std::array<int, 8> sorted = l.lane_pixels[static_cast<std::size_t>(lane)];
    for (std::size_t i = 0; i < 8; ++i) {
      for (std::size_t j = i + 1; j < 8; ++j) {
        if (sorted[j] < sorted[i]) std::swap(sorted[i], sorted[j]);
      }
    }
    const int first = (k < 2 ? 0 : 16) + sorted[static_cast<std::size_t>(4 * (k % 2))];
    idx[static_cast<std::size_t>(first / 4)] = d;
  }
  return idx;
}

/// vpshufb control (both lanes) that sorts the chroma samples of a step after packuswb(U, V)
/// and vpermq(0, 2, 1, 3): each lane then holds the 8 samples of lane 0's pairs followed by the
/// 8 of lane 1's (groups a and b), and leaves it holding samples 0..15 in order.
constexpr std::array<std::uint8_t, 32> shuffle_chroma32(int bpp) {
  const Avx2Layout l = avx2_layout(bpp);
  std::array<std::uint8_t, 32> m{};
  for (int lane = 0; lane < 2; ++lane) {
    for (int i = 0; i < 8; ++i) {
      const int pair = (i < 4 ? 0 : 8) + avx2_pixel(l, lane, i % 4) / 2;
      const auto pos = static_cast<std::uint8_t>(8 * lane + i);
      m[static_cast<std::size_t>(pair)] = pos;
      m[static_cast<std::size_t>(16 + pair)] = pos;
    }
  }
  return m;
}

}  // namespace framepipe::kernels::x86_detail

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace x86_scalar {

/// The scalar kernel (through its public names) for short rows and odd last columns.
template <PixelFormat In, bool Nv12>
void rows(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0, std::uint8_t* y1,
          std::uint8_t* u, std::uint8_t* v, int width, const PackCoefficients& k) {
  if constexpr (Nv12) {
    pack_nv12_rows_scalar<In>(src0, src1, y0, y1, u, v, width, k);
  } else {
    pack_i420_rows_scalar<In>(src0, src1, y0, y1, u, v, width, k);
  }
}

}  // namespace x86_scalar
}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels
