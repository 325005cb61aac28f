// The row driver every SIMD unpack kernel shares (the unpack twin of pack_row_any.hpp): it turns a
// wide kernel, which only ever sees whole blocks and finished vertical sums, into an UnpackRowFn
// for any width. Per segment of up to kUnpackSegment pixels it
//   1. forms (with the ISA's vertical-sum kernel, the last few columns in plain code) the
//      vertical chroma sums V[i] = 3 near[i] + far[i] (0..1020, exact) of the segment's
//      chroma columns, one column to the left and one to the right included (clamped to the
//      frame: edges replicate), U and V into separate 16-bit rows -- NV12 is de-interleaved here,
//      so the wide kernels are the same for I420 and NV12;
//   2. runs the wide kernel on the segment's full blocks, straight from the luma row into the
//      output row;
//   3. runs it once more on a padded copy of the last partial block (if any) and copies the
//      pixels that exist.
// The sums live in two small arrays on the stack (a little over 2 KiB, in L1), so nothing is
// allocated and frames of any width work. No ISA file handles an edge or a tail itself.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/core/pixel_format.hpp"

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {

/// A wide unpack kernel: `width` (a positive multiple of its block) pixels from luma `y` into
/// `dst`, with `vu`/`vv` the vertical chroma sums (biased_sum below) of chroma columns 0 .. width /
/// 2 - 1 of this call. `vu[-1]` and `vu[width / 2]` (the neighbours, already clamped) must be
/// readable, and so must a block's worth of entries after them (their values are ignored).
using UnpackBlocksFn = void (*)(const std::uint8_t* y, const std::uint16_t* vu,
                                const std::uint16_t* vv, std::uint8_t* dst, int width,
                                const UnpackCoefficients& k);

/// A wide vertical-sum kernel: biased_sum(near[i], far[i]) of chroma columns 0 .. columns - 1 into
/// `vu` and `vv` (`columns` a positive multiple of its block). For NV12 (`Nv12` in the caller)
/// `u_near` / `u_far` are the interleaved rows and the `v_*` pointers are not read.
using UnpackSumsFn = void (*)(const std::uint8_t* u_near, const std::uint8_t* u_far,
                              const std::uint8_t* v_near, const std::uint8_t* v_far,
                              std::uint16_t* vu, std::uint16_t* vv, int columns);

/// The vertical sum as the wide kernels take it: W = (V << 4) - 8192 with V = 3 near + far, a
/// 16-bit lane value (-8192..8128, stored as its two's complement). The horizontal weights add up
/// to 4, so 3 W + W' (Center) and 4 W, 2 W + 2 W' (Left) are (S << 4) - 32768 directly, the
/// du / dv of unpack_coefficients.hpp, with no shift or bias left for the per-pixel work.
constexpr std::uint16_t biased_sum(int near, int far) {
  return static_cast<std::uint16_t>((((3 * near + far) << 4) - 8192) & 0xFFFF);
}

/// Pixels per segment of the row driver (a multiple of every wide kernel's block).
inline constexpr int kUnpackSegment = 1024;

/// The ANY driver (see the top of the file): an UnpackRowFn made from the wide kernel `Wide` of
/// `Block` pixels per block and the vertical-sum kernel `Sums` of `SumBlock` columns per block,
/// for input `In` (I420 or NV12) and output `Out`.
template <PixelFormat In, PixelFormat Out, int Block, UnpackBlocksFn Wide, int SumBlock,
          UnpackSumsFn Sums>
void unpack_row_any(const std::uint8_t* y, const std::uint8_t* u_near, const std::uint8_t* u_far,
                    const std::uint8_t* v_near, const std::uint8_t* v_far, std::uint8_t* dst,
                    int width, const UnpackCoefficients& k) {
  static_assert(Block > 0 && Block % 2 == 0 && kUnpackSegment % Block == 0 && SumBlock > 0);
  constexpr int kStep = In == PixelFormat::NV12 ? 2 : 1;
  constexpr int kBpp = format_info(Out).pixel_bytes;
  constexpr std::size_t kSums = kUnpackSegment / 2 + 2 + Block / 2 + 1;
  alignas(64) std::uint16_t vu[kSums];
  alignas(64) std::uint16_t vv[kSums];
  const int cw = (width + 1) / 2;

  for (int x0 = 0; x0 < width; x0 += kUnpackSegment) {
    const int n = std::min(kUnpackSegment, width - x0);
    const int i0 = x0 / 2;
    const int cn = (n + 1) / 2;
    // vu[1 + i] holds chroma column i0 + i; vu[0] and vu[cn + 1] its clamped neighbours.
    const std::uint8_t* un = u_near + i0 * kStep;
    const std::uint8_t* uf = u_far + i0 * kStep;
    const std::uint8_t* vn = v_near + i0 * kStep;
    const std::uint8_t* vf = v_far + i0 * kStep;
    const int simd_columns = cn - cn % SumBlock;
    if (simd_columns > 0) Sums(un, uf, vn, vf, vu + 1, vv + 1, simd_columns);
    for (int i = simd_columns; i < cn; ++i) {
      vu[1 + i] = biased_sum(un[i * kStep], uf[i * kStep]);
      vv[1 + i] = biased_sum(vn[i * kStep], vf[i * kStep]);
    }
    const auto sum_at = [&](const std::uint8_t* near, const std::uint8_t* far, int col) {
      col = std::clamp(col, 0, cw - 1);
      return biased_sum(near[col * kStep], far[col * kStep]);
    };
    vu[0] = sum_at(u_near, u_far, i0 - 1);
    vv[0] = sum_at(v_near, v_far, i0 - 1);
    vu[cn + 1] = sum_at(u_near, u_far, i0 + cn);
    vv[cn + 1] = sum_at(v_near, v_far, i0 + cn);
    // Defined values for what a padded last block reads beyond the neighbour; never used.
    std::fill(vu + cn + 2, vu + kSums, std::uint16_t{0});
    std::fill(vv + cn + 2, vv + kSums, std::uint16_t{0});

    const int full = n - n % Block;
    if (full > 0) Wide(y + x0, vu + 1, vv + 1, dst + x0 * kBpp, full, k);
    const int rest = n - full;
    if (rest == 0) continue;
    alignas(64) std::uint8_t padded_y[static_cast<std::size_t>(Block)] = {};
    alignas(64) std::uint8_t padded_out[static_cast<std::size_t>(Block * kBpp)];
    std::memcpy(padded_y, y + x0 + full, static_cast<std::size_t>(rest));
    Wide(padded_y, vu + 1 + full / 2, vv + 1 + full / 2, padded_out, Block, k);
    std::memcpy(dst + (x0 + full) * kBpp, padded_out, static_cast<std::size_t>(rest * kBpp));
  }
}

/// A wide ChromaFilter::Replicate kernel: `width` (a positive multiple of its block) pixels from
/// luma `y` into `dst`, pixel x taking chroma column x / 2 of `u` and `v` (for NV12 `u` is the
/// interleaved row and `v` is not read). Reads no chroma column beyond width / 2 - 1.
using UnpackReplicateBlocksFn = void (*)(const std::uint8_t* y, const std::uint8_t* u,
                                         const std::uint8_t* v, std::uint8_t* dst, int width,
                                         const UnpackCoefficients& k);

/// The ANY driver of ChromaFilter::Replicate: an UnpackRowFn made from the wide kernel `Wide` of
/// `Block` pixels per block. The full blocks run straight from the rows (no neighbours, no
/// edges); the last partial block runs on padded copies of its luma and chroma, and the pixels
/// that exist are copied back. The far chroma rows are not read.
template <PixelFormat In, PixelFormat Out, int Block, UnpackReplicateBlocksFn Wide>
void unpack_row_replicate_any(const std::uint8_t* y, const std::uint8_t* u_near,
                              const std::uint8_t*, const std::uint8_t* v_near, const std::uint8_t*,
                              std::uint8_t* dst, int width, const UnpackCoefficients& k) {
  static_assert(Block > 0 && Block % 2 == 0);
  constexpr int kStep = In == PixelFormat::NV12 ? 2 : 1;
  constexpr int kBpp = format_info(Out).pixel_bytes;
  const int full = width - width % Block;
  if (full > 0) Wide(y, u_near, v_near, dst, full, k);
  const int rest = width - full;
  if (rest == 0) return;
  const auto columns = static_cast<std::size_t>((rest + 1) / 2);
  alignas(64) std::uint8_t padded_y[static_cast<std::size_t>(Block)] = {};
  alignas(64) std::uint8_t padded_u[static_cast<std::size_t>(Block / 2 * kStep)] = {};
  alignas(64) std::uint8_t padded_v[static_cast<std::size_t>(Block / 2)] = {};
  alignas(64) std::uint8_t padded_out[static_cast<std::size_t>(Block * kBpp)];
  std::memcpy(padded_y, y + full, static_cast<std::size_t>(rest));
  std::memcpy(padded_u, u_near + full / 2 * kStep, columns * kStep);
  if constexpr (In == PixelFormat::I420) std::memcpy(padded_v, v_near + full / 2, columns);
  Wide(padded_y, padded_u, padded_v, padded_out, Block, k);
  std::memcpy(dst + full * kBpp, padded_out, static_cast<std::size_t>(rest * kBpp));
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

/// Defines an ISA's UnpackRowFn twin of unpack_row_scalar (same contract, same bytes),
/// `unpack_row_<isa>`: unpack_row_any over `unpack_<isa>_detail`'s wide kernel `unpack_blocks`
/// (`kBlock` pixels) and vertical-sum kernel `vertical_sums` (`kSumBlock` columns). Used once, at
/// namespace scope, in each unpack_<isa>.hpp, so the wrapper is written once rather than per ISA.
#define FRAMEPIPE_UNPACK_ROW_ANY(isa)                                               \
  template <PixelFormat In, PixelFormat Out, ChromaSite Site>                       \
  void unpack_row_##isa(const std::uint8_t* y, const std::uint8_t* u_near,          \
                        const std::uint8_t* u_far, const std::uint8_t* v_near,      \
                        const std::uint8_t* v_far, std::uint8_t* dst, int width,    \
                        const UnpackCoefficients& k) {                              \
    unpack_row_any<In, Out, unpack_##isa##_detail::kBlock,                          \
                   &unpack_##isa##_detail::unpack_blocks<Out, Site>,                \
                   unpack_##isa##_detail::kSumBlock,                                \
                   &unpack_##isa##_detail::vertical_sums<In == PixelFormat::NV12>>( \
        y, u_near, u_far, v_near, v_far, dst, width, k);                            \
  }                                                                                 \
  static_assert(true, "a semicolon follows the macro")

/// Defines an ISA's UnpackRowFn twin of unpack_row_replicate_scalar (same contract, same bytes),
/// `unpack_row_replicate_<isa>`: unpack_row_replicate_any over `unpack_<isa>_detail`'s wide
/// kernel `unpack_replicate_blocks` (`kBlock` pixels). Used once in each unpack_<isa>.hpp.
#define FRAMEPIPE_UNPACK_ROW_REPLICATE_ANY(isa)                                            \
  template <PixelFormat In, PixelFormat Out>                                               \
  void unpack_row_replicate_##isa(const std::uint8_t* y, const std::uint8_t* u_near,       \
                                  const std::uint8_t* u_far, const std::uint8_t* v_near,   \
                                  const std::uint8_t* v_far, std::uint8_t* dst, int width, \
                                  const UnpackCoefficients& k) {                           \
    unpack_row_replicate_any<                                                              \
        In, Out, unpack_##isa##_detail::kBlock,                                            \
        &unpack_##isa##_detail::unpack_replicate_blocks<In == PixelFormat::NV12, Out>>(    \
        y, u_near, u_far, v_near, v_far, dst, width, k);                                   \
  }                                                                                        \
  static_assert(true, "a semicolon follows the macro")
