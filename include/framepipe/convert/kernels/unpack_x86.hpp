// What the x86 unpack kernels share: the chroma filter's pmaddubsw weights, and byte-order tables.
//
// The chroma filter. Each kernel filters the four 8-bit chroma rows (near, far) both ways at once,
// in registers: the interpolated chroma of a pixel of chroma column i is, for a centre siting,
// S = 3 V(i) + V(i -/+ 1) with V = 3 near + far, that is 9 near(i) + 3 near(i -/+ 1) + 3 far(i) +
// far(i -/+ 1) (left siting: 12 near(i) + 4 far(i) for even pixels, 6 near(i) + 6 near(i + 1) +
// 2 far(i) + 2 far(i + 1) for odd ones); the weights add up to 16. A 16-bit word of an unaligned
// load at column `at` is the column pair (at + 2 j, at + 2 j + 1), so one pmaddubsw with a pair of
// weights per row filters every other column: the pair (i - 1, i) for the even pixels of a centre
// siting, (i, i + 1) for the rest, from loads at columns -1, 0 and +1 of the block. The loaded
// bytes are flipped to c - 128 (signed, the multiplier) and the weights are 16 times the ones
// above (unsigned, at most 192), so near + far sums to 16 (S - 2048) = (S << 4) - 32768, the du /
// dv of unpack_coefficients.hpp, exactly and without saturating (-32768..32512), with no shift or
// bias left. The even-column and odd-column results are then interleaved (punpcklwd/punpckhwd)
// into the kernels' layout, lane i of a vector for chroma column i.
//
// Each kernel clamps a channel with packuswb of its even-pixel and odd-pixel lanes, which leaves
// every 16 pixels in [E|O] order (8 even, then 8 odd, per 128-bit lane); the tables take such bytes
// to where an output format wants them. Plain constexpr code, no vector types: it is compiled for
// no particular ISA.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/core/color_space.hpp"

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace unpack_x86_detail {

/// The pmaddubsw weights of the chroma filter (see the top of the file), one per byte of a column
/// pair, the lower column first: for the even pixels and the odd pixels, near row and far row.
struct PairWeights {
  std::array<std::uint8_t, 2> even_near, even_far, odd_near, odd_far;
};

template <ChromaSite Site>
constexpr PairWeights pair_weights() {
  if constexpr (Site == ChromaSite::Center) {
    return {{48, 144}, {16, 48}, {144, 48}, {48, 16}};
  } else {
    return {{192, 0}, {64, 0}, {96, 96}, {32, 32}};
  }
}

/// The column, relative to the block, of the first pair the even pixels' weights take: the pair
/// (i - 1, i) for a centre siting, (i, i + 1) for a left one. The odd pixels' pair is (i, i + 1).
template <ChromaSite Site>
inline constexpr int kEvenPairAt = Site == ChromaSite::Center ? -1 : 0;

/// Byte position of pixel `p` (0..15) in packuswb(even lanes, odd lanes): [E|O] order.
constexpr int eo_position(int p) { return p % 2 == 0 ? p / 2 : 8 + p / 2; }

/// pshufb controls that build 48 bytes of a 3-byte format from 16 pixels of three channels in
/// [E|O] order: output vector `part` (0..2) takes from the channel at byte `slot` (0..2) of a
/// pixel the bytes that land in it, zero elsewhere.
constexpr std::array<std::uint8_t, 16> shuffle_rgb24(int part, int slot) {
  std::array<std::uint8_t, 16> m{};
  for (int j = 0; j < 16; ++j) {
    const int o = 16 * part + j;
    m[static_cast<std::size_t>(j)] =
        o % 3 == slot ? static_cast<std::uint8_t>(eo_position(o / 3)) : std::uint8_t{0x80};
  }
  return m;
}

/// pshufb control from [E|O] order to pixel order.
constexpr std::array<std::uint8_t, 16> shuffle_eo_to_pixels() {
  std::array<std::uint8_t, 16> m{};
  for (int p = 0; p < 16; ++p) {
    m[static_cast<std::size_t>(p)] = static_cast<std::uint8_t>(eo_position(p));
  }
  return m;
}

/// pshufb control that splits 8 interleaved NV12 columns (U, V bytes) into 8 U then 8 V bytes.
constexpr std::array<std::uint8_t, 16> shuffle_split_uv() {
  std::array<std::uint8_t, 16> m{};
  for (int j = 0; j < 8; ++j) {
    m[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(2 * j);
    m[static_cast<std::size_t>(8 + j)] = static_cast<std::uint8_t>(2 * j + 1);
  }
  return m;
}

}  // namespace unpack_x86_detail

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels
