// Reader<F, C...>: pull mode, the cv::VideoCapture replacement. Frames of any GStreamer source
// (file, camera, network stream, decoder) come into the caller's loop as FrameView<F>.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "framepipe/convert/yuv_to_rgb_unpacker.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/source_reader.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/gst/app_sink_source.hpp"
#include "framepipe/gst/app_sink_source_options.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe {

namespace detail {

/// The SourceReader behind Reader<F, C...>: for Y'CbCr and gray, the appsink's frames of format
/// F themselves; for the RGB family, I420 frames unpacked into F in one pass.
template <PixelFormat F, class... Converters>
struct ReaderChain {
  using Source = AppSinkSource<F>;
  using type = SourceReader<Source, Converters...>;
  static type make(Source source, Converters... converters) {
    return type(std::move(source), std::move(converters)...);
  }
};

template <PixelFormat F, class... Converters>
requires(is_rgb_family(F)) struct ReaderChain<F, Converters...> {
  using Source = AppSinkSource<PixelFormat::I420>;
  using type = SourceReader<Source, YuvToRgbUnpacker<F>, Converters...>;
  static type make(Source source, Converters... converters) {
    return type(std::move(source), YuvToRgbUnpacker<F>{}, std::move(converters)...);
  }
};

}  // namespace detail

/// Reads frames of format `F` from a GStreamer source, one read() at a time, then passes them
/// through `Converters...` (the caller's own, optional). FrameTime::pts is the buffer's stream time
/// (the pts with its segment applied), the timeline ffprobe and players show; see AppSinkSource.
/// \code
///   Reader<PixelFormat::BGR24> reader{"filesrc location=in.webm ! decodebin"};
///   while (auto frame = reader.read()) {        // std::nullopt at the end of the stream
///     FrameView<PixelFormat::BGR24> v = frame->view();
///     FrameTime t = frame->time();               // stream time: what players show
///     cv::Mat m = mat_of(v);                     // no copy
///   }
/// \endcode
/// With `F` I420, NV12 or GRAY8 (and no converter) the view is the decoder's own buffer, mapped
/// in place (zero copy). With `F` BGR24, RGB24, BGRA32 or RGBA32 the appsink takes I420 and
/// YuvToRgbUnpacker<F> converts it, in one pass, into a frame the Reader reuses (using the
/// stream's matrix, range and chroma siting from the caps); the decoder's buffer goes back to
/// GStreamer at once. A frame stays valid until the next read(). The constructor starts the
/// stream and waits for its first frame, so the format is known (spec()) and a bad source fails
/// there. After the end of the stream read() returns std::nullopt on every call. Not copyable
/// or movable (an open stream); the destructor stops it within a bounded time.
template <PixelFormat F, class... Converters>
class Reader {
  using Chain = detail::ReaderChain<F, Converters...>;
  using Impl = typename Chain::type;

 public:
  using Source = typename Chain::Source;
  using Options = AppSinkSourceOptions;
  /// The format read() returns (after the converters).
  static constexpr PixelFormat format = Impl::format;

  /// Reads from `<upstream_description> ! appsink`, e.g. `"filesrc location=in.mkv ! decodebin"`,
  /// `"v4l2src"`, `"rtspsrc location=rtsp://host/x ! decodebin"`. Throws what AppSinkSource's
  /// constructor and start() throw (ParseError, MissingElement, NotNegotiated, StreamError,
  /// Timeout).
  explicit Reader(std::string upstream_description, Options options = {}, Converters... converters)
      : impl_(Chain::make(Source(std::move(upstream_description), std::move(options)),
                          std::move(converters)...)),
        source_spec_(impl_.source().spec()) {}

  /// As above with default options: `Reader<PixelFormat::BGR24, MyConverter>{"...",
  /// MyConverter{}}`.
  template <class... C>
  requires(sizeof...(C) > 0 &&
           sizeof...(C) == sizeof...(Converters)) explicit Reader(std::string upstream_description,
                                                                  C... converters)
      : Reader(std::move(upstream_description), Options{}, std::move(converters)...) {}

  /// Reads from the appsink named `options.appsink_name` in a pipeline the caller built (see
  /// AppSinkSource's attach constructor).
  explicit Reader(ElementRef pipeline, Options options = {}, Converters... converters)
      : impl_(
            Chain::make(Source(std::move(pipeline), std::move(options)), std::move(converters)...)),
        source_spec_(impl_.source().spec()) {}

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  /// The next frame, valid until the next read() (or close()); std::nullopt at the end of the
  /// stream and on every call after it. Throws what the source and the converters throw.
  auto read() { return impl_.read(); }
  /// What read() hands out: format, size and rate (colour and siting for Y'CbCr output).
  const StreamSpec& spec() const { return impl_.spec(); }
  /// The stream as the source found it in the caps: its format (I420 for the RGB family), size,
  /// rate, colour (matrix and range) and chroma siting.
  const StreamSpec& source_spec() const { return source_spec_; }
  /// Frames read, time spent, and frames the source dropped (AppSinkSourceOptions::backpressure).
  Stats stats() const { return impl_.stats(); }
  /// The AppSinkSource (its pipeline, counters, interrupt()).
  Source& source() { return impl_.source(); }
  /// Stops the stream (the destructor does too); read() then returns std::nullopt.
  void close() { impl_.close(); }

 private:
  Impl impl_;
  StreamSpec source_spec_;
};

}  // namespace framepipe
