#!/usr/bin/env bash
# Configures, builds and tests framepipe with a CMake preset, from nothing if need be.
#
#   scripts/test.sh          the "release" preset (build/release)
#   scripts/test.sh asan     ASan + UBSan (build/asan)
#
# The build includes every header compiled on its own; ctest runs the unit tests, the
# compile-fail cases, the ODR test and the package tests. The last line printed is ctest's.
set -euo pipefail

preset="${1:-release}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/install-deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset"
ctest --preset "$preset"
