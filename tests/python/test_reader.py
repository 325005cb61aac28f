# framepipe.Reader: frames in order with their times, zero-copy numpy views that outlive the
# reader, read(out=), the end of the stream, formats, colour from the caps.
import gc
import weakref

import numpy as np
import pytest

import framepipe
from conftest import colour_of, flat, max_error, need_elements

SIZE = (64, 48)
FRAMES = 12


@pytest.fixture
def raw_mkv(tmp):
    """Raw I420 in Matroska, frame i flat colour_of(i): the only loss is the packers' rounding."""
    need_elements("matroskamux", "matroskademux")
    path = tmp / "raw.mkv"
    with framepipe.Writer(f'matroskamux ! filesink location="{path}"', size=SIZE, fps=25) as w:
        for i in range(FRAMES):
            w.write(flat(SIZE, colour_of(i)))
    return path


def test_frames_come_in_order_with_exact_times_and_colours(raw_mkv):
    reader = framepipe.Reader(raw_mkv)
    assert reader.size == SIZE
    assert reader.fps == 25
    assert reader.format == "BGR24"
    assert reader.matrix == framepipe.Matrix.BT601 and reader.range == framepipe.Range.Limited
    count = 0
    for i, frame in enumerate(reader):
        assert frame.index == i
        assert frame.pts == i * 40_000_000  # exact in Matroska
        assert frame.duration == 40_000_000
        assert frame.shape == (48, 64, 3)
        a = np.asarray(frame)
        assert a.shape == (48, 64, 3) and a.dtype == np.uint8
        assert max_error(a, colour_of(i)) <= 3, f"frame {i}"
        count += 1
    assert count == FRAMES
    assert reader.read() is None and reader.read() is None  # the end, on every call after it
    assert reader.stats.frames == FRAMES


def test_np_asarray_is_zero_copy_and_outlives_reads_and_the_reader(raw_mkv):
    reader = framepipe.Reader(raw_mkv)
    first = reader.read()
    view = np.asarray(first)
    # The array views the memory the unpacker wrote into: no copy.
    assert view.__array_interface__["data"][0] == first._address
    assert np.asarray(first).__array_interface__["data"][0] == first._address
    kept = [np.asarray(f) for f in reader]
    reader.close()
    del reader
    gc.collect()
    # Still valid, and unchanged by the reads that followed.
    assert max_error(view, colour_of(0)) <= 3
    for i, a in enumerate(kept, start=1):
        assert max_error(a, colour_of(i)) <= 3


def test_an_array_keeps_its_frame_alive_and_the_frame_is_freed_after(raw_mkv):
    reader = framepipe.Reader(raw_mkv)
    frame = reader.read()
    alive = weakref.ref(frame)
    a = np.asarray(frame)
    del frame
    gc.collect()
    assert alive() is not None  # the array's buffer export holds it
    assert max_error(a, colour_of(0)) <= 3
    del a
    gc.collect()
    assert alive() is None  # and nothing else does: no leak
    reader.close()


def test_read_out_fills_the_callers_array(raw_mkv):
    reader = framepipe.Reader(raw_mkv)
    out = np.zeros((48, 64, 3), np.uint8)
    frame = reader.read(out=out)
    assert frame._address == out.__array_interface__["data"][0]
    assert np.asarray(frame).__array_interface__["data"][0] == out.__array_interface__["data"][0]
    assert max_error(out, colour_of(0)) <= 3
    assert frame.pts == 0
    # A ROI of a bigger array works too, and only the ROI is written.
    big = np.zeros((100, 200, 3), np.uint8)
    frame = reader.read(out=big[5:53, 7:71])
    assert frame.index == 1
    assert max_error(big[5:53, 7:71], colour_of(1)) <= 3
    assert big[:5].max() == 0 and big[53:].max() == 0 and big[:, :7].max() == 0
    with pytest.raises(framepipe.FrameError, match="writable"):
        ro = np.zeros((48, 64, 3), np.uint8)
        ro.setflags(write=False)
        reader.read(out=ro)
    with pytest.raises(framepipe.FrameError, match="4 channels"):
        reader.read(out=np.zeros((48, 64, 4), np.uint8))
    with pytest.raises(framepipe.FrameError, match="shape"):
        reader.read(out=np.zeros((64, 48, 3), np.uint8))
    # The refused calls read nothing: the next frame is still frame 2.
    assert reader.read().index == 2


@pytest.mark.parametrize("fmt,shape,order", [
    ("RGB24", (48, 64, 3), [2, 1, 0]), ("BGRA32", (48, 64, 4), [0, 1, 2]),
    ("RGBA32", (48, 64, 4), [2, 1, 0]), ("GRAY8", (48, 64), None)])
def test_formats(raw_mkv, fmt, shape, order):
    reader = framepipe.Reader(raw_mkv, format=fmt)
    frame = reader.read()
    a = np.asarray(frame)
    assert a.shape == shape and frame.format == fmt
    if order is None:
        # GRAY8 is the stream's Y' plane as it is: limited range, BT.601 luma.
        b, g, r = colour_of(0).astype(float)
        luma = 16 + 219 / 255 * (0.299 * r + 0.587 * g + 0.114 * b)
        assert abs(float(a.mean()) - luma) <= 2
    else:
        assert max_error(a[:, :, :3], colour_of(0)[order]) <= 3
        if shape[2] == 4:
            assert a[:, :, 3].min() == 255


def test_a_closed_reader_raises_and_a_dropped_one_stops(raw_mkv):
    reader = framepipe.Reader(raw_mkv)
    reader.read()
    reader.close()
    reader.close()  # harmless
    assert reader.closed
    with pytest.raises(framepipe.Error, match="closed"):
        reader.read()
    # Dropped mid-stream, with frames still in the pipeline: stopped and freed.
    other = framepipe.Reader(raw_mkv)
    other.read()
    gone = weakref.ref(other)
    del other
    gc.collect()
    assert gone() is None


def test_a_description_source():
    with framepipe.Reader("videotestsrc num-buffers=5 ! video/x-raw,width=32,height=16",
                          format="BGR24") as reader:
        frames = list(reader)
    assert len(frames) == 5
    assert frames[0].shape == (16, 32, 3)


def test_colour_round_trip_bt709_full_range(tmp):
    # As tests/gst/reader_test.cpp: raw I420 in Matroska carries the caps' colorimetry, so the
    # Reader unpacks with the matrix and range the Writer packed with.
    need_elements("matroskamux", "matroskademux")
    path = tmp / "bt709full.mkv"
    colours = [colour_of(i) for i in range(4)] + [np.array(c, np.uint8) for c in
                                                 [(0, 0, 0), (255, 255, 255), (255, 0, 0)]]
    with framepipe.Writer(f'matroskamux ! filesink location="{path}"', size=SIZE,
                          matrix="BT.709", range="full") as w:
        for c in colours:
            w.write(flat(SIZE, c))
    reader = framepipe.Reader(path)
    assert reader.matrix == framepipe.Matrix.BT709
    assert reader.range == framepipe.Range.Full
    frames = list(reader)
    assert len(frames) == len(colours)
    for frame, c in zip(frames, colours):
        assert max_error(np.asarray(frame), c) <= 3, f"{c}"


def test_a_bad_source_raises_typed_errors(tmp):
    with pytest.raises(framepipe.StreamError) as error:
        framepipe.Reader(tmp / "missing.webm")
    assert error.value.element.startswith("filesrc")
    with pytest.raises(framepipe.MissingElement) as missing:
        framepipe.Reader("nosuchelement ! decodebin")
    assert missing.value.element == "nosuchelement"
    with pytest.raises(framepipe.ParseError):
        framepipe.Reader("videotestsrc ! ! ")
    # No frame ever comes: the bounded wait ends in Timeout (a TimeoutError too).
    with pytest.raises(framepipe.Timeout) as timeout:
        framepipe.Reader("videotestsrc ! valve drop=true", timeout=0.3)
    assert isinstance(timeout.value, TimeoutError)
    assert timeout.value.limit == pytest.approx(0.3)


def test_a_dropped_frames_memory_is_reused_and_a_held_ones_never(raw_mkv):
    # read() unpacks into the memory of a Frame that Python has let go (the reader's pool), never
    # into one that Python still holds, directly or through an array made from it.
    reader = framepipe.Reader(raw_mkv)
    first = reader.read()
    address = first._address
    assert reader._spare_frames == 0
    del first  # gone: its memory waits for the next read
    assert reader._spare_frames == 1
    second = reader.read()
    assert second._address == address and reader._spare_frames == 0
    held = np.asarray(second)
    held_address = held.__array_interface__["data"][0]
    del second  # the array still holds the frame
    gc.collect()
    assert reader._spare_frames == 0
    later = []
    for i in range(2, FRAMES):
        frame = reader.read()
        assert frame.index == i
        assert frame._address != held_address
        assert max_error(np.asarray(frame), colour_of(i)) <= 3
        if i % 2 == 0:
            later.append(frame)  # some held, some dropped at once
        for kept in later:
            assert kept._address != frame._address or kept is frame
    assert max_error(held, colour_of(1)) <= 3  # untouched by every read after it
    for kept in later:
        assert max_error(np.asarray(kept), colour_of(kept.index)) <= 3
    reader.close()


def test_frames_dropped_after_their_reader_is_gone_free_their_memory(raw_mkv):
    reader = framepipe.Reader(raw_mkv)
    frames = [reader.read() for _ in range(4)]
    del frames[1]  # back to the pool before the reader closes
    spare = reader.read()  # ... and out of it again
    del frames[0]
    assert reader._spare_frames == 1
    reader.close()
    assert reader._spare_frames == 0  # freed by close()
    del frames[0]
    assert reader._spare_frames == 0  # and none kept after it
    del reader
    gc.collect()
    for frame in frames + [spare]:
        assert max_error(np.asarray(frame), colour_of(frame.index)) <= 3
    alive = [weakref.ref(f) for f in frames]
    del frames, spare, frame
    gc.collect()
    assert all(a() is None for a in alive)  # freed, not kept by a closed reader's pool


def test_a_y4m_file_is_read_by_y4mdec_in_large_blocks(tmp):
    need_elements("y4menc", "y4mdec")
    path = tmp / "raw.y4m"
    with framepipe.Writer(path, size=SIZE, fps=25) as w:
        for i in range(FRAMES):
            w.write(flat(SIZE, colour_of(i)))
    with framepipe.Reader(path) as reader:
        assert "y4mdec" in reader.description and "decodebin" not in reader.description
        frames = list(reader)
    assert len(frames) == FRAMES
    for i, frame in enumerate(frames):
        assert frame.index == i and frame.pts == i * 40_000_000
        assert max_error(np.asarray(frame), colour_of(i)) <= 3
