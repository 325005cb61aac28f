#!/usr/bin/env bash
# The NEON packer and unpacker paths under qemu-aarch64, EMULATED: instruction counts and emulated
# times, never a speed (benchmarks/README.md, "AArch64 (emulated)", says why). Cross-builds
# neon_emulated.cpp with aarch64-linux-gnu-g++ -std=c++20 -O2 -static and, for every format and
# output, on the scalar and the NEON path:
#   - counts the AArch64 instructions one call of the row kernel executes -- a pack row pair of
#     two 1920-pixel rows, an unpack row of 1920 pixels (siting Center) -- without a TCG plugin:
#     qemu runs one instruction per translation block (-singlestep), logs every block it executes
#     (-d nochain,exec) but only inside the kernels' own symbols (-dfilter, address ranges from
#     nm), and the log lines are counted;
#   - times whole 1920x1080 frames under emulation (best of 5).
# Writes benchmarks/results/neon_qemu-<UTC date>.json and prints the tables for the README.
#
#   benchmarks/cross/neon_qemu.sh        (needs g++-aarch64-linux-gnu and qemu-user)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cxx=${FRAMEPIPE_CROSS_CXX:-aarch64-linux-gnu-g++}
qemu=${FRAMEPIPE_QEMU:-qemu-aarch64}
nm=${cxx%g++}nm
for tool in "$cxx" "$qemu" "$nm"; do
  command -v "$tool" >/dev/null || { echo "neon_qemu.sh: $tool not found (scripts/install-deps.sh --test)" >&2; exit 1; }
done

work=build/neon-qemu
mkdir -p "$work" benchmarks/results
bin=$work/neon_emulated
"$cxx" -std=c++20 -O2 -static -Wall -Wextra -Wpedantic -Werror -Iinclude \
  benchmarks/cross/neon_emulated.cpp -o "$bin"

ranges=$("$nm" -S -C "$bin" |
  grep -E 'kernels::.*(pack_(i420|nv12)_rows_|pack_blocks|pack_rows_any|pack_rows_scalar|unpack_row_|vertical_sums)' |
  awk '{ printf "%s0x%s+0x%s", (n++ ? "," : ""), $1, $2 }')

stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=benchmarks/results/neon_qemu-$stamp.json
{
  echo "{\"context\": {\"date\": \"$stamp\", \"compiler\": \"$("$cxx" --version | head -n 1)\","
  echo "  \"flags\": \"-std=c++20 -O2 -static\", \"qemu\": \"$("$qemu" --version | head -n 1)\","
  echo "  \"host_cpu\": \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')\","
  echo "  \"note\": \"EMULATED: qemu-aarch64 user mode on x86; times are not AArch64 speed\"},"
  echo "\"instructions_per_row_pair_1920\": ["
  first=1
  for in in BGR24 RGB24 BGRA32 RGBA32; do
    for o in I420 NV12; do
      for isa in scalar neon; do
        rm -f "$work/trace.log"
        "$qemu" -singlestep -d nochain,exec -dfilter "$ranges" -D "$work/trace.log" \
          "$bin" once "$isa" "$in" "$o" 1920
        n=$(grep -c '^Trace' "$work/trace.log")
        ((first)) || echo ","
        first=0
        printf '{"isa": "%s", "in": "%s", "out": "%s", "instructions": %d, "per_pixel": %.2f}' \
          "$isa" "$in" "$o" "$n" "$(awk -v n="$n" 'BEGIN { print n / 3840 }')"
      done
    done
  done
  echo "],"
  echo "\"unpack_instructions_per_row_1920\": ["
  first=1
  for in in I420 NV12; do
    for o in BGR24 RGB24 BGRA32 RGBA32; do
      for isa in scalar neon; do
        rm -f "$work/trace.log"
        "$qemu" -singlestep -d nochain,exec -dfilter "$ranges" -D "$work/trace.log" \
          "$bin" once-unpack "$isa" "$in" "$o" 1920
        n=$(grep -c '^Trace' "$work/trace.log")
        ((first)) || echo ","
        first=0
        printf '{"isa": "%s", "in": "%s", "out": "%s", "instructions": %d, "per_pixel": %.2f}' \
          "$isa" "$in" "$o" "$n" "$(awk -v n="$n" 'BEGIN { print n / 1920 }')"
      done
    done
  done
  echo "],"
  echo "\"emulated_times\": ["
  "$qemu" "$bin" time | paste -sd, -
  echo "],"
  echo "\"unpack_emulated_times\": ["
  "$qemu" "$bin" time-unpack | paste -sd, -
  echo "]}"
} >"$out"
rm -f "$work/trace.log"
echo "wrote $out"

python3 - "$out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ins = {(r["in"], r["out"], r["isa"]): r for r in d["instructions_per_row_pair_1920"]}
tim = {(r["in"], r["out"], r["isa"]): r for r in d["emulated_times"]}
print("| format -> output | scalar instr/px | neon instr/px | ratio | scalar emulated ms | neon emulated ms |")
print("|---|---:|---:|---:|---:|---:|")
for (i, o, isa) in ins:
    if isa != "scalar":
        continue
    s, n = ins[(i, o, "scalar")], ins[(i, o, "neon")]
    print(f"| {i} -> {o} | {s['per_pixel']:.2f} | {n['per_pixel']:.2f} | "
          f"{s['instructions'] / n['instructions']:.1f}x | "
          f"{tim[(i, o, 'scalar')]['emulated_ms_per_frame']:.1f} | "
          f"{tim[(i, o, 'neon')]['emulated_ms_per_frame']:.1f} |")
print()
ins = {(r["in"], r["out"], r["isa"]): r for r in d["unpack_instructions_per_row_1920"]}
tim = {(r["in"], r["out"], r["isa"]): r for r in d["unpack_emulated_times"]}
print("| input -> format (unpack) | scalar instr/px | neon instr/px | ratio | scalar emulated ms | neon emulated ms |")
print("|---|---:|---:|---:|---:|---:|")
for (i, o, isa) in ins:
    if isa != "scalar":
        continue
    s, n = ins[(i, o, "scalar")], ins[(i, o, "neon")]
    print(f"| {i} -> {o} | {s['per_pixel']:.2f} | {n['per_pixel']:.2f} | "
          f"{s['instructions'] / n['instructions']:.1f}x | "
          f"{tim[(i, o, 'scalar')]['emulated_ms_per_frame']:.1f} | "
          f"{tim[(i, o, 'neon')]['emulated_ms_per_frame']:.1f} |")
PY
