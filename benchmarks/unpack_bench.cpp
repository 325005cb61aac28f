// 4:2:0 -> BGR24 unpacking: framepipe's unpack kernels on each ISA path next to what a user would
// otherwise pick, on the same frames, single-threaded.
//
//   unpack_bench [Google Benchmark flags]   the speed benchmarks
//   unpack_bench --accuracy                 max / mean error of each BGR output vs the exact
//                                           real-number result (no benchmarks run)
//
// Entries are named <input>->BGR24/<implementation>/<size>. Every entry reports `frame_time`
// (seconds per frame). Comparisons: libyuv I420ToRGB24 / NV12ToRGB24 (FRAMEPIPE_BENCH_HAVE_LIBYUV;
// libyuv's "RGB24" is B, G, R in memory, framepipe's BGR24), OpenCV cvtColor
// (COLOR_YUV2BGR_I420 / _NV12), GstVideoConverter (1 thread), and memcpy of the bytes a conversion
// reads plus writes (1.5 + 3 per pixel): the floor.
#include <benchmark/benchmark.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <framepipe/color/unpack_coefficients.hpp>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/convert/kernels/unpack_dispatch.hpp>
#include <framepipe/convert/nv12_packer.hpp>
#include <framepipe/convert/unpackers.hpp>
#include <framepipe/core/frame.hpp>
#include <functional>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "natural_frame.hpp"

#if FRAMEPIPE_BENCH_HAVE_LIBYUV
#  include <libyuv.h>
#endif

namespace {

using framepipe_bench::natural_frame;
using framepipe_bench::size_name;

using framepipe::ChromaSite;
using framepipe::ColorSpec;
using framepipe::Frame;
using framepipe::FrameView;
using framepipe::Isa;
using framepipe::Matrix;
using framepipe::PixelFormat;
using framepipe::Range;

constexpr std::pair<int, int> kSizes[] = {{1280, 720}, {1920, 1080}, {3840, 2160}};
constexpr Isa kIsas[] = {Isa::Scalar, Isa::Sse4, Isa::Avx2, Isa::Avx512};
// libyuv's I420ToRGB24 / NV12ToRGB24 and OpenCV's cvtColor decode BT.601 limited range; every
// entry is given (or assumes) the same.
constexpr ColorSpec kSpec{Matrix::BT601, Range::Limited};

// --- Source frames ------------------------------------------------------------------------------

struct Sources {
  Frame<PixelFormat::I420> i420;
  Frame<PixelFormat::NV12> nv12;
};

const Sources& sources(int w, int h) {
  static std::map<std::pair<int, int>, std::unique_ptr<Sources>> cache;
  auto& slot = cache[{w, h}];
  if (!slot) {
    const Frame<PixelFormat::BGR24> bgr = natural_frame<PixelFormat::BGR24>(w, h);
    slot = std::make_unique<Sources>(
        Sources{Frame<PixelFormat::I420>({w, h}), Frame<PixelFormat::NV12>({w, h})});
    framepipe::I420Packer{{.matrix = kSpec.matrix}}.convert(bgr.view(), slot->i420.view());
    framepipe::Nv12Packer{{.matrix = kSpec.matrix}}.convert(bgr.view(), slot->nv12.view());
  }
  return *slot;
}

template <PixelFormat In>
const Frame<In>& source(int w, int h) {
  if constexpr (In == PixelFormat::I420) {
    return sources(w, h).i420;
  } else {
    return sources(w, h).nv12;
  }
}

// --- Converters ---------------------------------------------------------------------------------
// Each converts one frame per run() call into its own BGR output; out() views it.

class Converter {
 public:
  virtual ~Converter() = default;
  virtual void run() = 0;
  /// The BGR24 output (null for memcpy).
  virtual const std::uint8_t* out(std::size_t& stride) const {
    stride = 0;
    return nullptr;
  }
};

/// framepipe's frame loop on the row kernel of one path (select_unpack_rows, not FRAMEPIPE_ISA).
template <PixelFormat In>
class FramepipeRows final : public Converter {
 public:
  FramepipeRows(const Frame<In>& src, Isa isa, ChromaSite site)
      : src_(src.view()), dst_(src.size()), isa_(isa), site_(site) {}
  void run() override {
    framepipe::kernels::unpack_yuv420_frame(src_, dst_.view(), k_, site_, isa_);
  }
  const std::uint8_t* out(std::size_t& stride) const override {
    stride = dst_.view().stride(0);
    return dst_.view().plane(0);
  }

 private:
  FrameView<In> src_;
  Frame<PixelFormat::BGR24> dst_;
  framepipe::UnpackCoefficients k_ = framepipe::unpack_coefficients(kSpec);
  Isa isa_;
  ChromaSite site_;
};

/// The public API as a user calls it: Bgr24Unpacker on the path it picks itself.
template <PixelFormat In>
class FramepipeUnpacker final : public Converter {
 public:
  explicit FramepipeUnpacker(const Frame<In>& src) : src_(src.view()), dst_(src.size()) {}
  void run() override { unpacker_.convert(src_, dst_.view()); }
  const std::uint8_t* out(std::size_t& stride) const override {
    stride = dst_.view().stride(0);
    return dst_.view().plane(0);
  }

 private:
  framepipe::Bgr24Unpacker unpacker_{{.matrix = kSpec.matrix, .range = kSpec.range}};
  FrameView<In> src_;
  Frame<PixelFormat::BGR24> dst_;
};

/// cv::cvtColor(COLOR_YUV2BGR_I420 / _NV12) on the contiguous 4:2:0 frame (h * 3 / 2 rows),
/// single-threaded (main() calls cv::setNumThreads(1)).
template <PixelFormat In>
class OpenCv final : public Converter {
 public:
  explicit OpenCv(const Frame<In>& src)
      : src_(src.height() * 3 / 2, src.width(), CV_8UC1, src.data()),
        dst_(src.height(), src.width(), CV_8UC3) {
    // framepipe's default layout is OpenCV's contiguous one when the width is a multiple of 4.
    if (src.view().stride(0) != static_cast<std::size_t>(src.width())) {
      throw std::runtime_error("OpenCV needs a contiguous 4:2:0 frame");
    }
  }
  void run() override {
    cv::cvtColor(src_, dst_,
                 In == PixelFormat::I420 ? cv::COLOR_YUV2BGR_I420 : cv::COLOR_YUV2BGR_NV12);
  }
  const std::uint8_t* out(std::size_t& stride) const override {
    stride = dst_.step;
    return dst_.ptr<std::uint8_t>(0);
  }

 private:
  cv::Mat src_;
  cv::Mat dst_;
};

/// GStreamer's GstVideoConverter, I420/NV12 -> BGR, 1 thread, told BT.601 limited and centred
/// chroma (chroma-site=jpeg), as framepipe is.
template <PixelFormat In>
class GstConverter final : public Converter {
 public:
  explicit GstConverter(const Frame<In>& src) {
    const auto w = static_cast<guint>(src.width());
    const auto h = static_cast<guint>(src.height());
    gst_video_info_set_format(
        &in_info_, In == PixelFormat::I420 ? GST_VIDEO_FORMAT_I420 : GST_VIDEO_FORMAT_NV12, w, h);
    gst_video_info_set_format(&out_info_, GST_VIDEO_FORMAT_BGR, w, h);
    in_info_.colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
    in_info_.colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
    in_info_.chroma_site = GST_VIDEO_CHROMA_SITE_JPEG;
    if (GST_VIDEO_INFO_SIZE(&in_info_) != src.size_bytes()) {
      throw std::runtime_error("GStreamer's 4:2:0 layout differs from framepipe's");
    }
    GstStructure* config = gst_structure_new("GstVideoConverter", GST_VIDEO_CONVERTER_OPT_THREADS,
                                             G_TYPE_UINT, 1u, nullptr);
    converter_ = gst_video_converter_new(&in_info_, &out_info_, config);
    if (converter_ == nullptr) throw std::runtime_error("gst_video_converter_new failed");
    in_buffer_ =
        gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, const_cast<std::uint8_t*>(src.data()),
                                    src.size_bytes(), 0, src.size_bytes(), nullptr, nullptr);
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
  const std::uint8_t* out(std::size_t& stride) const override {
    stride = static_cast<std::size_t>(GST_VIDEO_FRAME_PLANE_STRIDE(&out_frame_, 0));
    return static_cast<const std::uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&out_frame_, 0));
  }

 private:
  GstVideoInfo in_info_{};
  GstVideoInfo out_info_{};
  GstVideoConverter* converter_ = nullptr;
  GstBuffer* in_buffer_ = nullptr;
  GstBuffer* out_buffer_ = nullptr;
  GstVideoFrame in_frame_{};
  GstVideoFrame out_frame_{};
};

#if FRAMEPIPE_BENCH_HAVE_LIBYUV
/// libyuv I420ToRGB24 / NV12ToRGB24 (BT.601 limited; "RGB24" is B, G, R in memory).
template <PixelFormat In>
class Libyuv final : public Converter {
 public:
  explicit Libyuv(const Frame<In>& src) : src_(src.view()), dst_(src.size()) {}
  void run() override {
    const FrameView<PixelFormat::BGR24> d = dst_.view();
    auto s = [](std::size_t stride) { return static_cast<int>(stride); };
    if constexpr (In == PixelFormat::I420) {
      libyuv::I420ToRGB24(src_.plane(0), s(src_.stride(0)), src_.plane(1), s(src_.stride(1)),
                          src_.plane(2), s(src_.stride(2)), d.plane(0), s(d.stride(0)),
                          src_.width(), src_.height());
    } else {
      libyuv::NV12ToRGB24(src_.plane(0), s(src_.stride(0)), src_.plane(1), s(src_.stride(1)),
                          d.plane(0), s(d.stride(0)), src_.width(), src_.height());
    }
  }
  const std::uint8_t* out(std::size_t& stride) const override {
    stride = dst_.view().stride(0);
    return dst_.view().plane(0);
  }

 private:
  FrameView<In> src_;
  Frame<PixelFormat::BGR24> dst_;
};
#endif

/// memcpy of `bytes`: for 4:2:0 -> BGR24 the 1.5 + 3 bytes per pixel a conversion reads plus
/// writes (so memcpy moves twice the traffic, with no arithmetic).
class Memcpy final : public Converter {
 public:
  explicit Memcpy(std::size_t bytes) : from_(bytes, 1), to_(bytes) {}
  void run() override {
    std::memcpy(to_.data(), from_.data(), from_.size());
    benchmark::ClobberMemory();
  }

 private:
  std::vector<std::uint8_t> from_;
  std::vector<std::uint8_t> to_;
};

// --- Benchmarks ---------------------------------------------------------------------------------

using Factory = std::function<std::unique_ptr<Converter>(int w, int h)>;

void run_benchmark(benchmark::State& state, const Factory& make, int w, int h,
                   std::string_view skip_reason) {
  if (!skip_reason.empty()) {
    state.SkipWithError(std::string(skip_reason).c_str());
    return;
  }
  const std::unique_ptr<Converter> converter = make(w, h);
  converter->run();  // warm up: first touch of the output, lazy set-up inside libraries
  for (auto _ : state) {
    converter->run();
    benchmark::ClobberMemory();
  }
  state.counters["frame_time"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void add(const std::string& name, Factory make, int w, int h, std::string skip_reason = {}) {
  benchmark::RegisterBenchmark(
      (name + "/" + size_name(w, h)).c_str(),
      [make = std::move(make), w, h, skip_reason = std::move(skip_reason)](
          benchmark::State& state) { run_benchmark(state, make, w, h, skip_reason); })
      ->Unit(benchmark::kMillisecond);
}

std::string isa_skip_reason(Isa isa) {
  if (isa <= framepipe::detected_isa()) return {};
  return "this CPU lacks the " + std::string(framepipe::isa_name(isa)) +
         " path (best: " + std::string(framepipe::isa_name(framepipe::detected_isa())) + ")";
}

template <PixelFormat In>
void register_input(int w, int h) {
  const std::string prefix = std::string(framepipe::format_name(In)) + "->BGR24/";
  for (Isa isa : kIsas) {
    add(
        prefix + "framepipe_" + std::string(framepipe::isa_name(isa)),
        [isa](int fw, int fh) {
          return std::make_unique<FramepipeRows<In>>(source<In>(fw, fh), isa, ChromaSite::Center);
        },
        w, h, isa_skip_reason(isa));
  }
  add(
      prefix + "framepipe_Bgr24Unpacker",
      [](int fw, int fh) { return std::make_unique<FramepipeUnpacker<In>>(source<In>(fw, fh)); }, w,
      h);
  add(
      prefix + "framepipe_left_sited",
      [](int fw, int fh) {
        return std::make_unique<FramepipeRows<In>>(source<In>(fw, fh), framepipe::detected_isa(),
                                                   ChromaSite::Left);
      },
      w, h);
#if FRAMEPIPE_BENCH_HAVE_LIBYUV
  add(
      prefix + (In == PixelFormat::I420 ? "libyuv_I420ToRGB24" : "libyuv_NV12ToRGB24"),
      [](int fw, int fh) { return std::make_unique<Libyuv<In>>(source<In>(fw, fh)); }, w, h);
#endif
  add(
      prefix + "opencv_cvtColor",
      [](int fw, int fh) { return std::make_unique<OpenCv<In>>(source<In>(fw, fh)); }, w, h);
  add(
      prefix + "GstVideoConverter",
      [](int fw, int fh) { return std::make_unique<GstConverter<In>>(source<In>(fw, fh)); }, w, h);
  add(
      prefix + "memcpy_4.5B_per_px",
      [](int fw, int fh) {
        return std::make_unique<Memcpy>(static_cast<std::size_t>(fw) *
                                        static_cast<std::size_t>(fh) * 9 / 2);
      },
      w, h);
}

void register_benchmarks() {
  for (const auto& [w, h] : kSizes) {
    register_input<PixelFormat::I420>(w, h);
    register_input<PixelFormat::NV12>(w, h);
  }
}

// --- Accuracy -----------------------------------------------------------------------------------

/// Max and mean |BGR byte - exact| of a converter's output at 1920x1080 I420, against the exact
/// bilinear centre-sited result (framepipe's model, test/support/yuv_reference.hpp's formula).
void print_accuracy() {
  const int w = 1920;
  const int h = 1080;
  const FrameView<PixelFormat::I420> src = sources(w, h).i420.view();
  const framepipe::UnpackModel m = framepipe::unpack_model(kSpec);
  // Exact interpolated chroma, centre-sited, edges replicated.
  auto chroma = [&](int plane, int x, int y) {
    const double fx = (x - 0.5) / 2.0;
    const double fy = (y - 0.5) / 2.0;
    const int i0 = static_cast<int>(std::floor(fx));
    const int j0 = static_cast<int>(std::floor(fy));
    const double ax = fx - i0;
    const double ay = fy - j0;
    auto at = [&](int i, int j) {
      return static_cast<double>(
          src.row(plane, std::clamp(j, 0, h / 2 - 1))[std::clamp(i, 0, w / 2 - 1)]);
    };
    return (1 - ay) * ((1 - ax) * at(i0, j0) + ax * at(i0 + 1, j0)) +
           ay * ((1 - ax) * at(i0, j0 + 1) + ax * at(i0 + 1, j0 + 1));
  };
  std::vector<std::pair<std::string, std::unique_ptr<Converter>>> entries;
  entries.emplace_back("framepipe Bgr24Unpacker (every path)",
                       std::make_unique<FramepipeUnpacker<PixelFormat::I420>>(sources(w, h).i420));
#if FRAMEPIPE_BENCH_HAVE_LIBYUV
  entries.emplace_back("libyuv I420ToRGB24",
                       std::make_unique<Libyuv<PixelFormat::I420>>(sources(w, h).i420));
#endif
  entries.emplace_back("OpenCV cvtColor YUV2BGR_I420",
                       std::make_unique<OpenCv<PixelFormat::I420>>(sources(w, h).i420));
  entries.emplace_back("GstVideoConverter",
                       std::make_unique<GstConverter<PixelFormat::I420>>(sources(w, h).i420));
  std::printf("| converter | max | mean |\n|---|---:|---:|\n");
  for (auto& [name, conv] : entries) {
    conv->run();
    std::size_t stride = 0;
    const std::uint8_t* out = conv->out(stride);
    double max = 0;
    double sum = 0;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        const double e = (src.row(0, y)[x] - m.luma_offset) * m.luma_scale;
        const double cb = chroma(1, x, y) - 128;
        const double cr = chroma(2, x, y) - 128;
        const double exact[3] = {e + m.cb_b * cb, e + m.cg_b * cb + m.cg_r * cr, e + m.cr_r * cr};
        for (int c = 0; c < 3; ++c) {
          const double err = std::abs(
              out[static_cast<std::size_t>(y) * stride + static_cast<std::size_t>(3 * x + c)] -
              std::clamp(exact[c], 0.0, 255.0));
          max = std::max(max, err);
          sum += err;
        }
      }
    }
    std::printf("| %s | %.2f | %.3f |\n", name.c_str(), max, sum / (3.0 * w * h));
  }
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(nullptr, nullptr);
  cv::setNumThreads(1);
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--accuracy") {
      print_accuracy();
      return 0;
    }
  }
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
