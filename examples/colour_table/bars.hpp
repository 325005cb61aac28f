// The test picture colour_table measures with, and decode_colour_test too: 75% colour bars.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <framepipe/core/frame.hpp>

namespace colour_bars {

// 75% colour bars (EBU), left to right: white, yellow, cyan, green, magenta, red, blue, then a
// dark grey (B, G, R). Not 100% bars: 0 and 255 clip, which would hide a range error.
inline constexpr std::array<std::array<std::uint8_t, 3>, 8> kBars{{{191, 191, 191},
                                                                   {0, 191, 191},
                                                                   {191, 191, 0},
                                                                   {0, 191, 0},
                                                                   {191, 0, 191},
                                                                   {0, 0, 191},
                                                                   {191, 0, 0},
                                                                   {64, 64, 64}}};
// Bar edges are left out of a comparison: 4:2:0 chroma and an encoder's transform blur them.
inline constexpr int kMargin = 16;

/// Draws the eight bars across `frame`, each 1/8 of its width.
inline void draw_bars(framepipe::FrameView<framepipe::PixelFormat::BGR24> frame) {
  const int w = frame.width();
  for (int y = 0; y < frame.height(); ++y) {
    std::uint8_t* row = frame.row(0, y);
    for (int x = 0; x < w; ++x) {
      std::memcpy(row + 3 * x, kBars[static_cast<std::size_t>(x * 8 / w)].data(), 3);
    }
  }
}

}  // namespace colour_bars
