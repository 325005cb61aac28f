#!/usr/bin/env bash
# Configures, builds and tests framepipe with a CMake preset, from nothing if need be.
#
#   scripts/test.sh             the "release" preset (build/release)
#   scripts/test.sh asan        ASan + UBSan (build/asan)
#   scripts/test.sh core-only   GStreamer and OpenCV off: framepipe::core and its tests
#                               (build/core-only)
#   scripts/test.sh PRESET ARGS...  ARGS go to ctest (e.g. -LE compile_fail)
#
# The release and asan presets require GStreamer and OpenCV (a missing one fails at configure
# time). The build includes every header compiled on its own; ctest runs the unit tests, the
# compile-fail cases, the ODR test and the package tests. Builds and tests use every core
# (nproc; JOBS=<n> overrides). The last line printed is ctest's summary.
set -euo pipefail

preset="${1:-release}"
shift $(($# > 0 ? 1 : 0))
jobs="${JOBS:-$(nproc)}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/install-deps.sh --test
cmake --preset "$preset"
cmake --build --preset "$preset" -j"$jobs"
ctest --preset "$preset" --parallel "$jobs" "$@"
