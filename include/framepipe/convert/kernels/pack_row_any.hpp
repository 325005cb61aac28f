// Tails and short rows, written once for every wide kernel (the way libyuv's row_any.cc wraps
// its SIMD rows). A wide kernel only ever sees whole blocks of its vector width; pack_rows_any
// turns it into a PackRowsFn for any width: the full blocks straight from the caller's rows,
// then the last partial block (if any) on a padded copy. No ISA file handles a tail itself.
//
// Why a padded copy rather than overlapping or masked steps: it is the same code for every
// block width and every ISA (a NEON one too, when it comes), it never reads or writes outside the
// caller's rows, and it makes an odd last column exact for free: the scalar kernel sums an odd
// edge's chroma with the last column standing in for its missing neighbour, and the copy does the
// same by writing that column once more next to itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe::kernels {
// Per-ISA-level names like the kernels it wraps (abi.hpp): a file built with -mavx2 compiles
// these copies with AVX2.
inline namespace FRAMEPIPE_KERNELS_ABI {

/// A wide kernel: the PackRowsFn contract for a `width` that is a positive multiple of its block
/// (so no odd last column either).
using PackBlocksFn = void (*)(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                              std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,
                              const PackCoefficients& k);

/// The ANY wrapper: a PackRowsFn (any width, odd included) made from the wide kernel `Wide` of
/// `Block` pixels per block, for source format `In` and I420 (`Nv12` false: separate U and V
/// rows) or NV12 (`u` the interleaved row, `v` == `u + 1`).
template <PixelFormat In, bool Nv12, int Block, PackBlocksFn Wide>
void pack_rows_any(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0,
                   std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,
                   const PackCoefficients& k) {
  static_assert(Block > 0 && Block % 2 == 0, "a block covers whole 2x2 chroma blocks");
  constexpr int kBpp = format_info(In).pixel_bytes;
  constexpr int kChromaStep = Nv12 ? 2 : 1;

  const int full = width - width % Block;
  if (full > 0) Wide(src0, src1, y0, y1, u, v, full, k);
  const int rest = width - full;
  if (rest == 0) return;

  // The padding is zeroed so that the kernel reads defined bytes; what it makes of them is
  // dropped.
  constexpr auto kSourceBytes = static_cast<std::size_t>(Block * kBpp);
  constexpr auto kLumaBytes = static_cast<std::size_t>(Block);
  constexpr auto kChromaBytes = static_cast<std::size_t>(Block / 2);
  alignas(64) std::uint8_t s0[kSourceBytes] = {};
  alignas(64) std::uint8_t s1[kSourceBytes] = {};
  alignas(64) std::uint8_t out_y0[kLumaBytes];
  alignas(64) std::uint8_t out_y1[kLumaBytes];
  alignas(64) std::uint8_t out_u[Nv12 ? 2 * kChromaBytes : kChromaBytes];
  alignas(64) std::uint8_t out_v[kChromaBytes];
  const auto rest_bytes = static_cast<std::size_t>(rest * kBpp);
  std::memcpy(s0, src0 + full * kBpp, rest_bytes);
  std::memcpy(s1, src1 + full * kBpp, rest_bytes);
  if (rest % 2 != 0) {  // the odd last column, again as its own right-hand neighbour
    std::memcpy(s0 + rest_bytes, s0 + rest_bytes - kBpp, kBpp);
    std::memcpy(s1 + rest_bytes, s1 + rest_bytes - kBpp, kBpp);
  }
  Wide(s0, s1, out_y0, out_y1, out_u, Nv12 ? out_u + 1 : out_v, Block, k);

  const auto luma = static_cast<std::size_t>(rest);
  const auto chroma = static_cast<std::size_t>((rest + 1) / 2);
  std::memcpy(y0 + full, out_y0, luma);
  std::memcpy(y1 + full, out_y1, luma);  // after y0: equal bytes when y1 == y0
  const int c = full / 2 * kChromaStep;
  if constexpr (Nv12) {
    std::memcpy(u + c, out_u, 2 * chroma);
  } else {
    std::memcpy(u + c, out_u, chroma);
    std::memcpy(v + c, out_v, chroma);
  }
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

/// Defines an ISA's PackRowsFn twins of pack_i420_rows_scalar and pack_nv12_rows_scalar (same
/// contract, same bytes): `pack_i420_rows_<isa>` and `pack_nv12_rows_<isa>` (`u` the interleaved
/// UV row, `v` == `u + 1`), each pack_rows_any over `pack_<isa>_detail::pack_blocks` and
/// `pack_<isa>_detail::kBlock`. Used once, at namespace scope, in each pack_<isa>.hpp, so the
/// wrappers are written once rather than per ISA file.
#define FRAMEPIPE_PACK_ROWS_ANY(isa)                                                              \
  template <PixelFormat In>                                                                       \
  void pack_i420_rows_##isa(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0, \
                            std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,        \
                            const PackCoefficients& k) {                                          \
    pack_rows_any<In, false, pack_##isa##_detail::kBlock,                                         \
                  &pack_##isa##_detail::pack_blocks<In, false>>(src0, src1, y0, y1, u, v, width,  \
                                                                k);                               \
  }                                                                                               \
  template <PixelFormat In>                                                                       \
  void pack_nv12_rows_##isa(const std::uint8_t* src0, const std::uint8_t* src1, std::uint8_t* y0, \
                            std::uint8_t* y1, std::uint8_t* u, std::uint8_t* v, int width,        \
                            const PackCoefficients& k) {                                          \
    pack_rows_any<In, true, pack_##isa##_detail::kBlock,                                          \
                  &pack_##isa##_detail::pack_blocks<In, true>>(src0, src1, y0, y1, u, v, width,   \
                                                               k);                                \
  }                                                                                               \
  static_assert(true, "a semicolon follows the macro")
