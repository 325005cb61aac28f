#!/usr/bin/env bash
# Runs framepipe's libFuzzer targets, bounded in time and memory, writing only under the build
# directory: new inputs to <build>/fuzz/work/<target>/corpus (the committed seeds in
# fuzz/corpus/<target> are read, never written), crash/leak/timeout inputs to
# <build>/fuzz/work/<target>/artifacts, libFuzzer's output to <build>/fuzz/work/<target>/log.
#
#   fuzz/run.sh [-t seconds] [-j jobs] [-m rss_mb] <build dir> [target...]
#
# -t: seconds per target (default 60); -j: targets fuzzed at once (default 1; each uses one
# core); -m: libFuzzer's -rss_limit_mb (default 2048). Targets: default every fuzz_* executable
# in <build dir>/fuzz. Prints each target's executions, coverage (cov:) and features (ft:), and
# exits 1 when one found a crash, a leak, a hang or ran out of memory (its log and input named).
set -euo pipefail

seconds=60 jobs=1 rss_mb=2048
while getopts "t:j:m:" opt; do
  case "$opt" in
    t) seconds=$OPTARG ;;
    j) jobs=$OPTARG ;;
    m) rss_mb=$OPTARG ;;
    *) sed -n '2,13p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -ge 1 ]] || { sed -n '2,13p' "$0" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  for exe in "$build"/fuzz/fuzz_*; do
    [[ -x "$exe" && "$exe" != *_replay ]] && targets+=("$(basename "$exe")")
  done
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "fuzz/run.sh: no fuzz_* executable in $build/fuzz" >&2; exit 1; }

run_one() {
  local t=$1 work="$build/fuzz/work/$1"
  mkdir -p "$work/corpus" "$work/artifacts"
  # Same sanitizer settings as the asan test preset (cmake/lsan.supp says why).
  (cd "$work" &&
    ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
      LSAN_OPTIONS="suppressions=$source_dir/../cmake/lsan.supp" \
      UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      G_SLICE=always-malloc G_DEBUG=gc-friendly \
      "$build/fuzz/$t" "$work/corpus" "$source_dir/corpus/$t" \
      -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb" \
      -timeout=25 -print_final_stats=1 -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1)
}

echo "fuzz/run.sh: ${targets[*]}, ${seconds} s each, ${jobs} at a time, -rss_limit_mb=$rss_mb"
pids=() names=() failed=0
for t in "${targets[@]}"; do
  [[ -x "$build/fuzz/$t" ]] || { echo "fuzz/run.sh: $build/fuzz/$t is not built" >&2; exit 1; }
  while [[ $(jobs -rp | wc -l) -ge $jobs ]]; do wait -n || true; done
  run_one "$t" &
  pids+=($!) names+=("$t")
done
for i in "${!pids[@]}"; do
  t=${names[$i]} log="$build/fuzz/work/${names[$i]}/log"
  if wait "${pids[$i]}"; then
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    echo "$t: ok: ${last:-no progress line} ($(grep -E '^stat::number_of_executed_units' "$log" |
      awk '{print $2}') executions, corpus $(find "$build/fuzz/work/$t/corpus" -type f | wc -l) new)"
  else
    failed=1
    echo "$t: FAILED -- log: $log; inputs: $(ls "$build/fuzz/work/$t/artifacts" | tr '\n' ' ')"
    grep -E -A40 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error|fuzz_[a-z]+: |==[0-9]+== ERROR' "$log" | head -n 60 || tail -n 40 "$log"
  fi
done
exit "$failed"
