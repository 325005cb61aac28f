// Every SIMD unpack row kernel against the scalar one, byte for byte (kernels_test.cpp's
// discipline for the packers): each path this CPU has, I420 and NV12 into every RGB-family
// format, both chroma sitings, every matrix and range, widths 1..130 and heights 1..9, unaligned
// pointers, padded strides, 1080p and 2160p, saturated and structured inputs checked against the
// float reference too, and nothing written (or, on Linux, read) outside the rows. The same for
// ChromaFilter::Replicate's kernels against its scalar reference, which is itself checked against
// the bilinear reference on frames whose chroma is constant over each 2x2 block.
//
// Which paths: FRAMEPIPE_TEST_ISA=scalar|sse4|avx2|avx512|neon tests that one path alone (ctest
// runs this program once per path; neon under qemu, cross-built by tests/cross/); when this CPU
// lacks it (or FRAMEPIPE_ISA masks it), the program prints why and exits with 77 before any test
// case runs. Unset, every path the CPU has is tested and the others are named on stdout.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/unpack_dispatch.hpp"
#include "framepipe/convert/unpackers.hpp"
#include "framepipe/core/frame.hpp"
#include "support/guarded_buffer.hpp"
#include "support/isa_paths.hpp"
#include "support/scoped_env.hpp"
#include "support/yuv_reference.hpp"

namespace {

using framepipe::ChromaFilter;
using framepipe::ChromaSite;
using framepipe::ColorSpec;
using framepipe::Isa;
using framepipe::Matrix;
using framepipe::PixelFormat;
using framepipe::Range;
using framepipe::kernels::UnpackRowFn;
using framepipe::test::fill_random;
using framepipe::test::guard_changes;
using framepipe::test::Plane;
using Yuv = framepipe::test::Yuv420Planes;

constexpr std::array kAllPaths{Isa::Scalar, Isa::Sse4, Isa::Avx2, Isa::Avx512, Isa::Neon};
constexpr std::array kMatrices{Matrix::BT601, Matrix::BT709, Matrix::BT2020};
constexpr std::array kRanges{Range::Limited, Range::Full};
constexpr std::array kSites{ChromaSite::Center, ChromaSite::Left};
constexpr std::array kOutputs{PixelFormat::BGR24, PixelFormat::RGB24, PixelFormat::BGRA32,
                              PixelFormat::RGBA32};

std::string name_of(Isa isa) { return std::string(framepipe::isa_name(isa)); }
std::string name_of(ChromaSite site) { return std::string(framepipe::chroma_site_name(site)); }

const std::vector<Isa> kPathsUnderTest =
    framepipe::test::choose_paths("unpack_kernels_test", kAllPaths);

/// The SIMD paths under test, each of which is compared with the scalar path.
std::vector<Isa> simd_paths_under_test() { return framepipe::test::simd_paths(kPathsUnderTest); }

template <PixelFormat Out>
UnpackRowFn select_rows(bool nv12, Isa isa, ChromaSite site, ChromaFilter filter) {
  return nv12 ? framepipe::kernels::select_unpack_rows<PixelFormat::NV12, Out>(isa, site, filter)
              : framepipe::kernels::select_unpack_rows<PixelFormat::I420, Out>(isa, site, filter);
}

UnpackRowFn select_rows(PixelFormat out, bool nv12, Isa isa, ChromaSite site,
                        ChromaFilter filter = ChromaFilter::Bilinear) {
  switch (out) {
    case PixelFormat::BGR24:
      return select_rows<PixelFormat::BGR24>(nv12, isa, site, filter);
    case PixelFormat::RGB24:
      return select_rows<PixelFormat::RGB24>(nv12, isa, site, filter);
    case PixelFormat::BGRA32:
      return select_rows<PixelFormat::BGRA32>(nv12, isa, site, filter);
    case PixelFormat::RGBA32:
      return select_rows<PixelFormat::RGBA32>(nv12, isa, site, filter);
    default:
      break;
  }
  FAIL("not an RGB-family format");
  return nullptr;
}

/// The unpacker's plane loop (unpack_dispatch.hpp): one luma row per call, chroma row y / 2
/// nearest and the row above (even y) or below (odd y) next, clamped.
void unpack_plane(UnpackRowFn row, Yuv& src, Plane& dst, int w, int h,
                  const framepipe::UnpackCoefficients& k) {
  const int ch = (h + 1) / 2;
  for (int y = 0; y < h; ++y) {
    const int j = y / 2;
    const int far = y % 2 == 0 ? std::max(j - 1, 0) : std::min(j + 1, ch - 1);
    if (src.nv12) {
      row(src.y.row(y), src.u.row(j), src.u.row(far), src.u.row(j) + 1, src.u.row(far) + 1,
          dst.row(y), w, k);
    } else {
      row(src.y.row(y), src.u.row(j), src.u.row(far), src.v.row(j), src.v.row(far), dst.row(y), w,
          k);
    }
  }
}

/// Runs `isa` and the scalar path on the same random frame into the same random destination and
/// compares every byte of the destination buffer, rows and guards alike.
bool same_as_scalar(PixelFormat out, bool nv12, ChromaSite site, ColorSpec spec, Isa isa, int w,
                    int h, std::mt19937& rng, ChromaFilter filter = ChromaFilter::Bilinear) {
  std::uniform_int_distribution<int> small(0, 3);
  const int bpp = framepipe::format_info(out).pixel_bytes;
  Yuv src(w, h, nv12, rng);
  Plane fresh(static_cast<std::size_t>(w * bpp), h, static_cast<std::size_t>(small(rng) * 4),
              static_cast<std::size_t>(small(rng)));
  fill_random(fresh.bytes, rng);
  Plane expected = fresh;
  Plane actual = fresh;
  const framepipe::UnpackCoefficients k = framepipe::unpack_coefficients(spec);
  unpack_plane(select_rows(out, nv12, Isa::Scalar, site, filter), src, expected, w, h, k);
  unpack_plane(select_rows(out, nv12, isa, site, filter), src, actual, w, h, k);
  const bool same = expected.bytes == actual.bytes;
  const std::size_t guards = guard_changes(fresh, actual);
  if (!same || guards != 0) {
    MESSAGE(name_of(isa) << " differs from scalar: " << (nv12 ? "NV12" : "I420") << " -> "
                         << framepipe::format_name(out) << " " << name_of(site) << " "
                         << framepipe::matrix_name(spec.matrix) << " "
                         << framepipe::range_name(spec.range) << " "
                         << framepipe::chroma_filter_name(filter) << " " << w << "x" << h
                         << ", bytes written outside the rows: " << guards);
  }
  return same && guards == 0;
}

}  // namespace

TEST_CASE("Each SIMD unpack path this CPU has is really selected, not the scalar one") {
  for (Isa isa : simd_paths_under_test()) {
    CAPTURE(name_of(isa));
    for (bool nv12 : {false, true}) {
      for (ChromaSite site : kSites) {
        for (PixelFormat out : kOutputs) {
          const UnpackRowFn chosen = select_rows(out, nv12, isa, site);
          const bool differs_from_scalar = chosen != select_rows(out, nv12, Isa::Scalar, site);
          CHECK(differs_from_scalar);
          if (isa == Isa::Avx2 || isa == Isa::Avx512) {
            const Isa lower = isa == Isa::Avx512 ? Isa::Avx2 : Isa::Sse4;
            const bool differs_from_lower = chosen != select_rows(out, nv12, lower, site);
            CHECK(differs_from_lower);
          }
          // The other siting is another kernel.
          const ChromaSite other = site == ChromaSite::Left ? ChromaSite::Center : ChromaSite::Left;
          const bool differs_by_site = chosen != select_rows(out, nv12, isa, other);
          CHECK(differs_by_site);
        }
      }
    }
  }
}

TEST_CASE(
    "SIMD unpack kernels match scalar for every output, siting, matrix and range at widths "
    "1..130 and heights 1..9") {
  std::mt19937 rng(20261130);
  for (Isa isa : simd_paths_under_test()) {
    for (PixelFormat out : kOutputs) {
      for (bool nv12 : {false, true}) {
        for (ChromaSite site : kSites) {
          std::size_t failures = 0;
          for (int h = 1; h <= 9; ++h) {
            for (int w = 1; w <= 130; ++w) {
              // The matrix and range only change constants: rotate through all six.
              const auto combo = static_cast<std::size_t>(w + 7 * h);
              const ColorSpec spec{kMatrices[combo % 3], kRanges[(combo / 3) % 2]};
              if (!same_as_scalar(out, nv12, site, spec, isa, w, h, rng)) ++failures;
            }
          }
          CAPTURE(name_of(isa));
          CAPTURE(framepipe::format_name(out));
          CAPTURE(nv12);
          CAPTURE(name_of(site));
          CHECK(failures == 0);
        }
      }
    }
  }
}

TEST_CASE("SIMD unpack kernels match scalar on 1920x1080 and 3840x2160 frames, and off the steps") {
  std::mt19937 rng(1080);
  for (Isa isa : simd_paths_under_test()) {
    int combo = 0;
    for (PixelFormat out : kOutputs) {
      for (bool nv12 : {false, true}) {
        const ColorSpec spec{kMatrices[static_cast<std::size_t>(combo % 3)],
                             kRanges[static_cast<std::size_t>(combo % 2)]};
        const ChromaSite site = kSites[static_cast<std::size_t>((combo / 2) % 2)];
        ++combo;
        CAPTURE(name_of(isa));
        CAPTURE(framepipe::format_name(out));
        CAPTURE(nv12);
        CHECK(same_as_scalar(out, nv12, site, spec, isa, 1920, 1080, rng));
        if (out == PixelFormat::BGR24 || out == PixelFormat::RGBA32) {
          CHECK(same_as_scalar(out, nv12, site, spec, isa, 3840, 2160, rng));
        }
      }
    }
    // Widths just off the vector steps and the driver's 1024-pixel segments.
    for (int w : {1023, 1024, 1025, 1919, 1921, 2047, 2049, 2111}) {
      for (ChromaSite site : kSites) {
        CAPTURE(name_of(isa));
        CAPTURE(w);
        CHECK(same_as_scalar(PixelFormat::BGR24, false, site, {Matrix::BT709, Range::Limited}, isa,
                             w, 5, rng));
        CHECK(same_as_scalar(PixelFormat::BGRA32, true, site, {Matrix::BT601, Range::Full}, isa, w,
                             4, rng));
      }
    }
  }
}

namespace {

/// Saturated and structured test frames. The formulas of unpack_coefficients.hpp are monotonic
/// in Y' and in each chroma sum, so their partial sums (and the clamps after them) take their
/// extremes at the extremes of the inputs: Y' and chroma at 0 and 255, the ends of the limited
/// ranges (16, 235, 240) and neutral 128, each chroma sample next to every other so that the
/// interpolation sees every combination of neighbours.
enum class Pattern {
  /// 197x75. Luma cycles through kLevels per pixel along a row, shifted per row; each chroma
  /// sample is kLevels[(a * i + b * j) % n] with different (a, b) for U and V, so every
  /// neighbour pair and every (Y', U, V) triple of levels occurs, at every vector position.
  Levels,
  /// 256x36. Luma ramps 0..255 along each row; U and V are each 0 or 255 or ramp, in the nine
  /// combinations, per band of 4 rows.
  Ramps,
};

constexpr std::array<std::uint8_t, 8> kLevels{0, 255, 16, 235, 240, 128, 1, 254};

template <PixelFormat In>
framepipe::Frame<In> pattern_frame(Pattern pattern) {
  const bool levels = pattern == Pattern::Levels;
  framepipe::Frame<In> frame(levels ? framepipe::Size{197, 75} : framepipe::Size{256, 36});
  const auto v = frame.view();
  const int cw = (v.width() + 1) / 2;
  const int ch = (v.height() + 1) / 2;
  const auto n = kLevels.size();
  for (int y = 0; y < v.height(); ++y) {
    for (int x = 0; x < v.width(); ++x) {
      v.row(0, y)[x] =
          levels ? kLevels[static_cast<std::size_t>(x + 3 * y) % n] : static_cast<std::uint8_t>(x);
    }
  }
  for (int j = 0; j < ch; ++j) {
    for (int i = 0; i < cw; ++i) {
      std::uint8_t u, w;
      if (levels) {
        u = kLevels[static_cast<std::size_t>(i + 5 * j) % n];
        w = kLevels[static_cast<std::size_t>(3 * i + j / 2 + (i / 8)) % n];
      } else {
        const int band = (2 * j / 4) % 9;
        auto value = [&](int mode) {
          return mode == 2 ? static_cast<std::uint8_t>(std::min(255, 2 * i))
                           : static_cast<std::uint8_t>(mode == 1 ? 255 : 0);
        };
        u = value(band % 3);
        w = value(band / 3);
      }
      if constexpr (In == PixelFormat::NV12) {
        v.row(1, j)[2 * i] = u;
        v.row(1, j)[2 * i + 1] = w;
      } else {
        v.row(1, j)[i] = u;
        v.row(2, j)[i] = w;
      }
    }
  }
  return frame;
}

template <PixelFormat In, PixelFormat Out>
void check_saturated(Pattern pattern) {
  const framepipe::Frame<In> src = pattern_frame<In>(pattern);
  for (Matrix matrix : kMatrices) {
    for (Range range : kRanges) {
      for (ChromaSite site : kSites) {
        const ColorSpec spec{matrix, range};
        const framepipe::UnpackCoefficients k = framepipe::unpack_coefficients(spec);
        CAPTURE(framepipe::format_name(In));
        CAPTURE(framepipe::format_name(Out));
        CAPTURE(framepipe::matrix_name(matrix));
        CAPTURE(framepipe::range_name(range));
        CAPTURE(name_of(site));
        CAPTURE(pattern == Pattern::Levels ? "levels" : "ramps");
        const framepipe::Frame<Out> expected(src.size());
        framepipe::kernels::unpack_yuv420_frame(src.view(), expected.view(), k, site, Isa::Scalar);
        const framepipe::test::RgbErrorStats e =
            framepipe::test::measure_rgb_error(src.view(), expected.view(), spec, site);
        CHECK(e.max < 0.65);  // the bound proved in unpack_coefficients.hpp
        CHECK(e.alpha_opaque);
        // Saturated: both ends of every channel are reached.
        int lo = 255, hi = 0;
        const auto ev = expected.view();
        for (int y = 0; y < ev.height(); ++y) {
          const auto [a, b] = std::minmax_element(
              ev.row(0, y), ev.row(0, y) + ev.width() * framepipe::format_info(Out).pixel_bytes);
          lo = std::min<int>(lo, *a);
          hi = std::max<int>(hi, *b);
        }
        CHECK(lo == 0);
        CHECK(hi == 255);
        for (Isa isa : simd_paths_under_test()) {
          CAPTURE(name_of(isa));
          const framepipe::Frame<Out> got(src.size());
          framepipe::kernels::unpack_yuv420_frame(src.view(), got.view(), k, site, isa);
          CHECK(std::equal(got.data(), got.data() + got.size_bytes(), expected.data()));
        }
      }
    }
  }
}

template <PixelFormat In>
void check_saturated_all_outputs(Pattern pattern) {
  check_saturated<In, PixelFormat::BGR24>(pattern);
  check_saturated<In, PixelFormat::RGB24>(pattern);
  check_saturated<In, PixelFormat::BGRA32>(pattern);
  check_saturated<In, PixelFormat::RGBA32>(pattern);
}

}  // namespace

TEST_CASE(
    "Saturated and structured inputs at widths of 64 and more: within the proved bound of the "
    "float reference, and every path writes the scalar bytes") {
  for (Pattern pattern : {Pattern::Levels, Pattern::Ramps}) {
    check_saturated_all_outputs<PixelFormat::I420>(pattern);
    check_saturated_all_outputs<PixelFormat::NV12>(pattern);
  }
}

TEST_CASE("Random frames: the scalar reference is within the proved bound of the float model") {
  std::mt19937 rng(99);
  int combo = 0;
  for (Matrix matrix : kMatrices) {
    for (Range range : kRanges) {
      for (ChromaSite site : kSites) {
        for (const framepipe::Size size :
             {framepipe::Size{1, 1}, framepipe::Size{2, 1}, framepipe::Size{1, 2},
              framepipe::Size{3, 3}, framepipe::Size{5, 4}, framepipe::Size{67, 33},
              framepipe::Size{320, 181}}) {
          const ColorSpec spec{matrix, range};
          framepipe::Frame<PixelFormat::I420> i420(size);
          framepipe::Frame<PixelFormat::NV12> nv12(size);
          std::uniform_int_distribution<int> byte(0, 255);
          std::generate_n(i420.data(), i420.size_bytes(),
                          [&] { return static_cast<std::uint8_t>(byte(rng)); });
          std::generate_n(nv12.data(), nv12.size_bytes(),
                          [&] { return static_cast<std::uint8_t>(byte(rng)); });
          const framepipe::UnpackCoefficients k = framepipe::unpack_coefficients(spec);
          framepipe::Frame<PixelFormat::BGR24> a(size);
          framepipe::Frame<PixelFormat::RGBA32> b(size);
          const Isa isa =
              kPathsUnderTest[static_cast<std::size_t>(combo++) % kPathsUnderTest.size()];
          framepipe::kernels::unpack_yuv420_frame(i420.view(), a.view(), k, site, isa);
          framepipe::kernels::unpack_yuv420_frame(nv12.view(), b.view(), k, site, isa);
          const auto ea = framepipe::test::measure_rgb_error(i420.view(), a.view(), spec, site);
          const auto eb = framepipe::test::measure_rgb_error(nv12.view(), b.view(), spec, site);
          CAPTURE(framepipe::matrix_name(matrix));
          CAPTURE(framepipe::range_name(range));
          CAPTURE(name_of(site));
          CAPTURE(size.width);
          CAPTURE(size.height);
          CHECK(ea.max < 0.65);
          CHECK(eb.max < 0.65);
          CHECK(eb.alpha_opaque);
          // Rounding to nearest averages 0.25 on uniformly spread values.
          if (size.width * size.height > 1000) CHECK(ea.mean() < 0.3);
        }
      }
    }
  }
}

#if defined(__linux__)
TEST_CASE(
    "SIMD unpack kernels read and write nothing outside the rows (rows against guard pages)") {
  std::mt19937 rng(4096);
  framepipe::test::GuardedPage pages[6];
  REQUIRE(pages[0].capacity() >= 130 * 4);
  const framepipe::UnpackCoefficients k =
      framepipe::unpack_coefficients({Matrix::BT2020, Range::Limited});
  for (Isa isa : simd_paths_under_test()) {
    for (PixelFormat out : kOutputs) {
      for (bool nv12 : {false, true}) {
        for (ChromaSite site : kSites) {
          for (ChromaFilter filter : {ChromaFilter::Bilinear, ChromaFilter::Replicate}) {
            std::size_t failures = 0;
            for (bool at_end : {true, false}) {
              for (int w = 1; w <= 130; ++w) {
                const auto bpp = static_cast<std::size_t>(framepipe::format_info(out).pixel_bytes);
                const auto n = static_cast<std::size_t>(w);
                const std::size_t cn = static_cast<std::size_t>((w + 1) / 2) * (nv12 ? 2 : 1);
                std::uint8_t* y = pages[0].place(n, at_end);
                std::uint8_t* u0 = pages[1].place(cn, at_end);
                std::uint8_t* u1 = pages[2].place(cn, at_end);
                std::uint8_t* v0 = nv12 ? u0 + 1 : pages[3].place(cn, at_end);
                std::uint8_t* v1 = nv12 ? u1 + 1 : pages[4].place(cn, at_end);
                std::uint8_t* dst = pages[5].place(n * bpp, at_end);
                std::uniform_int_distribution<int> byte(0, 255);
                for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<std::uint8_t>(byte(rng));
                for (std::size_t i = 0; i < cn; ++i) {
                  u0[i] = static_cast<std::uint8_t>(byte(rng));
                  u1[i] = static_cast<std::uint8_t>(byte(rng));
                  if (!nv12) {
                    v0[i] = static_cast<std::uint8_t>(byte(rng));
                    v1[i] = static_cast<std::uint8_t>(byte(rng));
                  }
                }
                select_rows(out, nv12, isa, site, filter)(y, u0, u1, v0, v1, dst, w, k);
                const std::vector<std::uint8_t> got(dst, dst + n * bpp);
                select_rows(out, nv12, Isa::Scalar, site, filter)(y, u0, u1, v0, v1, dst, w, k);
                if (!std::equal(got.begin(), got.end(), dst)) ++failures;
              }
            }
            CAPTURE(name_of(isa));
            CAPTURE(framepipe::format_name(out));
            CAPTURE(nv12);
            CAPTURE(name_of(site));
            CAPTURE(framepipe::chroma_filter_name(filter));
            CHECK(failures == 0);
          }
        }
      }
    }
  }
}
#endif  // __linux__

TEST_CASE("Unpackers forced onto each path by FRAMEPIPE_ISA write the scalar unpacker's frames") {
  std::mt19937 rng(42);
  framepipe::Frame<PixelFormat::I420> i420({1920, 1080});
  framepipe::Frame<PixelFormat::NV12> nv12({641, 361});
  std::uniform_int_distribution<int> byte(0, 255);
  std::generate_n(i420.data(), i420.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  std::generate_n(nv12.data(), nv12.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  const framepipe::UnpackerOptions left_2020{
      .matrix = Matrix::BT2020, .range = Range::Full, .chroma_site = ChromaSite::Left};

  framepipe::Frame<PixelFormat::BGR24> ref_bgr({1920, 1080});
  framepipe::Frame<PixelFormat::RGBA32> ref_rgba({641, 361});
  {
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", "scalar");
    REQUIRE(framepipe::Bgr24Unpacker{}.isa() == Isa::Scalar);
    framepipe::Bgr24Unpacker{}.convert(i420.view(), ref_bgr.view());
    framepipe::Rgba32Unpacker{left_2020}.convert(nv12.view(), ref_rgba.view());
  }
  for (Isa isa : simd_paths_under_test()) {
    const std::string name = name_of(isa);
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", name.c_str());
    const framepipe::Bgr24Unpacker bgr;
    const framepipe::Rgba32Unpacker rgba{left_2020};
    REQUIRE(bgr.isa() == isa);
    framepipe::Frame<PixelFormat::BGR24> got_bgr({1920, 1080});
    framepipe::Frame<PixelFormat::RGBA32> got_rgba({641, 361});
    bgr.convert(i420.view(), got_bgr.view());
    rgba.convert(nv12.view(), got_rgba.view());
    CAPTURE(name);
    CHECK(std::equal(got_bgr.data(), got_bgr.data() + got_bgr.size_bytes(), ref_bgr.data()));
    CHECK(std::equal(got_rgba.data(), got_rgba.data() + got_rgba.size_bytes(), ref_rgba.data()));
  }
}

TEST_CASE("Replicate: each SIMD path has its own kernel, another than the bilinear one") {
  for (Isa isa : simd_paths_under_test()) {
    CAPTURE(name_of(isa));
    for (bool nv12 : {false, true}) {
      for (PixelFormat out : kOutputs) {
        const UnpackRowFn chosen =
            select_rows(out, nv12, isa, ChromaSite::Center, ChromaFilter::Replicate);
        const bool differs_from_scalar =
            chosen !=
            select_rows(out, nv12, Isa::Scalar, ChromaSite::Center, ChromaFilter::Replicate);
        CHECK(differs_from_scalar);
        const bool differs_from_bilinear =
            chosen != select_rows(out, nv12, isa, ChromaSite::Center);
        CHECK(differs_from_bilinear);
        // The siting does not matter to replication.
        const bool same_for_left =
            chosen == select_rows(out, nv12, isa, ChromaSite::Left, ChromaFilter::Replicate);
        CHECK(same_for_left);
      }
    }
  }
}

TEST_CASE(
    "Replicate: SIMD kernels match scalar for every output, matrix and range at widths 1..130 and "
    "heights 1..4, on 1080p and 2160p frames, and off the steps") {
  std::mt19937 rng(20261205);
  for (Isa isa : simd_paths_under_test()) {
    for (PixelFormat out : kOutputs) {
      for (bool nv12 : {false, true}) {
        std::size_t failures = 0;
        for (int h = 1; h <= 4; ++h) {
          for (int w = 1; w <= 130; ++w) {
            const auto combo = static_cast<std::size_t>(w + 7 * h);
            const ColorSpec spec{kMatrices[combo % 3], kRanges[(combo / 3) % 2]};
            if (!same_as_scalar(out, nv12, ChromaSite::Center, spec, isa, w, h, rng,
                                ChromaFilter::Replicate)) {
              ++failures;
            }
          }
        }
        CAPTURE(name_of(isa));
        CAPTURE(framepipe::format_name(out));
        CAPTURE(nv12);
        CHECK(failures == 0);
        CHECK(same_as_scalar(out, nv12, ChromaSite::Left, {Matrix::BT709, Range::Limited}, isa,
                             1920, 1080, rng, ChromaFilter::Replicate));
        if (out == PixelFormat::BGR24) {
          CHECK(same_as_scalar(out, nv12, ChromaSite::Center, {Matrix::BT2020, Range::Full}, isa,
                               3840, 2160, rng, ChromaFilter::Replicate));
        }
      }
    }
    for (int w : {1023, 1025, 1279, 1281, 1919, 1921}) {
      CAPTURE(name_of(isa));
      CAPTURE(w);
      CHECK(same_as_scalar(PixelFormat::RGB24, false, ChromaSite::Center,
                           {Matrix::BT601, Range::Limited}, isa, w, 3, rng,
                           ChromaFilter::Replicate));
      CHECK(same_as_scalar(PixelFormat::RGBA32, true, ChromaSite::Center,
                           {Matrix::BT601, Range::Full}, isa, w, 3, rng, ChromaFilter::Replicate));
    }
  }
}

TEST_CASE(
    "Replicate's scalar reference is the bilinear reference of the same frame with each chroma "
    "sample spread over its 2x2 pixels, and its error against exact bilinear is what the docs "
    "say") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(0, 255);
  for (Matrix matrix : kMatrices) {
    for (Range range : kRanges) {
      const ColorSpec spec{matrix, range};
      const framepipe::UnpackCoefficients k = framepipe::unpack_coefficients(spec);
      CAPTURE(framepipe::matrix_name(matrix));
      CAPTURE(framepipe::range_name(range));
      // 37x21: odd sizes, so the last column and row of chroma cover one pixel.
      framepipe::Frame<PixelFormat::I420> src({37, 21});
      std::generate_n(src.data(), src.size_bytes(),
                      [&] { return static_cast<std::uint8_t>(byte(rng)); });
      const framepipe::Frame<PixelFormat::RGB24> got(src.size());
      framepipe::kernels::unpack_yuv420_frame(src.view(), got.view(), k, ChromaSite::Center,
                                              Isa::Scalar, ChromaFilter::Replicate);
      // Each pixel alone: a 2x2 frame of its luma and its chroma sample, unpacked bilinearly,
      // has constant chroma, which the bilinear filter keeps exactly (S = 16 C).
      const auto sv = src.view();
      std::size_t differ = 0;
      for (int y = 0; y < sv.height(); ++y) {
        for (int x = 0; x < sv.width(); ++x) {
          framepipe::Frame<PixelFormat::I420> one({2, 2});
          const auto ov = one.view();
          for (int r = 0; r < 2; ++r) std::fill_n(ov.row(0, r), 2, sv.row(0, y)[x]);
          ov.row(1, 0)[0] = sv.row(1, y / 2)[x / 2];
          ov.row(2, 0)[0] = sv.row(2, y / 2)[x / 2];
          const framepipe::Frame<PixelFormat::RGB24> want({2, 2});
          framepipe::kernels::unpack_yuv420_frame(ov, want.view(), k, ChromaSite::Center,
                                                  Isa::Scalar);
          if (!std::equal(want.view().row(0, 0), want.view().row(0, 0) + 3,
                          got.view().row(0, y) + 3 * x)) {
            ++differ;
          }
        }
      }
      CHECK(differ == 0);
    }
  }
  // The cost in accuracy (docs/colour.md): on random chroma the replicated result is far from the
  // exact bilinear one.
  framepipe::Frame<PixelFormat::I420> flat({64, 32});
  std::generate_n(flat.data(), flat.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  const framepipe::Frame<PixelFormat::BGR24> out(flat.size());
  const ColorSpec spec{Matrix::BT709, Range::Limited};
  framepipe::kernels::unpack_yuv420_frame(flat.view(), out.view(),
                                          framepipe::unpack_coefficients(spec), ChromaSite::Center,
                                          Isa::Scalar, ChromaFilter::Replicate);
  const auto random_error =
      framepipe::test::measure_rgb_error(flat.view(), out.view(), spec, ChromaSite::Center);
  CHECK(random_error.max > 20.0);
  // With one chroma value over the frame both filters give that value: as exact as bilinear.
  const auto fv = flat.view();
  for (int j = 0; j < 16; ++j) {
    std::fill_n(fv.row(1, j), 32, std::uint8_t{90});
    std::fill_n(fv.row(2, j), 32, std::uint8_t{170});
  }
  framepipe::kernels::unpack_yuv420_frame(flat.view(), out.view(),
                                          framepipe::unpack_coefficients(spec), ChromaSite::Center,
                                          Isa::Scalar, ChromaFilter::Replicate);
  const auto flat_error =
      framepipe::test::measure_rgb_error(flat.view(), out.view(), spec, ChromaSite::Center);
  CHECK(flat_error.max < 0.65);
}

TEST_CASE("Replicate: unpackers forced onto each path write the scalar unpacker's frames") {
  std::mt19937 rng(43);
  framepipe::Frame<PixelFormat::I420> i420({1280, 720});
  framepipe::Frame<PixelFormat::NV12> nv12({641, 361});
  std::uniform_int_distribution<int> byte(0, 255);
  std::generate_n(i420.data(), i420.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  std::generate_n(nv12.data(), nv12.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  const framepipe::UnpackerOptions replicate{.chroma_filter = ChromaFilter::Replicate};

  framepipe::Frame<PixelFormat::BGR24> ref_bgr({1280, 720});
  framepipe::Frame<PixelFormat::RGBA32> ref_rgba({641, 361});
  framepipe::Frame<PixelFormat::BGR24> bilinear_bgr({1280, 720});
  {
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", "scalar");
    const framepipe::Bgr24Unpacker bgr{replicate};
    REQUIRE(bgr.isa() == Isa::Scalar);
    CHECK(bgr.chroma_filter() == ChromaFilter::Replicate);
    CHECK(framepipe::Bgr24Unpacker{}.chroma_filter() == ChromaFilter::Bilinear);
    bgr.convert(i420.view(), ref_bgr.view());
    framepipe::Rgba32Unpacker{replicate}.convert(nv12.view(), ref_rgba.view());
    framepipe::Bgr24Unpacker{}.convert(i420.view(), bilinear_bgr.view());
  }
  // Random chroma: the filters differ.
  CHECK_FALSE(
      std::equal(ref_bgr.data(), ref_bgr.data() + ref_bgr.size_bytes(), bilinear_bgr.data()));
  for (Isa isa : simd_paths_under_test()) {
    const std::string name = name_of(isa);
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", name.c_str());
    const framepipe::Bgr24Unpacker bgr{replicate};
    const framepipe::Rgba32Unpacker rgba{replicate};
    REQUIRE(bgr.isa() == isa);
    framepipe::Frame<PixelFormat::BGR24> got_bgr({1280, 720});
    framepipe::Frame<PixelFormat::RGBA32> got_rgba({641, 361});
    bgr.convert(i420.view(), got_bgr.view());
    rgba.convert(nv12.view(), got_rgba.view());
    CAPTURE(name);
    CHECK(std::equal(got_bgr.data(), got_bgr.data() + got_bgr.size_bytes(), ref_bgr.data()));
    CHECK(std::equal(got_rgba.data(), got_rgba.data() + got_rgba.size_bytes(), ref_rgba.data()));
  }
}
