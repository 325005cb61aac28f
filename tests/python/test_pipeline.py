# framepipe.Pipeline: the C++ engine's sources (TextClock, TestPattern, a Python callable) into
# files that ffmpeg decodes, stop() from another thread, stats during a run, on_progress, errors
# of the callable, Ctrl-C, and bad arguments.
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import framepipe
from conftest import (colour_of, ffmpeg_decode_bgr, ffprobe_frames, max_error, need_elements,
                      need_ffmpeg, tool_env)

SIZE = (64, 48)


def need_text_clock():
    if not hasattr(framepipe, "TextClock"):
        pytest.skip("framepipe.TextClock needs the module built with OpenCV")


def ffprobe_size(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=120, check=True, env=tool_env()).stdout
    width, height = out.strip().split(",")[:2]
    return int(width), int(height)


def test_text_clock_writes_the_seconds_asked_for(tmp):
    need_text_clock()
    need_elements("x264enc", "h264parse", "mp4mux")
    need_ffmpeg()
    path = tmp / "clock.mp4"
    pipeline = framepipe.Pipeline(framepipe.TextClock(size=(320, 240)), str(path), fps=30,
                                  seconds=2)
    stats = pipeline.run()
    assert stats.frames == 60
    assert ffprobe_frames(path) == 60
    assert ffprobe_size(path) == (320, 240)
    # The clock: yellow text on black, so the frames have bright pixels and differ over time.
    frames = ffmpeg_decode_bgr(path, (320, 240))
    assert frames[0].max() > 200 and np.median(frames[0]) < 20
    assert not np.array_equal(frames[0], frames[59])


def test_test_pattern_is_the_cpp_generator(tmp):
    need_elements("y4menc")
    need_ffmpeg()
    path = tmp / "pattern.y4m"
    stats = framepipe.Pipeline(framepipe.TestPattern(size=SIZE), str(path), frames=5).run()
    assert stats.frames == 5
    frames = ffmpeg_decode_bgr(path, SIZE)
    assert len(frames) == 5
    # Red ramps across, green down; the white square moves one pixel a frame.
    assert frames[0][24, 2, 2] < frames[0][24, 60, 2]
    assert frames[0][2, 30, 1] < frames[0][44, 30, 1]
    assert frames[0][3, 3].min() > 230 and frames[3][3, 3].min() > 230
    assert frames[0][0, 0].min() > 230 and frames[3][0, 0].min() < 200


def test_a_callable_draws_into_the_frame_the_engine_packs(tmp):
    need_elements("y4menc")
    need_ffmpeg()
    cv2 = pytest.importorskip("cv2")
    path = tmp / "drawn.y4m"
    times = []
    shapes = []

    def draw(frame, time):
        shapes.append((frame.shape, frame.dtype, frame.flags.writeable))
        times.append((time.index, time.pts, time.duration))
        frame[:] = colour_of(time.index)
        if time.index == 3:
            frame[:] = 0
            cv2.putText(frame, "8", (16, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (255, 255, 255), 3)

    stats = framepipe.Pipeline(draw, str(path), size=SIZE, fps=25, frames=6).run()
    assert stats.frames == 6
    assert shapes == [((48, 64, 3), np.uint8, True)] * 6
    assert times == [(i, i * 40_000_000, 40_000_000) for i in range(6)]
    decoded = ffmpeg_decode_bgr(path, SIZE)
    assert len(decoded) == 6
    for i in (0, 1, 2, 4, 5):
        assert max_error(decoded[i], colour_of(i)) <= 3, f"frame {i}"
    # The putText frame: white strokes on black, where cv2 put them.
    text = decoded[3]
    assert text[:, :12].max() < 40  # left of the glyph: black
    assert (text[10:44, 16:44] > 200).all(axis=2).sum() > 50


def test_the_array_is_the_engines_own_memory_and_stays_valid():
    kept = []

    def draw(frame, time):
        frame[:] = time.index
        kept.append(frame)

    pipeline = framepipe.Pipeline(draw, "fakesink", size=SIZE, frames=3)
    pipeline.run()
    # One block reused for every frame (no copy per frame): the arrays share their data pointer,
    # and a kept array still points at live memory, holding the last frame drawn.
    pointers = {a.__array_interface__["data"][0] for a in kept}
    assert len(pointers) == 1
    assert all((a == 2).all() for a in kept)
    del pipeline  # the arrays keep the pipeline (and so the memory) alive
    assert (kept[0] == 2).all()


def test_stop_from_another_thread_ends_the_run_and_finalises_the_file(tmp):
    need_elements("x264enc", "h264parse", "matroskamux")
    need_ffmpeg()
    path = tmp / "stopped.mkv"
    reached = threading.Event()
    stopped = threading.Event()
    seen = {}

    def draw(frame, time):
        frame[:] = 90
        if time.index == 5:
            seen["running"] = pipeline.running
            seen["frames"] = pipeline.stats.frames  # published after every frame
            reached.set()
            assert stopped.wait(60)

    def stopper():
        assert reached.wait(60)
        pipeline.stop()
        stopped.set()

    pipeline = framepipe.Pipeline(draw, str(path), size=SIZE, frames=100_000)
    thread = threading.Thread(target=stopper)
    thread.start()
    stats = pipeline.run()
    thread.join(60)
    assert seen == {"running": True, "frames": 5}
    # The frame being drawn when stop() came is not handed over: frames 0..4 are the stream.
    assert stats.frames == 5
    assert not pipeline.running
    assert ffprobe_frames(path) == 5


def test_on_progress_gets_the_counters_with_the_gil(tmp):
    calls = []
    pipeline = framepipe.Pipeline(framepipe.TestPattern(size=SIZE), "fakesink", frames=20,
                                  on_progress=lambda s: calls.append(s.frames),
                                  progress_interval=1e-6)
    stats = pipeline.run()
    assert stats.frames == 20
    assert calls and calls == sorted(calls) and calls[-1] <= 20
    assert pipeline.stats.frames == 20  # the last run's counters, after it


def test_an_exception_of_the_callable_propagates_and_the_file_stays_playable(tmp):
    need_elements("x264enc", "h264parse", "matroskamux")
    need_ffmpeg()
    path = tmp / "failed.mkv"

    def draw(frame, time):
        if time.index == 8:
            raise RuntimeError("drawing failed at 8")
        frame[:] = 50

    pipeline = framepipe.Pipeline(draw, str(path), size=SIZE, frames=100)
    with pytest.raises(RuntimeError, match="drawing failed at 8"):
        pipeline.run()
    assert not pipeline.running
    assert ffprobe_frames(path) == 8
    # And it can run again.
    ok = framepipe.Pipeline(lambda f, t: f.fill(1), "fakesink", size=SIZE, frames=3)
    assert ok.run().frames == 3
    assert ok.run().frames == 3


def test_overlap_gives_the_same_frames(tmp):
    need_elements("y4menc")
    paths = [tmp / "seq.y4m", tmp / "overlap.y4m"]
    for path, overlap in zip(paths, (False, True)):
        framepipe.Pipeline(lambda f, t: f.fill(t.index * 7 % 256), str(path), size=SIZE,
                           frames=12, overlap=overlap).run()
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_realtime_paces_on_the_wall_clock():
    # 6 frames at 20 fps: the last is due at 250 ms. Not a speed check: the run cannot end
    # before its last frame is due.
    import time as clock
    start = clock.monotonic()
    stats = framepipe.Pipeline(framepipe.TestPattern(size=SIZE), "fakesink", fps=20, frames=6,
                               realtime=True).run()
    assert clock.monotonic() - start >= 0.25
    assert stats.frames + stats.late == 6


def test_bad_arguments_raise():
    pattern = framepipe.TestPattern(size=SIZE)
    with pytest.raises(framepipe.InvalidArgument, match="frames=N or seconds=S"):
        framepipe.Pipeline(pattern, "fakesink")
    with pytest.raises(framepipe.InvalidArgument, match="needs size"):
        framepipe.Pipeline(lambda f, t: None, "fakesink", frames=1)
    with pytest.raises(framepipe.InvalidArgument, match="expected a source"):
        framepipe.Pipeline(42, "fakesink", frames=1)
    with pytest.raises(framepipe.InvalidArgument, match="expected a target"):
        framepipe.Pipeline(pattern, 42, frames=1)
    with pytest.raises(framepipe.InvalidArgument, match="differs"):
        framepipe.Pipeline(pattern, "fakesink", size=(10, 10), frames=1)
    with pytest.raises(framepipe.InvalidArgument, match="seconds"):
        framepipe.Pipeline(pattern, "fakesink", seconds=-1)
    with pytest.raises(framepipe.InvalidArgument, match="container"):
        framepipe.Pipeline(pattern, "out.avi", frames=1)
    with pytest.raises(framepipe.InvalidArgument, match="size"):
        framepipe.TestPattern(size=(0, 10))
    with pytest.raises(framepipe.ParseError):
        framepipe.Pipeline(pattern, "videoconvert ! ! fakesink", frames=1).run()
    with pytest.raises(framepipe.MissingElement):
        framepipe.Pipeline(pattern, "no_such_element_here", frames=1).run()
    # A callable that returns without error but with the wrong signature: TypeError propagates.
    with pytest.raises(TypeError):
        framepipe.Pipeline(lambda f: None, "fakesink", size=SIZE, frames=1).run()


PIPELINE_CHILD = r'''
import os, signal, sys, threading
import framepipe

path = sys.argv[1]
pipeline = framepipe.Pipeline(framepipe.TestPattern(size=(64, 48)), path, fps=30, seconds=600,
                              realtime=True)

def helper():
    # A bounded poll of a condition (not a sleep standing for one): frames have been handed on.
    tick = threading.Event()
    for _ in range(6000):
        if pipeline.stats.frames >= 5:
            break
        tick.wait(0.01)
    os.kill(os.getpid(), signal.SIGINT)

threading.Thread(target=helper, daemon=True).start()
try:
    pipeline.run()
    print("not interrupted")
    sys.exit(1)
except KeyboardInterrupt:
    print("interrupted", pipeline.stats.frames, pipeline.running)
'''


def test_ctrl_c_ends_the_run_with_keyboard_interrupt_and_a_playable_file(tmp):
    need_elements("x264enc", "h264parse", "matroskamux")
    need_ffmpeg()
    path = tmp / "interrupted.mkv"
    done = subprocess.run([sys.executable, "-c", PIPELINE_CHILD, str(path)], capture_output=True,
                          text=True, timeout=120, env=dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr
    words = done.stdout.split()
    assert words[0] == "interrupted" and words[2] == "False", done.stdout
    frames = int(words[1])
    assert frames >= 5
    assert ffprobe_frames(path) == frames


def test_a_callable_that_refers_to_its_pipeline_is_collected():
    import gc
    freed = threading.Event()

    class Draw:
        def __call__(self, frame, time):
            frame[:] = 7

        def __del__(self):
            freed.set()

    draw = Draw()
    draw.pipeline = framepipe.Pipeline(draw, "fakesink", size=SIZE, frames=2,
                                       on_progress=lambda s: None)
    assert draw.pipeline.run().frames == 2
    del draw  # a cycle: the pipeline holds the callable, the callable the pipeline
    gc.collect()
    assert freed.is_set()
