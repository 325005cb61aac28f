// The row driver every SIMD unpack kernel shares (the unpack twin of pack_row_any.hpp): it turns a
// wide kernel, which only ever sees whole blocks whose chroma neighbours can be read, into an
// UnpackRowFn for any width. The wide kernel reads the four 8-bit chroma rows (U and V, near and
// far) itself and filters them in registers, both ways at once, so no row of vertical sums is
// written and read back. The driver only
//   1. runs it straight from the frame's rows on the I420 blocks whose chroma columns, neighbours
//      included (x0 / 2 - 1 .. x0 / 2 + Block / 2), lie inside the row: all but the first block
//      and the last one or two;
//   2. runs it on those edge blocks with a copy of their few chroma columns in which the columns
//      outside the row repeat the edge ones (edges replicate), and for the last partial block on a
//      padded copy of the luma, copying back the pixels that exist;
//   3. for NV12, de-interleaves U and V of each segment of up to kUnpackSegment pixels into four
//      small 8-bit rows on the stack (the ISA's split kernel, the last few columns in plain code),
//      with the clamped neighbours beside them, so the wide kernels are the same for I420 and
//      NV12.
// Nothing is allocated and frames of any width work. No ISA file handles an edge or a tail itself.
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
/// `dst`, with `u_near` .. `v_far` the four 8-bit chroma rows (as UnpackRowFn names them, one byte
/// per column) at chroma column 0 of this call. Columns -1 and width / 2 (the neighbours, already
/// clamped to the frame) must be readable too; the kernel reads nothing beyond them.
using UnpackBlocksFn = void (*)(const std::uint8_t* y, const std::uint8_t* u_near,
                                const std::uint8_t* u_far, const std::uint8_t* v_near,
                                const std::uint8_t* v_far, std::uint8_t* dst, int width,
                                const UnpackCoefficients& k);

/// A wide NV12 split kernel: the U and the V bytes of `columns` (a positive multiple of its block)
/// interleaved chroma columns `uv` into `u` and `v`.
using UnpackSplitFn = void (*)(const std::uint8_t* uv, std::uint8_t* u, std::uint8_t* v,
                               int columns);

/// Pixels per NV12 segment of the row driver (a multiple of every wide kernel's block).
inline constexpr int kUnpackSegment = 1024;

namespace unpack_row_any_detail {

/// `count` bytes of chroma row `row` (`step` bytes per column, `columns` columns) from column
/// `first` on, the columns outside 0 .. columns - 1 replaced by the nearest edge column.
template <int Step>
inline void copy_clamped(const std::uint8_t* row, int columns, int first, int count,
                         std::uint8_t* out) {
  const int begin = std::clamp(first, 0, columns);
  const int end = std::clamp(first + count, begin, columns);
  int j = 0;
  for (; j < begin - first; ++j) out[j] = row[0];
  if constexpr (Step == 1) {
    std::memcpy(out + j, row + begin, static_cast<std::size_t>(end - begin));
    j += end - begin;
  } else {
    for (int i = begin; i < end; ++i) out[j++] = row[i * Step];
  }
  for (; j < count; ++j) out[j] = row[(columns - 1) * Step];
}

/// Runs `Wide` on one block of `n` (1 .. Block) pixels at `y` / `dst`, with the chroma columns
/// -1 .. Block / 2 given in `chroma[plane][1 + column]`; a partial block runs on padded copies.
template <PixelFormat Out, int Block, UnpackBlocksFn Wide>
void run_block(const std::uint8_t* y, std::uint8_t (*chroma)[Block / 2 + 2], std::uint8_t* dst,
               int n, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  if (n == Block) {
    Wide(y, chroma[0] + 1, chroma[1] + 1, chroma[2] + 1, chroma[3] + 1, dst, Block, k);
    return;
  }
  alignas(64) std::uint8_t padded_y[static_cast<std::size_t>(Block)] = {};
  alignas(64) std::uint8_t padded_out[static_cast<std::size_t>(Block * kBpp)];
  std::memcpy(padded_y, y, static_cast<std::size_t>(n));
  Wide(padded_y, chroma[0] + 1, chroma[1] + 1, chroma[2] + 1, chroma[3] + 1, padded_out, Block, k);
  std::memcpy(dst, padded_out, static_cast<std::size_t>(n * kBpp));
}

/// The I420 driver for short rows (fewer than three blocks of chroma beside the edges): every
/// block on a clamped copy of its chroma columns.
template <PixelFormat Out, int Block, UnpackBlocksFn Wide>
void unpack_i420_short(const std::uint8_t* y, const std::uint8_t* const (&rows)[4],
                       std::uint8_t* dst, int width, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  constexpr int kHalf = Block / 2;
  const int cw = (width + 1) / 2;
  for (int x0 = 0; x0 < width; x0 += Block) {
    alignas(64) std::uint8_t chroma[4][kHalf + 2];
    for (int p = 0; p < 4; ++p) copy_clamped<1>(rows[p], cw, x0 / 2 - 1, kHalf + 2, chroma[p]);
    run_block<Out, Block, Wide>(y + x0, chroma, dst + x0 * kBpp, std::min(Block, width - x0), k);
  }
}

/// The I420 driver (steps 1 and 2 at the top of the file). The edge copies have fixed sizes, so
/// the compiler makes them a few vector moves: at the left, column 0 twice and the block's other
/// columns; at the right, the last kHalf + 2 columns of the row (at most that many lie in the
/// last one or two blocks) into a window already filled with the last column.
template <PixelFormat Out, int Block, UnpackBlocksFn Wide>
void unpack_i420(const std::uint8_t* y, const std::uint8_t* u_near, const std::uint8_t* u_far,
                 const std::uint8_t* v_near, const std::uint8_t* v_far, std::uint8_t* dst,
                 int width, const UnpackCoefficients& k) {
  constexpr int kBpp = format_info(Out).pixel_bytes;
  constexpr int kHalf = Block / 2;
  const std::uint8_t* const rows[4] = {u_near, u_far, v_near, v_far};
  const int cw = (width + 1) / 2;
  const int full = width - width % Block;
  // Blocks in [Block, inner_end) read chroma columns 0 .. inner_end / 2 <= cw - 1 only.
  const int inner_end = std::min(full, std::max(0, 2 * cw - 2) / Block * Block);
  if (inner_end < 2 * Block) {
    unpack_i420_short<Out, Block, Wide>(y, rows, dst, width, k);
    return;
  }
  // The edge copies are made first and read after the inner blocks, by when the stores have
  // left the store buffer (a load that spans several pending stores waits for all of them).
  alignas(64) std::uint8_t left[4][kHalf + 2];
  for (int p = 0; p < 4; ++p) {
    left[p][0] = rows[p][0];
    std::memcpy(left[p] + 1, rows[p], kHalf + 1);
  }
  // The window holds columns inner_end / 2 - 1 .. inner_end / 2 + Block (what two blocks read) at
  // kTail + 0 .. kTail + Block + 1; the copy of the last kTail columns may start before it.
  constexpr int kTail = kHalf + 2;
  const int first = inner_end / 2 - 1;
  const int count = cw - first;  // 2 .. kTail columns of the row lie in the window
  alignas(64) std::uint8_t right[4][kTail + Block + 2];
  for (int p = 0; p < 4; ++p) {
    std::memset(right[p] + kTail, rows[p][cw - 1], Block + 2);
    std::memcpy(right[p] + count, rows[p] + cw - kTail, kTail);
  }

  Wide(y + Block, u_near + kHalf, u_far + kHalf, v_near + kHalf, v_far + kHalf, dst + Block * kBpp,
       inner_end - Block, k);
  run_block<Out, Block, Wide>(y, left, dst, Block, k);
  const int right_full = full - inner_end;
  if (right_full > 0) {
    Wide(y + inner_end, right[0] + kTail + 1, right[1] + kTail + 1, right[2] + kTail + 1,
         right[3] + kTail + 1, dst + inner_end * kBpp, right_full, k);
  }
  if (width > full) {
    const int c = kTail + 1 + right_full / 2;
    alignas(64) std::uint8_t padded_y[static_cast<std::size_t>(Block)] = {};
    alignas(64) std::uint8_t padded_out[static_cast<std::size_t>(Block * kBpp)];
    std::memcpy(padded_y, y + full, static_cast<std::size_t>(width - full));
    Wide(padded_y, right[0] + c, right[1] + c, right[2] + c, right[3] + c, padded_out, Block, k);
    std::memcpy(dst + full * kBpp, padded_out, static_cast<std::size_t>((width - full) * kBpp));
  }
}

/// The NV12 driver (step 3 at the top of the file).
template <PixelFormat Out, int Block, UnpackBlocksFn Wide, int SplitBlock, UnpackSplitFn Split>
void unpack_nv12(const std::uint8_t* y, const std::uint8_t* uv_near, const std::uint8_t* uv_far,
                 std::uint8_t* dst, int width, const UnpackCoefficients& k) {
  static_assert(kUnpackSegment % Block == 0 && SplitBlock > 0);
  constexpr int kBpp = format_info(Out).pixel_bytes;
  // The neighbour, a segment's columns, the other neighbour, and what a padded last block reads
  // beyond it (defined values, never used).
  constexpr int kColumns = kUnpackSegment / 2 + 2 + Block / 2;
  alignas(64) std::uint8_t chroma[4][kColumns];
  const int cw = (width + 1) / 2;
  for (int x0 = 0; x0 < width; x0 += kUnpackSegment) {
    const int n = std::min(kUnpackSegment, width - x0);
    const int i0 = x0 / 2;
    const int cn = (n + 1) / 2;
    const std::uint8_t* near = uv_near + 2 * i0;
    const std::uint8_t* far = uv_far + 2 * i0;
    const int simd_columns = cn - cn % SplitBlock;
    if (simd_columns > 0) {
      Split(near, chroma[0] + 1, chroma[2] + 1, simd_columns);
      Split(far, chroma[1] + 1, chroma[3] + 1, simd_columns);
    }
    for (int i = simd_columns; i < cn; ++i) {
      chroma[0][1 + i] = near[2 * i];
      chroma[2][1 + i] = near[2 * i + 1];
      chroma[1][1 + i] = far[2 * i];
      chroma[3][1 + i] = far[2 * i + 1];
    }
    const std::uint8_t* rows[4] = {uv_near, uv_far, uv_near + 1, uv_far + 1};
    for (int p = 0; p < 4; ++p) {
      copy_clamped<2>(rows[p], cw, i0 - 1, 1, chroma[p]);
      copy_clamped<2>(rows[p], cw, i0 + cn, 1, chroma[p] + cn + 1);
      std::fill(chroma[p] + cn + 2, chroma[p] + kColumns, std::uint8_t{0});
    }

    const int full = n - n % Block;
    if (full > 0) {
      Wide(y + x0, chroma[0] + 1, chroma[1] + 1, chroma[2] + 1, chroma[3] + 1, dst + x0 * kBpp,
           full, k);
    }
    const int rest = n - full;
    if (rest == 0) continue;
    alignas(64) std::uint8_t padded_y[static_cast<std::size_t>(Block)] = {};
    alignas(64) std::uint8_t padded_out[static_cast<std::size_t>(Block * kBpp)];
    std::memcpy(padded_y, y + x0 + full, static_cast<std::size_t>(rest));
    const int c = 1 + full / 2;
    Wide(padded_y, chroma[0] + c, chroma[1] + c, chroma[2] + c, chroma[3] + c, padded_out, Block,
         k);
    std::memcpy(dst + (x0 + full) * kBpp, padded_out, static_cast<std::size_t>(rest * kBpp));
  }
}

}  // namespace unpack_row_any_detail

/// The ANY driver (see the top of the file): an UnpackRowFn made from the wide kernel `Wide` of
/// `Block` pixels per block and, for NV12, the split kernel `Split` of `SplitBlock` columns per
/// block, for input `In` (I420 or NV12) and output `Out`.
template <PixelFormat In, PixelFormat Out, int Block, UnpackBlocksFn Wide, int SplitBlock,
          UnpackSplitFn Split>
void unpack_row_any(const std::uint8_t* y, const std::uint8_t* u_near, const std::uint8_t* u_far,
                    const std::uint8_t* v_near, const std::uint8_t* v_far, std::uint8_t* dst,
                    int width, const UnpackCoefficients& k) {
  static_assert(Block > 0 && Block % 2 == 0);
  if constexpr (In == PixelFormat::NV12) {
    unpack_row_any_detail::unpack_nv12<Out, Block, Wide, SplitBlock, Split>(y, u_near, u_far, dst,
                                                                            width, k);
  } else {
    unpack_row_any_detail::unpack_i420<Out, Block, Wide>(y, u_near, u_far, v_near, v_far, dst,
                                                         width, k);
  }
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels

/// Defines an ISA's UnpackRowFn twin of unpack_row_scalar (same contract, same bytes),
/// `unpack_row_<isa>`: unpack_row_any over `unpack_<isa>_detail`'s wide kernel `unpack_blocks`
/// (`kBlock` pixels) and NV12 split kernel `split_uv` (`kSplitBlock` columns). Used once, at
/// namespace scope, in each unpack_<isa>.hpp, so the wrapper is written once rather than per ISA.
#define FRAMEPIPE_UNPACK_ROW_ANY(isa)                                                     \
  template <PixelFormat In, PixelFormat Out, ChromaSite Site>                             \
  void unpack_row_##isa(const std::uint8_t* y, const std::uint8_t* u_near,                \
                        const std::uint8_t* u_far, const std::uint8_t* v_near,            \
                        const std::uint8_t* v_far, std::uint8_t* dst, int width,          \
                        const UnpackCoefficients& k) {                                    \
    unpack_row_any<In, Out, unpack_##isa##_detail::kBlock,                                \
                   &unpack_##isa##_detail::unpack_blocks<Out, Site>,                      \
                   unpack_##isa##_detail::kSplitBlock, &unpack_##isa##_detail::split_uv>( \
        y, u_near, u_far, v_near, v_far, dst, width, k);                                  \
  }                                                                                       \
  static_assert(true, "a semicolon follows the macro")
