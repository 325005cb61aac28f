// Which kernel paths a per-path test runs. ctest runs such a test once per path with
// FRAMEPIPE_TEST_ISA=<path> (tests/CMakeLists.txt, PER_ISA): it then tests that path alone, or
// exits 77 (a visible skip) when this CPU -- or FRAMEPIPE_ISA, which masks paths the way libyuv's
// tests mask CPU flags -- lacks it. Unset, it tests every path the CPU has and says which not.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "framepipe/convert/isa.hpp"

namespace framepipe::test {

/// The paths of `all` under test; `test` names the test in the lines it prints. Call it before
/// main() (a namespace-scope constant), so that a skip happens before any test case runs.
inline std::vector<Isa> choose_paths(const char* test, std::span<const Isa> all) {
  const char* wanted = std::getenv("FRAMEPIPE_TEST_ISA");
  try {
    const Isa best = active_isa();
    std::string why = "this CPU's best path is " + std::string(isa_name(detected_isa()));
    if (best != detected_isa()) {
      why += ", lowered to " + std::string(isa_name(best)) + " by FRAMEPIPE_ISA";
    }
    if (wanted != nullptr && *wanted != '\0') {
      const Isa isa = parse_isa(wanted);
      if (!isa_within(isa, best)) {
        std::printf("%s: SKIPPED (exit 77): FRAMEPIPE_TEST_ISA=%s, but %s\n", test, wanted,
                    why.c_str());
        std::fflush(stdout);
        std::exit(77);
      }
      std::printf(
          "%s: testing the %s path (FRAMEPIPE_TEST_ISA)%s\n", test, wanted,
          isa == Isa::Scalar ? " against the float reference; no SIMD path to compare" : "");
      return {isa};
    }
    std::vector<Isa> paths;
    for (const Isa isa : all) {
      if (isa_within(isa, best)) {
        paths.push_back(isa);
      } else {
        std::printf("%s: NOT testing the %s path: %s\n", test, std::string(isa_name(isa)).c_str(),
                    why.c_str());
      }
    }
    return paths;
  } catch (const std::exception& e) {  // a misspelt FRAMEPIPE_TEST_ISA is a failure, loudly
    std::printf("%s: %s\n", test, e.what());
    std::fflush(stdout);
    std::exit(1);
  }
}

/// The SIMD paths among `paths`: each is compared with the scalar path.
inline std::vector<Isa> simd_paths(const std::vector<Isa>& paths) {
  std::vector<Isa> simd;
  for (const Isa isa : paths) {
    if (isa != Isa::Scalar) simd.push_back(isa);
  }
  return simd;
}

}  // namespace framepipe::test
