// Byte-order tables the x86 unpack kernels share. Each kernel clamps a channel with packuswb of
// its even-pixel and odd-pixel lanes, which leaves every 16 pixels in [E|O] order (8 even, then 8
// odd, per 128-bit lane); these tables take such bytes to where an output format wants them.
// Plain constexpr code, no vector types: it is compiled for no particular ISA.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "framepipe/convert/kernels/abi.hpp"

namespace framepipe::kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {
namespace unpack_x86_detail {

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

}  // namespace unpack_x86_detail

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace framepipe::kernels
