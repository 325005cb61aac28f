// The engine of the unpackers: I420 or NV12 frames -> BGR24, RGB24, BGRA32 or RGBA32.
#pragma once

#include <optional>
#include <string>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/unpack_dispatch.hpp"
#include "framepipe/convert/row_converter.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/error.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/stage.hpp"

namespace framepipe {

/// Options of the Y'CbCr -> RGB unpackers. Each unset member comes from the stream the unpacker
/// is started with (StreamSpec::color, StreamSpec::chroma_site); with no stream, or a stream that
/// says nothing, from default_color_spec() and ChromaSite::Center. A set member overrides the
/// stream.
struct UnpackerOptions {
  std::optional<Matrix> matrix{};
  std::optional<Range> range{};
  std::optional<ChromaSite> chroma_site{};
  /// How chroma is brought up to the luma grid: bilinear for the siting (the default, every
  /// byte within 0.641 of exact), or ChromaFilter::Replicate, each sample over its 2x2 pixels as
  /// libyuv does, faster and less exact (docs/colour.md).
  ChromaFilter chroma_filter = ChromaFilter::Bilinear;
  /// Threads that share each frame, in bands of rows: 1 (default) converts on the caller's thread
  /// only; 0 uses the hardware's cores. The same bytes whatever the count (see PackerOptions).
  unsigned threads = 1;
};

/// Converts 4:2:0 Y'CbCr frames (I420, NV12) into the RGB-family format `Out`, in one pass.
///
/// Chroma is upsampled by bilinear ("triangle") interpolation between the sample points the
/// siting puts them at, edges replicated: for ChromaSite::Center (caps `chroma-site=jpeg`) luma
/// pixel (2i, 2j) takes 9/16 of chroma (i, j), 3/16 of (i - 1, j) and of (i, j - 1) and 1/16 of
/// (i - 1, j - 1), as libjpeg's fancy upsampling; for ChromaSite::Left (`mpeg2`: co-sited with
/// the even columns, vertically centred) even columns take the column's sample and odd columns
/// the average of their two neighbours, with the same 3/4, 1/4 rows. The matrix is the exact
/// inverse of the packers'. Every byte is within 0.65 of the exact real-number result of that
/// filter and matrix (color/unpack_coefficients.hpp has the formulas and the proof). BGRA32 and
/// RGBA32 get alpha 255. UnpackerOptions::chroma_filter = ChromaFilter::Replicate repeats each
/// chroma sample over its 2x2 pixels instead (as libyuv does): faster, less exact
/// (docs/colour.md).
/// \code
///   Frame<PixelFormat::I420> yuv({1920, 1080});
///   Frame<PixelFormat::BGR24> bgr({1920, 1080});
///   Bgr24Unpacker{{.matrix = Matrix::BT709}}.convert(yuv.view(), bgr.view());
/// \endcode
template <PixelFormat Out>
class YuvToRgbUnpacker : public detail::RowConverter<UnpackerOptions> {
  static_assert(Out == PixelFormat::BGR24 || Out == PixelFormat::RGB24 ||
                    Out == PixelFormat::BGRA32 || Out == PixelFormat::RGBA32,
                "framepipe: YuvToRgbUnpacker writes BGR24, RGB24, BGRA32 or RGBA32");

 public:
  using Options = UnpackerOptions;

  /// Input formats the unpacker reads.
  template <PixelFormat In>
  static constexpr bool accepts = In == PixelFormat::I420 || In == PixelFormat::NV12;
  /// The output format for input `In`.
  template <PixelFormat In>
  static constexpr PixelFormat output_for = Out;

  YuvToRgbUnpacker() : YuvToRgbUnpacker(Options{}) {}
  /// Chooses the kernel path once (see active_isa()); colour and siting from `options`, the rest
  /// from the defaults until start() tells the stream's.
  explicit YuvToRgbUnpacker(Options options) : RowConverter(options) {
    resolve(std::nullopt, ChromaSite::Center);
  }

  /// Called by the pipeline before the first frame: takes the matrix, range and chroma siting the
  /// stream states for every option left unset.
  void start(const StreamSpec& input) { resolve(input.color, input.chroma_site); }

  /// The matrix and range the input is decoded with.
  ColorSpec color_spec_of_input() const { return color_; }
  /// The chroma siting the input is upsampled for.
  ChromaSite chroma_site() const { return site_; }
  /// The chroma filter (UnpackerOptions::chroma_filter).
  ChromaFilter chroma_filter() const { return options_.chroma_filter; }

  /// Unpacks `src` into `dst`. Both must have the same size (InvalidArgument otherwise).
  template <PixelFormat In>
  void convert(FrameView<In> src, FrameView<Out> dst) const {
    static_assert(accepts<In>, "framepipe: an unpacker takes an I420 or NV12 frame");
    run_rows(src.size(), "unpacker source", dst.size(), [&](int begin, int end) {
      kernels::unpack_yuv420_rows(src, dst, k_, site_, isa(), begin, end, options_.chroma_filter);
    });
  }

 private:
  // Not inlined: GCC 12, inlining it into a default-constructed unpacker, warns that the
  // disengaged optionals' payloads "may be used uninitialized" (a known false positive of
  // value_or). It runs once per stream.
  __attribute__((noinline)) void resolve(std::optional<ColorSpec> stream, ChromaSite stream_site) {
    const ColorSpec from_stream = stream.value_or(default_color_spec({}));
    color_ = {options_.matrix.value_or(from_stream.matrix),
              options_.range.value_or(from_stream.range)};
    site_ = options_.chroma_site.value_or(stream_site);
    k_ = unpack_coefficients(color_);
  }

  ColorSpec color_{};
  ChromaSite site_ = ChromaSite::Center;
  UnpackCoefficients k_{};
};

static_assert(Converter<YuvToRgbUnpacker<PixelFormat::BGR24>> &&
              ConverterFor<YuvToRgbUnpacker<PixelFormat::BGR24>, PixelFormat::I420> &&
              ConverterFor<YuvToRgbUnpacker<PixelFormat::RGBA32>, PixelFormat::NV12>);

}  // namespace framepipe
