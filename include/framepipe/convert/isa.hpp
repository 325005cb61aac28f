// The instruction-set paths the colour kernels can take, and how one is chosen: the CPU is asked
// once (detected_isa), and the environment variable FRAMEPIPE_ISA=scalar|sse4|avx2|avx512|neon
// may force a lower path (active_isa). Converters ask active_isa() once, when they are built.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "framepipe/convert/kernels/abi.hpp"
#include "framepipe/convert/kernels/x86.hpp"
#include "framepipe/core/enum_table.hpp"
#include "framepipe/core/error.hpp"

namespace framepipe {

/// Instruction-set paths a kernel can take: scalar (everywhere), then the x86 paths lowest first,
/// then AArch64's NEON path. The order ranks the x86 paths among themselves and puts scalar below
/// every path; across architectures it means nothing (isa_within() says which paths a CPU can
/// take).
enum class Isa { Scalar, Sse4, Avx2, Avx512, Neon };

namespace detail {

/// The name of each path, as FRAMEPIPE_ISA and parse_isa() take it.
inline constexpr EnumRow<Isa, std::string_view> kIsaNames[] = {
    {Isa::Scalar, "scalar"}, {Isa::Sse4, "sse4"}, {Isa::Avx2, "avx2"},
    {Isa::Avx512, "avx512"}, {Isa::Neon, "neon"},
};

}  // namespace detail

/// "scalar", "sse4", "avx2", "avx512" or "neon": the names FRAMEPIPE_ISA and parse_isa() accept.
constexpr std::string_view isa_name(Isa isa) {
  return detail::value_of(detail::kIsaNames, isa, "?");
}

/// Parses "scalar", "sse4", "avx2", "avx512" or "neon". Throws InvalidArgument otherwise.
inline Isa parse_isa(std::string_view name) {
  if (const std::optional<Isa> isa = detail::key_of(detail::kIsaNames, name)) return *isa;
  throw InvalidArgument("framepipe: unknown ISA '" + std::string(name) +
                        "' (expected scalar, sse4, avx2, avx512 or neon)");
}

/// Whether a CPU whose best path is `best` can take path `isa`: scalar always; an x86 path when
/// `best` is an x86 path at or above it; neon when `best` is neon.
constexpr bool isa_within(Isa isa, Isa best) {
  const auto x86 = [](Isa i) { return i == Isa::Sse4 || i == Isa::Avx2 || i == Isa::Avx512; };
  if (isa == Isa::Scalar || isa == best) return true;
  return x86(isa) && x86(best) && isa < best;
}

namespace detail {

inline Isa detect_isa() {
#if FRAMEPIPE_KERNELS_NEON
  return Isa::Neon;  // part of the AArch64 base ISA: every AArch64 CPU has it
#else
  const kernels::x86_detail::CpuFeatures f = kernels::x86_detail::cpu_features();
  if (f.avx512) return Isa::Avx512;
  if (f.avx2) return Isa::Avx2;
  if (f.sse41) return Isa::Sse4;
  return Isa::Scalar;
#endif
}

}  // namespace detail

/// The best path that both this CPU and this build's kernels support: on x86 with GCC or Clang
/// the best of avx512 (AVX-512 F, BW, VL and VBMI), avx2, sse4 (SSE4.1) the CPU and OS offer;
/// neon on AArch64 with GCC or Clang; scalar elsewhere. Asks the CPU once per program.
inline Isa detected_isa() {
  static const Isa isa = detail::detect_isa();
  return isa;
}

/// The path converters use: detected_isa(), lowered by FRAMEPIPE_ISA when that is set. Asking for
/// a path the CPU cannot take (above its best, or another architecture's) gives the CPU's best
/// (with no error: tests force paths on machines of every kind). FRAMEPIPE_ISA=scalar gives scalar
/// everywhere.
inline Isa active_isa() {
  const Isa best = detected_isa();
  const char* forced = std::getenv("FRAMEPIPE_ISA");
  if (forced == nullptr || *forced == '\0') return best;
  const Isa wanted = parse_isa(forced);
  return isa_within(wanted, best) ? wanted : best;
}

}  // namespace framepipe
