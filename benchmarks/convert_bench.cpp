// RGB -> 4:2:0 conversion: framepipe's row kernels on each ISA path next to what a user would
// otherwise pick, on the same frames, single-threaded.
//
//   convert_bench [Google Benchmark flags]   the speed benchmarks
//   convert_bench --accuracy                 max / mean error of each I420 output vs the exact
//                                            real-number result (no benchmarks run)
//
// Every entry reports bytes/s of *source* bytes (so entries on one frame compare directly) and
// frame_time (seconds per frame). Comparisons: OpenCV cvtColor, the appsrc tutorial's method,
// GstVideoConverter, libyuv (FRAMEPIPE_BENCH_HAVE_LIBYUV), swscale (FRAMEPIPE_BENCH_HAVE_SWSCALE),
// and memcpy of the bytes a conversion reads plus the bytes it writes: the floor.
#include <benchmark/benchmark.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <framepipe/color/coefficients.hpp>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/convert/kernels/pack_dispatch.hpp>
#include <framepipe/convert/nv12_packer.hpp>
#include <framepipe/core/band_pool.hpp>
#include <framepipe/core/frame.hpp>
#include <functional>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "natural_frame.hpp"

#if FRAMEPIPE_BENCH_HAVE_LIBYUV
#  include <libyuv.h>
#endif
#if FRAMEPIPE_BENCH_HAVE_SWSCALE
extern "C" {
#  include <libavutil/pixfmt.h>
#  include <libswscale/swscale.h>
}
#endif

namespace {

using framepipe_bench::natural_frame;
using framepipe_bench::size_name;

using framepipe::Frame;
using framepipe::FrameView;
using framepipe::Isa;
using framepipe::Matrix;
using framepipe::PixelFormat;
using framepipe::Range;

constexpr std::pair<int, int> kSizes[] = {
    {640, 480}, {1280, 720}, {1920, 1080}, {2560, 1440}, {3840, 2160}};
constexpr Isa kIsas[] = {Isa::Scalar, Isa::Sse4, Isa::Avx2, Isa::Avx512};

// --- Source frames ------------------------------------------------------------------------------

/// The source frames of one size, shared by every entry so all convert the same pixels.
struct Sources {
  Frame<PixelFormat::BGR24> bgr;
  Frame<PixelFormat::BGRA32> bgra;
};

const Sources& sources(int w, int h) {
  static std::map<std::pair<int, int>, std::unique_ptr<Sources>> cache;
  auto& slot = cache[{w, h}];
  if (!slot) {
    slot = std::make_unique<Sources>(
        Sources{natural_frame<PixelFormat::BGR24>(w, h), natural_frame<PixelFormat::BGRA32>(w, h)});
  }
  return *slot;
}

/// The matrix framepipe's packers pick by default at this size (BT.601 up to 576 lines, BT.709
/// above); competitors that can be told a matrix are told the same.
Matrix default_matrix(int w, int h) { return framepipe::default_color_spec({w, h}).matrix; }

// --- Converters ---------------------------------------------------------------------------------
// Each converts one frame per run() call into its own output; out() views that output as I420
// planes for the accuracy table (nullptr planes for NV12 outputs and memcpy).

struct Planes {
  const std::uint8_t* y = nullptr;
  const std::uint8_t* u = nullptr;
  const std::uint8_t* v = nullptr;
  std::size_t y_stride = 0, u_stride = 0, v_stride = 0;
};

class Converter {
 public:
  virtual ~Converter() = default;
  virtual void run() = 0;
  virtual Planes out() const { return {}; }
  /// The matrix and range this converter's output claims (or, for the tutorial, is closest to).
  virtual framepipe::ColorSpec spec() const = 0;
};

template <PixelFormat Out>
Planes planes_of(const Frame<Out>& f) {
  const FrameView<Out> v = f.view();
  if constexpr (Out == PixelFormat::I420) {
    return {v.plane(0), v.plane(1), v.plane(2), v.stride(0), v.stride(1), v.stride(2)};
  } else {
    return {};
  }
}

/// framepipe's plane loop (as in rgb_to_yuv_packer.hpp) on the row kernel of one path, chosen
/// through select_pack_rows — not through FRAMEPIPE_ISA.
template <PixelFormat In, PixelFormat Out>
class FramepipeRows final : public Converter {
 public:
  FramepipeRows(const Frame<In>& src, Isa isa)
      : src_(src.view()),
        dst_(src.size()),
        k_(framepipe::pack_coefficients(spec())),
        rows_(framepipe::kernels::select_pack_rows<In, Out>(isa)) {}
  void run() override {
    const FrameView<Out> dst = dst_.view();
    const int w = src_.width();
    const int h = src_.height();
    for (int y = 0; y < h; y += 2) {
      const int y_next = y + 1 < h ? y + 1 : y;
      std::uint8_t* u = dst.row(1, y / 2);
      std::uint8_t* v = Out == PixelFormat::I420 ? dst.row(2, y / 2) : u + 1;
      rows_(src_.row(0, y), src_.row(0, y_next), dst.row(0, y), dst.row(0, y_next), u, v, w, k_);
    }
  }
  Planes out() const override { return planes_of(dst_); }
  framepipe::ColorSpec spec() const override {
    return {default_matrix(src_.width(), src_.height()), Range::Limited};
  }

 private:
  FrameView<In> src_;
  Frame<Out> dst_;
  framepipe::PackCoefficients k_;
  framepipe::kernels::PackRowsFn rows_;
};

/// The public API as a user calls it: I420Packer on the path it picks itself.
class FramepipePacker final : public Converter {
 public:
  explicit FramepipePacker(const Frame<PixelFormat::BGR24>& src, unsigned threads = 1)
      : packer_({.threads = threads}), src_(src.view()), dst_(src.size()) {}
  void run() override { packer_.convert(src_, dst_.view()); }
  Planes out() const override { return planes_of(dst_); }
  framepipe::ColorSpec spec() const override { return packer_.color_spec(src_.size()); }

 private:
  framepipe::I420Packer packer_;
  FrameView<PixelFormat::BGR24> src_;
  Frame<PixelFormat::I420> dst_;
};

/// I420Packer, then a read of every output byte, as the encoder that takes the frame next would:
/// a kernel that left its output out of the cache (non-temporal stores) would pay for it here.
class FramepipePackThenRead final : public Converter {
 public:
  explicit FramepipePackThenRead(const Frame<PixelFormat::BGR24>& src)
      : src_(src.view()), dst_(src.size()) {}
  void run() override {
    packer_.convert(src_, dst_.view());
    const std::uint8_t* p = dst_.view().plane(0);
    const std::size_t n = dst_.layout().size;
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i + 8 <= n; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, p + i, 8);
      sum += word;
    }
    benchmark::DoNotOptimize(sum);
  }
  Planes out() const override { return planes_of(dst_); }
  framepipe::ColorSpec spec() const override { return packer_.color_spec(src_.size()); }

 private:
  framepipe::I420Packer packer_;
  FrameView<PixelFormat::BGR24> src_;
  Frame<PixelFormat::I420> dst_;
};

cv::Mat wrap_bgr(const Frame<PixelFormat::BGR24>& f) {
  return cv::Mat(f.height(), f.width(), CV_8UC3, f.view().plane(0), f.view().stride(0));
}

/// cv::cvtColor(COLOR_BGR2YUV_I420), single-threaded (main() calls cv::setNumThreads(1)).
class OpenCvI420 final : public Converter {
 public:
  explicit OpenCvI420(const Frame<PixelFormat::BGR24>& src)
      : src_(wrap_bgr(src)), dst_(src.height() * 3 / 2, src.width(), CV_8UC1) {}
  void run() override { cv::cvtColor(src_, dst_, cv::COLOR_BGR2YUV_I420); }
  Planes out() const override {
    const auto w = static_cast<std::size_t>(src_.cols);
    const auto h = static_cast<std::size_t>(src_.rows);
    const std::uint8_t* y = dst_.ptr<std::uint8_t>(0);
    return {y, y + w * h, y + w * h + w * h / 4, w, w / 2, w / 2};
  }
  framepipe::ColorSpec spec() const override { return {Matrix::BT601, Range::Limited}; }

 private:
  cv::Mat src_;
  cv::Mat dst_;
};

/// The tutorial's method (reference/appsrc-opencv-tutorial.md) in C++: cvtColor to YUV, split
/// the channels, resize U and V by 0.5 with INTER_AREA, concatenate Y + U + V into one new
/// buffer per frame (Python's `y.tobytes() + u2.tobytes() + v2.tobytes()`). The cv::Mats are
/// reused across frames, as a C++ port would; the concatenated vector is built per frame.
class Tutorial final : public Converter {
 public:
  explicit Tutorial(const Frame<PixelFormat::BGR24>& src) : src_(wrap_bgr(src)) {}
  void run() override {
    cv::cvtColor(src_, yuv_, cv::COLOR_BGR2YUV);
    cv::split(yuv_, channels_);
    cv::resize(channels_[1], u2_, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    cv::resize(channels_[2], v2_, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
    std::vector<std::uint8_t> data;
    data.reserve(channels_[0].total() + u2_.total() + v2_.total());
    for (const cv::Mat* m : {&channels_[0], &u2_, &v2_}) {
      data.insert(data.end(), m->datastart, m->dataend);
    }
    benchmark::DoNotOptimize(data.data());
    data_ = std::move(data);
  }
  Planes out() const override {
    const auto w = static_cast<std::size_t>(src_.cols);
    const auto h = static_cast<std::size_t>(src_.rows);
    const std::uint8_t* y = data_.data();
    return {y, y + w * h, y + w * h + w * h / 4, w, w / 2, w / 2};
  }
  // OpenCV's COLOR_BGR2YUV is full-range BT.601 luma with analogue-YUV chroma scale factors
  // (U = 0.492 (B - Y), not Cb = 0.564 (B - Y)); BT.601 full is the closest standard.
  framepipe::ColorSpec spec() const override { return {Matrix::BT601, Range::Full}; }

 private:
  cv::Mat src_;
  cv::Mat yuv_;
  std::vector<cv::Mat> channels_;
  cv::Mat u2_, v2_;
  std::vector<std::uint8_t> data_;
};

/// GStreamer's GstVideoConverter, BGR -> I420, 1 thread, told the same matrix and centred chroma
/// siting (chroma-site=jpeg) that framepipe's caps state, so both produce the same format.
class GstConverter final : public Converter {
 public:
  explicit GstConverter(const Frame<PixelFormat::BGR24>& src)
      : matrix_(default_matrix(src.width(), src.height())) {
    const int w = src.width();
    const int h = src.height();
    gst_video_info_set_format(&in_info_, GST_VIDEO_FORMAT_BGR, static_cast<guint>(w),
                              static_cast<guint>(h));
    gst_video_info_set_format(&out_info_, GST_VIDEO_FORMAT_I420, static_cast<guint>(w),
                              static_cast<guint>(h));
    out_info_.colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
    out_info_.colorimetry.matrix =
        matrix_ == Matrix::BT601 ? GST_VIDEO_COLOR_MATRIX_BT601 : GST_VIDEO_COLOR_MATRIX_BT709;
    out_info_.chroma_site = GST_VIDEO_CHROMA_SITE_JPEG;
    if (GST_VIDEO_INFO_PLANE_STRIDE(&in_info_, 0) != static_cast<int>(src.view().stride(0))) {
      throw std::runtime_error("GStreamer's BGR layout differs from framepipe's");
    }
    GstStructure* config = gst_structure_new("GstVideoConverter", GST_VIDEO_CONVERTER_OPT_THREADS,
                                             G_TYPE_UINT, 1u, nullptr);
    converter_ = gst_video_converter_new(&in_info_, &out_info_, config);
    if (converter_ == nullptr) throw std::runtime_error("gst_video_converter_new failed");
    in_buffer_ = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, src.data(), src.size_bytes(),
                                             0, src.size_bytes(), nullptr, nullptr);
    out_buffer_ = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&out_info_), nullptr);
    if (!gst_video_frame_map(&in_frame_, &in_info_, in_buffer_, GST_MAP_READ) ||
        !gst_video_frame_map(&out_frame_, &out_info_, out_buffer_, GST_MAP_WRITE)) {
      throw std::runtime_error("gst_video_frame_map failed");
    }
  }
  GstConverter(const GstConverter&) = delete;
  GstConverter& operator=(const GstConverter&) = delete;
  ~GstConverter() override {
    gst_video_frame_unmap(&out_frame_);
    gst_video_frame_unmap(&in_frame_);
    gst_buffer_unref(out_buffer_);
    gst_buffer_unref(in_buffer_);
    gst_video_converter_free(converter_);
  }
  void run() override { gst_video_converter_frame(converter_, &in_frame_, &out_frame_); }
  Planes out() const override {
    auto plane = [&](int i) {
      return static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&out_frame_, i));
    };
    auto stride = [&](int i) {
      return static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&out_frame_, i));
    };
    return {plane(0), plane(1), plane(2), stride(0), stride(1), stride(2)};
  }
  framepipe::ColorSpec spec() const override { return {matrix_, Range::Limited}; }

 private:
  Matrix matrix_;
  GstVideoInfo in_info_{};
  GstVideoInfo out_info_{};
  GstVideoConverter* converter_ = nullptr;
  GstBuffer* in_buffer_ = nullptr;
  GstBuffer* out_buffer_ = nullptr;
  GstVideoFrame in_frame_{};
  GstVideoFrame out_frame_{};
};

#if FRAMEPIPE_BENCH_HAVE_LIBYUV
/// libyuv RGB24ToI420 ("RGB24" is B, G, R in memory: framepipe's BGR24), ARGBToI420 and
/// ARGBToNV12 ("ARGB" is B, G, R, A in memory: BGRA32). BT.601 limited range.
template <PixelFormat In, PixelFormat Out>
class Libyuv final : public Converter {
 public:
  explicit Libyuv(const Frame<In>& src) : src_(src.view()), dst_(src.size()) {}
  void run() override {
    const FrameView<Out> d = dst_.view();
    const int w = src_.width();
    const int h = src_.height();
    auto s = [](std::size_t stride) { return static_cast<int>(stride); };
    if constexpr (In == PixelFormat::BGR24) {
      libyuv::RGB24ToI420(src_.plane(0), s(src_.stride(0)), d.plane(0), s(d.stride(0)), d.plane(1),
                          s(d.stride(1)), d.plane(2), s(d.stride(2)), w, h);
    } else if constexpr (Out == PixelFormat::I420) {
      libyuv::ARGBToI420(src_.plane(0), s(src_.stride(0)), d.plane(0), s(d.stride(0)), d.plane(1),
                         s(d.stride(1)), d.plane(2), s(d.stride(2)), w, h);
    } else {
      libyuv::ARGBToNV12(src_.plane(0), s(src_.stride(0)), d.plane(0), s(d.stride(0)), d.plane(1),
                         s(d.stride(1)), w, h);
    }
  }
  Planes out() const override { return planes_of(dst_); }
  framepipe::ColorSpec spec() const override { return {Matrix::BT601, Range::Limited}; }

 private:
  FrameView<In> src_;
  Frame<Out> dst_;
};
#endif

#if FRAMEPIPE_BENCH_HAVE_SWSCALE
/// sws_scale BGR24 -> YUV420P at the same size (so only chroma is resampled), 1 thread, with
/// the given flags (SWS_POINT or SWS_FAST_BILINEAR). swscale's default: BT.601 limited range.
class Swscale final : public Converter {
 public:
  Swscale(const Frame<PixelFormat::BGR24>& src, int flags) : src_(src.view()), dst_(src.size()) {
    context_ = sws_getContext(src.width(), src.height(), AV_PIX_FMT_BGR24, src.width(),
                              src.height(), AV_PIX_FMT_YUV420P, flags, nullptr, nullptr, nullptr);
    if (context_ == nullptr) throw std::runtime_error("sws_getContext failed");
  }
  Swscale(const Swscale&) = delete;
  Swscale& operator=(const Swscale&) = delete;
  ~Swscale() override { sws_freeContext(context_); }
  void run() override {
    const FrameView<PixelFormat::I420> d = dst_.view();
    const std::uint8_t* const in[] = {src_.plane(0)};
    const int in_stride[] = {static_cast<int>(src_.stride(0))};
    std::uint8_t* const out[] = {d.plane(0), d.plane(1), d.plane(2)};
    const int out_stride[] = {static_cast<int>(d.stride(0)), static_cast<int>(d.stride(1)),
                              static_cast<int>(d.stride(2))};
    sws_scale(context_, in, in_stride, 0, src_.height(), out, out_stride);
  }
  Planes out() const override { return planes_of(dst_); }
  framepipe::ColorSpec spec() const override { return {Matrix::BT601, Range::Limited}; }

 private:
  FrameView<PixelFormat::BGR24> src_;
  Frame<PixelFormat::I420> dst_;
  SwsContext* context_ = nullptr;
};
#endif

/// memcpy of `bytes` from one buffer to another: for BGR24 -> I420 the 3 + 1.5 bytes per pixel
/// that the conversion reads plus writes (so memcpy moves twice the traffic).
class Memcpy final : public Converter {
 public:
  /// `bytes` copied by `threads` threads (a detail::BandPool, as the band-parallel packer uses).
  explicit Memcpy(std::size_t bytes, unsigned threads = 1)
      : from_(bytes, 1), to_(bytes), pool_(threads) {}
  void run() override {
    pool_.run(
        static_cast<int>(pool_.threads()),
        [](void* context, int band) {
          auto& self = *static_cast<Memcpy*>(context);
          const std::size_t n = self.from_.size();
          const std::size_t bands = self.pool_.threads();
          const std::size_t first = n * static_cast<std::size_t>(band) / bands;
          const std::size_t last = n * (static_cast<std::size_t>(band) + 1) / bands;
          std::memcpy(self.to_.data() + first, self.from_.data() + first, last - first);
        },
        this);
    benchmark::ClobberMemory();
  }
  framepipe::ColorSpec spec() const override { return {}; }

 private:
  std::vector<std::uint8_t> from_;
  std::vector<std::uint8_t> to_;
  framepipe::detail::BandPool pool_;
};

// --- Benchmarks ---------------------------------------------------------------------------------

using Factory = std::function<std::unique_ptr<Converter>(int w, int h)>;

void run_benchmark(benchmark::State& state, const Factory& make, int w, int h,
                   std::size_t source_bytes, std::string_view skip_reason) {
  if (!skip_reason.empty()) {
    state.SkipWithError(std::string(skip_reason).c_str());
    return;
  }
  const std::unique_ptr<Converter> converter = make(w, h);
  converter->run();  // warm up: first-touch of the output, lazy set-up inside libraries
  for (auto _ : state) {
    converter->run();
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(source_bytes));
  // Seconds per frame (Google Benchmark prints it with a unit prefix, e.g. "210us").
  state.counters["frame_time"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void add(const std::string& name, Factory make, int w, int h, std::size_t source_bytes,
         std::string skip_reason = {}) {
  auto* b =
      benchmark::RegisterBenchmark((name + "/" + size_name(w, h)).c_str(),
                                   [make = std::move(make), w, h, source_bytes,
                                    skip_reason = std::move(skip_reason)](benchmark::State& state) {
                                     run_benchmark(state, make, w, h, source_bytes, skip_reason);
                                   });
  b->Unit(benchmark::kMillisecond);
  // Several threads: the calling thread's CPU time would hide the others' work, so wall time.
  if (name.ends_with("_2threads")) b->UseRealTime();
}

std::string isa_skip_reason(Isa isa) {
  if (isa <= framepipe::detected_isa()) return {};
  return "this CPU lacks the " + std::string(framepipe::isa_name(isa)) +
         " path (best: " + std::string(framepipe::isa_name(framepipe::detected_isa())) + ")";
}

void register_benchmarks() {
  for (const auto& [w, h] : kSizes) {
    const auto px = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
    const std::size_t bgr_bytes = px * 3;
    const std::string bgr = "BGR24->I420/";
    for (Isa isa : kIsas) {
      add(
          bgr + "framepipe_" + std::string(framepipe::isa_name(isa)),
          [isa](int fw, int fh) {
            return std::make_unique<FramepipeRows<PixelFormat::BGR24, PixelFormat::I420>>(
                sources(fw, fh).bgr, isa);
          },
          w, h, bgr_bytes, isa_skip_reason(isa));
    }
    add(
        bgr + "framepipe_I420Packer",
        [](int fw, int fh) { return std::make_unique<FramepipePacker>(sources(fw, fh).bgr); }, w, h,
        bgr_bytes);
    add(
        bgr + "framepipe_I420Packer_then_read",
        [](int fw, int fh) { return std::make_unique<FramepipePackThenRead>(sources(fw, fh).bgr); },
        w, h, bgr_bytes);
    add(
        bgr + "framepipe_I420Packer_2threads",
        [](int fw, int fh) { return std::make_unique<FramepipePacker>(sources(fw, fh).bgr, 2); }, w,
        h, bgr_bytes);
#if FRAMEPIPE_BENCH_HAVE_LIBYUV
    add(
        bgr + "libyuv_RGB24ToI420",
        [](int fw, int fh) {
          return std::make_unique<Libyuv<PixelFormat::BGR24, PixelFormat::I420>>(
              sources(fw, fh).bgr);
        },
        w, h, bgr_bytes);
#endif
    add(
        bgr + "opencv_cvtColor",
        [](int fw, int fh) { return std::make_unique<OpenCvI420>(sources(fw, fh).bgr); }, w, h,
        bgr_bytes);
    add(
        bgr + "tutorial_method",
        [](int fw, int fh) { return std::make_unique<Tutorial>(sources(fw, fh).bgr); }, w, h,
        bgr_bytes);
    add(
        bgr + "GstVideoConverter",
        [](int fw, int fh) { return std::make_unique<GstConverter>(sources(fw, fh).bgr); }, w, h,
        bgr_bytes);
#if FRAMEPIPE_BENCH_HAVE_SWSCALE
    add(
        bgr + "swscale_point",
        [](int fw, int fh) { return std::make_unique<Swscale>(sources(fw, fh).bgr, SWS_POINT); }, w,
        h, bgr_bytes);
    add(
        bgr + "swscale_fast_bilinear",
        [](int fw, int fh) {
          return std::make_unique<Swscale>(sources(fw, fh).bgr, SWS_FAST_BILINEAR);
        },
        w, h, bgr_bytes);
#endif
    add(
        bgr + "memcpy_4.5B_per_px",
        [](int fw, int fh) {
          return std::make_unique<Memcpy>(static_cast<std::size_t>(fw) *
                                          static_cast<std::size_t>(fh) * 9 / 2);
        },
        w, h, bgr_bytes);
    add(
        bgr + "memcpy_4.5B_per_px_2threads",
        [](int fw, int fh) {
          return std::make_unique<Memcpy>(
              static_cast<std::size_t>(fw) * static_cast<std::size_t>(fh) * 9 / 2, 2);
        },
        w, h, bgr_bytes);
  }

  // BGRA32 on framepipe's paths (and libyuv's), at 1080p.
  const int w = 1920;
  const int h = 1080;
  const std::size_t bgra_bytes = static_cast<std::size_t>(w) * h * 4;
  for (Isa isa : kIsas) {
    add(
        "BGRA32->I420/framepipe_" + std::string(framepipe::isa_name(isa)),
        [isa](int fw, int fh) {
          return std::make_unique<FramepipeRows<PixelFormat::BGRA32, PixelFormat::I420>>(
              sources(fw, fh).bgra, isa);
        },
        w, h, bgra_bytes, isa_skip_reason(isa));
  }
#if FRAMEPIPE_BENCH_HAVE_LIBYUV
  add(
      "BGRA32->I420/libyuv_ARGBToI420",
      [](int fw, int fh) {
        return std::make_unique<Libyuv<PixelFormat::BGRA32, PixelFormat::I420>>(
            sources(fw, fh).bgra);
      },
      w, h, bgra_bytes);
#endif
  add(
      "BGRA32->I420/memcpy_5.5B_per_px",
      [](int fw, int fh) {
        return std::make_unique<Memcpy>(static_cast<std::size_t>(fw) *
                                        static_cast<std::size_t>(fh) * 11 / 2);
      },
      w, h, bgra_bytes);
  for (Isa isa : kIsas) {
    add(
        "BGRA32->NV12/framepipe_" + std::string(framepipe::isa_name(isa)),
        [isa](int fw, int fh) {
          return std::make_unique<FramepipeRows<PixelFormat::BGRA32, PixelFormat::NV12>>(
              sources(fw, fh).bgra, isa);
        },
        w, h, bgra_bytes, isa_skip_reason(isa));
  }
#if FRAMEPIPE_BENCH_HAVE_LIBYUV
  add(
      "BGRA32->NV12/libyuv_ARGBToNV12",
      [](int fw, int fh) {
        return std::make_unique<Libyuv<PixelFormat::BGRA32, PixelFormat::NV12>>(
            sources(fw, fh).bgra);
      },
      w, h, bgra_bytes);
#endif
}

// --- Accuracy -----------------------------------------------------------------------------------

/// Max and mean absolute error of a plane against the exact real-number values.
struct Error {
  double max = 0;
  double sum = 0;
  std::size_t count = 0;
  void add(double got, double exact) {
    const double e = std::abs(got - exact);
    max = std::max(max, e);
    sum += e;
    ++count;
  }
  double mean() const { return count == 0 ? 0 : sum / static_cast<double>(count); }
};

/// Exact Y', Cb, Cr of coefficients.hpp's real-number model; chroma of the 2x2 box average
/// (centred siting — what framepipe's caps state, and what GstVideoConverter is asked for).
struct Reference {
  double kr, kb, sy, sc, oy;
  explicit Reference(framepipe::ColorSpec spec) {
    const framepipe::LumaWeights w = framepipe::luma_weights(spec.matrix);
    const bool full = spec.range == Range::Full;
    kr = w.kr;
    kb = w.kb;
    sy = full ? 1.0 : 219.0 / 255.0;
    sc = full ? 1.0 : 224.0 / 255.0;
    oy = full ? 0.0 : 16.0;
  }
  double luma(double r, double g, double b) const { return kr * r + (1 - kr - kb) * g + kb * b; }
  double y(double r, double g, double b) const { return oy + sy * luma(r, g, b); }
  double cb(double r, double g, double b) const {
    return 128 + sc * (b - luma(r, g, b)) / (2 * (1 - kb));
  }
  double cr(double r, double g, double b) const {
    return 128 + sc * (r - luma(r, g, b)) / (2 * (1 - kr));
  }
};

void print_accuracy() {
  const int w = 1920;
  const int h = 1080;
  const Sources& src = sources(w, h);
  const FrameView<PixelFormat::BGR24> in = src.bgr.view();

  std::vector<std::pair<std::string, std::unique_ptr<Converter>>> entries;
  for (Isa isa : kIsas) {
    if (isa > framepipe::detected_isa()) continue;
    entries.emplace_back(
        "framepipe " + std::string(framepipe::isa_name(isa)),
        std::make_unique<FramepipeRows<PixelFormat::BGR24, PixelFormat::I420>>(src.bgr, isa));
  }
#if FRAMEPIPE_BENCH_HAVE_LIBYUV
  entries.emplace_back("libyuv RGB24ToI420",
                       std::make_unique<Libyuv<PixelFormat::BGR24, PixelFormat::I420>>(src.bgr));
#endif
  entries.emplace_back("OpenCV cvtColor BGR2YUV_I420", std::make_unique<OpenCvI420>(src.bgr));
  entries.emplace_back("tutorial method", std::make_unique<Tutorial>(src.bgr));
  entries.emplace_back("GstVideoConverter", std::make_unique<GstConverter>(src.bgr));
#if FRAMEPIPE_BENCH_HAVE_SWSCALE
  entries.emplace_back("swscale SWS_POINT", std::make_unique<Swscale>(src.bgr, SWS_POINT));
  entries.emplace_back("swscale SWS_FAST_BILINEAR",
                       std::make_unique<Swscale>(src.bgr, SWS_FAST_BILINEAR));
#endif

  std::printf(
      "Accuracy on a %dx%d natural-ish BGR24 frame (smooth gradients + noise): absolute\n"
      "error vs the exact real-number Y'CbCr of the matrix and range each output uses;\n"
      "chroma vs the exact 2x2 box average (centred siting).\n\n",
      w, h);
  std::printf("| converter | matrix, range | Y max | Y mean | Cb/Cr max | Cb/Cr mean |\n");
  std::printf("|---|---|---:|---:|---:|---:|\n");
  for (auto& [name, converter] : entries) {
    converter->run();
    const Planes p = converter->out();
    const framepipe::ColorSpec spec = converter->spec();
    const Reference ref(spec);
    Error ey;
    Error ec;
    for (int y = 0; y < h; ++y) {
      const std::uint8_t* s = in.row(0, y);
      const std::uint8_t* out = p.y + static_cast<std::size_t>(y) * p.y_stride;
      for (int x = 0; x < w; ++x) {
        ey.add(out[x], ref.y(s[3 * x + 2], s[3 * x + 1], s[3 * x]));
      }
    }
    for (int cy = 0; cy < h / 2; ++cy) {
      const std::uint8_t* s0 = in.row(0, 2 * cy);
      const std::uint8_t* s1 = in.row(0, 2 * cy + 1);
      const std::uint8_t* u = p.u + static_cast<std::size_t>(cy) * p.u_stride;
      const std::uint8_t* v = p.v + static_cast<std::size_t>(cy) * p.v_stride;
      for (int cx = 0; cx < w / 2; ++cx) {
        double rgb[3] = {0, 0, 0};  // B, G, R averages
        for (const std::uint8_t* s : {s0, s1}) {
          for (int dx = 0; dx < 2; ++dx) {
            for (int c = 0; c < 3; ++c) rgb[c] += s[3 * (2 * cx + dx) + c] / 4.0;
          }
        }
        ec.add(u[cx], ref.cb(rgb[2], rgb[1], rgb[0]));
        ec.add(v[cx], ref.cr(rgb[2], rgb[1], rgb[0]));
      }
    }
    std::printf("| %s | %s %s | %.2f | %.3f | %.2f | %.3f |\n", name.c_str(),
                std::string(framepipe::matrix_name(spec.matrix)).c_str(),
                std::string(framepipe::range_name(spec.range)).c_str(), ey.max, ey.mean(), ec.max,
                ec.mean());
  }
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(nullptr, nullptr);
  cv::setNumThreads(1);
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--accuracy") {
      print_accuracy();
      return 0;
    }
  }
  benchmark::AddCustomContext("framepipe_detected_isa",
                              std::string(framepipe::isa_name(framepipe::detected_isa())));
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
