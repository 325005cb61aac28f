# framepipe.Writer: files that ffmpeg decodes to the right frames and colours, arrays read in place,
# typed errors for bad input, close() semantics, an exception inside `with` still finalising.
import numpy as np
import pytest

import framepipe
from conftest import (colour_of, ffmpeg_decode_bgr, ffprobe_frames, flat, max_error,
                      need_elements, need_ffmpeg)

SIZE = (64, 48)


@pytest.mark.parametrize("ext,elements,tolerance", [
    ("webm", ("vp8enc", "webmmux"), 6),
    ("mkv", ("x264enc", "h264parse", "matroskamux"), 6),
    ("mp4", ("x264enc", "h264parse", "mp4mux"), 6),
    ("y4m", ("y4menc",), 3),
])
def test_a_path_picks_the_container_and_ffmpeg_decodes_every_frame(tmp, ext, elements, tolerance):
    need_elements(*elements)
    need_ffmpeg()
    path = tmp / ("out." + ext)
    frames = 20
    with framepipe.Writer(str(path), size=SIZE, fps=25) as w:
        for i in range(frames):
            w.write(flat(SIZE, colour_of(i)))
    stats = w.close()
    assert stats.frames == frames
    assert ffprobe_frames(path) == frames
    decoded = ffmpeg_decode_bgr(path, SIZE)
    assert len(decoded) == frames
    # ffmpeg decodes untagged and BT.601-tagged streams with BT.601 limited: framepipe's default.
    for i in (0, 7, 19):
        assert max_error(decoded[i], colour_of(i)) <= tolerance, f"frame {i}"


def test_a_description_is_used_as_it_is(tmp):
    need_elements("y4menc")
    need_ffmpeg()
    path = tmp / "d.y4m"
    with framepipe.Writer(f'y4menc ! filesink location="{path}"', size=SIZE, fps=(30000, 1001)) as w:
        assert w.description.startswith("y4menc")
        assert w.fps.numerator == 30000 and w.fps.denominator == 1001
        for i in range(3):
            w.write(flat(SIZE, colour_of(i)))
    assert ffprobe_frames(path) == 3


def test_a_pathlike_is_a_path(tmp):
    need_elements("y4menc")
    path = tmp / "p.y4m"
    with framepipe.Writer(path, size=SIZE) as w:
        w.write(flat(SIZE, colour_of(0)))
    assert path.stat().st_size > SIZE[0] * SIZE[1]


def test_an_unknown_extension_names_the_known_ones(tmp):
    with pytest.raises(framepipe.InvalidArgument, match=r"\.webm, \.mkv, \.mp4"):
        framepipe.Writer(str(tmp / "out.xyz"), size=SIZE)


def test_write_reads_the_array_in_place_roi_included():
    # The address handed to the C++ Writer (whose packer reads the caller's frame in place) is
    # the array's own memory, for a C-contiguous array and for a ROI of a bigger one.
    with framepipe.Writer("fakesink", size=SIZE) as w:
        whole = flat(SIZE, colour_of(1))
        w.write(whole)
        assert w._last_frame_address == whole.__array_interface__["data"][0]
        big = np.zeros((100, 200, 3), np.uint8)
        roi = big[10:10 + SIZE[1], 30:30 + SIZE[0]]
        assert not roi.flags["C_CONTIGUOUS"]
        w.write(roi)
        assert w._last_frame_address == roi.__array_interface__["data"][0]
        readonly = flat(SIZE, colour_of(2))
        readonly.setflags(write=False)
        w.write(readonly)  # write() only reads
        assert w._last_frame_address == readonly.__array_interface__["data"][0]


def test_a_roi_is_written_as_the_roi(tmp):
    need_elements("matroskamux")
    path = tmp / "roi.mkv"
    big = np.zeros((100, 200, 3), np.uint8)
    big[:] = (0, 0, 255)
    big[10:10 + SIZE[1], 30:30 + SIZE[0]] = colour_of(3)
    with framepipe.Writer(f'matroskamux ! filesink location="{path}"', size=SIZE) as w:
        w.write(big[10:10 + SIZE[1], 30:30 + SIZE[0]])
    frames = list(framepipe.Reader(path))
    assert len(frames) == 1
    assert max_error(np.asarray(frames[0]), colour_of(3)) <= 3


def bad_frames():
    h, w = SIZE[1], SIZE[0]
    return [
        ("None", None, "None"),
        ("a list", [[1, 2, 3]], "no buffer protocol"),
        ("float32", np.zeros((h, w, 3), np.float32), "dtype float32"),
        ("int16", np.zeros((h, w, 3), np.int16), "dtype int16"),
        ("ndim 2", np.zeros((h, w), np.uint8), "ndim 2"),
        ("ndim 4", np.zeros((1, h, w, 3), np.uint8), "ndim 4"),
        ("4 channels", np.zeros((h, w, 4), np.uint8), "4 channels"),
        ("transposed", np.zeros((w, h, 3), np.uint8), f"shape ({w}, {h}, 3)"),
        ("too small", np.zeros((h - 1, w, 3), np.uint8), f"shape ({h - 1}, {w}, 3)"),
        ("flipped rows", np.zeros((h, w, 3), np.uint8)[::-1], "positive strides"),
        ("flipped columns", np.zeros((h, w, 3), np.uint8)[:, ::-1], "positive strides"),
        ("RGB view of BGR", np.zeros((h, w, 3), np.uint8)[:, :, ::-1], "positive strides"),
        ("every other channel", np.zeros((h, w, 6), np.uint8)[:, :, ::2], "last stride 1"),
        ("every other pixel", np.zeros((h, 2 * w, 3), np.uint8)[:, ::2], "pixels are adjacent"),
        ("planar (Fortran)", np.asfortranarray(np.zeros((h, w, 3), np.uint8)), "last stride 1"),
    ]


@pytest.mark.parametrize("name,frame,got", bad_frames(), ids=[b[0] for b in bad_frames()])
def test_bad_input_raises_a_frame_error_naming_what_was_expected(name, frame, got):
    with framepipe.Writer("fakesink", size=SIZE) as w:
        with pytest.raises(framepipe.FrameError) as error:
            w.write(frame)
        assert "expected a 48x64x3 uint8 array (BGR24" in str(error.value)
        assert got in str(error.value)
        assert error.value.expected.startswith("a 48x64x3 uint8 array")
        assert isinstance(error.value, framepipe.InvalidArgument)
        assert isinstance(error.value, ValueError)
        # The writer is still usable after a refused frame.
        w.write(flat(SIZE, colour_of(0)))
    assert w.close().frames == 1


@pytest.mark.parametrize("fmt,shape", [("BGRA32", (48, 64, 4)), ("RGBA32", (48, 64, 4)),
                                       ("RGB24", (48, 64, 3)), ("GRAY8", (48, 64))])
def test_other_formats_take_their_shape(fmt, shape):
    with framepipe.Writer("fakesink", size=SIZE, format=fmt) as w:
        assert w.format == fmt
        w.write(np.zeros(shape, np.uint8))
        with pytest.raises(framepipe.FrameError):
            w.write(np.zeros((48, 64, 3) if len(shape) != 3 or shape[2] != 3 else (48, 64, 4),
                             np.uint8))
    assert w.close().frames == 1


def test_bad_options_raise_invalid_argument():
    for kwargs in [dict(size=(0, 10)), dict(size=(10,)), dict(size="64x48"),
                   dict(size=SIZE, fps=0), dict(size=SIZE, fps=-1.5), dict(size=SIZE, fps="30"),
                   dict(size=SIZE, format="YUV9"), dict(size=SIZE, matrix="BT.999"),
                   dict(size=SIZE, range="half"), dict(size=SIZE, timestamps="sometimes")]:
        with pytest.raises(framepipe.InvalidArgument):
            framepipe.Writer("fakesink", **kwargs)


def test_close_returns_stats_twice_and_a_closed_writer_refuses_frames():
    w = framepipe.Writer("fakesink", size=SIZE, fps=30)
    for i in range(5):
        w.write(flat(SIZE, colour_of(i)))
    first = w.close()
    assert isinstance(first, framepipe.Stats)
    assert first.frames == 5 and first.bytes == 5 * 64 * 48 * 3 // 2
    assert first.as_dict()["frames"] == 5
    assert w.closed
    second = w.close()
    assert second.frames == 5 and second.elapsed == first.elapsed
    with pytest.raises(framepipe.Error, match="closed"):
        w.write(flat(SIZE, colour_of(0)))


def test_explicit_timestamps():
    with framepipe.Writer("fakesink", size=SIZE, timestamps="explicit") as w:
        w.write(flat(SIZE, colour_of(0)), pts=0)
        w.write(flat(SIZE, colour_of(0)), pts=1_000_000)
        with pytest.raises(framepipe.InvalidArgument, match="does not follow"):
            w.write(flat(SIZE, colour_of(0)), pts=500)
        with pytest.raises(framepipe.InvalidArgument, match="explicit"):
            w.write(flat(SIZE, colour_of(0)))
    with framepipe.Writer("fakesink", size=SIZE) as w:
        with pytest.raises(framepipe.InvalidArgument, match="Explicit"):
            w.write(flat(SIZE, colour_of(0)), pts=0)


class Boom(Exception):
    pass


def test_an_exception_in_the_with_block_still_finalises_the_file(tmp):
    # mp4mux writes its index (moov) only at EOS: without it the file is unplayable.
    need_elements("x264enc", "h264parse", "mp4mux")
    need_ffmpeg()
    path = tmp / "interrupted.mp4"
    with pytest.raises(Boom):
        with framepipe.Writer(str(path), size=SIZE, fps=25) as w:
            for i in range(12):
                w.write(flat(SIZE, colour_of(i)))
            raise Boom()
    assert w.closed
    assert ffprobe_frames(path) == 12
