# The GIL is released while a Writer packs, pushes and waits, and while a Reader waits: proven with
# latches, never with timings. Each writer writes into a FIFO whose only reader is Python code on
# the main thread; its frames are bigger than a pipe's buffer and its pool holds one frame, so its
# write() and close() block until that Python code drains the FIFO. A write() that kept the GIL
# while blocked would stop the drain loop, and the writer would end in framepipe.Timeout.
import os
import select
import threading
import time

import numpy as np
import pytest

import framepipe
from conftest import colour_of, flat, need_elements

SIZE = (256, 256)  # 98 KiB of I420 per frame: more than a pipe holds (64 KiB)
FRAMES = 8


def test_two_writers_in_two_threads_run_at_once(tmp):
    need_elements("y4menc")
    fifos = [tmp / "a.y4m", tmp / "b.y4m"]
    for f in fifos:
        os.mkfifo(f)
    # Opened before the writers, non-blocking: the writers' filesink open() then does not wait.
    fds = [os.open(f, os.O_RDONLY | os.O_NONBLOCK) for f in fifos]
    opened = threading.Barrier(3, timeout=60)   # both writers open, and the drain about to start
    inside = [threading.Event(), threading.Event()]  # each writer entered a write that must block
    errors = []
    stats = [None, None]

    def write(k):
        try:
            with framepipe.Writer(f'y4menc ! filesink location="{fifos[k]}"', size=SIZE, fps=30,
                                  pool_size=1) as w:
                opened.wait()
                for i in range(FRAMES):
                    if i == 2:
                        inside[k].set()
                    w.write(flat(SIZE, colour_of(i)))
            stats[k] = w.close()
        except BaseException as e:  # noqa: B902 -- reported by the main thread
            errors.append(e)
            opened.abort()

    threads = [threading.Thread(target=write, args=(k,), daemon=True) for k in range(2)]
    for t in threads:
        t.start()
    opened.wait()
    # Both writers are now inside write() with frames no reader has taken: neither can finish
    # without the loop below, which is Python and needs the GIL.
    for e in inside:
        assert e.wait(60), errors
    received = [0, 0]
    done = [False, False]
    deadline = time.monotonic() + 120  # a bound on a failure, not a measure of speed
    while not all(done):
        assert time.monotonic() < deadline, f"stuck: {received} bytes, errors {errors}"
        ready, _, _ = select.select([fds[k] for k in range(2) if not done[k]], [], [], 1.0)
        for fd in ready:
            k = fds.index(fd)
            chunk = os.read(fd, 1 << 16)
            if chunk:
                received[k] += len(chunk)
            elif not threads[k].is_alive():
                done[k] = True
        for k in range(2):
            if not done[k] and not threads[k].is_alive() and fds[k] not in ready:
                # the writer closed its end: drain what is left, then EOF
                try:
                    chunk = os.read(fds[k], 1 << 16)
                except BlockingIOError:
                    chunk = b"?"
                if chunk == b"":
                    done[k] = True
                elif chunk != b"?":
                    received[k] += len(chunk)
    for t in threads:
        t.join(60)
    for fd in fds:
        os.close(fd)
    assert not errors, errors
    frame_bytes = SIZE[0] * SIZE[1] * 3 // 2
    for k in range(2):
        assert stats[k].frames == FRAMES
        assert received[k] > FRAMES * frame_bytes  # every frame, plus the y4m headers


def test_a_reader_waits_without_the_gil():
    # The reader waits for its first frame on a source that a Python thread releases: a valve
    # opened from Python would need gi; instead the source is a FIFO that Python writes into.
    pytest.importorskip("numpy")
    need_elements("y4mdec", "y4menc")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        fifo = os.path.join(d, "in.y4m")
        os.mkfifo(fifo)
        started = threading.Event()
        result = {}

        def read():
            try:
                started.set()
                with framepipe.Reader(f'filesrc location="{fifo}" ! y4mdec', timeout=60) as r:
                    result["frames"] = [np.asarray(f).copy() for f in r]
            except BaseException as e:  # noqa: B902
                result["error"] = e

        t = threading.Thread(target=read, daemon=True)
        t.start()
        assert started.wait(60)
        # This Python code runs while the reader's constructor waits for its first frame. Writing
        # blocks until the reader's filesrc opens the FIFO.
        header = f"YUV4MPEG2 W{SIZE[0]} H{SIZE[1]} F30:1 Ip A1:1 C420jpeg\n".encode()
        y = bytes([100]) * (SIZE[0] * SIZE[1])
        uv = bytes([128]) * (SIZE[0] * SIZE[1] // 4)
        with open(fifo, "wb") as f:
            f.write(header)
            for _ in range(3):
                f.write(b"FRAME\n" + y + uv + uv)
        t.join(60)
        assert not t.is_alive()
        assert "error" not in result, result.get("error")
        assert len(result["frames"]) == 3
