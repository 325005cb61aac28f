// Every SIMD row kernel against the scalar one, byte for byte — libyuv's way of testing: each
// path this CPU has, every format, I420 and NV12, every matrix and range, odd and tiny sizes,
// unaligned pointers, padded strides, saturated colours, and nothing written (or, on Linux, read)
// outside the rows.
//
// Which paths: FRAMEPIPE_TEST_ISA=scalar|sse4|avx2|avx512|neon tests that one path alone (ctest
// runs this program once per path; neon under qemu, cross-built by tests/cross/); when this CPU
// lacks it (or FRAMEPIPE_ISA masks it), the program prints why and exits with 77, ctest's
// SKIP_RETURN_CODE, before any test case runs, so a path that was not tested shows as skipped,
// never as passed. Unset, every path the CPU has is tested and the others are named on stdout.
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

#include "framepipe/color/coefficients.hpp"
#include "framepipe/convert/i420_packer.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/pack_dispatch.hpp"
#include "framepipe/convert/nv12_packer.hpp"
#include "framepipe/core/frame.hpp"
#include "support/color_reference.hpp"
#include "support/guarded_buffer.hpp"
#include "support/isa_paths.hpp"
#include "support/scoped_env.hpp"

namespace {

using framepipe::Isa;
using framepipe::Matrix;
using framepipe::PixelFormat;
using framepipe::Range;
using framepipe::kernels::PackRowsFn;
using framepipe::test::fill_random;
using framepipe::test::guard_changes;
using framepipe::test::Plane;
using Yuv = framepipe::test::Yuv420Planes;

constexpr std::array kAllPaths{Isa::Scalar, Isa::Sse4, Isa::Avx2, Isa::Avx512, Isa::Neon};
constexpr std::array kMatrices{Matrix::BT601, Matrix::BT709, Matrix::BT2020};
constexpr std::array kRanges{Range::Limited, Range::Full};

std::string name_of(Isa isa) { return std::string(framepipe::isa_name(isa)); }

const std::vector<Isa> kPathsUnderTest = framepipe::test::choose_paths("kernels_test", kAllPaths);

/// The SIMD paths under test, each of which is compared with the scalar path.
std::vector<Isa> simd_paths_under_test() { return framepipe::test::simd_paths(kPathsUnderTest); }

template <PixelFormat In>
PackRowsFn select_rows(Isa isa, bool nv12) {
  return nv12 ? framepipe::kernels::select_pack_rows<In, PixelFormat::NV12>(isa)
              : framepipe::kernels::select_pack_rows<In, PixelFormat::I420>(isa);
}

PackRowsFn select_rows(PixelFormat in, Isa isa, bool nv12) {
  switch (in) {
    case PixelFormat::BGR24:
      return select_rows<PixelFormat::BGR24>(isa, nv12);
    case PixelFormat::RGB24:
      return select_rows<PixelFormat::RGB24>(isa, nv12);
    case PixelFormat::BGRA32:
      return select_rows<PixelFormat::BGRA32>(isa, nv12);
    case PixelFormat::RGBA32:
      return select_rows<PixelFormat::RGBA32>(isa, nv12);
    default:
      break;
  }
  FAIL("not an RGB-family format");
  return nullptr;
}

/// The packer's plane loop (rgb_to_yuv_packer.hpp): two rows per call, an odd last row paired
/// with itself, NV12's V at U + 1.
void pack_plane(PackRowsFn rows, Plane& src, Yuv& dst, int w, int h,
                const framepipe::PackCoefficients& k) {
  for (int y = 0; y < h; y += 2) {
    const int y_next = y + 1 < h ? y + 1 : y;
    std::uint8_t* u = dst.u.row(y / 2);
    std::uint8_t* v = dst.nv12 ? u + 1 : dst.v.row(y / 2);
    rows(src.row(y), src.row(y_next), dst.y.row(y), dst.y.row(y_next), u, v, w, k);
  }
}

/// Runs `isa` and the scalar path on the same random frame and compares every byte of every
/// destination buffer, rows and guards alike. Returns true when they agree.
bool same_as_scalar(PixelFormat in, bool nv12, Matrix matrix, Range range, Isa isa, int w, int h,
                    std::mt19937& rng) {
  std::uniform_int_distribution<int> small(0, 3);
  const int bpp = framepipe::format_info(in).pixel_bytes;
  Plane src(static_cast<std::size_t>(w * bpp), h, static_cast<std::size_t>(small(rng) * 4),
            static_cast<std::size_t>(small(rng)));
  fill_random(src.bytes, rng);
  const Yuv fresh(w, h, nv12, rng);
  Yuv expected = fresh;
  Yuv actual = fresh;
  const framepipe::PackCoefficients k = framepipe::pack_coefficients({matrix, range});
  pack_plane(select_rows(in, Isa::Scalar, nv12), src, expected, w, h, k);
  pack_plane(select_rows(in, isa, nv12), src, actual, w, h, k);

  const bool same = expected.y.bytes == actual.y.bytes && expected.u.bytes == actual.u.bytes &&
                    expected.v.bytes == actual.v.bytes;
  const std::size_t guards = guard_changes(fresh.y, actual.y) + guard_changes(fresh.u, actual.u) +
                             guard_changes(fresh.v, actual.v);
  if (!same || guards != 0) {
    MESSAGE(name_of(isa) << " differs from scalar: " << framepipe::format_name(in) << " -> "
                         << (nv12 ? "NV12" : "I420") << " " << framepipe::matrix_name(matrix) << " "
                         << framepipe::range_name(range) << " " << w << "x" << h
                         << ", bytes written outside the rows: " << guards);
  }
  return same && guards == 0;
}

constexpr std::array kFormats{PixelFormat::BGR24, PixelFormat::RGB24, PixelFormat::BGRA32,
                              PixelFormat::RGBA32};

}  // namespace

TEST_CASE("Each SIMD path this CPU has is really selected, not the scalar one") {
  for (Isa isa : simd_paths_under_test()) {
    CAPTURE(name_of(isa));
    for (bool nv12 : {false, true}) {
      for (PixelFormat in : kFormats) {
        const bool differs_from_scalar =
            select_rows(in, isa, nv12) != select_rows(in, Isa::Scalar, nv12);
        CHECK(differs_from_scalar);
        if (isa == Isa::Avx2 || isa == Isa::Avx512) {
          const Isa lower = isa == Isa::Avx512 ? Isa::Avx2 : Isa::Sse4;
          const bool differs_from_lower =
              select_rows(in, isa, nv12) != select_rows(in, lower, nv12);
          CHECK(differs_from_lower);
        }
      }
    }
  }
}

TEST_CASE(
    "SIMD kernels match scalar for every format, matrix and range at widths 1..130 and "
    "heights 1..9") {
  std::mt19937 rng(20240604);
  for (Isa isa : simd_paths_under_test()) {
    for (PixelFormat in : kFormats) {
      for (bool nv12 : {false, true}) {
        for (Matrix matrix : kMatrices) {
          for (Range range : kRanges) {
            std::size_t failures = 0;
            for (int h = 1; h <= 9; ++h) {
              for (int w = 1; w <= 130; ++w) {
                if (!same_as_scalar(in, nv12, matrix, range, isa, w, h, rng)) ++failures;
              }
            }
            CAPTURE(name_of(isa));
            CAPTURE(framepipe::format_name(in));
            CAPTURE(nv12);
            CAPTURE(framepipe::matrix_name(matrix));
            CAPTURE(framepipe::range_name(range));
            CHECK(failures == 0);
          }
        }
      }
    }
  }
}

TEST_CASE("SIMD kernels match scalar on 1920x1080 and 3840x2160 frames") {
  std::mt19937 rng(1080);
  for (Isa isa : simd_paths_under_test()) {
    int combo = 0;
    for (PixelFormat in : kFormats) {
      for (bool nv12 : {false, true}) {
        // One matrix/range per format and output, rotating, to keep the run short.
        const Matrix matrix = kMatrices[static_cast<std::size_t>(combo % 3)];
        const Range range = kRanges[static_cast<std::size_t>(combo % 2)];
        ++combo;
        CAPTURE(name_of(isa));
        CAPTURE(framepipe::format_name(in));
        CAPTURE(nv12);
        CHECK(same_as_scalar(in, nv12, matrix, range, isa, 1920, 1080, rng));
        if (in == PixelFormat::BGR24 || in == PixelFormat::RGBA32) {
          CHECK(same_as_scalar(in, nv12, matrix, range, isa, 3840, 2160, rng));
        }
      }
    }
    // Sizes just off the vector steps, where the tails do most of the work.
    for (int w : {1919, 1921, 1983, 2047}) {
      CAPTURE(name_of(isa));
      CAPTURE(w);
      CHECK(same_as_scalar(PixelFormat::BGR24, false, Matrix::BT709, Range::Limited, isa, w, 33,
                           rng));
      CHECK(same_as_scalar(PixelFormat::BGRA32, true, Matrix::BT601, Range::Full, isa, w, 33, rng));
    }
  }
}

TEST_CASE("SIMD kernels match scalar where AVX-512's two-block loop hands over to one block") {
  // The AVX-512 wide kernel runs 128 pixels per iteration, then one 64-pixel block if one is
  // left, then pack_row_any.hpp's padded tail; these widths give every mix of the three (and of the
  // other paths' 16- and 32-pixel blocks), on padded, unaligned rows.
  std::mt19937 rng(128);
  for (Isa isa : simd_paths_under_test()) {
    for (PixelFormat in : kFormats) {
      for (bool nv12 : {false, true}) {
        std::size_t failures = 0;
        for (int w : {128, 129, 191, 192, 193, 255, 256, 257, 319, 320, 383, 384, 385, 449}) {
          for (int h : {1, 2, 3, 4}) {
            if (!same_as_scalar(in, nv12, Matrix::BT709, Range::Limited, isa, w, h, rng)) {
              ++failures;
            }
          }
        }
        CAPTURE(name_of(isa));
        CAPTURE(framepipe::format_name(in));
        CAPTURE(nv12);
        CHECK(failures == 0);
      }
    }
  }
}

namespace {

/// Saturated test pictures. The integer formulas of color/coefficients.hpp feed pmulhuw with
/// X << 8 (X = 0..255) and pmulhw with S << 5 (S = the sum of a 2x2 block, 0..1020); every term
/// is monotonic in its channel, so each partial sum the kernels form (and the clamps after them)
/// is at an extreme when every channel is 0 or 255 and each 2x2 block holds one colour: the
/// corners of the RGB cube. Mixed blocks give the sums in between (S = 255, 510, 765).
enum class Pattern {
  /// 131x145. Columns 0..127 of rows 0..127: the 2x2 block (bx, by) holds the four cube corners
  /// spelt by the octal digits of by * 64 + bx, so all 8^4 ways of filling a block appear, the
  /// 8 uniform ones among them. Rows 128..143: uniform blocks only, corner (bx + by) % 8, so
  /// that every block position in a vector also sees every uniform block. Column 128 on and row
  /// 144: corners cycling per pixel (the partial last block and the odd last column and row).
  Corners,
  /// 256x24. Each row runs along one of the 12 edges of the RGB cube: one channel ramps through
  /// 0..255 (rows 0..11) or 255..0 (rows 12..23) while the other two are 0 or 255, so every term
  /// of the formulas takes all its values next to the others' extremes.
  Edges,
};

constexpr std::uint8_t full_or_zero(bool on) { return on ? 255 : 0; }

template <PixelFormat In>
framepipe::Frame<In> pattern_frame(Pattern pattern) {
  const bool corners = pattern == Pattern::Corners;
  framepipe::Frame<In> frame(corners ? framepipe::Size{131, 145} : framepipe::Size{256, 24});
  const auto v = frame.view();
  for (int y = 0; y < v.height(); ++y) {
    for (int x = 0; x < v.width(); ++x) {
      std::array<std::uint8_t, 3> rgb{};
      if (corners) {
        int corner = (x + 3 * y) % 8;
        if (x < 128 && y < 128) {
          const int block = (y / 2) * 64 + x / 2;
          corner = (block >> (3 * (2 * (y % 2) + x % 2))) & 7;
        } else if (x < 128 && y < 144) {
          corner = (x / 2 + y / 2) % 8;
        }
        rgb = {full_or_zero(corner & 4), full_or_zero(corner & 2), full_or_zero(corner & 1)};
      } else {
        const int edge = y % 12;
        const int ramp = edge / 4;  // the channel that ramps: R, G or B
        const int others = edge % 4;
        int other = 0;
        for (int c = 0; c < 3; ++c) {
          if (c == ramp) {
            rgb[static_cast<std::size_t>(c)] = static_cast<std::uint8_t>(y < 12 ? x : 255 - x);
          } else {
            rgb[static_cast<std::size_t>(c)] = full_or_zero(((others >> other++) & 1) != 0);
          }
        }
      }
      // Alpha (4-byte formats) 0 or 255 in a pattern of its own: every RGBA corner appears, and
      // the kernels must ignore it.
      framepipe::test::write_rgba(v, x, y, rgb[0], rgb[1], rgb[2],
                                  full_or_zero(((5 * x + 3 * y) & 4) != 0));
    }
  }
  return frame;
}

/// Packs `pattern` on the scalar path and on each SIMD path under test, with every matrix and
/// range: the scalar bytes must be within ±1 of the real-number model (and reach both ends of the
/// ranges, or the pattern would not be saturated), and every SIMD path must write those bytes.
/// The smallest and largest sample of a plane's rows (padding excluded).
struct Extremes {
  int min = 255, max = 0;
  Extremes with(Extremes o) const { return {std::min(min, o.min), std::max(max, o.max)}; }
};

template <PixelFormat F>
Extremes extremes(framepipe::FrameView<F> v, int plane, int row_bytes) {
  const int rows = plane == 0 ? v.height() : (v.height() + 1) / 2;
  Extremes e;
  for (int y = 0; y < rows; ++y) {
    const auto [lo, hi] = std::minmax_element(v.row(plane, y), v.row(plane, y) + row_bytes);
    e = e.with({*lo, *hi});
  }
  return e;
}

template <PixelFormat In, PixelFormat Out>
void check_saturated(Pattern pattern) {
  const framepipe::Frame<In> src = pattern_frame<In>(pattern);
  const int cw = (src.width() + 1) / 2;
  for (Matrix matrix : kMatrices) {
    for (Range range : kRanges) {
      const framepipe::ColorSpec spec{matrix, range};
      const framepipe::PackCoefficients k = framepipe::pack_coefficients(spec);
      CAPTURE(framepipe::format_name(In));
      CAPTURE(framepipe::format_name(Out));
      CAPTURE(framepipe::matrix_name(matrix));
      CAPTURE(framepipe::range_name(range));
      CAPTURE(pattern == Pattern::Corners ? "corners" : "edges");
      const framepipe::Frame<Out> expected(src.size());
      framepipe::kernels::pack_yuv420_frame(src.view(), expected.view(), k, Isa::Scalar);
      const framepipe::test::ErrorStats e =
          framepipe::test::measure_yuv420_error(src.view(), expected.view(), spec);
      CHECK(e.max_y <= 1.0);
      CHECK(e.max_c <= 1.0);
      if (pattern == Pattern::Corners) {
        const bool full = range == Range::Full;
        const Extremes y = extremes(expected.view(), 0, src.width());
        Extremes c = extremes(expected.view(), 1, Out == PixelFormat::NV12 ? 2 * cw : cw);
        if constexpr (Out == PixelFormat::I420) c = c.with(extremes(expected.view(), 2, cw));
        CHECK(y.min == (full ? 0 : 16));
        CHECK(y.max == (full ? 255 : 235));
        CHECK(c.min <= (full ? 1 : 16));
        CHECK(c.max >= (full ? 255 : 240));
      }
      for (Isa isa : simd_paths_under_test()) {
        CAPTURE(name_of(isa));
        const framepipe::Frame<Out> got(src.size());
        framepipe::kernels::pack_yuv420_frame(src.view(), got.view(), k, isa);
        CHECK(std::equal(got.data(), got.data() + got.size_bytes(), expected.data()));
      }
    }
  }
}

template <PixelFormat In>
void check_saturated_i420_and_nv12(Pattern pattern) {
  check_saturated<In, PixelFormat::I420>(pattern);
  check_saturated<In, PixelFormat::NV12>(pattern);
}

}  // namespace

TEST_CASE("Saturated colours at widths of 64 and more: every path writes the scalar bytes") {
  for (Pattern pattern : {Pattern::Corners, Pattern::Edges}) {
    check_saturated_i420_and_nv12<PixelFormat::BGR24>(pattern);
    check_saturated_i420_and_nv12<PixelFormat::RGB24>(pattern);
    check_saturated_i420_and_nv12<PixelFormat::BGRA32>(pattern);
    check_saturated_i420_and_nv12<PixelFormat::RGBA32>(pattern);
  }
}

TEST_CASE("SIMD kernels give the same bytes when both rows and both luma rows alias") {
  // The packer's last row of an odd-height frame: src1 == src0 and y1 == y0.
  std::mt19937 rng(7);
  const framepipe::PackCoefficients k = framepipe::pack_coefficients({Matrix::BT709, Range::Full});
  for (Isa isa : simd_paths_under_test()) {
    for (bool nv12 : {false, true}) {
      for (int w : {1, 2, 15, 16, 17, 31, 33, 63, 64, 65, 127, 130, 200}) {
        std::vector<std::uint8_t> src(static_cast<std::size_t>(w) * 3);
        fill_random(src, rng);
        const auto cw = static_cast<std::size_t>((w + 1) / 2) * (nv12 ? 2 : 1);
        std::vector<std::uint8_t> y_ref(static_cast<std::size_t>(w)), y_simd(y_ref.size());
        std::vector<std::uint8_t> u_ref(cw), v_ref(cw), u_simd(cw), v_simd(cw);
        auto run = [&](Isa path, std::vector<std::uint8_t>& y, std::vector<std::uint8_t>& u,
                       std::vector<std::uint8_t>& v) {
          select_rows(PixelFormat::RGB24, path, nv12)(src.data(), src.data(), y.data(), y.data(),
                                                      u.data(), nv12 ? u.data() + 1 : v.data(), w,
                                                      k);
        };
        run(Isa::Scalar, y_ref, u_ref, v_ref);
        run(isa, y_simd, u_simd, v_simd);
        CAPTURE(name_of(isa));
        CAPTURE(w);
        CHECK(y_simd == y_ref);
        CHECK(u_simd == u_ref);
        CHECK(v_simd == v_ref);
      }
    }
  }
}

#if defined(__linux__)
TEST_CASE("SIMD kernels read and write nothing outside the rows (rows against guard pages)") {
  std::mt19937 rng(4096);
  framepipe::test::GuardedPage pages[6];
  REQUIRE(pages[0].capacity() >= 130 * 4);
  const framepipe::PackCoefficients k =
      framepipe::pack_coefficients({Matrix::BT2020, Range::Limited});
  for (Isa isa : simd_paths_under_test()) {
    for (PixelFormat in : kFormats) {
      for (bool nv12 : {false, true}) {
        std::size_t failures = 0;
        for (bool at_end : {true, false}) {
          for (int w = 1; w <= 130; ++w) {
            const auto bpp = static_cast<std::size_t>(framepipe::format_info(in).pixel_bytes);
            const auto n = static_cast<std::size_t>(w);
            const std::size_t cn = static_cast<std::size_t>((w + 1) / 2) * (nv12 ? 2 : 1);
            std::uint8_t* s0 = pages[0].place(n * bpp, at_end);
            std::uint8_t* s1 = pages[1].place(n * bpp, at_end);
            std::uint8_t* y0 = pages[2].place(n, at_end);
            std::uint8_t* y1 = pages[3].place(n, at_end);
            std::uint8_t* u = pages[4].place(cn, at_end);
            std::uint8_t* v = nv12 ? u + 1 : pages[5].place(cn, at_end);
            std::uniform_int_distribution<int> byte(0, 255);
            for (std::size_t i = 0; i < n * bpp; ++i) {
              s0[i] = static_cast<std::uint8_t>(byte(rng));
              s1[i] = static_cast<std::uint8_t>(byte(rng));
            }
            select_rows(in, isa, nv12)(s0, s1, y0, y1, u, v, w, k);
            const std::vector<std::uint8_t> got_y0(y0, y0 + n), got_y1(y1, y1 + n);
            const std::vector<std::uint8_t> got_u(u, u + cn),
                got_v(nv12 ? u : v, (nv12 ? u : v) + cn);
            select_rows(in, Isa::Scalar, nv12)(s0, s1, y0, y1, u, v, w, k);
            const bool same = std::equal(got_y0.begin(), got_y0.end(), y0) &&
                              std::equal(got_y1.begin(), got_y1.end(), y1) &&
                              std::equal(got_u.begin(), got_u.end(), u) &&
                              std::equal(got_v.begin(), got_v.end(), nv12 ? u : v);
            if (!same) ++failures;
          }
        }
        CAPTURE(name_of(isa));
        CAPTURE(framepipe::format_name(in));
        CAPTURE(nv12);
        CHECK(failures == 0);
      }
    }
  }
}
#endif  // __linux__

TEST_CASE("Packers forced onto each path by FRAMEPIPE_ISA write the scalar packer's frames") {
  std::mt19937 rng(42);
  framepipe::Frame<PixelFormat::BGR24> src({1920, 1080});
  framepipe::Frame<PixelFormat::BGRA32> src4({641, 361});
  std::uniform_int_distribution<int> byte(0, 255);
  std::generate_n(src.data(), src.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  std::generate_n(src4.data(), src4.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });

  framepipe::Frame<PixelFormat::I420> ref_i420({1920, 1080});
  framepipe::Frame<PixelFormat::NV12> ref_nv12({641, 361});
  {
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", "scalar");
    REQUIRE(framepipe::I420Packer{}.isa() == Isa::Scalar);
    framepipe::I420Packer{}.convert(src.view(), ref_i420.view());
    framepipe::Nv12Packer{{.matrix = Matrix::BT2020, .range = Range::Full}}.convert(
        src4.view(), ref_nv12.view());
  }
  for (Isa isa : simd_paths_under_test()) {
    const std::string name = name_of(isa);
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", name.c_str());
    const framepipe::I420Packer i420;
    const framepipe::Nv12Packer nv12{{.matrix = Matrix::BT2020, .range = Range::Full}};
    REQUIRE(i420.isa() == isa);
    framepipe::Frame<PixelFormat::I420> got_i420({1920, 1080});
    framepipe::Frame<PixelFormat::NV12> got_nv12({641, 361});
    i420.convert(src.view(), got_i420.view());
    nv12.convert(src4.view(), got_nv12.view());
    CAPTURE(name);
    CHECK(std::equal(got_i420.data(), got_i420.data() + got_i420.size_bytes(), ref_i420.data()));
    CHECK(std::equal(got_nv12.data(), got_nv12.data() + got_nv12.size_bytes(), ref_nv12.data()));
  }
}
