// framepipe next to the strongest peers built from their own current sources, in one process:
// the Simd Library (github.com/ermig1979/Simd) and upstream libyuv (chromium), plus Debian's
// libyuv when it is installed. Every peer is told BT.601 limited range, and framepipe is too.
//
//   peer_bench [Google Benchmark flags]   check every peer's output against framepipe's (printed,
//                                         and kept in the JSON context), then the benchmarks
//   peer_bench --check                    the check alone
//
// Peers, each announced by a macro from benchmarks/CMakeLists.txt:
//   FRAMEPIPE_BENCH_HAVE_SIMD=1           (FRAMEPIPE_BENCH_SIMD_DIR) Simd's per-ISA functions,
//                                         called through their namespaces (Simd::Avx512bw::, ...):
//                                         only their source files are built, not Simd's
//                                         dispatcher, so this file picks the ISA itself
//   FRAMEPIPE_BENCH_HAVE_LIBYUV_SOURCE=1  (FRAMEPIPE_BENCH_LIBYUV_DIR) upstream libyuv built with
//                                         clang, so that its AVX-512 rows exist
// Debian's libyuv (libyuv.so.0) is loaded with dlopen() rather than linked, so that its symbols
// (libyuv's API is extern "C") cannot clash with upstream libyuv's. Without the two options this
// file times framepipe (and Debian's libyuv, if present) alone. framepipe_avx2 and
// libyuv_upstream_avx2_* (libyuv's AVX-512 flags masked off) are what an AVX2-only CPU runs.
//
// framepipe_replicate_* are the unpacker with ChromaFilter::Replicate (chroma repeated as libyuv
// and Simd do); the check compares them with framepipe's scalar replicate reference.
//
// Rows: BGR24 -> I420 at 640x480 ... 3840x2160, BGRA32 -> I420 at 1080p, I420 -> BGR24 at 720p,
// 1080p and 2160p; every entry reports bytes/s of *source* bytes and frame_time (seconds per
// frame), single-threaded. Each benchmark sets up its converter itself, so
// --benchmark_enable_random_interleaving=true interleaves peers on one frame size.
#include <benchmark/benchmark.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <framepipe/convert/i420_packer.hpp>
#include <framepipe/convert/kernels/pack_dispatch.hpp>
#include <framepipe/convert/kernels/unpack_dispatch.hpp>
#include <framepipe/convert/unpackers.hpp>
#include <framepipe/core/frame.hpp>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "natural_frame.hpp"

#if FRAMEPIPE_BENCH_HAVE_SIMD
#  include <Simd/SimdLib.h>  // SimdYuvType

// Simd's per-ISA headers (Simd/SimdAvx2.h, ...) declare these only when this file itself is
// compiled for that ISA (-mavx2, ...), so they are declared here as those headers do; a wrong
// signature would not link (the parameter types are in the C++ symbol names).
namespace Simd {
#  define FRAMEPIPE_BENCH_SIMD_DECLARE(isa)                                                   \
    namespace isa {                                                                           \
    void BgrToYuv420pV2(const uint8_t* bgr, size_t bgrStride, size_t width, size_t height,    \
                        uint8_t* y, size_t yStride, uint8_t* u, size_t uStride, uint8_t* v,   \
                        size_t vStride, SimdYuvType yuvType);                                 \
    void BgraToYuv420pV2(const uint8_t* bgra, size_t bgraStride, size_t width, size_t height, \
                         uint8_t* y, size_t yStride, uint8_t* u, size_t uStride, uint8_t* v,  \
                         size_t vStride, SimdYuvType yuvType);                                \
    void Yuv420pToBgrV2(const uint8_t* y, size_t yStride, const uint8_t* u, size_t uStride,   \
                        const uint8_t* v, size_t vStride, size_t width, size_t height,        \
                        uint8_t* bgr, size_t bgrStride, SimdYuvType yuvType);                 \
    }
FRAMEPIPE_BENCH_SIMD_DECLARE(Avx2)
FRAMEPIPE_BENCH_SIMD_DECLARE(Avx512bw)
#  undef FRAMEPIPE_BENCH_SIMD_DECLARE
}  // namespace Simd
#endif
#if FRAMEPIPE_BENCH_HAVE_LIBYUV_SOURCE
#  include <libyuv.h>
#endif

namespace {

using framepipe_bench::natural_frame;
using framepipe_bench::size_name;

using framepipe::ColorSpec;
using framepipe::Frame;
using framepipe::FrameView;
using framepipe::Matrix;
using framepipe::PixelFormat;
using framepipe::Range;

// Simd's SimdYuvBt601 and libyuv's I420 functions are BT.601 limited range; framepipe is told so.
constexpr ColorSpec kSpec{Matrix::BT601, Range::Limited};

constexpr std::pair<int, int> kPackSizes[] = {
    {640, 480}, {1280, 720}, {1920, 1080}, {2560, 1440}, {3840, 2160}};
constexpr std::pair<int, int> kUnpackSizes[] = {{1280, 720}, {1920, 1080}, {3840, 2160}};

// --- Source frames ------------------------------------------------------------------------------

/// The frames of one size, shared by every entry so that all convert the same pixels. The I420
/// frame is the BGR one packed by framepipe: what a decoder would hand over.
struct Sources {
  Frame<PixelFormat::BGR24> bgr;
  Frame<PixelFormat::BGRA32> bgra;
  Frame<PixelFormat::I420> i420;
};

const Sources& sources(int w, int h) {
  static std::map<std::pair<int, int>, std::unique_ptr<Sources>> cache;
  auto& slot = cache[{w, h}];
  if (!slot) {
    slot = std::make_unique<Sources>(Sources{natural_frame<PixelFormat::BGR24>(w, h),
                                             natural_frame<PixelFormat::BGRA32>(w, h),
                                             Frame<PixelFormat::I420>({w, h})});
    framepipe::I420Packer{{.matrix = kSpec.matrix, .range = kSpec.range}}.convert(
        slot->bgr.view(), slot->i420.view());
  }
  return *slot;
}

// --- Peers' entry points ------------------------------------------------------------------------

/// libyuv's three functions used here, with the signatures of libyuv's headers ("RGB24" is B, G,
/// R in memory: framepipe's BGR24; "ARGB" is B, G, R, A: BGRA32). Filled from upstream libyuv's
/// static library or from Debian's libyuv.so.0.
struct LibyuvApi {
  using ToI420 = int (*)(const std::uint8_t*, int, std::uint8_t*, int, std::uint8_t*, int,
                         std::uint8_t*, int, int, int);
  using FromI420 = int (*)(const std::uint8_t*, int, const std::uint8_t*, int, const std::uint8_t*,
                           int, std::uint8_t*, int, int, int);
  ToI420 rgb24_to_i420 = nullptr;
  ToI420 argb_to_i420 = nullptr;
  FromI420 i420_to_rgb24 = nullptr;
  explicit operator bool() const { return rgb24_to_i420 && argb_to_i420 && i420_to_rgb24; }
};

#if FRAMEPIPE_BENCH_HAVE_LIBYUV_SOURCE
constexpr LibyuvApi kUpstreamLibyuv{&libyuv::RGB24ToI420, &libyuv::ARGBToI420,
                                    &libyuv::I420ToRGB24};

/// Every libyuv CPU flag of AVX-512 (and of AVX10, its successor): masked off, libyuv picks the
/// rows an AVX2-only CPU would run. AVX-VNNI (256-bit) stays, as AVX2-only CPUs can have it.
constexpr int kLibyuvAvx512Flags =
    libyuv::kCpuHasAVX512BW | libyuv::kCpuHasAVX512VL | libyuv::kCpuHasAVX512VNNI |
    libyuv::kCpuHasAVX512VBMI | libyuv::kCpuHasAVX512VBMI2 | libyuv::kCpuHasAVX512VBITALG |
    libyuv::kCpuHasAVX10 | libyuv::kCpuHasAVX10_2 | libyuv::kCpuHasAVX512BMM;

/// Upstream libyuv without its AVX-512 rows while one benchmark (or check) runs: MaskCpuFlags
/// re-reads CPUID, so it is called once around the timed loop, never per frame.
void mask_libyuv_avx512() { libyuv::MaskCpuFlags(~kLibyuvAvx512Flags); }
/// Gives upstream libyuv back every flag of this CPU.
void unmask_libyuv() { libyuv::MaskCpuFlags(-1); }
#endif

/// Debian's libyuv (libyuv-dev's libyuv.so.0), or an empty LibyuvApi; `file` gets the file
/// loaded, or why none was.
const LibyuvApi& debian_libyuv(std::string* file = nullptr) {
  static std::string path;
  static const LibyuvApi api = [] {
    void* lib = dlopen("libyuv.so.0", RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      path = "not loaded: " + std::string(dlerror()) + " (Debian: libyuv-dev)";
      return LibyuvApi{};
    }
    LibyuvApi a;
    a.rgb24_to_i420 = reinterpret_cast<LibyuvApi::ToI420>(dlsym(lib, "RGB24ToI420"));
    a.argb_to_i420 = reinterpret_cast<LibyuvApi::ToI420>(dlsym(lib, "ARGBToI420"));
    a.i420_to_rgb24 = reinterpret_cast<LibyuvApi::FromI420>(dlsym(lib, "I420ToRGB24"));
    Dl_info info{};
    if (a && dladdr(reinterpret_cast<void*>(a.rgb24_to_i420), &info) != 0) {
      char* real = realpath(info.dli_fname, nullptr);
      path = real != nullptr ? real : info.dli_fname;
      std::free(real);
    } else if (!a) {
      path = "libyuv.so.0 lacks RGB24ToI420, ARGBToI420 or I420ToRGB24";
    }
    return a;  // the library stays loaded until exit
  }();
  if (file != nullptr) *file = path;
  return api;
}

#if FRAMEPIPE_BENCH_HAVE_SIMD
/// The ISAs whose Simd kernels are timed. Simd's own dispatcher (not built) picks the best one the
/// CPU has; these checks cover the main features each ISA's compile flags assume.
enum class SimdIsa { Avx2, Avx512bw };

bool simd_isa_available(SimdIsa isa) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("bmi2");
  if (isa == SimdIsa::Avx2) return avx2;
  return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512cd");
}

std::string_view simd_isa_name(SimdIsa isa) { return isa == SimdIsa::Avx2 ? "avx2" : "avx512bw"; }
#endif

// --- Converters ---------------------------------------------------------------------------------

/// One output plane: `rows` rows of `bytes` bytes each, `stride` apart.
struct Plane {
  const std::uint8_t* data = nullptr;
  std::size_t stride = 0;
  std::size_t bytes = 0;
  int rows = 0;
};

/// Converts one frame per run() into its own output; planes() views that output.
class Converter {
 public:
  virtual ~Converter() = default;
  virtual void run() = 0;
  virtual std::vector<Plane> planes() const = 0;
};

template <PixelFormat F>
std::vector<Plane> planes_of(const Frame<F>& frame) {
  const FrameView<F> v = frame.view();
  constexpr framepipe::FormatInfo info = framepipe::format_info(F);
  std::vector<Plane> out;
  for (int p = 0; p < info.planes; ++p) {
    const int w = p == 0 ? v.width() : (v.width() + 1) / 2;
    const int h = p == 0 ? v.height() : (v.height() + 1) / 2;
    const int bytes_per_px = p == 0 ? info.pixel_bytes : 1;
    out.push_back({v.plane(p), v.stride(p), static_cast<std::size_t>(w * bytes_per_px), h});
  }
  return out;
}

/// RGB -> I420 by one call per frame on framepipe's frames: framepipe's I420Packer (threads 1), a
/// Simd kernel or a libyuv function.
template <PixelFormat In>
class ToI420 final : public Converter {
 public:
  using Fn = std::function<void(const FrameView<In>&, const FrameView<PixelFormat::I420>&)>;
  ToI420(const Frame<In>& src, Fn fn) : src_(src.view()), dst_(src.size()), fn_(std::move(fn)) {}
  void run() override { fn_(src_, dst_.view()); }
  std::vector<Plane> planes() const override { return planes_of(dst_); }

 private:
  FrameView<In> src_;
  Frame<PixelFormat::I420> dst_;
  Fn fn_;
};

/// I420 -> BGR24 by one function: framepipe's Bgr24Unpacker, a Simd kernel or libyuv.
class ToBgr final : public Converter {
 public:
  using Fn = std::function<void(const FrameView<PixelFormat::I420>&,
                                const FrameView<PixelFormat::BGR24>&)>;
  ToBgr(const Frame<PixelFormat::I420>& src, Fn fn)
      : src_(src.view()), dst_(src.size()), fn_(std::move(fn)) {}
  void run() override { fn_(src_, dst_.view()); }
  std::vector<Plane> planes() const override { return planes_of(dst_); }

 private:
  FrameView<PixelFormat::I420> src_;
  Frame<PixelFormat::BGR24> dst_;
  Fn fn_;
};

int to_int(std::size_t stride) { return static_cast<int>(stride); }

/// An entry: a name, whether it can run here (an empty reason) and how to make its converter;
/// `enter` and `leave` (if set) run before the converter is made and after it is last run (the
/// AVX2-only libyuv entries mask libyuv's AVX-512 flags there).
struct Entry {
  std::string name;
  std::string skip_reason;
  std::function<std::unique_ptr<Converter>(int w, int h)> make;
  std::function<void()> enter{};
  std::function<void()> leave{};
};

/// Why framepipe's path `isa` cannot run here, or empty.
std::string isa_skip_reason(framepipe::Isa isa) {
  if (framepipe::isa_within(isa, framepipe::detected_isa())) return {};
  return "this CPU lacks framepipe's " + std::string(framepipe::isa_name(isa)) + " path";
}

/// framepipe's forced paths, chosen per kernel (select_pack_rows / select_unpack_rows through
/// pack_yuv420_frame / unpack_yuv420_frame), not with FRAMEPIPE_ISA: AVX2 as an AVX2-only CPU
/// runs it, AVX-512 for reference, in the same process as the converters' detected path.
constexpr framepipe::Isa kForcedIsas[] = {framepipe::Isa::Avx2, framepipe::Isa::Avx512};

template <PixelFormat In>
const Frame<In>& rgb_source(int w, int h) {
  if constexpr (In == PixelFormat::BGR24) {
    return sources(w, h).bgr;
  } else {
    return sources(w, h).bgra;
  }
}

/// The RGB -> I420 entries for input `In` (BGR24 or BGRA32); framepipe's first.
template <PixelFormat In>
std::vector<Entry> to_i420_entries() {
  using Fn = typename ToI420<In>::Fn;
  std::vector<Entry> entries;
  auto add = [&](std::string name, std::string skip, Fn fn) {
    entries.push_back({std::move(name), std::move(skip), [fn](int w, int h) {
                         return std::make_unique<ToI420<In>>(rgb_source<In>(w, h), fn);
                       }});
  };
  auto packer = std::make_shared<framepipe::I420Packer>(
      framepipe::PackerOptions{.matrix = kSpec.matrix, .range = kSpec.range, .threads = 1});
  add("framepipe_I420Packer", {},
      [packer](const FrameView<In>& s, const FrameView<PixelFormat::I420>& d) {
        packer->convert(s, d);
      });
  for (framepipe::Isa isa : kForcedIsas) {
    const framepipe::PackCoefficients k = framepipe::pack_coefficients(kSpec);
    add("framepipe_" + std::string(framepipe::isa_name(isa)), isa_skip_reason(isa),
        [k, isa](const FrameView<In>& s, const FrameView<PixelFormat::I420>& d) {
          framepipe::kernels::pack_yuv420_frame(s, d, k, isa);
        });
  }
#if FRAMEPIPE_BENCH_HAVE_SIMD
  for (SimdIsa isa : {SimdIsa::Avx512bw, SimdIsa::Avx2}) {
    using SimdFn =
        void (*)(const std::uint8_t*, std::size_t, std::size_t, std::size_t, std::uint8_t*,
                 std::size_t, std::uint8_t*, std::size_t, std::uint8_t*, std::size_t, SimdYuvType);
    SimdFn fn = nullptr;
    if constexpr (In == PixelFormat::BGR24) {
      fn = isa == SimdIsa::Avx2 ? &Simd::Avx2::BgrToYuv420pV2 : &Simd::Avx512bw::BgrToYuv420pV2;
    } else {
      fn = isa == SimdIsa::Avx2 ? &Simd::Avx2::BgraToYuv420pV2 : &Simd::Avx512bw::BgraToYuv420pV2;
    }
    const std::string name = std::string("simd_") + std::string(simd_isa_name(isa)) +
                             (In == PixelFormat::BGR24 ? "_BgrToYuv420pV2" : "_BgraToYuv420pV2");
    add(name,
        simd_isa_available(isa) ? std::string()
                                : "this CPU lacks " + std::string(simd_isa_name(isa)),
        [fn](const FrameView<In>& s, const FrameView<PixelFormat::I420>& d) {
          fn(s.plane(0), s.stride(0), static_cast<std::size_t>(s.width()),
             static_cast<std::size_t>(s.height()), d.plane(0), d.stride(0), d.plane(1), d.stride(1),
             d.plane(2), d.stride(2), SimdYuvBt601);
        });
  }
#endif
  const std::string function = In == PixelFormat::BGR24 ? "RGB24ToI420" : "ARGBToI420";
  auto add_libyuv = [&](const std::string& which, const LibyuvApi& api) {
    const LibyuvApi::ToI420 fn = In == PixelFormat::BGR24 ? api.rgb24_to_i420 : api.argb_to_i420;
    add("libyuv_" + which + "_" + function, {},
        [fn](const FrameView<In>& s, const FrameView<PixelFormat::I420>& d) {
          fn(s.plane(0), to_int(s.stride(0)), d.plane(0), to_int(d.stride(0)), d.plane(1),
             to_int(d.stride(1)), d.plane(2), to_int(d.stride(2)), s.width(), s.height());
        });
  };
#if FRAMEPIPE_BENCH_HAVE_LIBYUV_SOURCE
  add_libyuv("upstream", kUpstreamLibyuv);
  add_libyuv("upstream_avx2", kUpstreamLibyuv);
  entries.back().enter = &mask_libyuv_avx512;
  entries.back().leave = &unmask_libyuv;
#endif
  if (const LibyuvApi& api = debian_libyuv()) add_libyuv("debian", api);
  return entries;
}

/// Adds framepipe's I420 -> BGR24 entries of chroma filter `filter` through `add`: the unpacker
/// (detected path) and the forced paths; the replicate ones are named framepipe_replicate_*.
template <class Add>
void add_framepipe_unpack_entries(Add& add, framepipe::ChromaFilter filter) {
  const std::string prefix =
      filter == framepipe::ChromaFilter::Replicate ? "framepipe_replicate_" : "framepipe_";
  auto unpacker = std::make_shared<framepipe::Bgr24Unpacker>(framepipe::UnpackerOptions{
      .matrix = kSpec.matrix, .range = kSpec.range, .chroma_filter = filter, .threads = 1});
  add(prefix + "Bgr24Unpacker", {},
      [unpacker](const FrameView<PixelFormat::I420>& s, const FrameView<PixelFormat::BGR24>& d) {
        unpacker->convert(s, d);
      });
  for (framepipe::Isa isa : kForcedIsas) {
    const framepipe::UnpackCoefficients k = framepipe::unpack_coefficients(kSpec);
    add(prefix + std::string(framepipe::isa_name(isa)), isa_skip_reason(isa),
        [k, isa, filter](const FrameView<PixelFormat::I420>& s,
                         const FrameView<PixelFormat::BGR24>& d) {
          framepipe::kernels::unpack_yuv420_frame(s, d, k, framepipe::ChromaSite::Center, isa,
                                                  filter);
        });
  }
}

/// The I420 -> BGR24 entries; framepipe's first (bilinear, then ChromaFilter::Replicate). With
/// `replicate_check`, the entries of the replicate check instead: framepipe's scalar replicate
/// reference first, its SIMD replicate entries, then libyuv.
std::vector<Entry> to_bgr_entries(bool replicate_check = false) {
  using Fn = ToBgr::Fn;
  std::vector<Entry> entries;
  auto add = [&](std::string name, std::string skip, Fn fn) {
    entries.push_back({std::move(name), std::move(skip), [fn](int w, int h) {
                         return std::make_unique<ToBgr>(sources(w, h).i420, fn);
                       }});
  };
  if (replicate_check) {
    const framepipe::UnpackCoefficients k = framepipe::unpack_coefficients(kSpec);
    add("framepipe_replicate_scalar", {},
        [k](const FrameView<PixelFormat::I420>& s, const FrameView<PixelFormat::BGR24>& d) {
          framepipe::kernels::unpack_yuv420_frame(s, d, k, framepipe::ChromaSite::Center,
                                                  framepipe::Isa::Scalar,
                                                  framepipe::ChromaFilter::Replicate);
        });
  } else {
    add_framepipe_unpack_entries(add, framepipe::ChromaFilter::Bilinear);
  }
  add_framepipe_unpack_entries(add, framepipe::ChromaFilter::Replicate);
#if FRAMEPIPE_BENCH_HAVE_SIMD
  for (SimdIsa isa : {SimdIsa::Avx512bw, SimdIsa::Avx2}) {
    auto* const fn =
        isa == SimdIsa::Avx2 ? &Simd::Avx2::Yuv420pToBgrV2 : &Simd::Avx512bw::Yuv420pToBgrV2;
    add("simd_" + std::string(simd_isa_name(isa)) + "_Yuv420pToBgrV2",
        simd_isa_available(isa) ? std::string()
                                : "this CPU lacks " + std::string(simd_isa_name(isa)),
        [fn](const FrameView<PixelFormat::I420>& s, const FrameView<PixelFormat::BGR24>& d) {
          fn(s.plane(0), s.stride(0), s.plane(1), s.stride(1), s.plane(2), s.stride(2),
             static_cast<std::size_t>(s.width()), static_cast<std::size_t>(s.height()), d.plane(0),
             d.stride(0), SimdYuvBt601);
        });
  }
#endif
  auto add_libyuv = [&](const std::string& which, const LibyuvApi& api) {
    const LibyuvApi::FromI420 fn = api.i420_to_rgb24;
    add("libyuv_" + which + "_I420ToRGB24", {},
        [fn](const FrameView<PixelFormat::I420>& s, const FrameView<PixelFormat::BGR24>& d) {
          fn(s.plane(0), to_int(s.stride(0)), s.plane(1), to_int(s.stride(1)), s.plane(2),
             to_int(s.stride(2)), d.plane(0), to_int(d.stride(0)), s.width(), s.height());
        });
  };
#if FRAMEPIPE_BENCH_HAVE_LIBYUV_SOURCE
  add_libyuv("upstream", kUpstreamLibyuv);
  add_libyuv("upstream_avx2", kUpstreamLibyuv);
  entries.back().enter = &mask_libyuv_avx512;
  entries.back().leave = &unmask_libyuv;
#endif
  if (const LibyuvApi& api = debian_libyuv()) add_libyuv("debian", api);
  return entries;
}

// --- The check ----------------------------------------------------------------------------------

/// Bytes of `got` that differ from `want`, per plane, and the largest difference.
std::string compare(const std::vector<Plane>& got, const std::vector<Plane>& want) {
  static constexpr const char* kI420Names[] = {"Y", "U", "V"};
  std::string out;
  for (std::size_t p = 0; p < got.size() && p < want.size(); ++p) {
    std::size_t differ = 0;
    std::size_t total = 0;
    int max_diff = 0;
    for (int y = 0; y < want[p].rows; ++y) {
      const std::uint8_t* a = got[p].data + static_cast<std::size_t>(y) * got[p].stride;
      const std::uint8_t* b = want[p].data + static_cast<std::size_t>(y) * want[p].stride;
      for (std::size_t x = 0; x < want[p].bytes; ++x) {
        const int d = std::abs(int{a[x]} - int{b[x]});
        differ += d != 0 ? 1 : 0;
        max_diff = std::max(max_diff, d);
      }
      total += want[p].bytes;
    }
    char text[96];
    std::snprintf(text, sizeof text, "%s%s %.2f%% differ (max %d)", out.empty() ? "" : ", ",
                  got.size() == 1 ? "BGR" : kI420Names[p],
                  100.0 * static_cast<double>(differ) / static_cast<double>(total), max_diff);
    out += text;
  }
  return out;
}

/// Runs every runnable entry of `group` once at w x h and prints (and records in the JSON
/// context) how its output differs from the first entry's, framepipe's; with `vs_first_peer`,
/// also from the first runnable peer's (peers whose filter differs from framepipe's).
void check(const std::string& group, const std::vector<Entry>& entries, int w, int h,
           bool vs_first_peer = false) {
  std::vector<std::pair<std::string, std::unique_ptr<Converter>>> runs;
  for (const Entry& entry : entries) {
    if (!entry.skip_reason.empty()) continue;
    if (entry.enter) entry.enter();
    runs.emplace_back(entry.name, entry.make(w, h));
    runs.back().second->run();
    if (entry.leave) entry.leave();
  }
  auto report = [&](std::size_t i, std::size_t against) {
    const std::string result = compare(runs[i].second->planes(), runs[against].second->planes());
    std::printf("check %s %s: %s vs %s: %s\n", group.c_str(), size_name(w, h).c_str(),
                runs[i].first.c_str(), runs[against].first.c_str(), result.c_str());
    benchmark::AddCustomContext("check " + group + "/" + runs[i].first + " vs " +
                                    runs[against].first + "/" + size_name(w, h),
                                result);
  };
  for (std::size_t i = 1; i < runs.size(); ++i) report(i, 0);
  if (vs_first_peer) {
    std::size_t peer = 1;  // the first entry that is not framepipe's
    while (peer < runs.size() && runs[peer].first.starts_with("framepipe_")) ++peer;
    for (std::size_t i = peer + 1; i < runs.size(); ++i) report(i, peer);
  }
}

void check_all() {
  std::printf(
      "Each peer's output vs framepipe's on the same %s frame, all BT.601 limited range.\n"
      "I420 -> BGR24: framepipe interpolates chroma (bilinear, centred siting); libyuv and\n"
      "Simd replicate each chroma sample over its 2x2 pixels, so differences there are expected;\n"
      "framepipe_replicate_* replicate too (ChromaFilter::Replicate).\n",
      size_name(1920, 1080).c_str());
  check("BGR24->I420", to_i420_entries<PixelFormat::BGR24>(), 1920, 1080);
  check("BGRA32->I420", to_i420_entries<PixelFormat::BGRA32>(), 1920, 1080);
  check("I420->BGR24", to_bgr_entries(), 1920, 1080, /*vs_first_peer=*/true);
  // framepipe's replicate kernels against their scalar reference (equal), and libyuv, which
  // replicates too, against it (its own rounding).
  check("I420->BGR24 replicate", to_bgr_entries(/*replicate_check=*/true), 1920, 1080);
  std::fflush(stdout);
}

// --- Benchmarks ---------------------------------------------------------------------------------

void run_benchmark(benchmark::State& state, const Entry& entry, int w, int h,
                   std::size_t source_bytes) {
  if (!entry.skip_reason.empty()) {
    state.SkipWithError(entry.skip_reason.c_str());
    return;
  }
  if (entry.enter) entry.enter();
  const std::unique_ptr<Converter> converter = entry.make(w, h);
  converter->run();  // warm up: first touch of the output, lazy set-up inside libraries
  for (auto _ : state) {
    converter->run();
    benchmark::ClobberMemory();
  }
  if (entry.leave) entry.leave();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(source_bytes));
  state.counters["frame_time"] =
      benchmark::Counter(static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

/// Registers `entries` at w x h, whose source frames have source_bytes_x2_per_px / 2 bytes/px.
void add_group(const std::string& group, const std::vector<Entry>& entries, int w, int h,
               std::size_t source_bytes_x2_per_px) {
  const std::size_t source_bytes =
      static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * source_bytes_x2_per_px / 2;
  for (const Entry& entry : entries) {
    benchmark::RegisterBenchmark((group + "/" + entry.name + "/" + size_name(w, h)).c_str(),
                                 [entry, w, h, source_bytes](benchmark::State& state) {
                                   run_benchmark(state, entry, w, h, source_bytes);
                                 })
        ->Unit(benchmark::kMillisecond);
  }
}

void register_benchmarks() {
  for (const auto& [w, h] : kPackSizes) {
    add_group("BGR24->I420", to_i420_entries<PixelFormat::BGR24>(), w, h, 6);
  }
  add_group("BGRA32->I420", to_i420_entries<PixelFormat::BGRA32>(), 1920, 1080, 8);
  for (const auto& [w, h] : kUnpackSizes) {
    add_group("I420->BGR24", to_bgr_entries(), w, h, 3);  // 1.5 bytes per pixel (even sizes)
  }
}

void add_context() {
  benchmark::AddCustomContext("framepipe_detected_isa",
                              std::string(framepipe::isa_name(framepipe::detected_isa())));
#if FRAMEPIPE_BENCH_HAVE_SIMD
  benchmark::AddCustomContext("simd", simd_isa_available(SimdIsa::Avx512bw) ? "best ISA avx512bw"
                                      : simd_isa_available(SimdIsa::Avx2)   ? "best ISA avx2"
                                                                            : "no AVX2 here");
#else
  benchmark::AddCustomContext("simd", "not built (FRAMEPIPE_BENCH_SIMD_DIR unset)");
#endif
#if FRAMEPIPE_BENCH_HAVE_LIBYUV_SOURCE
  benchmark::AddCustomContext(
      "libyuv_upstream",
      "LIBYUV_VERSION " + std::to_string(LIBYUV_VERSION) + ", AVX-512BW rows " +
          (libyuv::TestCpuFlag(libyuv::kCpuHasAVX512BW) != 0 ? "on" : "off (CPU)"));
  mask_libyuv_avx512();
  benchmark::AddCustomContext(
      "libyuv_upstream_avx2",
      "MaskCpuFlags(~" + std::to_string(kLibyuvAvx512Flags) +
          ") (every AVX-512/AVX10 flag) around each timed loop; AVX2 rows " +
          (libyuv::TestCpuFlag(libyuv::kCpuHasAVX2) != 0 ? "on" : "off (CPU)") +
          ", AVX-512BW rows " +
          (libyuv::TestCpuFlag(libyuv::kCpuHasAVX512BW) != 0 ? "on (mask failed)" : "off"));
  unmask_libyuv();
#else
  benchmark::AddCustomContext("libyuv_upstream", "not built (FRAMEPIPE_BENCH_LIBYUV_DIR unset)");
#endif
  std::string debian;
  debian_libyuv(&debian);
  benchmark::AddCustomContext("libyuv_debian", debian);
}

}  // namespace

int main(int argc, char** argv) {
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--check") check_only = true;
  }
  add_context();
  check_all();
  if (check_only) return 0;
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
