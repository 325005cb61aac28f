#!/usr/bin/env bash
# Builds and runs the conversion benchmarks (benchmarks/convert_bench.cpp) in the release preset,
# keeps the raw results, and prints the tables that benchmarks/README.md shows.
#
#   scripts/bench.sh                          all entries, 5 repetitions each (randomly
#                                             interleaved), the best of 5 reported
#   scripts/bench.sh --benchmark_filter=1080  extra arguments go to Google Benchmark
#   BUILD_DIR=/tmp/fp scripts/bench.sh         build outside build/release (same preset)
#
# Writes benchmarks/results/convert_bench-<UTC time>.json (Google Benchmark's JSON) and
# benchmarks/results/convert_bench-<UTC time>.md (the tables). Single-threaded throughout. The
# tables report CPU time, best of the repetitions: on a shared machine other processes only ever
# add time (preemption, cache and memory-bandwidth contention), so the minimum is the most
# reproducible figure; the JSON keeps every repetition.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

./scripts/install-deps.sh --bench
if [[ -n "${BUILD_DIR:-}" ]]; then
  cmake --preset release -B "$BUILD_DIR"
  cmake --build "$BUILD_DIR" --target convert_bench
  bin="$BUILD_DIR/benchmarks/convert_bench"
else
  cmake --preset release
  cmake --build --preset release --target convert_bench
  bin=build/release/benchmarks/convert_bench
fi
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p benchmarks/results
json="benchmarks/results/convert_bench-${stamp}.json"
table="benchmarks/results/convert_bench-${stamp}.md"

"$bin" --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
  --benchmark_min_time=0.2 --benchmark_display_aggregates_only=true \
  --benchmark_out="$json" --benchmark_out_format=json "$@"

python3 - "$json" >"$table" <<'PY'
import json
import sys

data = json.load(open(sys.argv[1]))
ctx = data["context"]
ms = {}  # (conversion, implementation, size) -> best CPU ms per frame over the repetitions
for b in data["benchmarks"]:
    if b.get("run_type") != "iteration" or b.get("error_occurred"):
        continue
    conversion, impl, size = b["run_name"].split("/")
    key = (conversion, impl, size)
    ms[key] = min(ms.get(key, float("inf")), b["cpu_time"])  # time unit is ms
reps = max((b.get("repetitions", 1) for b in data["benchmarks"]), default=1)

sizes = ["640x480", "1280x720", "1920x1080", "2560x1440", "3840x2160"]
print(f"Machine: {ctx.get('host_name', '?')}, {ctx['num_cpus']} CPUs at {ctx['mhz_per_cpu']} MHz; "
      f"framepipe path detected: {ctx.get('framepipe_detected_isa', '?')}; run {ctx['date']}")
print()
for conversion in sorted({k[0] for k in ms}):
    order = ["framepipe_scalar", "framepipe_sse4", "framepipe_avx2", "framepipe_avx512",
             "framepipe_I420Packer", "libyuv_RGB24ToI420", "libyuv_ARGBToI420",
             "libyuv_ARGBToNV12", "opencv_cvtColor", "tutorial_method", "GstVideoConverter",
             "swscale_point", "swscale_fast_bilinear"]
    impls = sorted({impl for (c, impl, _size) in ms if c == conversion},
                   key=lambda i: (order.index(i) if i in order else len(order),
                                  i.startswith("memcpy"), i))
    cols = [s for s in sizes if any((conversion, i, s) in ms for i in impls)]
    print(f"### {conversion}: CPU ms per frame (best of {reps})")
    print()
    print("| implementation | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for impl in impls:
        cells = [f"{ms[(conversion, impl, s)]:.3f}" if (conversion, impl, s) in ms else "n/a"
                 for s in cols]
        print(f"| {impl} | " + " | ".join(cells) + " |")
    print()

ours = ("BGR24->I420", "framepipe_I420Packer", "1920x1080")
if ours in ms:
    t = ms[ours]
    print(f"### 1920x1080 BGR24 -> I420: framepipe (I420Packer, {ctx.get('framepipe_detected_isa', '?')}) "
          f"= {t:.3f} ms")
    print()
    print("| compared with | their ms | framepipe / theirs | target |")
    print("|---|---:|---:|---|")
    targets = {
        "libyuv_RGB24ToI420": ("<= 1.0 (aim 0.8)", 1.0),
        "opencv_cvtColor": ("<= 0.4 (2.5x faster)", 0.4),
        "tutorial_method": ("<= 0.2 (5x faster)", 0.2),
        "GstVideoConverter": ("<= 0.1 (10x faster)", 0.1),
        "memcpy_4.5B_per_px": ("<= 1.5", 1.5),
    }
    for impl, (text, limit) in targets.items():
        key = ("BGR24->I420", impl, "1920x1080")
        if key in ms:
            ratio = t / ms[key]
            verdict = "met" if ratio <= limit else "NOT met"
            print(f"| {impl} | {ms[key]:.3f} | {ratio:.2f} | {text}: {verdict} |")
    print()
PY

"$bin" --accuracy >>"$table"
cat "$table"
echo
echo "bench.sh: results in $json and $table"
