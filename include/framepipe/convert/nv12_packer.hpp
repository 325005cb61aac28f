// Nv12Packer: RGB-family frames -> NV12 (Y plane, then interleaved U/V).
#pragma once

#include "framepipe/convert/rgb_to_yuv_packer.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// Converts BGR24/RGB24/BGRA32/RGBA32 into NV12 with the same arithmetic as I420Packer.
class Nv12Packer : public RgbToYuvPacker<PixelFormat::NV12> {
 public:
  using RgbToYuvPacker::RgbToYuvPacker;
};

static_assert(Converter<Nv12Packer> && ConverterFor<Nv12Packer, PixelFormat::RGB24>);

}  // namespace framepipe
