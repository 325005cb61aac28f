# Shared helpers of the Python module's tests: run with /usr/bin/python3 -m pytest, PYTHONPATH at
# the built module (tests/CMakeLists.txt, ctest entry python_test).
import os
import shutil
import subprocess

import numpy as np
import pytest

import framepipe  # noqa: F401  (a missing module fails collection: never a silent pass)


def tool_env():
    """The environment for the tools the tests run (not Python): without the ASan runtime that
    the sanitizer build preloads for the module."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    return env


def have_elements(*names):
    """Whether every GStreamer element in `names` is installed (gst-inspect-1.0 answers)."""
    inspect = shutil.which("gst-inspect-1.0")
    if inspect is None:
        return False
    for name in names:
        done = subprocess.run([inspect, "--exists", name], capture_output=True, timeout=60,
                              env=tool_env())
        if done.returncode != 0:
            return False
    return True


def need_elements(*names):
    if not have_elements(*names):
        pytest.skip("GStreamer elements missing: " + " ".join(names))


def need_ffmpeg():
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg/ffprobe missing (apt-get install ffmpeg)")


def ffprobe_frames(path):
    """Frames ffprobe counts by decoding `path` (a decoder nobody here wrote)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, timeout=120, check=True, env=tool_env()).stdout
    return int(out.strip().split(",")[0])


def ffmpeg_decode_bgr(path, size):
    """Every frame of `path` decoded by ffmpeg into an N x H x W x 3 BGR array."""
    width, height = size
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
        capture_output=True, timeout=120, check=True, env=tool_env()).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def colour_of(i):
    """Frame i's flat BGR colour: distinct for each frame, away from the range's clipping."""
    return np.array([(40 + 37 * i) % 180 + 30, (200 - 23 * i) % 180 + 30, (90 + 51 * i) % 180 + 30],
                    np.uint8)


def flat(size, colour, channels=3):
    width, height = size
    frame = np.empty((height, width, channels), np.uint8)
    frame[:, :, :3] = colour
    if channels == 4:
        frame[:, :, 3] = 255
    return frame


@pytest.fixture
def tmp(tmp_path):
    return tmp_path


@pytest.fixture(autouse=True)
def _bounded():
    # Every test here is bounded by the waits of the library (timeouts) and by ctest's TIMEOUT.
    yield


def max_error(a, b):
    return int(np.max(np.abs(a.astype(np.int16) - np.asarray(b).astype(np.int16))))


os.environ.setdefault("GST_DEBUG", "0")
