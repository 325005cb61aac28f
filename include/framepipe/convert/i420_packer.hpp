// I420Packer: RGB-family frames -> planar I420.
#pragma once

#include "framepipe/convert/rgb_to_yuv_packer.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// Converts BGR24/RGB24/BGRA32/RGBA32 into I420 (Y plane, then U, then V; chroma 2x2 averaged).
/// Usable on its own:
/// \code
///   Frame<PixelFormat::BGR24> src({1920, 1080});
///   Frame<PixelFormat::I420> dst({1920, 1080});
///   I420Packer{}.convert(src.view(), dst.view());
/// \endcode
class I420Packer : public RgbToYuvPacker<PixelFormat::I420> {
 public:
  using RgbToYuvPacker::RgbToYuvPacker;
};

static_assert(Converter<I420Packer> && ConverterFor<I420Packer, PixelFormat::BGRA32>);

}  // namespace framepipe
