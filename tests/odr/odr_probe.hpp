// Shared by odr_a.cpp and odr_b.cpp: each translation unit instantiates the same framepipe
// templates and inline functions, and the linker must merge them into one consistent copy.
#pragma once

#include <cstddef>
#include <cstring>
#include <framepipe/framepipe.hpp>

#include "odr_all_headers.hpp"

namespace odr_probe {

/// Packs a white BGR frame of the given size into I420 and returns the luma of its first pixel.
inline int white_luma(int width, int height) {
  using framepipe::Frame;
  using framepipe::PixelFormat;
  Frame<PixelFormat::BGR24> src({width, height});
  Frame<PixelFormat::I420> dst({width, height});
  const auto in = src.view();
  for (int y = 0; y < in.height(); ++y) {
    std::memset(in.plane(0) + static_cast<std::size_t>(y) * in.stride(0), 255,
                static_cast<std::size_t>(in.width()) * 3);
  }
  framepipe::I420Packer{}.convert(src.view(), dst.view());
  return dst.view().plane(0)[0];
}

}  // namespace odr_probe
