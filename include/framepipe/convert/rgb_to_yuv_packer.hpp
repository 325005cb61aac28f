// The shared engine of I420Packer and Nv12Packer: RGB-family frames -> 4:2:0 Y'CbCr.
#pragma once

#include <optional>
#include <string>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/pack_dispatch.hpp"
#include "framepipe/convert/row_converter.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe {

/// Options shared by the RGB -> Y'CbCr packers.
struct PackerOptions {
  /// The colour matrix; unset picks default_color_spec() (BT.601 at every size; see there why).
  std::optional<Matrix> matrix{};
  Range range = Range::Limited;
  /// Threads that share each frame, in bands of whole row pairs: 1 (default) converts on the
  /// caller's thread only; 0 uses the hardware's cores. The output is the same bytes whatever the
  /// count. The threads are the packer's own, started at its first frame and kept until it goes;
  /// after each frame they spin for about 0.1 ms (detail::BandPool::kWorkerSpin), ready for the
  /// next one, before they sleep.
  unsigned threads = 1;
};

/// Converts BGR24/RGB24/BGRA32/RGBA32 frames into a 4:2:0 format `Out` (I420 or NV12) with 2x2
/// box-averaged, centre-sited chroma. One pass over the source, two rows at a time.
template <PixelFormat Out>
class RgbToYuvPacker : public detail::RowConverter<PackerOptions> {
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
  explicit RgbToYuvPacker(Options options) : RowConverter(options) {}

  /// The matrix and range used for a frame of `size`; sinks put this into their caps.
  ColorSpec color_spec(Size size) const {
    return options_.matrix ? ColorSpec{*options_.matrix, options_.range}
                           : ColorSpec{default_color_spec(size).matrix, options_.range};
  }

  /// Packs `src` into `dst`. Both must have the same size (InvalidArgument otherwise).
  template <PixelFormat In>
  void convert(FrameView<In> src, FrameView<Out> dst) const {
    static_assert(accepts<In>, "framepipe: a packer takes an RGB-family frame");
    const PackCoefficients k = pack_coefficients(color_spec(src.size()));
    run_rows(src.size(), "packer source", dst.size(), [&](int begin, int end) {
      kernels::pack_yuv420_rows(src, dst, k, isa(), begin, end);
    });
  }
};

}  // namespace framepipe
