# framepipe.Writer with audio=: write_audio() beside write(), into one file that ffprobe/ffmpeg
# read back with the right stream, rate, channels and length; samples read in place; typed errors
# for bad input.
import json
import subprocess

import numpy as np
import pytest

import framepipe
from conftest import colour_of, flat, need_elements, need_ffmpeg, tool_env

SIZE = (64, 48)
FPS = 25
RATE = 48000
# Both streams in one pipeline, no file: the bad-input cases need no encoder.
NULL_AV = "appsrc name=video ! fakesink  appsrc name=audio ! fakesink"


def tone(start, end, channels, dtype):
    """Frames start..end of a 440 Hz tone, shape (n, channels)."""
    t = np.arange(start, end) / RATE
    wave = np.sin(2 * np.pi * 440 * t)
    if dtype == np.int16:
        wave = (wave * 8000).astype(np.int16)
    else:
        wave = (wave * 0.25).astype(np.float32)
    return np.ascontiguousarray(np.repeat(wave[:, None], channels, axis=1))


def audio_streams(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a", "-show_streams", "-of", "json",
         str(path)], capture_output=True, text=True, timeout=120, check=True, env=tool_env()).stdout
    return json.loads(out)["streams"]


def decoded_audio_frames(path, channels):
    """Audio frames ffmpeg decodes from `path` (a decoder nobody here wrote)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:a", "-f", "s16le", "-ac",
         str(channels), "-ar", str(RATE), "-"],
        capture_output=True, timeout=120, check=True, env=tool_env()).stdout
    return len(raw) // (2 * channels)


@pytest.mark.parametrize("ext,codec,elements,fmt,channels", [
    ("mkv", "opus", ("x264enc", "h264parse", "opusenc", "matroskamux"), "S16LE", 2),
    ("mp4", "aac", ("x264enc", "h264parse", "avenc_aac", "mp4mux"), "S16LE", 2),
    ("mkv", "opus", ("x264enc", "h264parse", "opusenc", "matroskamux"), "F32LE", 1),
])
def test_two_seconds_of_tone_and_frames_make_one_audio_stream(tmp, ext, codec, elements, fmt,
                                                              channels):
    need_elements(*elements)
    need_ffmpeg()
    path = tmp / ("av." + ext)
    dtype = np.int16 if fmt == "S16LE" else np.float32
    spec = framepipe.AudioSpec(format=fmt, rate=RATE, channels=channels)
    written = 0
    with framepipe.Writer(str(path), size=SIZE, fps=FPS, audio=spec) as w:
        assert w.audio == spec
        for i in range(2 * FPS):
            w.write(flat(SIZE, colour_of(i)))
            end = (i + 1) * RATE // FPS
            samples = tone(written, end, channels, dtype)
            if i % 2:
                samples = samples.reshape(-1)  # (n * channels,) works as well
            w.write_audio(samples)
            # The writer was handed the array's own memory: no copy into a temporary.
            assert w._last_audio_address == samples.__array_interface__["data"][0]
            written = end
        assert w.audio_frames == 2 * RATE
        assert w.stats.audio_frames == 2 * RATE
    stats = w.close()
    assert stats.frames == 2 * FPS
    assert stats.audio_frames == 2 * RATE
    assert stats.audio_buffers >= 2 * FPS  # one or more per write_audio()
    assert stats.audio_dropped == 0
    assert stats.as_dict()["audio_frames"] == 2 * RATE
    streams = audio_streams(path)
    assert len(streams) == 1
    assert streams[0]["codec_name"] == codec
    assert int(streams[0]["sample_rate"]) == RATE
    assert int(streams[0]["channels"]) == channels
    # 2 s, give or take the encoder's frames at the edges (AAC 1024, Opus 20 ms) and priming.
    seconds = decoded_audio_frames(path, channels) / RATE
    assert abs(seconds - 2.0) < 0.05, seconds


def test_write_audio_with_pts_places_the_samples(tmp):
    with framepipe.Writer(NULL_AV, size=SIZE, fps=FPS, audio=framepipe.AudioSpec()) as w:
        w.write(flat(SIZE, colour_of(0)))
        w.write_audio(tone(0, 480, 2, np.int16), pts=0)
        w.write_audio(tone(0, 480, 2, np.int16), pts=20_000_000)  # a 10 ms gap is allowed
        assert w.audio_frames == 960
        with pytest.raises(framepipe.InvalidArgument, match="goes back"):
            w.write_audio(tone(0, 480, 2, np.int16), pts=25_000_000)


def test_bad_samples_raise_frame_errors_naming_what_was_expected():
    spec = framepipe.AudioSpec(format="S16LE", rate=RATE, channels=2)
    with framepipe.Writer(NULL_AV, size=SIZE, fps=FPS, audio=spec) as w:
        with pytest.raises(framepipe.FrameError, match=r"expected an int16 array.*got dtype float32"):
            w.write_audio(np.zeros((480, 2), np.float32))
        with pytest.raises(framepipe.FrameError, match=r"got 3 channels") as e:
            w.write_audio(np.zeros((480, 3), np.int16))
        assert "(n, 2)" in e.value.expected
        with pytest.raises(framepipe.FrameError, match="not a whole number of 2-channel frames"):
            w.write_audio(np.zeros(961, np.int16))
        with pytest.raises(framepipe.FrameError, match="ndim 3"):
            w.write_audio(np.zeros((10, 2, 2), np.int16))
        with pytest.raises(framepipe.FrameError, match="C-contiguous"):
            w.write_audio(np.zeros((480, 4), np.int16)[:, ::2])
        with pytest.raises(framepipe.FrameError, match="no buffer protocol"):
            w.write_audio([0, 0])
        assert w.audio_frames == 0
        w.write_audio(np.zeros((480, 2), np.int16))  # the writer still works
    with pytest.raises(framepipe.Error, match="closed"):
        w.write_audio(np.zeros((480, 2), np.int16))


def test_float_audio_takes_float32_only():
    spec = framepipe.AudioSpec(format="F32LE", channels=1)
    with framepipe.Writer(NULL_AV, size=SIZE, fps=FPS, audio=spec) as w:
        with pytest.raises(framepipe.FrameError, match=r"expected a float32 array.*got dtype int16"):
            w.write_audio(np.zeros(480, np.int16))
        with pytest.raises(framepipe.FrameError, match="got dtype float64"):
            w.write_audio(np.zeros(480, np.float64))
        w.write_audio(np.zeros(480, np.float32))
        assert w.audio_frames == 480


def test_audio_needs_the_option_and_a_container_that_takes_it(tmp):
    with framepipe.Writer("fakesink", size=SIZE) as w:
        assert w.audio is None
        with pytest.raises(framepipe.InvalidArgument, match="no audio"):
            w.write_audio(np.zeros((480, 2), np.int16))
    with pytest.raises(framepipe.InvalidArgument, match=r"\.mkv \(Opus\), \.mp4 \(AAC\)"):
        framepipe.Writer(str(tmp / "a.y4m"), size=SIZE, audio=framepipe.AudioSpec())
    with pytest.raises(framepipe.InvalidArgument, match="framepipe.AudioSpec"):
        framepipe.Writer("fakesink", size=SIZE, audio="S16LE")


def test_audio_spec_checks_its_values():
    assert framepipe.AudioSpec().format == "S16LE"
    assert framepipe.AudioSpec(format="f32le", rate=44100, channels=1).rate == 44100
    with pytest.raises(framepipe.InvalidArgument, match="S16LE.*F32LE"):
        framepipe.AudioSpec(format="S24LE")
    with pytest.raises(framepipe.InvalidArgument, match="channel count 0"):
        framepipe.AudioSpec(channels=0)
    with pytest.raises(framepipe.InvalidArgument, match="rate 0"):
        framepipe.AudioSpec(rate=0)
