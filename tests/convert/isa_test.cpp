#include "framepipe/convert/isa.hpp"

#include <doctest/doctest.h>

#include <string>

#include "support/scoped_env.hpp"

using framepipe::Isa;

namespace {

constexpr Isa kAllPaths[] = {Isa::Scalar, Isa::Sse4, Isa::Avx2, Isa::Avx512, Isa::Neon};

}  // namespace

TEST_CASE("isa_name and parse_isa name the five paths and round-trip") {
  CHECK(framepipe::isa_name(Isa::Scalar) == "scalar");
  CHECK(framepipe::isa_name(Isa::Sse4) == "sse4");
  CHECK(framepipe::isa_name(Isa::Avx2) == "avx2");
  CHECK(framepipe::isa_name(Isa::Avx512) == "avx512");
  CHECK(framepipe::isa_name(Isa::Neon) == "neon");
  for (Isa isa : kAllPaths) CHECK(framepipe::parse_isa(framepipe::isa_name(isa)) == isa);
  static_assert(framepipe::isa_name(Isa::Avx2) == "avx2", "isa_name is usable at compile time");
}

TEST_CASE("parse_isa rejects names it does not know, naming the ones it does") {
  for (const char* bad : {"", "AVX2", "avx", "sse4.1", "NEON", "sve", "avx1024", "scalar "}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(framepipe::parse_isa(bad),
                         doctest::Contains("expected scalar, sse4, avx2, avx512 or neon"),
                         framepipe::InvalidArgument);
  }
}

TEST_CASE("The paths are ordered lowest first") {
  CHECK(Isa::Scalar < Isa::Sse4);
  CHECK(Isa::Sse4 < Isa::Avx2);
  CHECK(Isa::Avx2 < Isa::Avx512);
}

TEST_CASE("isa_within: scalar everywhere, x86 paths up to an x86 best, neon only on neon") {
  for (Isa best : kAllPaths) {
    CAPTURE(framepipe::isa_name(best));
    CHECK(framepipe::isa_within(Isa::Scalar, best));
    CHECK(framepipe::isa_within(best, best));
    CHECK(framepipe::isa_within(Isa::Neon, best) == (best == Isa::Neon));
  }
  CHECK(framepipe::isa_within(Isa::Sse4, Isa::Avx512));
  CHECK(framepipe::isa_within(Isa::Avx2, Isa::Avx512));
  CHECK_FALSE(framepipe::isa_within(Isa::Avx512, Isa::Avx2));
  CHECK_FALSE(framepipe::isa_within(Isa::Sse4, Isa::Scalar));
  for (Isa x86 : {Isa::Sse4, Isa::Avx2, Isa::Avx512}) {
    CHECK_FALSE(framepipe::isa_within(x86, Isa::Neon));
    CHECK_FALSE(framepipe::isa_within(Isa::Neon, x86));
  }
}

TEST_CASE("detected_isa() is the best path this CPU offers") {
#if FRAMEPIPE_KERNELS_X86
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi");
  const Isa expected = avx512                             ? Isa::Avx512
                       : __builtin_cpu_supports("avx2")   ? Isa::Avx2
                       : __builtin_cpu_supports("sse4.1") ? Isa::Sse4
                                                          : Isa::Scalar;
  CHECK(framepipe::detected_isa() == expected);
#elif FRAMEPIPE_KERNELS_NEON
  CHECK(framepipe::detected_isa() == Isa::Neon);
#else
  CHECK(framepipe::detected_isa() == Isa::Scalar);
#endif
  MESSAGE("detected path: " << framepipe::isa_name(framepipe::detected_isa()));
}

TEST_CASE("active_isa() is detected_isa(), lowered (never raised) by FRAMEPIPE_ISA") {
  const Isa best = framepipe::detected_isa();
  {
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", nullptr);
    CHECK(framepipe::active_isa() == best);
  }
  {
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", "");
    CHECK(framepipe::active_isa() == best);
  }
  for (Isa wanted : kAllPaths) {
    const std::string name(framepipe::isa_name(wanted));
    CAPTURE(name);
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", name.c_str());
    // A path this CPU cannot take (above its best, or another architecture's) gives its best.
    CHECK(framepipe::active_isa() == (framepipe::isa_within(wanted, best) ? wanted : best));
    if (wanted == Isa::Scalar) CHECK(framepipe::active_isa() == Isa::Scalar);
  }
  {
    framepipe::test::ScopedEnv env("FRAMEPIPE_ISA", "avx1024");
    CHECK_THROWS_AS(framepipe::active_isa(), framepipe::InvalidArgument);
  }
}

TEST_CASE("isa_name of a number that is no path is '?'") {
  CHECK(framepipe::isa_name(static_cast<Isa>(42)) == "?");
}
