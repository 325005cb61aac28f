// Reader<F, C...>: pull mode, the cv::VideoCapture replacement. Frames of any GStreamer source
// (file, camera, network stream, decoder) come into the caller's loop as FrameView<F>.
#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "framepipe/convert/yuv_to_rgb_unpacker.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/frame.hpp"
#include "framepipe/core/pixel_format.hpp"
#include "framepipe/core/source_reader.hpp"
#include "framepipe/core/stage.hpp"
#include "framepipe/core/stats.hpp"
#include "framepipe/gst/app_sink_source.hpp"
#include "framepipe/gst/app_sink_source_options.hpp"
#include "framepipe/gst/caps.hpp"
#include "framepipe/gst/pipeline_control.hpp"
#include "framepipe/gst/runtime.hpp"

namespace framepipe {

/// How a Reader takes its frames out of GStreamer (Reader::path()).
enum class ReaderPath {
  /// I420, NV12 and GRAY8 readers: the appsink takes the format itself, and the view is the
  /// decoder's buffer, mapped in place.
  Direct,
  /// The RGB family, from Y'CbCr whose chroma is halved both ways or more (4:2:0: I420, YV12,
  /// NV12, NV21, 10-bit 4:2:0 ...), and every stream in attach mode: the appsink takes I420 and
  /// framepipe's YuvToRgbUnpacker<F> makes the format (within 0.65 levels of the exact result).
  Unpacker,
  /// The RGB family, from anything finer (4:4:4, 4:2:2, 4:1:1 Y'CbCr, RGB, gray): the appsink
  /// takes the format, and GStreamer's videoconvert converts the whole chroma, with the matrix
  /// and range of Reader::source_spec().color.
  FullChroma,
};

constexpr std::string_view reader_path_name(ReaderPath path) {
  switch (path) {
    case ReaderPath::Direct:
      return "direct";
    case ReaderPath::Unpacker:
      return "unpacker";
    case ReaderPath::FullChroma:
      return "full chroma";
  }
  return "?";
}

namespace detail {

/// A source whose stream the Reader has already started (to see what upstream gives before it
/// chooses a path), handed to a SourceReader: its first start() returns that stream's spec
/// instead of starting again; everything else is the source's own.
template <class Src>
class StartedSource {
 public:
  static constexpr PixelFormat output = Src::output;

  StartedSource(Src source, const StreamSpec& spec) : source_(std::move(source)), spec_(spec) {}

  StreamSpec start() {
    if (std::exchange(started_, false)) return spec_;
    return source_.start();
  }
  std::optional<LentFrame<output>> next() { return source_.next(); }
  void stop() noexcept {
    started_ = false;
    source_.stop();
  }
  void interrupt() noexcept { source_.interrupt(); }
  StageCounters counters() const { return source_.counters(); }
  Src& source() { return source_; }

 private:
  Src source_;
  StreamSpec spec_;
  bool started_ = true;
};

/// Upstream's frames as the caps `caps` describe them; nullopt when they cannot be read.
inline std::optional<GstVideoInfo> video_info_of_caps(const std::string& caps) {
  if (caps.empty()) return std::nullopt;
  const CapsPtr parsed(gst_caps_from_string(caps.c_str()));
  GstVideoInfo info;
  if (!parsed || !gst_video_info_from_caps(&info, parsed.get())) return std::nullopt;
  return info;
}

/// Whether `info` is Y'CbCr whose chroma is halved (or more) both ways, so that I420 keeps all of
/// it: 4:2:0 and 4:1:0 yes; 4:4:4, 4:2:2, 4:1:1, RGB and gray no.
inline bool chroma_halved_both_ways(const GstVideoInfo& info) {
  const GstVideoFormatInfo* f = info.finfo;
  return f != nullptr && GST_VIDEO_FORMAT_INFO_IS_YUV(f) &&
         GST_VIDEO_FORMAT_INFO_N_COMPONENTS(f) >= 3 && GST_VIDEO_FORMAT_INFO_W_SUB(f, 1) >= 1 &&
         GST_VIDEO_FORMAT_INFO_H_SUB(f, 1) >= 1;
}

/// `upstream` (Y'CbCr frames) converted at full chroma, into 16-bit 4:4:4 on the way to the
/// appsink's RGB: a `capssetter` states `color` as the caps' colorimetry, so that videoconvert
/// converts with that matrix and range whatever upstream said; then `videoconvert` to Y444_16LE
/// and a second one, `dither=none`, to the appsink. Straight to 8-bit RGB, videoconvert's 8-bit
/// matrix is up to 6 levels off the exact result; through 16 bits, 2. The elements are named
/// after the appsink (`<name>_colorimetry`, `<name>_to_y444_16`, `<name>_to_rgb`).
inline std::string full_chroma_description(const std::string& upstream, ColorSpec color,
                                           const std::string& appsink_name) {
  const GstVideoColorimetry c = colorimetry_of(color);
  return upstream + " ! capssetter name=" + appsink_name +
         "_colorimetry caps=\"video/x-raw,colorimetry=(string)" +
         take_gchar(gst_video_colorimetry_to_string(&c)) +
         "\" join=true replace=false ! videoconvert name=" + appsink_name +
         "_to_y444_16 ! video/x-raw,format=Y444_16LE ! videoconvert name=" + appsink_name +
         "_to_rgb dither=none";
}

/// The SourceReaders a Reader<F, C...> may read through: for Y'CbCr and gray, the appsink's
/// frames of format F themselves.
template <PixelFormat F, class... Converters>
struct ReaderPaths {
  using Direct = SourceReader<AppSinkSource<F>, Converters...>;
  using Variant = std::variant<std::monostate, Direct>;
};

/// For the RGB family: I420 frames unpacked into F in one pass (ReaderPath::Unpacker), or the
/// appsink's frames of format F, converted by GStreamer at full chroma (ReaderPath::FullChroma).
template <PixelFormat F, class... Converters>
requires(is_rgb_family(F)) struct ReaderPaths<F, Converters...> {
  using Unpacked = SourceReader<StartedSource<AppSinkSource<PixelFormat::I420>>,
                                YuvToRgbUnpacker<F>, Converters...>;
  using FullChroma = SourceReader<AppSinkSource<F>, Converters...>;
  static_assert(Unpacked::format == FullChroma::format);
  using Variant = std::variant<std::monostate, Unpacked, FullChroma>;
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
/// in place (zero copy). With `F` BGR24, RGB24, BGRA32 or RGBA32 the path depends on what
/// upstream gives (path()): from 4:2:0 Y'CbCr the appsink takes I420 and YuvToRgbUnpacker<F>
/// converts it, in one pass, into a frame the Reader reuses (using the stream's matrix, range
/// and chroma siting from the caps); the decoder's buffer goes back to GStreamer at once. From
/// finer chroma (4:4:4, 4:2:2), RGB or gray, halving the chroma into I420 would throw resolution
/// away, so the Reader stops that first pipeline and builds a second from the same description
/// whose appsink takes F: GStreamer's videoconvert converts at full chroma (through 16-bit
/// 4:4:4), told the matrix and range by the Reader's rules (the options, else the caps,
/// untagged as BT.601) through a `capssetter`. A file then starts again from its start; a live
/// source loses the frames the first pipeline took. In attach mode (a caller's pipeline, which
/// the Reader cannot rebuild) it is always I420 and the unpacker; chroma the caller's own
/// videoconvert halved cannot be seen from the appsink, and is not reported.
/// A frame stays valid until the next read(). The constructor starts the stream and waits for
/// its first frame, so the format is known (spec()) and a bad source fails there. After the end
/// of the stream read() returns std::nullopt on every call. Not copyable or movable (an open
/// stream); the destructor stops it within a bounded time.
template <PixelFormat F, class... Converters>
class Reader {
  using Paths = detail::ReaderPaths<F, Converters...>;
  using Variant = typename Paths::Variant;
  using First = std::variant_alternative_t<1, Variant>;

 public:
  using Options = AppSinkSourceOptions;
  /// The format read() hands out (after the converters).
  static constexpr PixelFormat format = First::format;

  /// Reads from `<upstream_description> ! appsink`, e.g. `"filesrc location=in.mkv ! decodebin"`,
  /// `"v4l2src"`, `"rtspsrc location=rtsp://host/x ! decodebin"`. Throws what AppSinkSource's
  /// constructor and start() throw (ParseError, MissingElement, NotNegotiated, StreamError,
  /// Timeout); MissingElement for `capssetter` (gstreamer1.0-plugins-good) when an RGB reader
  /// needs it.
  explicit Reader(std::string upstream_description, Options options = {},
                  Converters... converters) {
    if constexpr (is_rgb_family(F)) {
      open_rgb(std::move(upstream_description), std::move(options), std::move(converters)...);
    } else {
      impl_.template emplace<typename Paths::Direct>(
          AppSinkSource<F>(std::move(upstream_description), std::move(options)),
          std::move(converters)...);
      path_ = ReaderPath::Direct;
    }
    remember_source();
  }

  /// As above with default options: `Reader<PixelFormat::BGR24, MyConverter>{"...",
  /// MyConverter{}}`.
  template <class... C>
  requires(sizeof...(C) > 0 &&
           sizeof...(C) == sizeof...(Converters)) explicit Reader(std::string upstream_description,
                                                                  C... converters)
      : Reader(std::move(upstream_description), Options{}, std::move(converters)...) {}

  /// Reads from the appsink named `options.appsink_name` in a pipeline the caller built (see
  /// AppSinkSource's attach constructor). An RGB reader reads I420 through the unpacker
  /// (ReaderPath::Unpacker) whatever upstream gives: it cannot rebuild the caller's pipeline.
  explicit Reader(ElementRef pipeline, Options options = {}, Converters... converters) {
    if constexpr (is_rgb_family(F)) {
      AppSinkSource<PixelFormat::I420> source(std::move(pipeline), std::move(options));
      const StreamSpec spec = source.start();
      impl_.template emplace<typename Paths::Unpacked>(
          detail::StartedSource(std::move(source), spec), YuvToRgbUnpacker<F>{},
          std::move(converters)...);
      path_ = ReaderPath::Unpacker;
    } else {
      impl_.template emplace<typename Paths::Direct>(
          AppSinkSource<F>(std::move(pipeline), std::move(options)), std::move(converters)...);
      path_ = ReaderPath::Direct;
    }
    remember_source();
  }

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  /// The next frame, valid until the next read() (or close()); std::nullopt at the end of the
  /// stream and on every call after it. Throws what the source and the converters throw.
  std::optional<ReadFrame<format>> read() {
    return on_path([](auto& r) { return r.read(); });
  }
  /// What read() hands out: format, size and rate (colour and siting for Y'CbCr output).
  const StreamSpec& spec() const {
    return on_path([](const auto& r) -> const StreamSpec& { return r.spec(); });
  }
  /// The frames the appsink takes: their format (I420 on the unpacker path, F on the others),
  /// size and rate; the colour (matrix and range) and chroma siting of the Y'CbCr they come
  /// from -- on the full-chroma path, the matrix and range videoconvert converted with, and the
  /// siting upstream stated; no colour when upstream is RGB or gray.
  const StreamSpec& source_spec() const { return source_spec_; }
  /// Frames read, time spent, and frames the source dropped (AppSinkSourceOptions::backpressure).
  Stats stats() const {
    return on_path([](const auto& r) { return r.stats(); });
  }
  /// Which way the frames come (see ReaderPath).
  ReaderPath path() const { return path_; }
  /// The caps of the frames the appsink takes, as a string (AppSinkSource::caps()).
  const std::string& caps() const { return caps_; }
  /// The caps upstream produced, before any videoconvert: what the Reader chose its path by
  /// (AppSinkSource::upstream_caps() of the first pipeline).
  const std::string& upstream_caps() const { return upstream_caps_; }
  /// Whether a videoconvert sits before the appsink (AppSinkSource::converting(); on the
  /// full-chroma path, whenever upstream does not give F itself).
  bool converting() const { return converting_; }
  /// The whole GstPipeline the frames come from (appsink included).
  ElementRef pipeline() const { return pipeline_; }
  /// The pipeline's element named `name` (`gst_bin_get_by_name`). Throws InvalidArgument when
  /// there is none.
  ElementRef element(std::string_view name) const {
    return detail::element_by_name(pipeline_.get(), name, "framepipe::Reader");
  }
  /// Makes a blocked read() throw Interrupted at once, and every later one (AppSinkSource::
  /// interrupt()). Thread-safe.
  void interrupt() noexcept {
    on_source([](auto& source) { source.interrupt(); });
  }
  /// Stops the stream (the destructor does too); read() then returns std::nullopt.
  void close() {
    on_path([](auto& r) { r.close(); });
  }

 private:
  /// Starts the unpacker path and keeps it when upstream's chroma is 4:2:0 or coarser; else
  /// stops it and reads through the full-chroma path.
  void open_rgb(std::string upstream, Options options, Converters... converters) {
    std::optional<AppSinkSource<PixelFormat::I420>> first;
    first.emplace(upstream, options, detail::ChromaLossHandled{});
    const StreamSpec spec = first->start();
    std::string found = first->upstream_caps();
    const std::optional<GstVideoInfo> native = detail::video_info_of_caps(found);
    if (native && detail::chroma_halved_both_ways(*native)) {
      impl_.template emplace<typename Paths::Unpacked>(
          detail::StartedSource(std::move(*first), spec), YuvToRgbUnpacker<F>{},
          std::move(converters)...);
      path_ = ReaderPath::Unpacker;
      return;
    }
    // What upstream gives, by the rules the unpacker path reads its caps with.
    std::optional<ColorSpec> color;
    ChromaSite site = ChromaSite::Center;
    const bool yuv = native && GST_VIDEO_INFO_IS_YUV(&*native);
    if (yuv) {
      const detail::CapsPtr caps(gst_caps_from_string(found.c_str()));
      color = detail::stated_color(caps.get(), *native, first->pipeline().get(), options);
      site = detail::chroma_site_of(GST_VIDEO_INFO_CHROMA_SITE(&*native));
    }
    const bool native_f = native && GST_VIDEO_INFO_FORMAT(&*native) == video_format_of(F);
    first.reset();  // its pipeline goes to NULL before the second one starts
    Options full = std::move(options);
    // RGB or gray that is not F: AppSinkSource's videoconvert, without a failed first try.
    if (!yuv && !native_f && full.convert == VideoConvert::Auto) {
      full.convert = VideoConvert::Always;
    }
    std::string description =
        yuv ? detail::full_chroma_description(upstream, *color, full.appsink_name)
            : std::move(upstream);
    auto& reader = impl_.template emplace<typename Paths::FullChroma>(
        AppSinkSource<F>(std::move(description), std::move(full)), std::move(converters)...);
    path_ = ReaderPath::FullChroma;
    upstream_caps_ = std::move(found);
    source_spec_ = reader.source().spec();
    source_spec_.color = color;
    source_spec_.chroma_site = site;
    converting_ = yuv;  // the description's own videoconverts
  }

  /// Keeps what the accessors return of the source that was started.
  void remember_source() {
    on_source([this](auto& source) {
      if (path_ != ReaderPath::FullChroma) {
        source_spec_ = source.spec();
        upstream_caps_ = source.upstream_caps();
      }
      caps_ = source.caps();
      converting_ = converting_ || source.converting();
      pipeline_ = source.pipeline();
    });
  }

  /// Calls `fn` with the SourceReader of the path the Reader reads through.
  template <class Fn>
  decltype(auto) on_path(Fn&& fn) {
    if constexpr (is_rgb_family(F)) {
      if (auto* full = std::get_if<typename Paths::FullChroma>(&impl_)) return fn(*full);
    }
    return fn(std::get<First>(impl_));
  }
  template <class Fn>
  decltype(auto) on_path(Fn&& fn) const {
    if constexpr (is_rgb_family(F)) {
      if (const auto* full = std::get_if<typename Paths::FullChroma>(&impl_)) return fn(*full);
    }
    return fn(std::get<First>(impl_));
  }

  /// Calls `fn` with the AppSinkSource the frames come from.
  template <class Fn>
  void on_source(Fn&& fn) {
    if (impl_.index() == 0) return;  // not open (the constructor threw)
    on_path([&](auto& r) {
      auto& source = r.source();
      if constexpr (requires { source.source(); }) {
        fn(source.source());
      } else {
        fn(source);
      }
    });
  }

  ElementRef pipeline_;  // declared first: the path's source stops it before this lets it go
  Variant impl_;
  ReaderPath path_ = ReaderPath::Direct;
  StreamSpec source_spec_{};
  std::string caps_;
  std::string upstream_caps_;
  bool converting_ = false;
};

}  // namespace framepipe
