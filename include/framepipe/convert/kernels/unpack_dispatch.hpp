// Chooses the unpack row kernels for a path (the unpack twin of pack_dispatch.hpp, with the same
// mechanism: every x86 path is compiled into every translation unit through per-function target
// attributes, and the CPU is asked once; on AArch64 the NEON path, baseline there, needs neither).
#pragma once

#include <cstdint>

#include "framepipe/color/unpack_coefficients.hpp"
#include "framepipe/convert/isa.hpp"
#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/convert/kernels/unpack_avx2.hpp"
#include "framepipe/convert/kernels/unpack_avx512.hpp"
#include "framepipe/convert/kernels/unpack_neon.hpp"
#include "framepipe/convert/kernels/unpack_scalar.hpp"
#include "framepipe/convert/kernels/unpack_sse4.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/color_space.hpp"
#include "framepipe/core/frame.hpp"

namespace framepipe {

namespace kernels {
inline namespace FRAMEPIPE_KERNELS_ABI {

namespace detail {

template <PixelFormat In, PixelFormat Out, ChromaSite Site>
UnpackRowFn select_unpack_rows_sited(Isa isa) {
#if FRAMEPIPE_KERNELS_X86
  switch (isa) {
    case Isa::Avx512:
      return &unpack_row_avx512<In, Out, Site>;
    case Isa::Avx2:
      return &unpack_row_avx2<In, Out, Site>;
    case Isa::Sse4:
      return &unpack_row_sse4<In, Out, Site>;
    case Isa::Scalar:
    case Isa::Neon:
      break;
  }
#elif FRAMEPIPE_KERNELS_NEON
  if (isa == Isa::Neon) return &unpack_row_neon<In, Out, Site>;
#endif
  return &unpack_row_scalar<In, Out, Site>;
}

template <PixelFormat In, PixelFormat Out>
UnpackRowFn select_unpack_replicate_rows(Isa isa) {
#if FRAMEPIPE_KERNELS_X86
  switch (isa) {
    case Isa::Avx512:
      return &unpack_row_replicate_avx512<In, Out>;
    case Isa::Avx2:
      return &unpack_row_replicate_avx2<In, Out>;
    case Isa::Sse4:
      return &unpack_row_replicate_sse4<In, Out>;
    case Isa::Scalar:
    case Isa::Neon:
      break;
  }
#elif FRAMEPIPE_KERNELS_NEON
  if (isa == Isa::Neon) return &unpack_row_replicate_neon<In, Out>;
#endif
  return &unpack_row_replicate_scalar<In, Out>;
}

}  // namespace detail

/// The row kernel that unpacks `In` (I420 or NV12) into `Out` (BGR24, RGB24, BGRA32, RGBA32) for
/// chroma siting `site` and chroma filter `filter` (ChromaFilter::Replicate ignores the siting)
/// on path `isa`. Never returns a path this CPU cannot take (isa_within): on AArch64 the best is
/// NEON, a baseline feature, so no CPU check.
template <PixelFormat In, PixelFormat Out>
UnpackRowFn select_unpack_rows(Isa isa, ChromaSite site,
                               ChromaFilter filter = ChromaFilter::Bilinear) {
  static_assert(In == PixelFormat::I420 || In == PixelFormat::NV12);
  static_assert(is_rgb_family(Out));
  if (!isa_within(isa, detected_isa())) isa = detected_isa();
  if (filter == ChromaFilter::Replicate) return detail::select_unpack_replicate_rows<In, Out>(isa);
  return site == ChromaSite::Left
             ? detail::select_unpack_rows_sited<In, Out, ChromaSite::Left>(isa)
             : detail::select_unpack_rows_sited<In, Out, ChromaSite::Center>(isa);
}

/// Unpacks rows [y_begin, y_end) of a frame on path `isa`: picks the row kernel once, then gives
/// it each luma row with its nearest chroma row (weight 3/4) and the next nearest (1/4: the row
/// above for an even luma row, below for an odd one, clamped to the frame; ChromaFilter::Replicate
/// reads the nearest only). Every output row depends on the source only, so bands of rows can run
/// in parallel. Sizes must match (the unpackers check).
template <PixelFormat In, PixelFormat Out>
void unpack_yuv420_rows(FrameView<In> src, FrameView<Out> dst, const UnpackCoefficients& k,
                        ChromaSite site, Isa isa, int y_begin, int y_end,
                        ChromaFilter filter = ChromaFilter::Bilinear) {
  const UnpackRowFn row = select_unpack_rows<In, Out>(isa, site, filter);
  const int w = src.width();
  const int h = src.height();
  const int ch = (h + 1) / 2;
  for (int y = y_begin; y < y_end; ++y) {
    const int j = y / 2;
    const int far = y % 2 == 0 ? (j > 0 ? j - 1 : 0) : (j + 1 < ch ? j + 1 : j);
    if constexpr (In == PixelFormat::NV12) {
      const std::uint8_t* near_uv = src.row(1, j);
      const std::uint8_t* far_uv = src.row(1, far);
      row(src.row(0, y), near_uv, far_uv, near_uv + 1, far_uv + 1, dst.row(0, y), w, k);
    } else {
      row(src.row(0, y), src.row(1, j), src.row(1, far), src.row(2, j), src.row(2, far),
          dst.row(0, y), w, k);
    }
  }
}

/// Unpacks a whole frame (unpack_yuv420_rows over every row).
template <PixelFormat In, PixelFormat Out>
void unpack_yuv420_frame(FrameView<In> src, FrameView<Out> dst, const UnpackCoefficients& k,
                         ChromaSite site, Isa isa, ChromaFilter filter = ChromaFilter::Bilinear) {
  unpack_yuv420_rows(src, dst, k, site, isa, 0, src.height(), filter);
}

}  // namespace FRAMEPIPE_KERNELS_ABI
}  // namespace kernels
}  // namespace framepipe
