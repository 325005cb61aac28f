#!/usr/bin/python3
"""framepipe's Python module against the tools Python users have, at 1080p (issue 19's targets).

Each case runs in its own process (for its peak RSS) and prints frames/s; the table compares them
within one run. Not a test: nothing is asserted.

    PYTHONPATH=build/release/python /usr/bin/python3 python/benchmarks/bench.py [--frames 300]

Push: 1920x1080 BGR uint8 arrays -> I420 -> appsrc ! fakesink:
  framepipe      framepipe.Writer("fakesink sync=false")
  tutorial       the appsrc tutorial's way: tobytes, Gst.Buffer.new_allocate, fill, push-buffer,
                 appsrc caps BGR ! videoconvert ! I420 ! fakesink
  videowriter    cv2.VideoWriter("appsrc ! videoconvert ! video/x-raw,format=I420 ! fakesink",
                 cv2.CAP_GSTREAMER)
  pyav           av.VideoFrame.from_ndarray(bgr24).reformat(format="yuv420p") (no pipeline)
  framepipe x2   two framepipe.Writers in two threads (ratio against one: the GIL released)
Pull: the same 1080p video as raw I420 (y4m) and as x264 (mkv) -> numpy BGR:
  framepipe      framepipe.Reader(path)
  framepipe out= framepipe.Reader(path).read(out=array)
  videocapture   cv2.VideoCapture("filesrc ! decodebin ! videoconvert ! BGR ! appsink",
                 cv2.CAP_GSTREAMER)
  pyav           av.open(path) ... frame.to_ndarray(format="bgr24")
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

W, H = 1920, 1080


def frames_bgr(n=8):
    import numpy as np
    out = []
    for i in range(n):
        f = np.empty((H, W, 3), np.uint8)
        f[:] = (40, 30, 20)
        f[:, 200 * i:200 * i + 240] = (0, 200, 255)
        f[::7, :, 1] = 90 + i  # some texture
        out.append(f)
    return out


def push_framepipe(n):
    import framepipe
    fs = frames_bgr()
    start = time.perf_counter()
    with framepipe.Writer("fakesink sync=false", size=(W, H), fps=30) as w:
        for i in range(n):
            w.write(fs[i % len(fs)])
    return time.perf_counter() - start


def push_framepipe_threads(n):
    import framepipe
    fs = frames_bgr()

    def run():
        with framepipe.Writer("fakesink sync=false", size=(W, H), fps=30) as w:
            for i in range(n):
                w.write(fs[i % len(fs)])
    threads = [threading.Thread(target=run) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return (time.perf_counter() - start) / 2  # seconds per n frames, two streams


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
    start = time.perf_counter()
    for i in range(n):
        data = fs[i % len(fs)].tobytes()
        buf = Gst.Buffer.new_allocate(None, len(data), None)
        buf.fill(0, data)
        buf.pts = buf.dts = i * Gst.SECOND // 30
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    pipeline.get_bus().timed_pop_filtered(Gst.CLOCK_TIME_NONE,
                                          Gst.MessageType.EOS | Gst.MessageType.ERROR)
    elapsed = time.perf_counter() - start
    pipeline.set_state(Gst.State.NULL)
    return elapsed


def push_videowriter(n):
    import cv2
    fs = frames_bgr()
    w = cv2.VideoWriter("appsrc ! videoconvert ! video/x-raw,format=I420 ! fakesink sync=false",
                        cv2.CAP_GSTREAMER, 0, 30, (W, H), True)
    assert w.isOpened()
    start = time.perf_counter()
    for i in range(n):
        w.write(fs[i % len(fs)])
    w.release()
    return time.perf_counter() - start


def push_pyav(n):
    import av
    fs = frames_bgr()
    start = time.perf_counter()
    for i in range(n):
        frame = av.VideoFrame.from_ndarray(fs[i % len(fs)], format="bgr24")
        frame.reformat(format="yuv420p")
    return time.perf_counter() - start


def pull_framepipe(n, path, out=False):
    import numpy as np
    import framepipe
    start = time.perf_counter()
    count = 0
    with framepipe.Reader(path) as r:
        buf = np.empty((H, W, 3), np.uint8)
        while (f := (r.read(out=buf) if out else r.read())) is not None:
            np.asarray(f)
            count += 1
    assert count == n, count
    return time.perf_counter() - start


def pull_videocapture(n, path):
    import cv2
    cap = cv2.VideoCapture(f'filesrc location="{path}" ! decodebin ! videoconvert ! '
                           "video/x-raw,format=BGR ! appsink sync=false", cv2.CAP_GSTREAMER)
    assert cap.isOpened()
    start = time.perf_counter()
    count = 0
    while True:
        ok, _ = cap.read()
        if not ok:
            break
        count += 1
    cap.release()
    assert count == n, count
    return time.perf_counter() - start


def pull_pyav(n, path):
    import av
    start = time.perf_counter()
    count = 0
    with av.open(path) as c:
        for frame in c.decode(video=0):
            frame.to_ndarray(format="bgr24")
            count += 1
    assert count == n, count
    return time.perf_counter() - start


CASES = {
    "push framepipe": push_framepipe,
    "push framepipe 2 threads": push_framepipe_threads,
    "push tutorial": push_tutorial,
    "push videowriter": push_videowriter,
    "push pyav": push_pyav,
    "pull framepipe": pull_framepipe,
    "pull framepipe out=": lambda n, p: pull_framepipe(n, p, out=True),
    "pull videocapture": pull_videocapture,
    "pull pyav": pull_pyav,
}


def make_sources(n, d):
    import framepipe
    fs = frames_bgr()
    paths = {"raw": os.path.join(d, "in.y4m"), "x264": os.path.join(d, "in.mkv")}
    for p in paths.values():
        with framepipe.Writer(p, size=(W, H), fps=30) as w:
            for i in range(n):
                w.write(fs[i % len(fs)])
    return paths


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--case")
    parser.add_argument("--source")
    args = parser.parse_args()
    if args.case:  # one case, in this process
        fn = CASES[args.case]
        seconds = fn(args.frames, args.source) if args.case.startswith("pull") else fn(args.frames)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"fps": args.frames / seconds, "rss_mib": rss}))
        return
    rows = []
    with tempfile.TemporaryDirectory() as d:
        sources = make_sources(args.frames, d)

        def run(case, source=None):
            cmd = [sys.executable, __file__, "--frames", str(args.frames), "--case", case]
            if source:
                cmd += ["--source", source]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                return None, out.stderr.strip().splitlines()[-1:]
            return json.loads(out.stdout.strip().splitlines()[-1]), None
        for case in [c for c in CASES if c.startswith("push")]:
            r, err = run(case)
            rows.append((case, "-", r, err))
        for kind, path in sources.items():
            for case in [c for c in CASES if c.startswith("pull")]:
                r, err = run(case, path)
                rows.append((case, kind, r, err))
    print(f"1920x1080, {args.frames} frames per case, {os.cpu_count()} cores\n")
    print("| case | source | frames/s | peak RSS (MiB) |")
    print("|---|---|---:|---:|")
    for case, kind, r, err in rows:
        if r is None:
            print(f"| {case} | {kind} | failed: {err} | |")
        else:
            print(f"| {case} | {kind} | {r['fps']:.1f} | {r['rss_mib']:.0f} |")


if __name__ == "__main__":
    main()
