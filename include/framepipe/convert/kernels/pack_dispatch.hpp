// Chooses the row kernels for a path (isa.hpp says which paths exist and how one is picked).
// Header-only: no -march flag is needed.
//
// Mechanism (docs/architecture.md, "Colour"): each SIMD kernel is an ordinary inline template
// compiled for its ISA by a per-function target attribute (x86.hpp), so every translation unit
// holds all paths whatever its -m flags; the CPU is asked once, through __builtin_cpu_supports,
// and the answer is kept in a function-local static. Converters then ask select_pack_rows() once
// each and call the returned function pointer per row pair, like libyuv's plane functions.
#pragma once

#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/convert/kernels/pack_avx2.hpp"
#include "framepipe/convert/kernels/pack_avx512.hpp"
#include "framepipe/convert/kernels/pack_neon.hpp"
#include "framepipe/convert/kernels/pack_scalar.hpp"
#include "framepipe/convert/kernels/pack_sse4.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe {

namespace kernels {
// In the same per-ISA namespace as the kernels whose addresses they return (see x86.hpp).
inline namespace FRAMEPIPE_KERNELS_ABI {

/// The row kernel that packs source format `In` into the 4:2:0 format `Out` (I420 or NV12) on
/// path `isa`. Never returns a path this CPU cannot take (isa_within): asking for one gives the
/// best this CPU and build have. On AArch64 that is NEON, a baseline feature, so no CPU check.
template <PixelFormat In, PixelFormat Out>
PackRowsFn select_pack_rows(Isa isa) {
  static_assert(Out == PixelFormat::I420 || Out == PixelFormat::NV12);
  constexpr bool kNv12 = Out == PixelFormat::NV12;
  if (!isa_within(isa, detected_isa())) isa = detected_isa();
#if FRAMEPIPE_KERNELS_X86
  switch (isa) {
    case Isa::Avx512:
      return kNv12 ? &pack_nv12_rows_avx512<In> : &pack_i420_rows_avx512<In>;
    case Isa::Avx2:
      return kNv12 ? &pack_nv12_rows_avx2<In> : &pack_i420_rows_avx2<In>;
    case Isa::Sse4:
      return kNv12 ? &pack_nv12_rows_sse4<In> : &pack_i420_rows_sse4<In>;
    case Isa::Scalar:
    case Isa::Neon:
      break;
  }
#elif FRAMEPIPE_KERNELS_NEON
  if (isa == Isa::Neon) return kNv12 ? &pack_nv12_rows_neon<In> : &pack_i420_rows_neon<In>;
#endif
  return kNv12 ? &pack_nv12_rows_scalar<In> : &pack_i420_rows_scalar<In>;
}

/// Packs rows [y_begin, y_end) of a frame into the 4:2:0 format `Out` (I420 or NV12) on path
/// `isa`: picks the row kernel once, then walks the rows two at a time (an odd last row pairs with
/// itself). `y_begin` must be even, so that each band of rows owns whole chroma rows. Sizes must
/// match (the packers check). Here rather than in the packer class so that the loop, too, is
/// compiled once per ISA level.
template <PixelFormat In, PixelFormat Out>
void pack_yuv420_rows(FrameView<In> src, FrameView<Out> dst, const PackCoefficients& k, Isa isa,
                      int y_begin, int y_end) {
  static_assert(Out == PixelFormat::I420 || Out == PixelFormat::NV12);
  const PackRowsFn rows = select_pack_rows<In, Out>(isa);
  const int w = src.width();
  const int h = src.height();
  for (int y = y_begin; y < y_end; y += 2) {
    const int y_next = y + 1 < h ? y + 1 : y;
    std::uint8_t* u = dst.row(1, y / 2);
    std::uint8_t* v = Out == PixelFormat::I420 ? dst.row(2, y / 2) : u + 1;
    rows(src.row(0, y), src.row(0, y_next), dst.row(0, y), dst.row(0, y_next), u, v, w, k);
  }
}

/// Packs a whole frame (pack_yuv420_rows over every row).
template <PixelFormat In, PixelFormat Out>
void pack_yuv420_frame(FrameView<In> src, FrameView<Out> dst, const PackCoefficients& k, Isa isa) {
  pack_yuv420_rows(src, dst, k, isa, 0, src.height());
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace kernels
}  // namespace framepipe
