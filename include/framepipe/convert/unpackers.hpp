// The unpackers, named by the format they make (as I420Packer makes I420): Bgr24Unpacker,
// Rgb24Unpacker, Bgra32Unpacker and Rgba32Unpacker read I420 or NV12.
#pragma once

#include "framepipe/convert/yuv_to_rgb_unpacker.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// I420/NV12 -> BGR24 (OpenCV's CV_8UC3 order). See YuvToRgbUnpacker.
using Bgr24Unpacker = YuvToRgbUnpacker<PixelFormat::BGR24>;
/// I420/NV12 -> RGB24. See YuvToRgbUnpacker.
using Rgb24Unpacker = YuvToRgbUnpacker<PixelFormat::RGB24>;
/// I420/NV12 -> BGRA32, alpha 255. See YuvToRgbUnpacker.
using Bgra32Unpacker = YuvToRgbUnpacker<PixelFormat::BGRA32>;
/// I420/NV12 -> RGBA32, alpha 255. See YuvToRgbUnpacker.
using Rgba32Unpacker = YuvToRgbUnpacker<PixelFormat::RGBA32>;

static_assert(ConverterFor<Bgr24Unpacker, PixelFormat::I420> &&
              ConverterFor<Rgb24Unpacker, PixelFormat::NV12> &&
              ConverterFor<Bgra32Unpacker, PixelFormat::I420> &&
              ConverterFor<Rgba32Unpacker, PixelFormat::NV12>);

}  // namespace framepipe
