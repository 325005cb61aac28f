// The version macros in framepipe/version.hpp. CMakeLists.txt reads MAJOR/MINOR/PATCH from that
// header into project(VERSION), and passes the result back to this test as
// FRAMEPIPE_TEST_PROJECT_VERSION_STRING: so the numbers agree by construction, and what is left to
// check is what CMake does not read -- the derivation of FRAMEPIPE_VERSION_STRING from the numbers
// and the packed FRAMEPIPE_VERSION --
// and that CMake's reading of the header gave the same version.
#include "framepipe/version.hpp"

#include <doctest/doctest.h>

#include <string>

#ifndef FRAMEPIPE_TEST_PROJECT_VERSION_STRING
#  error "tests/CMakeLists.txt must pass the CMake project version to version_test"
#endif

namespace {
std::string dotted(int major, int minor, int patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}
}  // namespace

TEST_CASE("FRAMEPIPE_VERSION_STRING is derived from the numbers: it spells MAJOR.MINOR.PATCH") {
  // Derived, not copied: a string literal built by the preprocessor from the three numbers.
  static_assert(sizeof(FRAMEPIPE_VERSION_STRING) > 5, "at least \"0.0.0\"");
  CHECK(std::string(FRAMEPIPE_VERSION_STRING) ==
        dotted(FRAMEPIPE_VERSION_MAJOR, FRAMEPIPE_VERSION_MINOR, FRAMEPIPE_VERSION_PATCH));
}

TEST_CASE("FRAMEPIPE_VERSION_STRINGIFY spells a number's value, not its macro's name") {
  CHECK(std::string(FRAMEPIPE_VERSION_STRINGIFY(FRAMEPIPE_VERSION_MINOR)) ==
        std::to_string(FRAMEPIPE_VERSION_MINOR));
}

TEST_CASE("FRAMEPIPE_VERSION packs major * 10000 + minor * 100 + patch") {
  CHECK(FRAMEPIPE_VERSION ==
        FRAMEPIPE_VERSION_MAJOR * 10000 + FRAMEPIPE_VERSION_MINOR * 100 + FRAMEPIPE_VERSION_PATCH);
}

TEST_CASE("CMake's project(VERSION) is the header's version") {
  CHECK(std::string(FRAMEPIPE_TEST_PROJECT_VERSION_STRING) == FRAMEPIPE_VERSION_STRING);
}

TEST_CASE("FRAMEPIPE_VERSION orders releases and is usable in #if") {
#if FRAMEPIPE_VERSION < 100
  FAIL("FRAMEPIPE_VERSION is below 0.1.0");
#endif
  static_assert(FRAMEPIPE_VERSION_MINOR < 100 && FRAMEPIPE_VERSION_PATCH < 100,
                "FRAMEPIPE_VERSION packs minor and patch in two digits each");
}
