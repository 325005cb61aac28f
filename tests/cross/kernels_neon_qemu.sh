#!/usr/bin/env bash
# The AArch64 NEON kernels, tested on an x86 machine: cross-builds tests/convert/kernels_test.cpp
# (packers), tests/convert/unpack_kernels_test.cpp (unpackers) and tests/convert/isa_test.cpp (each
# with tests/doctest_main.cpp) for AArch64 and runs them under qemu user-mode emulation. ctest
# runs it as kernels_test_neon_qemu (tests/CMakeLists.txt).
#
#   kernels_neon_qemu.sh <source dir> <work dir> <directory holding doctest/doctest.h>
#
# Runs, each of which must end as stated or the test fails:
#   1. FRAMEPIPE_TEST_ISA=neon kernels_test: the NEON path against the scalar one, byte for byte,
#      over kernels_test's whole grid -> exit 0;
#   2. FRAMEPIPE_ISA=scalar FRAMEPIPE_TEST_ISA=neon kernels_test: FRAMEPIPE_ISA must lower AArch64
#      to scalar, so the program must refuse the neon path -> exit 77 with "lowered to scalar";
#   3. and 4. the same two runs of unpack_kernels_test (the NEON unpack rows against scalar over
#      its whole grid: every output format, I420 and NV12, both sitings, every matrix and range,
#      widths 1..130 x heights 1..9, 1080p and 2160p, guard pages) -> exit 0, then exit 77;
#   5. isa_test: detected_isa() is neon there, and FRAMEPIPE_ISA lowers it -> exit 0.
# Before that, the NEON headers are compiled alone with -Wconversion -Wsign-conversion, as the
# host build does for every header (the host build cannot see inside #if FRAMEPIPE_KERNELS_NEON).
#
# Exits 77 (ctest: skipped) when the cross compiler or qemu is missing -- install them with
# scripts/install-deps.sh --test (g++-aarch64-linux-gnu, qemu-user). Environment overrides:
# FRAMEPIPE_CROSS_CXX (default aarch64-linux-gnu-g++), FRAMEPIPE_QEMU (default qemu-aarch64, then
# qemu-aarch64-static). The binaries are rebuilt only when a header or test source is newer.
set -euo pipefail

if (($# != 3)); then
  echo "usage: $0 <source dir> <work dir> <doctest include dir>" >&2
  exit 2
fi
src=$1
work=$2
doctest_dir=$3

skip() {
  echo "kernels_test_neon_qemu: SKIPPED (exit 77): $1"
  echo "  install with: scripts/install-deps.sh --test (g++-aarch64-linux-gnu, qemu-user)"
  exit 77
}

cxx=${FRAMEPIPE_CROSS_CXX:-aarch64-linux-gnu-g++}
command -v "$cxx" >/dev/null 2>&1 || skip "no AArch64 cross compiler ($cxx)"
if [[ -n "${FRAMEPIPE_QEMU:-}" ]]; then
  qemu=$FRAMEPIPE_QEMU
  command -v "$qemu" >/dev/null 2>&1 || skip "no qemu ($qemu)"
elif command -v qemu-aarch64 >/dev/null 2>&1; then
  qemu="qemu-aarch64"
elif command -v qemu-aarch64-static >/dev/null 2>&1; then
  qemu="qemu-aarch64-static"
else
  skip "no qemu-aarch64 or qemu-aarch64-static"
fi
[[ -f "$doctest_dir/doctest/doctest.h" ]] || skip "no doctest/doctest.h in $doctest_dir"

# doctest is header-only, but its directory is the host's /usr/include: give the cross compiler
# a directory holding doctest alone, so that no x86 system header can be picked up.
mkdir -p "$work/include"
ln -sfn "$doctest_dir/doctest" "$work/include/doctest"

flags=(-std=c++20 -O2 -Wall -Wextra -Wpedantic -Werror -I"$src/include" -I"$src/tests"
  -I"$work/include")

# Rebuilt when missing or older than anything it is made from (or than this script).
stale() {
  local bin=$1
  [[ ! -e "$bin" ]] && return 0
  [[ -n $(find "$src/include" "$src/tests/convert" "$src/tests/support" "$src/tests/cross" \
    "$src/tests/doctest_main.cpp" -newer "$bin" -type f -print -quit) ]]
}

echo "== $("$cxx" --version | head -n 1); $("$qemu" --version | head -n 1)"
if stale "$work/headers.ok"; then
  for header in convert/kernels/pack_neon.hpp convert/kernels/pack_dispatch.hpp \
    convert/kernels/unpack_neon.hpp convert/kernels/unpack_dispatch.hpp convert/isa.hpp; do
    echo "#include \"framepipe/$header\"" >"$work/header_alone.cpp"
    "$cxx" "${flags[@]}" -Wconversion -Wsign-conversion -fsyntax-only "$work/header_alone.cpp"
  done
  touch "$work/headers.ok"
fi
for test in kernels_test unpack_kernels_test isa_test; do
  if stale "$work/$test"; then
    echo "== cross-building $test"
    "$cxx" "${flags[@]}" -static "$src/tests/convert/$test.cpp" "$src/tests/doctest_main.cpp" \
      -o "$work/$test.tmp"
    mv "$work/$test.tmp" "$work/$test"
  fi
done

# run <expected exit code> <text the output must hold> <env assignments>... -- <program> [args]
run() {
  local expected=$1 needle=$2
  shift 2
  local assignments=()
  while [[ $1 != -- ]]; do
    assignments+=("$1")
    shift
  done
  shift
  echo "== ${assignments[*]} $qemu $*"
  local out rc=0
  out=$(env -u FRAMEPIPE_ISA -u FRAMEPIPE_TEST_ISA "${assignments[@]}" "$qemu" "$@" 2>&1) || rc=$?
  echo "$out"
  if ((rc != expected)); then
    echo "kernels_test_neon_qemu: FAILED: exit code $rc, expected $expected"
    exit 1
  fi
  if ! grep -qF -- "$needle" <<<"$out"; then
    echo "kernels_test_neon_qemu: FAILED: the output lacks \"$needle\""
    exit 1
  fi
}

run 0 "testing the neon path" FRAMEPIPE_TEST_ISA=neon -- "$work/kernels_test"
run 77 "lowered to scalar by FRAMEPIPE_ISA" FRAMEPIPE_ISA=scalar FRAMEPIPE_TEST_ISA=neon -- \
  "$work/kernels_test"
run 0 "testing the neon path" FRAMEPIPE_TEST_ISA=neon -- "$work/unpack_kernels_test"
run 77 "lowered to scalar by FRAMEPIPE_ISA" FRAMEPIPE_ISA=scalar FRAMEPIPE_TEST_ISA=neon -- \
  "$work/unpack_kernels_test"
run 0 "detected path: neon" -- "$work/isa_test"
echo "kernels_test_neon_qemu: the NEON pack and unpack kernels match scalar under $qemu;" \
  "FRAMEPIPE_ISA=scalar lowers AArch64 to scalar"
