// The shared engine of I420Packer and Nv12Packer: RGB-family frames -> 4:2:0 Y'CbCr.
#pragma once

#include <optional>
#include <string>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/kernels/dispatch.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe {

/// Options shared by the RGB -> Y'CbCr packers.
struct PackerOptions {
  /// The colour matrix; unset picks default_color_spec() from the frame height (BT.601 up to
  /// 576 lines, BT.709 above), which is what GStreamer assumes for untagged caps.
  std::optional<Matrix> matrix{};
  Range range = Range::Limited;
};

/// Converts BGR24/RGB24/BGRA32/RGBA32 frames into a 4:2:0 format `Out` (I420 or NV12) with 2x2
/// box-averaged, centre-sited chroma. One pass over the source, two rows at a time.
template <PixelFormat Out>
class RgbToYuvPacker {
  static_assert(Out == PixelFormat::I420 || Out == PixelFormat::NV12);

 public:
  using Options = PackerOptions;

  /// Input formats the packer reads.
  template <PixelFormat In>
  static constexpr bool accepts = is_rgb_family(In);
  /// The output format for input `In`.
  template <PixelFormat In>
  static constexpr PixelFormat output_for = Out;

  RgbToYuvPacker() : RgbToYuvPacker(Options{}) {}
  /// Chooses the kernel path once (see active_isa()).
  explicit RgbToYuvPacker(Options options) : options_(options), isa_(active_isa()) {}

  /// The matrix and range used for a frame of `size`; sinks put this into their caps.
  ColorSpec color_spec(Size size) const {
    return options_.matrix ? ColorSpec{*options_.matrix, options_.range}
                           : ColorSpec{default_color_spec(size).matrix, options_.range};
  }

  /// The kernel path this packer runs.
  Isa isa() const { return isa_; }
  const Options& options() const { return options_; }

  /// Packs `src` into `dst`. Both must have the same size (InvalidArgument otherwise).
  template <PixelFormat In>
  requires(is_rgb_family(In)) void convert(FrameView<In> src, FrameView<Out> dst) const {
    if (src.size() != dst.size()) {
      throw InvalidArgument("framepipe: packer source is " + std::to_string(src.width()) + "x" +
                            std::to_string(src.height()) + " but destination is " +
                            std::to_string(dst.width()) + "x" + std::to_string(dst.height()));
    }
    const PackCoefficients k = pack_coefficients(color_spec(src.size()));
    const kernels::PackRowsFn rows = Out == PixelFormat::I420
                                         ? kernels::select_pack_i420_rows<In>(isa_)
                                         : kernels::select_pack_nv12_rows<In>(isa_);
    const int w = src.width();
    const int h = src.height();
    for (int y = 0; y < h; y += 2) {
      const int y_next = y + 1 < h ? y + 1 : y;  // an odd last row pairs with itself
      std::uint8_t* u = dst.row(1, y / 2);
      std::uint8_t* v = Out == PixelFormat::I420 ? dst.row(2, y / 2) : u + 1;
      rows(src.row(0, y), src.row(0, y_next), dst.row(0, y), dst.row(0, y_next), u, v, w, k);
    }
  }

 private:
  Options options_;
  Isa isa_;
};

}  // namespace framepipe
