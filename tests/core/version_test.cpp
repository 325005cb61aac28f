// The version macros in framepipe/version.hpp against project(VERSION) in CMakeLists.txt, which
// this test receives as FRAMEPIPE_TEST_PROJECT_VERSION_{MAJOR,MINOR,PATCH,STRING}.
#include "framepipe/version.hpp"

#include <doctest/doctest.h>

#include <string>

#ifndef FRAMEPIPE_TEST_PROJECT_VERSION_STRING
#  error "tests/CMakeLists.txt must pass the CMake project version to version_test"
#endif

TEST_CASE("FRAMEPIPE_VERSION_* match the CMake project version") {
  CHECK(FRAMEPIPE_VERSION_MAJOR == FRAMEPIPE_TEST_PROJECT_VERSION_MAJOR);
  CHECK(FRAMEPIPE_VERSION_MINOR == FRAMEPIPE_TEST_PROJECT_VERSION_MINOR);
  CHECK(FRAMEPIPE_VERSION_PATCH == FRAMEPIPE_TEST_PROJECT_VERSION_PATCH);
  CHECK(std::string(FRAMEPIPE_VERSION_STRING) == FRAMEPIPE_TEST_PROJECT_VERSION_STRING);
  CHECK(FRAMEPIPE_VERSION == FRAMEPIPE_TEST_PROJECT_VERSION_MAJOR * 10000 +
                                 FRAMEPIPE_TEST_PROJECT_VERSION_MINOR * 100 +
                                 FRAMEPIPE_TEST_PROJECT_VERSION_PATCH);
}

TEST_CASE("FRAMEPIPE_VERSION orders releases and is usable in #if") {
#if FRAMEPIPE_VERSION < 100
  FAIL("FRAMEPIPE_VERSION is below 0.1.0");
#endif
  static_assert(FRAMEPIPE_VERSION_MINOR < 100 && FRAMEPIPE_VERSION_PATCH < 100,
                "FRAMEPIPE_VERSION packs minor and patch in two digits each");
}
