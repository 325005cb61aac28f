// Chooses the row kernels for the CPU at run time. Header-only: no -march flag is needed; the
// environment variable FRAMEPIPE_ISA=scalar|sse4|avx2|avx512 forces a lower path.
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>

#include "framepipe/convert/kernels/scalar.hpp"
#include "framepipe/core/error.hpp"

namespace framepipe {

/// Instruction-set paths a kernel can take, lowest first.
enum class Isa { Scalar, Sse4, Avx2, Avx512 };

constexpr std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar:
      return "scalar";
    case Isa::Sse4:
      return "sse4";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
  }
  return "?";
}

/// Parses "scalar", "sse4", "avx2" or "avx512". Throws InvalidArgument otherwise.
inline Isa parse_isa(std::string_view name) {
  for (Isa isa : {Isa::Scalar, Isa::Sse4, Isa::Avx2, Isa::Avx512}) {
    if (name == isa_name(isa)) return isa;
  }
  throw InvalidArgument("framepipe: unknown ISA '" + std::string(name) +
                        "' (expected scalar, sse4, avx2 or avx512)");
}

/// The best path that both this CPU and this build's kernels support.
inline Isa detected_isa() { return Isa::Scalar; }

/// The path converters use: detected_isa(), lowered by FRAMEPIPE_ISA when that is set. Asking for
/// a path above what the CPU supports gives the CPU's best (with no error: tests force paths on
/// machines of every kind).
inline Isa active_isa() {
  const Isa best = detected_isa();
  const char* forced = std::getenv("FRAMEPIPE_ISA");
  if (forced == nullptr || *forced == '\0') return best;
  const Isa wanted = parse_isa(forced);
  return wanted < best ? wanted : best;
}

namespace kernels {

/// The I420 row kernel for source format `In` on path `isa`.
template <PixelFormat In>
PackRowsFn select_pack_i420_rows(Isa /*isa*/) {
  return &pack_i420_rows_scalar<In>;
}

/// The NV12 row kernel for source format `In` on path `isa`.
template <PixelFormat In>
PackRowsFn select_pack_nv12_rows(Isa /*isa*/) {
  return &pack_nv12_rows_scalar<In>;
}

}  // namespace kernels
}  // namespace framepipe
