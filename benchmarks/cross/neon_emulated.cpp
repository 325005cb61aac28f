// The NEON packer and unpacker paths under qemu-aarch64, next to the scalar paths: what
// benchmarks/cross/neon_qemu.sh runs (see there and benchmarks/README.md, "AArch64 (emulated)").
// Built for AArch64 only; not a Google Benchmark (none is packaged for the cross target).
//
//   neon_emulated time            ms per 1920x1080 frame under emulation, every format and
//                                 output, scalar and neon, best of 5: JSON lines on stdout
//   neon_emulated time-unpack     the same for the unpackers (I420 and NV12 into every RGB
//                                 format, chroma siting Center)
//   neon_emulated once <isa> <format> <out> <width>
//                                 one call of the pack row kernel on two rows of <width> pixels
//                                 (the script counts the instructions it executes)
//   neon_emulated once-unpack <isa> <I420|NV12> <out> <width>
//                                 one call of the unpack row kernel (Center) on one row of
//                                 <width> pixels
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/pack_dispatch.hpp"
#include "framepipe/convert/kernels/unpack_dispatch.hpp"
#include "framepipe/core/frame.hpp"

namespace {

using framepipe::Isa;
using framepipe::PixelFormat;

const framepipe::PackCoefficients kCoefficients =
    framepipe::pack_coefficients({framepipe::Matrix::BT709, framepipe::Range::Limited});

template <PixelFormat In, PixelFormat Out>
double best_frame_ms(Isa isa) {
  framepipe::Frame<In> src({1920, 1080});
  std::mt19937 rng(1080);
  std::uniform_int_distribution<int> byte(0, 255);
  std::generate_n(src.data(), src.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  framepipe::Frame<Out> dst({1920, 1080});
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    framepipe::kernels::pack_yuv420_frame(src.view(), dst.view(), kCoefficients, isa);
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return best;
}

template <PixelFormat In, PixelFormat Out>
void time_one() {
  for (Isa isa : {Isa::Scalar, Isa::Neon}) {
    const double ms = best_frame_ms<In, Out>(isa);
    std::printf(
        "{\"isa\": \"%s\", \"in\": \"%s\", \"out\": \"%s\", \"size\": \"1920x1080\", "
        "\"emulated_ms_per_frame\": %.2f, \"emulated_us_per_row_pair\": %.2f}\n",
        std::string(framepipe::isa_name(isa)).c_str(),
        std::string(framepipe::format_name(In)).c_str(),
        std::string(framepipe::format_name(Out)).c_str(), ms, ms * 1000.0 / 540.0);
    std::fflush(stdout);
  }
}

template <PixelFormat In>
void time_format() {
  time_one<In, PixelFormat::I420>();
  time_one<In, PixelFormat::NV12>();
}

template <PixelFormat In>
int once(Isa isa, bool nv12, int width) {
  const auto bpp = static_cast<std::size_t>(framepipe::format_info(In).pixel_bytes);
  const auto w = static_cast<std::size_t>(width);
  std::vector<std::uint8_t> src0(w * bpp, 200), src1(w * bpp, 100), y0(w), y1(w);
  std::vector<std::uint8_t> u(w + 2), v(w + 2);
  const framepipe::kernels::PackRowsFn rows =
      nv12 ? framepipe::kernels::select_pack_rows<In, PixelFormat::NV12>(isa)
           : framepipe::kernels::select_pack_rows<In, PixelFormat::I420>(isa);
  rows(src0.data(), src1.data(), y0.data(), y1.data(), u.data(), nv12 ? u.data() + 1 : v.data(),
       width, kCoefficients);
  return y0[0] == 0 ? 1 : 0;  // uses the result; 200 grey is never black
}

const framepipe::UnpackCoefficients kUnpackCoefficients =
    framepipe::unpack_coefficients({framepipe::Matrix::BT709, framepipe::Range::Limited});

template <PixelFormat In, PixelFormat Out>
double best_unpack_frame_ms(Isa isa) {
  framepipe::Frame<In> src({1920, 1080});
  std::mt19937 rng(1080);
  std::uniform_int_distribution<int> byte(0, 255);
  std::generate_n(src.data(), src.size_bytes(),
                  [&] { return static_cast<std::uint8_t>(byte(rng)); });
  framepipe::Frame<Out> dst({1920, 1080});
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    framepipe::kernels::unpack_yuv420_frame(src.view(), dst.view(), kUnpackCoefficients,
                                            framepipe::ChromaSite::Center, isa);
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  return best;
}

template <PixelFormat In, PixelFormat Out>
void time_unpack_one() {
  for (Isa isa : {Isa::Scalar, Isa::Neon}) {
    const double ms = best_unpack_frame_ms<In, Out>(isa);
    std::printf(
        "{\"isa\": \"%s\", \"in\": \"%s\", \"out\": \"%s\", \"size\": \"1920x1080\", "
        "\"emulated_ms_per_frame\": %.2f, \"emulated_us_per_row\": %.2f}\n",
        std::string(framepipe::isa_name(isa)).c_str(),
        std::string(framepipe::format_name(In)).c_str(),
        std::string(framepipe::format_name(Out)).c_str(), ms, ms * 1000.0 / 1080.0);
    std::fflush(stdout);
  }
}

template <PixelFormat In>
void time_unpack_input() {
  time_unpack_one<In, PixelFormat::BGR24>();
  time_unpack_one<In, PixelFormat::RGB24>();
  time_unpack_one<In, PixelFormat::BGRA32>();
  time_unpack_one<In, PixelFormat::RGBA32>();
}

template <PixelFormat Out>
int once_unpack(Isa isa, bool nv12, int width) {
  const auto bpp = static_cast<std::size_t>(framepipe::format_info(Out).pixel_bytes);
  const auto w = static_cast<std::size_t>(width);
  const std::size_t cw = (w + 1) / 2 * (nv12 ? 2 : 1);
  std::vector<std::uint8_t> y(w, 120), u_near(cw, 90), u_far(cw, 100), v_near(cw, 160),
      v_far(cw, 150), dst(w * bpp);
  const framepipe::kernels::UnpackRowFn row =
      nv12 ? framepipe::kernels::select_unpack_rows<PixelFormat::NV12, Out>(
                 isa, framepipe::ChromaSite::Center)
           : framepipe::kernels::select_unpack_rows<PixelFormat::I420, Out>(
                 isa, framepipe::ChromaSite::Center);
  row(y.data(), u_near.data(), u_far.data(), nv12 ? u_near.data() + 1 : v_near.data(),
      nv12 ? u_far.data() + 1 : v_far.data(), dst.data(), width, kUnpackCoefficients);
  return dst[0] == 0 ? 1 : 0;  // uses the result; this colour has no zero channel
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "time") {
    time_format<PixelFormat::BGR24>();
    time_format<PixelFormat::RGB24>();
    time_format<PixelFormat::BGRA32>();
    time_format<PixelFormat::RGBA32>();
    return 0;
  }
  if (argc == 2 && std::string_view(argv[1]) == "time-unpack") {
    time_unpack_input<PixelFormat::I420>();
    time_unpack_input<PixelFormat::NV12>();
    return 0;
  }
  if (argc == 6 && std::string_view(argv[1]) == "once-unpack") {
    const Isa isa = framepipe::parse_isa(argv[2]);
    const bool nv12 = std::string_view(argv[3]) == "NV12";
    const std::string_view out = argv[4];
    const int width = std::atoi(argv[5]);
    if (out == "BGR24") return once_unpack<PixelFormat::BGR24>(isa, nv12, width);
    if (out == "RGB24") return once_unpack<PixelFormat::RGB24>(isa, nv12, width);
    if (out == "BGRA32") return once_unpack<PixelFormat::BGRA32>(isa, nv12, width);
    if (out == "RGBA32") return once_unpack<PixelFormat::RGBA32>(isa, nv12, width);
  }
  if (argc == 6 && std::string_view(argv[1]) == "once") {
    const Isa isa = framepipe::parse_isa(argv[2]);
    const std::string_view in = argv[3];
    const bool nv12 = std::string_view(argv[4]) == "NV12";
    const int width = std::atoi(argv[5]);
    if (in == "BGR24") return once<PixelFormat::BGR24>(isa, nv12, width);
    if (in == "RGB24") return once<PixelFormat::RGB24>(isa, nv12, width);
    if (in == "BGRA32") return once<PixelFormat::BGRA32>(isa, nv12, width);
    if (in == "RGBA32") return once<PixelFormat::RGBA32>(isa, nv12, width);
  }
  std::fprintf(
      stderr,
      "usage: %s time | time-unpack | once <isa> <format> <I420|NV12> <width> | once-unpack "
      "<isa> <I420|NV12> <format> <width>\n",
      argv[0]);
  return 2;
}
