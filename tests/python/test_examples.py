# examples/python/: tutorial.py writes the clock video (ffmpeg decodes every frame, and the text
# is there, in yellow); writer.py, transcode.py and reader.py; rtsp.py serves what ffmpeg reads.
import os
import pathlib
import signal
import subprocess
import sys

import numpy as np
import pytest

from conftest import ffmpeg_decode_bgr, ffprobe_frames, need_elements, need_ffmpeg, tool_env

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


def test_tutorial_writes_the_clock(tmp):
    need_elements("vp8enc", "webmmux")
    need_ffmpeg()
    out = tmp / "clock.webm"
    subprocess.run([sys.executable, str(EXAMPLES / "tutorial.py"), "--output", str(out),
                    "--seconds", "2"], check=True, timeout=120, env=dict(os.environ))
    assert ffprobe_frames(out) == 60
    frame = ffmpeg_decode_bgr(out, (320, 240))[45]
    b, g, r = (frame[:, :, c].astype(int) for c in range(3))
    # A 1-pixel stroke in 4:2:0 VP8: the chroma is blurred, so yellow means R and G well above B.
    yellow = (r > 100) & (g > 100) & ((r + g) // 2 - b > 60)
    assert 100 < yellow.sum() < 320 * 240 // 4  # text, not a flat frame
    rows = np.nonzero(yellow.any(axis=1))[0]
    assert 80 < rows.mean() < 160  # centred vertically, as the tutorial draws it


def test_transcode_and_reader(tmp):
    need_elements("vp8enc", "webmmux", "matroskamux")
    need_ffmpeg()
    import framepipe
    src = tmp / "in.mkv"
    with framepipe.Writer(src, size=(160, 96), fps=25) as w:
        for i in range(10):
            w.write(np.full((96, 160, 3), 20 * i, np.uint8))
    out = tmp / "out.webm"
    subprocess.run([sys.executable, str(EXAMPLES / "transcode.py"), str(src), str(out)],
                   check=True, timeout=120, env=dict(os.environ))
    assert ffprobe_frames(out) == 10
    decoded = ffmpeg_decode_bgr(out, (160, 96))
    assert decoded[5][60:, :].mean() == pytest.approx(100, abs=4)  # below the text: the frame
    assert decoded[5][5:35, 10:120].max() > 200  # the white time stamp
    png = tmp / "f.png"
    done = subprocess.run([sys.executable, str(EXAMPLES / "reader.py"), str(out),
                           "--show", "3", str(png)],
                          check=True, timeout=120, env=dict(os.environ), capture_output=True,
                          text=True)
    assert "160x96" in done.stdout and "10 frames" in done.stdout
    assert png.stat().st_size > 0


def test_writer_writes_the_frames_asked_for(tmp):
    need_elements("x264enc", "h264parse", "mp4mux")
    need_ffmpeg()
    out = tmp / "ball.mp4"
    subprocess.run([sys.executable, str(EXAMPLES / "writer.py"), "--output", str(out),
                    "--size", "160x96", "--frames", "40"], check=True, timeout=120,
                   env=dict(os.environ), capture_output=True)
    assert ffprobe_frames(out) == 40
    frames = ffmpeg_decode_bgr(out, (160, 96))
    assert len(frames) == 40
    assert frames[0].max() > 230  # the white ball
    assert not np.array_equal(frames[0], frames[20])  # it moves


def test_rtsp_serves_the_clock_at_the_url_it_prints(tmp):
    import framepipe
    if not hasattr(framepipe, "RtspServer"):
        pytest.skip("framepipe.RtspServer needs the module built with gst-rtsp-server")
    need_elements("x264enc", "rtph264pay")
    need_ffmpeg()
    server = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "rtsp.py"), "--port", "0", "--size", "160x96",
         "--seconds", "60"], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        url = server.stdout.readline().strip()  # printed once the port is bound
        assert url.startswith("rtsp://127.0.0.1:") and url.endswith("/clock"), url
        raw = subprocess.run(
            ["timeout", "60", "ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
             "-frames:v", "20", "-f", "rawvideo", "-pix_fmt", "bgr24", "-"],
            capture_output=True, timeout=90, env=tool_env())
        assert raw.returncode == 0, raw.stderr.decode(errors="replace")
        frames = np.frombuffer(raw.stdout, np.uint8).reshape(-1, 96, 160, 3)
        assert len(frames) == 20
        assert frames[-1].max() > 150  # the clock's text (or the pattern)
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C: the example ends cleanly
        out, _ = server.communicate(timeout=60)
    assert server.returncode == 0
    assert "served" in out
