#!/usr/bin/python3
"""framepipe's Python module against the tools Python users have, at 1080p (issue 19's targets).

Each case runs in its own process (for its peak RSS) and reports frames/s. A round runs every case
once, one after the other; the ratios that the targets are about are taken within one round, and
every round is reported (the machine may be shared: only ratios in one round mean anything). Not a
test: nothing is asserted.

    PYTHONPATH=build/release/python /usr/bin/python3 python/benchmarks/bench.py [--rounds 2]

prints one table and writes the raw figures to benchmarks/results/python_bench-<UTC time>.json.
`--peer` is the C++ comparison program (default: <build>/benchmarks/python_peer_writer, found
from the module's own directory; build it with `cmake --build build/release --target
python_peer_writer`).

Every case opens its writer or reader before its clock starts and stops the clock after its
close() (for a writer: EOS has reached the sink), so all pay the same: the frames and the drain.

Push: the same 8 1920x1080 BGR uint8 arrays, written in turn -> I420 -> appsrc ! fakesink:
  framepipe          framepipe.Writer("fakesink sync=false") (packer threads=1, the default)
  framepipe thr=2    the same with threads=2 (both cores pack each frame)
  C++ Writer         python_peer_writer: Writer<BGR24, I420Packer, AppSrcSink>, same frames
  tutorial           the appsrc tutorial's way: tobytes, Gst.Buffer.new_allocate, fill,
                     push-buffer, appsrc caps BGR ! videoconvert ! I420 ! fakesink
  videowriter        cv2.VideoWriter("appsrc ! videoconvert ! video/x-raw,format=I420 ! fakesink",
                     cv2.CAP_GSTREAMER)
  pyav               av.VideoFrame.from_ndarray(bgr24).reformat(format="yuv420p") (no pipeline)
  framepipe x2       two framepipe.Writers in two Python threads (frames/s of both together)
  C++ Writer x2      two C++ Writers in two threads
Pull: the same 1080p video as raw I420 (.y4m) and as x264 (.mkv) -> numpy BGR:
  framepipe          framepipe.Reader(path).read(), np.asarray(frame)
  framepipe out=     framepipe.Reader(path).read(out=array) into one array
  videocapture       cv2.VideoCapture("filesrc ! decodebin ! videoconvert ! BGR ! appsink",
                     cv2.CAP_GSTREAMER): the pipeline its users write
  videocapture fp    cv2.VideoCapture with the pipeline framepipe.Reader(path) builds for the file
                     (Reader.description), then videoconvert ! BGR ! appsink: what is the pipeline's
                     share of framepipe's lead, what is the rest's
  pyav               av.open(path) ... frame.to_ndarray(format="bgr24")
"""
import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time

W, H = 1920, 1080
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def frames_bgr(n=8):
    """8 distinct 1080p frames (python_peer_writer.cpp draws the same ones)."""
    import numpy as np
    out = []
    for i in range(n):
        f = np.empty((H, W, 3), np.uint8)
        f[:] = (40, 30, 20)
        f[:, 200 * i:200 * i + 240] = (0, 200, 255)
        f[::7, :, 1] = 90 + i  # some texture
        out.append(f)
    return out


_cpu = {}


def cpu_seconds():
    """CPU time of this process so far, all its threads (GStreamer's, the packer's) included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def start_clock():
    """Starts a case's clock: wall time returned, CPU time kept for stop_clock()."""
    _cpu["start"] = cpu_seconds()
    return time.perf_counter()


def stop_clock(start):
    """Wall seconds since start_clock(); the CPU seconds meanwhile are kept for run_case()."""
    elapsed = time.perf_counter() - start
    _cpu["used"] = cpu_seconds() - _cpu["start"]
    return elapsed


# --- push ----------------------------------------------------------------------------------------

def push_framepipe(n, threads=1):
    import framepipe
    fs = frames_bgr()
    w = framepipe.Writer("fakesink sync=false", size=(W, H), fps=30, threads=threads)
    start = start_clock()
    for i in range(n):
        w.write(fs[i % len(fs)])
    stats = w.close()
    elapsed = stop_clock(start)
    return elapsed, {"convert_ms": stats.convert * 1e3 / n, "acquire_ms": stats.acquire * 1e3 / n,
                     "submit_ms": stats.submit * 1e3 / n}


def push_framepipe_streams(n, streams=2):
    """`streams` Writers in as many Python threads; frames/s of all of them together."""
    import framepipe
    fs = frames_bgr()
    writers = [framepipe.Writer("fakesink sync=false", size=(W, H), fps=30)
               for _ in range(streams)]
    go = threading.Barrier(streams + 1)
    errors = []

    def run(w):
        go.wait()
        try:
            for i in range(n):
                w.write(fs[i % len(fs)])
            w.close()
        except Exception as e:  # reported, not lost in the thread
            errors.append(e)
    threads = [threading.Thread(target=run, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    go.wait()
    start = start_clock()
    for t in threads:
        t.join()
    elapsed = stop_clock(start)
    if errors:
        raise errors[0]
    return elapsed / streams, {}  # seconds per n frames


def push_tutorial(n):
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    fs = frames_bgr()
    pipeline = Gst.parse_launch(
        f"appsrc name=src format=time caps=video/x-raw,format=BGR,width={W},height={H},"
        "framerate=30/1 ! videoconvert ! video/x-raw,format=I420 ! fakesink sync=false")
    src = pipeline.get_by_name("src")
    pipeline.set_state(Gst.State.PLAYING)
    start = start_clock()
    for i in range(n):
        data = fs[i % len(fs)].tobytes()
        buf = Gst.Buffer.new_allocate(None, len(data), None)
        buf.fill(0, data)
        buf.pts = buf.dts = i * Gst.SECOND // 30
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    pipeline.get_bus().timed_pop_filtered(Gst.CLOCK_TIME_NONE,
                                          Gst.MessageType.EOS | Gst.MessageType.ERROR)
    elapsed = stop_clock(start)
    pipeline.set_state(Gst.State.NULL)
    return elapsed, {}


def push_videowriter(n):
    import cv2
    fs = frames_bgr()
    w = cv2.VideoWriter("appsrc ! videoconvert ! video/x-raw,format=I420 ! fakesink sync=false",
                        cv2.CAP_GSTREAMER, 0, 30, (W, H), True)
    assert w.isOpened()
    start = start_clock()
    for i in range(n):
        w.write(fs[i % len(fs)])
    w.release()
    return stop_clock(start), {}


def push_pyav(n):
    import av
    fs = frames_bgr()
    start = start_clock()
    for i in range(n):
        frame = av.VideoFrame.from_ndarray(fs[i % len(fs)], format="bgr24")
        frame.reformat(format="yuv420p")
    return stop_clock(start), {}


# --- pull ----------------------------------------------------------------------------------------

def pull_framepipe(n, path, out=False):
    import numpy as np
    import framepipe
    r = framepipe.Reader(path)
    buf = np.empty((H, W, 3), np.uint8)
    start = start_clock()
    count = 0
    while (f := (r.read(out=buf) if out else r.read())) is not None:
        np.asarray(f)
        count += 1
    r.close()
    elapsed = stop_clock(start)
    assert count == n, count
    return elapsed, {}


def videocapture_pipeline(path, framepipes=False):
    if framepipes:
        import framepipe
        with framepipe.Reader(path) as r:
            upstream = r.description
    else:
        upstream = f'filesrc location="{path}" ! decodebin'
    return upstream + " ! videoconvert ! video/x-raw,format=BGR ! appsink sync=false"


def pull_videocapture(n, path, framepipes=False):
    import cv2
    cap = cv2.VideoCapture(videocapture_pipeline(path, framepipes), cv2.CAP_GSTREAMER)
    assert cap.isOpened()
    start = start_clock()
    count = 0
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        count += 1
    cap.release()
    elapsed = stop_clock(start)
    assert count == n, count
    return elapsed, {}


def pull_pyav(n, path):
    import av
    c = av.open(path)
    start = start_clock()
    count = 0
    for frame in c.decode(video=0):
        frame.to_ndarray(format="bgr24")
        count += 1
    c.close()
    elapsed = stop_clock(start)
    assert count == n, count
    return elapsed, {}


PUSH = {
    "framepipe": push_framepipe,
    "framepipe thr=2": lambda n: push_framepipe(n, threads=2),
    "C++ Writer": None,  # python_peer_writer
    "tutorial": push_tutorial,
    "videowriter": push_videowriter,
    "pyav": push_pyav,
    "framepipe x2": push_framepipe_streams,
    "C++ Writer x2": None,
}
PULL = {
    "framepipe": pull_framepipe,
    "framepipe out=": lambda n, p: pull_framepipe(n, p, out=True),
    "videocapture": pull_videocapture,
    "videocapture fp": lambda n, p: pull_videocapture(n, p, framepipes=True),
    "pyav": pull_pyav,
}
SOURCES = ("raw", "x264")

# (name, numerator row, denominator row, target ratio): numerator / denominator >= target.
TARGETS = [
    ("Writer vs tutorial", ("push", "framepipe"), ("push", "tutorial"), 10.0),
    ("Writer vs cv2.VideoWriter", ("push", "framepipe"), ("push", "videowriter"), 5.0),
    ("Writer vs PyAV", ("push", "framepipe"), ("push", "pyav"), 2.0),
    ("Writer vs C++ Writer (within 1.2x)", ("push", "framepipe"), ("push", "C++ Writer"), 1 / 1.2),
] + [
    (f"Reader vs {peer_name}, {src}", (f"pull {src}", "framepipe"), (f"pull {src}", peer), target)
    for src in SOURCES
    for peer_name, peer, target in (("cv2.VideoCapture", "videocapture", 3.0),
                                    ("PyAV", "pyav", 2.0))
] + [
    ("two threads vs one", ("push", "framepipe x2"), ("push", "framepipe"), 1.7),
]


def peak_rss_mib():
    """This process's peak RSS (VmHWM): unlike getrusage's ru_maxrss, which a child inherits from
    the parent it forked from (across exec), it starts afresh with the program."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(group, case, frames, source):
    """The case, in this process: {"fps", "rss_mib", ...}."""
    if group == "push":
        seconds, extra = PUSH[case](frames)
    else:
        seconds, extra = PULL[case](frames, source)
    streams = 2 if case.endswith("x2") else 1
    return {"fps": frames / seconds, "rss_mib": peak_rss_mib(),
            "cpu_ms_per_frame": _cpu["used"] * 1e3 / (frames * streams), **extra}


def make_sources(n, d):
    import framepipe
    fs = frames_bgr()
    paths = {"raw": os.path.join(d, "in.y4m"), "x264": os.path.join(d, "in.mkv")}
    for p in paths.values():
        with framepipe.Writer(p, size=(W, H), fps=30) as w:
            for i in range(n):
                w.write(fs[i % len(fs)])
    return paths


def default_peer():
    import framepipe
    build = os.path.dirname(os.path.dirname(os.path.abspath(framepipe.__file__)))
    return os.path.join(build, "benchmarks", "python_peer_writer")


def describe_machine(peer):
    info = {"python": sys.version.split()[0], "platform": platform.platform(),
            "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    for module in ("numpy", "cv2", "av"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            info[module] = None
    try:
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
        Gst.init(None)
        info["gstreamer"] = Gst.version_string()
    except (ImportError, ValueError):
        info["gstreamer"] = None
    # The compiler and flags the module and the peer were built with (the build's CMake cache).
    cache = os.path.join(os.path.dirname(os.path.dirname(peer)), "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            for line in f:
                for key in ("CMAKE_CXX_COMPILER:", "CMAKE_BUILD_TYPE:", "CMAKE_CXX_FLAGS_RELEASE:"):
                    if line.startswith(key):
                        info[key[:-1]] = line.split("=", 1)[1].strip()
    return info


def loadavg():
    return list(os.getloadavg())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=900, help="frames per push case")
    parser.add_argument("--pull-frames", type=int, default=300, help="frames of each source")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--peer", help="the python_peer_writer program")
    parser.add_argument("--json", help="where the raw figures go (default benchmarks/results/)")
    parser.add_argument("--only", help="run only the rows whose group or case contains this")
    parser.add_argument("--case")
    parser.add_argument("--group")
    parser.add_argument("--source")
    args = parser.parse_args()
    if args.case:  # one case, in this process
        print(json.dumps(run_case(args.group, args.case, args.frames, args.source)))
        return

    peer = args.peer or default_peer()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_path = args.json or os.path.join(REPO, "benchmarks", "results",
                                         f"python_bench-{stamp}.json")

    def run(group, case, frames, source=None):
        if case.startswith("C++ Writer"):
            streams = 2 if case.endswith("x2") else 1
            cmd = [peer, "--frames", str(frames), "--streams", str(streams)]
        else:
            cmd = [sys.executable, os.path.abspath(__file__), "--frames", str(frames), "--group",
                   group, "--case", case]
            if source:
                cmd += ["--source", source]
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as e:
            return {"error": str(e)}
        if out.returncode != 0:
            return {"error": " ".join(out.stderr.strip().splitlines()[-1:])}
        return json.loads(out.stdout.strip().splitlines()[-1])

    rows = [("push", c) for c in PUSH] + [(f"pull {s}", c) for s in SOURCES for c in PULL]
    if args.only:
        rows = [r for r in rows if args.only in r[0] or args.only in r[1]]
    rounds = []
    with tempfile.TemporaryDirectory() as d:
        sources = make_sources(args.pull_frames, d)
        for k in range(args.rounds):
            result = {"load_before": loadavg(), "cases": {}}
            for group, case in rows:
                if group == "push":
                    r = run("push", case, args.frames)
                else:
                    kind = group.split()[1]
                    r = run("pull", case, args.pull_frames, sources[kind])
                result["cases"][f"{group}/{case}"] = r
                print(f"round {k + 1}: {group:10} {case:16} "
                      + (f"{r['fps']:8.1f} fps" if "fps" in r else r["error"]), file=sys.stderr)
            result["load_after"] = loadavg()
            rounds.append(result)

    def fps(k, row):
        return rounds[k]["cases"].get(f"{row[0]}/{row[1]}", {}).get("fps")

    targets = []
    for name, num, den, target in TARGETS:
        ratios = []
        for k in range(len(rounds)):
            a, b = fps(k, num), fps(k, den)
            ratios.append(a / b if a and b else None)
        targets.append({"target": name, "numerator": "/".join(num),
                        "denominator": "/".join(den), "at_least": target, "ratios": ratios})

    report = {
        "date": stamp,
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "frames": args.frames, "pull_frames": args.pull_frames, "size": [W, H],
        "machine": describe_machine(peer), "peer": peer,
        "rounds": rounds, "targets": targets,
    }
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        json.dump(report, f, indent=1)

    n = len(rounds)
    loads = ", ".join(f"round {k + 1}: {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}"
                      for k, r in enumerate(rounds))
    print(f"1920x1080; push {args.frames} frames, pull {args.pull_frames}; {os.cpu_count()} cores; "
          f"load average (1 min) {loads}\n")
    print("| group | case | " + " | ".join(f"fps r{k + 1}" for k in range(n))
          + " | " + " | ".join(f"CPU ms/frame r{k + 1}" for k in range(n))
          + " | " + " | ".join(f"peak RSS MiB r{k + 1}" for k in range(n)) + " |")
    print("|---|---|" + "---:|" * (3 * n))
    for group, case in rows:
        cells, cpu, rss = [], [], []
        for k in range(n):
            r = rounds[k]["cases"][f"{group}/{case}"]
            cells.append(f"{r['fps']:.1f}" if "fps" in r else f"failed: {r['error']}")
            cpu.append(f"{r['cpu_ms_per_frame']:.2f}" if "cpu_ms_per_frame" in r else "")
            rss.append(f"{r['rss_mib']:.0f}" if "rss_mib" in r else "")
        print(f"| {group} | {case} | " + " | ".join(cells + cpu + rss) + " |")
    print("\n| target | " + " | ".join(f"ratio r{k + 1}" for k in range(n)) + " | at least | met |")
    print("|---|" + "---:|" * n + "---:|---|")
    for t in targets:
        rs = t["ratios"]
        met = all(r is not None and r >= t["at_least"] for r in rs)
        some = any(r is not None and r >= t["at_least"] for r in rs)
        cells = [f"{r:.2f}" if r is not None else "-" for r in rs]
        verdict = "yes" if met else ("in some rounds" if some else "no")
        print(f"| {t['target']} | " + " | ".join(cells) + f" | {t['at_least']:.2f} | {verdict} |")
    print(f"\nraw figures: {os.path.relpath(out_path, REPO)}")


if __name__ == "__main__":
    main()
