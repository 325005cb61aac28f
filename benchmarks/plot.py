#!/usr/bin/env python3
"""Chart of convert_bench results: CPU ms per frame, best of the repetitions, per implementation.

    /usr/bin/python3 benchmarks/plot.py [results.json] [-o out.png] [--conversion BGR24->I420]
                                        [--size 1920x1080]

Reads Google Benchmark's JSON as scripts/bench.sh keeps it in benchmarks/results/ (the newest file
there by default) and takes, like benchmarks/README.md's tables, the minimum cpu_time of each
entry's repetitions. Needs matplotlib (Debian: apt-get install python3-matplotlib).
"""
import argparse
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent

# Entry name in convert_bench -> label on the chart (the README tables' wording).
LABELS = {
    "framepipe_scalar": "framepipe scalar",
    "framepipe_sse4": "framepipe sse4",
    "framepipe_avx2": "framepipe avx2",
    "framepipe_avx512": "framepipe avx512",
    "framepipe_I420Packer": "framepipe I420Packer",
    "framepipe_I420Packer_then_read": "framepipe I420Packer + a read",
    "libyuv_RGB24ToI420": "libyuv RGB24ToI420",
    "libyuv_ARGBToI420": "libyuv ARGBToI420",
    "libyuv_ARGBToNV12": "libyuv ARGBToNV12",
    "opencv_cvtColor": "OpenCV cvtColor",
    "tutorial_method": "tutorial method",
    "GstVideoConverter": "GstVideoConverter",
    "swscale_point": "swscale SWS_POINT",
    "swscale_fast_bilinear": "swscale SWS_FAST_BILINEAR",
    "memcpy_4.5B_per_px": "memcpy 4.5 B/px (floor)",
    "memcpy_5.5B_per_px": "memcpy 5.5 B/px (floor)",
}

TO_MS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}


def best_times(benchmarks, conversion, size):
    """{entry: best cpu ms per frame} for one conversion and frame size."""
    best = {}
    for b in benchmarks:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        parts = b["run_name"].split("/")
        if len(parts) != 3 or parts[0] != conversion or parts[2] != size:
            continue
        ms = b["cpu_time"] * TO_MS[b.get("time_unit", "ns")]
        best[parts[1]] = min(ms, best.get(parts[1], ms))
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="?", type=pathlib.Path,
                        help="Google Benchmark JSON (default: newest in benchmarks/results/)")
    parser.add_argument("-o", "--output", type=pathlib.Path,
                        default=HERE.parent / "docs" / "images" / "benchmark_bgr24_i420_1080p.png")
    parser.add_argument("--conversion", default="BGR24->I420")
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()

    results = args.results
    if results is None:
        files = sorted((HERE / "results").glob("convert_bench-*.json"))
        if not files:
            sys.exit("plot.py: no benchmarks/results/convert_bench-*.json; run scripts/bench.sh")
        results = files[-1]
    data = json.loads(results.read_text())
    best = best_times(data["benchmarks"], args.conversion, args.size)
    if not best:
        sys.exit(f"plot.py: no {args.conversion} entries at {args.size} in {results}")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot.py: needs matplotlib (Debian: apt-get install python3-matplotlib)")

    entries = sorted(best, key=best.get, reverse=True)  # slowest at the bottom of the list
    labels = [LABELS.get(e, e) for e in entries]
    times = [best[e] for e in entries]
    colours = ["#1f77b4" if e.startswith("framepipe") else
               "#999999" if e.startswith("memcpy") else "#ff7f0e" for e in entries]

    fig, ax = plt.subplots(figsize=(8, 0.38 * len(entries) + 1.4), dpi=100)
    bars = ax.barh(labels, times, color=colours)
    ax.bar_label(bars, labels=[f"{t:.3f}" for t in times], padding=3, fontsize=8)
    ax.set_xlabel("CPU ms per frame, best of the repetitions (lower is better)")
    isa = data.get("context", {}).get("framepipe_detected_isa", "?")
    ax.set_title(f"{args.conversion}, {args.size}, one thread (framepipe detected path: {isa})",
                 fontsize=10)
    ax.set_xlim(0, max(times) * 1.15)
    ax.tick_params(axis="y", labelsize=9)
    ax.text(1.0, -0.08 - 0.3 / len(entries), f"source: {results.name}", transform=ax.transAxes,
            ha="right", va="top", fontsize=7, color="#666666")
    fig.tight_layout()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.output)
    print(f"plot.py: {len(entries)} entries from {results.name} -> {args.output}")


if __name__ == "__main__":
    main()
