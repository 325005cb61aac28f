# 10,000 frames written and read with flat RSS: nothing is kept per frame (a leaked 160x120 frame
# would add 56 KiB each, 500 MiB in all).
import os

import numpy as np
import pytest

import framepipe

SIZE = (160, 120)
FRAMES = 10_000
# Allocator and GStreamer pool noise stays far below this; one leaked frame per write or read
# would be 60x over it.
SLACK = 8 << 20

pytestmark = pytest.mark.skipif(
    "asan" in os.environ.get("LD_PRELOAD", ""),
    reason="ASan's quarantine holds freed memory, so RSS is not flat under it")


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_writing_10000_frames_keeps_rss_flat():
    frame = np.zeros((SIZE[1], SIZE[0], 3), np.uint8)
    with framepipe.Writer("fakesink", size=SIZE, fps=30) as w:
        for i in range(1000):
            frame[:, :, 0] = i & 255
            w.write(frame)
        before = rss()
        for i in range(FRAMES - 1000):
            frame[:, :, 0] = i & 255
            w.write(frame)
        after = rss()
    assert w.close().frames == FRAMES
    assert after - before < SLACK, f"RSS grew by {(after - before) >> 10} KiB"


def test_reading_10000_frames_keeps_rss_flat():
    source = f"videotestsrc num-buffers={FRAMES} ! video/x-raw,width={SIZE[0]},height={SIZE[1]}"
    with framepipe.Reader(source) as reader:
        count = 0
        before = None
        for frame in reader:
            a = np.asarray(frame)
            assert a.shape == (SIZE[1], SIZE[0], 3)
            count += 1
            if count == 1000:
                before = rss()
        after = rss()
    assert count == FRAMES
    assert after - before < SLACK, f"RSS grew by {(after - before) >> 10} KiB"


def test_readers_and_writers_opened_and_dropped_free_everything():
    def cycle():
        w = framepipe.Writer("fakesink", size=SIZE)
        w.write(np.zeros((SIZE[1], SIZE[0], 3), np.uint8))
        del w  # closed by its destructor
        r = framepipe.Reader(f"videotestsrc ! video/x-raw,width={SIZE[0]},height={SIZE[1]}")
        r.read()
        del r  # dropped mid-stream of an endless source
    for _ in range(20):
        cycle()
    before = rss()
    for _ in range(200):
        cycle()
    after = rss()
    assert after - before < SLACK, f"RSS grew by {(after - before) >> 10} KiB"
