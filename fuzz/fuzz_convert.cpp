// fuzz_convert: a differential target. Every packer and unpacker path this CPU has (scalar,
// SSE4.1, AVX2, AVX-512 or NEON; see convert/isa.hpp), run through the converters themselves
// (I420/NV12 packers, the four unpackers) with the input's thread count, must write the same
// bytes as the scalar row kernels do -- every byte of the destination buffers, the padding
// between rows included -- at the size, strides, pointer offsets, formats, matrix, range and
// siting the input's trailing bytes choose. The source pixels are the input's leading bytes.
// The first difference aborts. Each plane is its own heap block ending right after its last
// row, so that a read or write past a plane is a sanitizer report.
//
// Trailing bytes (read from the end, see support/fuzz_input.hpp): op, colour, width (2 bytes),
// height, threads, then per plane of source and destination: row padding and pointer offset.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "framepipe/color/coefficients.hpp"
#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/pack_dispatch.hpp"
#include "framepipe/convert/kernels/unpack_dispatch.hpp"
#include "framepipe/convert/rgb_to_yuv_packer.hpp"
#include "framepipe/convert/yuv_to_rgb_unpacker.hpp"
#include "framepipe/core/frame.hpp"
#include "support/fuzz_input.hpp"

namespace {

using framepipe::ChromaSite;
using framepipe::ColorSpec;
using framepipe::Isa;
using framepipe::Matrix;
using framepipe::PixelFormat;
using framepipe::Range;
using framepipe::Size;
using framepipe::fuzz::FuzzInput;

// Clamped sizes: large enough for every vector width and its tails (AVX-512 takes 64 pixels a
// step), small enough for thousands of runs a second.
constexpr int kMaxWidth = 320;
constexpr int kMaxHeight = 48;
constexpr int kMaxPixels = 16 * 1024;
constexpr std::size_t kMaxPadding = 64;
constexpr std::size_t kMaxOffset = 63;

constexpr std::array kPaths{Isa::Scalar, Isa::Sse4, Isa::Avx2, Isa::Avx512, Isa::Neon};

/// The geometry the input chose: per plane, padding after each row and the pointer's offset
/// from a fresh allocation.
struct Geometry {
  Size size{};
  std::array<std::size_t, 3> src_padding{}, src_offset{};
  std::array<std::size_t, 3> dst_padding{}, dst_offset{};
};

/// A frame of format F whose planes are separate heap blocks: `offset` bytes, then the rows at
/// `padding` bytes past their tight length; the block ends right after the last row's pixels.
template <PixelFormat F>
struct Planes {
  std::array<std::vector<std::uint8_t>, 3> blocks;
  framepipe::FrameView<F> view;

  Planes(Size size, const std::array<std::size_t, 3>& padding,
         const std::array<std::size_t, 3>& offset) {
    const framepipe::PlaneLayout tight = framepipe::default_layout(F, size);
    std::array<std::uint8_t*, 3> planes{};
    std::array<std::size_t, 3> strides{};
    for (std::size_t p = 0; p < static_cast<std::size_t>(tight.planes); ++p) {
      const auto row_bytes = static_cast<std::size_t>(tight.row_bytes[p]);
      const auto rows = static_cast<std::size_t>(tight.rows[p]);
      strides[p] = row_bytes + padding[p];
      blocks[p].resize(offset[p] + strides[p] * (rows - 1) + row_bytes);
      planes[p] = blocks[p].data() + offset[p];
    }
    view = framepipe::FrameView<F>(size, planes, strides);
  }
  // The view points into the blocks: no copies.
  Planes(const Planes&) = delete;
  Planes& operator=(const Planes&) = delete;

  /// Fills every byte of every block from `bytes` (cyclically), or a fixed pattern when empty.
  void fill(const std::uint8_t* bytes, std::size_t n, std::uint8_t salt) {
    std::size_t i = 0;
    for (auto& block : blocks) {
      for (std::uint8_t& b : block) {
        b = n != 0 ? bytes[i % n] : static_cast<std::uint8_t>(i * 131u + salt);
        ++i;
      }
    }
  }

  bool operator==(const Planes& other) const { return blocks == other.blocks; }
};

/// How an unpacker reads chroma: its siting and its filter (packers: the defaults).
struct Chroma {
  ChromaSite site = ChromaSite::Center;
  framepipe::ChromaFilter filter = framepipe::ChromaFilter::Bilinear;
};

[[noreturn]] void mismatch(const char* what, Isa isa, PixelFormat in, PixelFormat out,
                           const Geometry& g, unsigned threads, ColorSpec color, Chroma chroma) {
  std::fprintf(stderr,
               "fuzz_convert: %s: path %s, %s -> %s, %dx%d, %u threads, %s %s, chroma %s %s\n",
               what, std::string(framepipe::isa_name(isa)).c_str(),
               std::string(framepipe::format_name(in)).c_str(),
               std::string(framepipe::format_name(out)).c_str(), g.size.width, g.size.height,
               threads, std::string(framepipe::matrix_name(color.matrix)).c_str(),
               std::string(framepipe::range_name(color.range)).c_str(),
               chroma.site == ChromaSite::Left ? "left" : "center",
               std::string(framepipe::chroma_filter_name(chroma.filter)).c_str());
  std::abort();
}

/// Forces path `isa` for the converters built next (FRAMEPIPE_ISA, as active_isa() reads it).
void force_path(Isa isa) {
  setenv("FRAMEPIPE_ISA", std::string(framepipe::isa_name(isa)).c_str(), 1);
}

template <PixelFormat In, PixelFormat Out>
void check_pack(const Geometry& g, ColorSpec color, unsigned threads, const std::uint8_t* pixels,
                std::size_t pixel_bytes) {
  Planes<In> src(g.size, g.src_padding, g.src_offset);
  src.fill(pixels, pixel_bytes, 0);
  Planes<Out> expected(g.size, g.dst_padding, g.dst_offset);
  expected.fill(nullptr, 0, 0x5a);
  framepipe::kernels::pack_yuv420_frame<In, Out>(src.view, expected.view,
                                                 framepipe::pack_coefficients(color), Isa::Scalar);

  for (const Isa isa : kPaths) {
    if (!framepipe::isa_within(isa, framepipe::detected_isa())) continue;
    force_path(isa);
    const framepipe::RgbToYuvPacker<Out> packer(
        {.matrix = color.matrix, .range = color.range, .threads = threads});
    if (packer.isa() != isa)
      mismatch("the path was not selected", isa, In, Out, g, threads, color, Chroma{});
    if (!(packer.color_spec(g.size) == color)) {
      mismatch("the packer states another colour", isa, In, Out, g, threads, color, Chroma{});
    }
    Planes<Out> actual(g.size, g.dst_padding, g.dst_offset);
    actual.fill(nullptr, 0, 0x5a);
    packer.convert(src.view, actual.view);
    if (!(actual == expected)) {
      mismatch("differs from the scalar kernels", isa, In, Out, g, threads, color, Chroma{});
    }
  }
}

template <PixelFormat In, PixelFormat Out>
void check_unpack(const Geometry& g, ColorSpec color, Chroma chroma, unsigned threads,
                  const std::uint8_t* pixels, std::size_t pixel_bytes) {
  Planes<In> src(g.size, g.src_padding, g.src_offset);
  src.fill(pixels, pixel_bytes, 0);
  Planes<Out> expected(g.size, g.dst_padding, g.dst_offset);
  expected.fill(nullptr, 0, 0xa5);
  framepipe::kernels::unpack_yuv420_frame<In, Out>(src.view, expected.view,
                                                   framepipe::unpack_coefficients(color),
                                                   chroma.site, Isa::Scalar, chroma.filter);

  for (const Isa isa : kPaths) {
    if (!framepipe::isa_within(isa, framepipe::detected_isa())) continue;
    force_path(isa);
    const framepipe::YuvToRgbUnpacker<Out> unpacker({.matrix = color.matrix,
                                                     .range = color.range,
                                                     .chroma_site = chroma.site,
                                                     .chroma_filter = chroma.filter,
                                                     .threads = threads});
    if (unpacker.isa() != isa)
      mismatch("the path was not selected", isa, In, Out, g, threads, color, chroma);
    if (!(unpacker.color_spec_of_input() == color) || unpacker.chroma_site() != chroma.site ||
        unpacker.chroma_filter() != chroma.filter) {
      mismatch("the unpacker decodes another colour, siting or filter", isa, In, Out, g, threads,
               color, chroma);
    }
    Planes<Out> actual(g.size, g.dst_padding, g.dst_offset);
    actual.fill(nullptr, 0, 0xa5);
    unpacker.convert(src.view, actual.view);
    if (!(actual == expected)) {
      mismatch("differs from the scalar kernels", isa, In, Out, g, threads, color, chroma);
    }
  }
}

template <PixelFormat Out>
void pack_from(int rgb, const Geometry& g, ColorSpec color, unsigned threads,
               const std::uint8_t* pixels, std::size_t n) {
  switch (rgb) {
    case 0:
      return check_pack<PixelFormat::BGR24, Out>(g, color, threads, pixels, n);
    case 1:
      return check_pack<PixelFormat::RGB24, Out>(g, color, threads, pixels, n);
    case 2:
      return check_pack<PixelFormat::BGRA32, Out>(g, color, threads, pixels, n);
    default:
      return check_pack<PixelFormat::RGBA32, Out>(g, color, threads, pixels, n);
  }
}

template <PixelFormat In>
void unpack_to(int rgb, const Geometry& g, ColorSpec color, Chroma chroma, unsigned threads,
               const std::uint8_t* pixels, std::size_t n) {
  switch (rgb) {
    case 0:
      return check_unpack<In, PixelFormat::BGR24>(g, color, chroma, threads, pixels, n);
    case 1:
      return check_unpack<In, PixelFormat::RGB24>(g, color, chroma, threads, pixels, n);
    case 2:
      return check_unpack<In, PixelFormat::BGRA32>(g, color, chroma, threads, pixels, n);
    default:
      return check_unpack<In, PixelFormat::RGBA32>(g, color, chroma, threads, pixels, n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) { return 0; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  const std::uint8_t op = in.byte();
  const bool unpack = (op & 1u) != 0;
  const int rgb = (op >> 1) & 3;
  const bool nv12 = (op & 8u) != 0;
  const std::uint8_t colour = in.byte();
  const ColorSpec color{static_cast<Matrix>(colour % 3u),
                        (colour & 4u) != 0 ? Range::Full : Range::Limited};
  const Chroma chroma{
      (colour & 8u) != 0 ? ChromaSite::Left : ChromaSite::Center,
      (colour & 16u) != 0 ? framepipe::ChromaFilter::Replicate : framepipe::ChromaFilter::Bilinear};
  Geometry g;
  g.size.width = in.in_range(1, kMaxWidth);
  g.size.height = in.in_range(1, kMaxHeight);
  g.size.height = std::max(1, std::min(g.size.height, kMaxPixels / g.size.width));
  // 1..3 threads of the converter's own, or 0: the hardware's cores.
  const auto threads = static_cast<unsigned>(in.byte() % 4u);
  for (std::size_t p = 0; p < 3; ++p) {
    g.src_padding[p] = in.byte() % (kMaxPadding + 1);
    g.src_offset[p] = in.byte() % (kMaxOffset + 1);
    g.dst_padding[p] = in.byte() % (kMaxPadding + 1);
    g.dst_offset[p] = in.byte() % (kMaxOffset + 1);
  }
  const std::uint8_t* pixels = in.payload();
  const std::size_t n = in.payload_size();
  if (unpack) {
    if (nv12) {
      unpack_to<PixelFormat::NV12>(rgb, g, color, chroma, threads, pixels, n);
    } else {
      unpack_to<PixelFormat::I420>(rgb, g, color, chroma, threads, pixels, n);
    }
  } else if (nv12) {
    pack_from<PixelFormat::NV12>(rgb, g, color, threads, pixels, n);
  } else {
    pack_from<PixelFormat::I420>(rgb, g, color, threads, pixels, n);
  }
  return 0;
}
