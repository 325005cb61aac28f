# framepipe.pack_i420, pack_nv12 and unpack: the C++ packers' and unpackers' bytes (checked against
# framepipe.Writer's own output and against the scalar kernels in a subprocess), the same bytes
# whatever `threads`, arrays used in place, typed errors for bad input.
import os
import subprocess
import sys

import numpy as np
import pytest

import framepipe
from conftest import need_elements

FORMATS = [("BGR24", 3), ("RGB24", 3), ("BGRA32", 4), ("RGBA32", 4)]


def picture(width, height, channels=3, seed=1):
    """Smooth ramps plus noise: every chroma average and every clamp gets exercised."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    frame = np.empty((height, width, channels), np.uint8)
    frame[:, :, 0] = (x * 255 // max(1, width - 1)).astype(np.uint8)
    frame[:, :, 1] = (y * 255 // max(1, height - 1)).astype(np.uint8)
    frame[:, :, 2] = rng.integers(0, 256, (height, width), dtype=np.uint8)
    if channels == 4:
        frame[:, :, 3] = rng.integers(0, 256, (height, width), dtype=np.uint8)
    return frame


def round_up(n, to):
    return (n + to - 1) // to * to


def y4m_frames(path, width, height):
    """The frames of a .y4m file as tightly packed I420. y4menc writes GStreamer's buffers as they
    are: for an odd side that is GStreamer's default layout (rows rounded up to 4 bytes, the chroma
    planes after an even number of luma rows), which is unpadded here."""
    data = path.read_bytes()
    cw, ch = (width + 1) // 2, (height + 1) // 2
    y_stride, c_stride = round_up(width, 4), round_up(cw, 4)
    u_at = y_stride * round_up(height, 2)
    v_at = u_at + c_stride * ch
    frame_bytes = v_at + c_stride * ch
    frames, at = [], data.index(b"\n") + 1
    while at < len(data):
        assert data[at:at + 6] == b"FRAME\n"
        at = data.index(b"\n", at) + 1
        block = np.frombuffer(data[at:at + frame_bytes], np.uint8)
        at += frame_bytes
        y = block[:y_stride * height].reshape(height, y_stride)[:, :width]
        u = block[u_at:u_at + c_stride * ch].reshape(ch, c_stride)[:, :cw]
        v = block[v_at:v_at + c_stride * ch].reshape(ch, c_stride)[:, :cw]
        frames.append(np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)]))
    return frames


@pytest.mark.parametrize("size", [(64, 48), (33, 17)])
def test_pack_i420_gives_the_bytes_the_writer_sends(tmp, size):
    need_elements("y4menc")
    width, height = size
    frames = [picture(width, height, seed=i) for i in range(3)]
    path = tmp / "w.y4m"
    with framepipe.Writer(str(path), size=size, fps=25, matrix="BT.709", range="full") as w:
        for frame in frames:
            w.write(frame)
    written = y4m_frames(path, width, height)
    assert len(written) == len(frames)
    for frame, expected in zip(frames, written):
        packed = framepipe.pack_i420(frame, matrix="BT.709", range="full")
        assert packed.dtype == np.uint8
        if width % 2 == 0 and height % 2 == 0:
            assert packed.shape == (height * 3 // 2, width)  # cv2's I420 shape
        else:
            assert packed.shape == (expected.size,)
        assert np.array_equal(packed.reshape(-1), expected)


SCALAR_SCRIPT = """
import sys, numpy as np, framepipe
src = np.load(sys.argv[1])
out = {}
for fmt, ch in %r:
    frame = np.ascontiguousarray(src[:, :, :ch])
    out["i420_" + fmt] = framepipe.pack_i420(frame, input=fmt, matrix="BT.2020")
    out["nv12_" + fmt] = framepipe.pack_nv12(frame, input=fmt, range="full")
yuv = framepipe.pack_i420(np.ascontiguousarray(src[:, :, :3]))
nv12 = framepipe.pack_nv12(np.ascontiguousarray(src[:, :, :3]))
size = (src.shape[1], src.shape[0])
for fmt, ch in %r:
    out["unpack_" + fmt] = framepipe.unpack(yuv, fmt, size=size, matrix="BT.709")
    out["unpack_nv12_" + fmt] = framepipe.unpack(nv12, fmt, input="NV12", size=size,
                                                 chroma_filter="replicate")
np.savez(sys.argv[2], **out)
"""


def run_converters(src, isa, tmp):
    """Every converter on `src` in a fresh interpreter with FRAMEPIPE_ISA=`isa` (None: the
    machine's own kernels)."""
    env = dict(os.environ)
    env.pop("FRAMEPIPE_ISA", None)
    if isa is not None:
        env["FRAMEPIPE_ISA"] = isa
    np.save(tmp / "src.npy", src)
    out = tmp / ("out_%s.npz" % isa)
    script = SCALAR_SCRIPT % (FORMATS, FORMATS)
    subprocess.run([sys.executable, "-c", script, str(tmp / "src.npy"), str(out)], check=True,
                   timeout=120, env=env)
    return dict(np.load(out))


@pytest.mark.parametrize("size", [(128, 66), (37, 23)])
def test_every_converter_matches_the_scalar_kernels(tmp, size):
    width, height = size
    src = picture(width, height, 4, seed=7)
    scalar = run_converters(src, "scalar", tmp)
    native = run_converters(src, None, tmp)
    assert scalar.keys() == native.keys()
    for key in scalar:
        assert np.array_equal(scalar[key], native[key]), key
    # And in this process, as the module runs here.
    for fmt, channels in FORMATS:
        frame = np.ascontiguousarray(src[:, :, :channels])
        here = framepipe.pack_i420(frame, input=fmt, matrix="BT.2020")
        assert np.array_equal(here, scalar["i420_" + fmt]), fmt


@pytest.mark.parametrize("size", [(640, 480), (641, 359)])
def test_threads_give_the_same_bytes(size):
    width, height = size
    src = picture(width, height, seed=3)
    one = framepipe.pack_i420(src)
    for threads in (2, 0):
        assert np.array_equal(framepipe.pack_i420(src, threads=threads), one)
    nv12 = framepipe.pack_nv12(src)
    assert np.array_equal(framepipe.pack_nv12(src, threads=2), nv12)
    bgr = framepipe.unpack(one, size=size)
    assert np.array_equal(framepipe.unpack(one, size=size, threads=2), bgr)
    rgba = framepipe.unpack(nv12, "RGBA32", input="NV12", size=size)
    assert np.array_equal(framepipe.unpack(nv12, "RGBA32", input="NV12", size=size, threads=2),
                          rgba)
    assert np.all(rgba[:, :, 3] == 255)


def test_round_trip_is_close_and_formats_agree():
    src = picture(96, 64, seed=5)
    smooth = np.ascontiguousarray(np.repeat(np.repeat(src[::2, ::2], 2, 0), 2, 1))
    for range_ in ("limited", "full"):
        flat = np.full((64, 96, 3), (40, 160, 220), np.uint8)
        back = framepipe.unpack(framepipe.pack_i420(flat, range=range_), range=range_)
        assert np.max(np.abs(back.astype(int) - flat)) <= 2
        # Unpacked with the wrong range, the colour is visibly off: the option is used.
        wrong = "full" if range_ == "limited" else "limited"
        off = framepipe.unpack(framepipe.pack_i420(flat, range=range_), range=wrong)
        assert np.max(np.abs(off.astype(int) - flat)) > 10
    rgb = np.ascontiguousarray(smooth[:, :, ::-1])
    assert np.array_equal(framepipe.pack_i420(rgb, input="RGB24"), framepipe.pack_i420(smooth))
    assert np.array_equal(framepipe.unpack(framepipe.pack_i420(smooth), "RGB24"),
                          framepipe.unpack(framepipe.pack_i420(smooth))[:, :, ::-1])
    # NV12 is I420 with the chroma interleaved.
    i420 = framepipe.pack_i420(smooth)
    nv12 = framepipe.pack_nv12(smooth)
    assert np.array_equal(nv12[:64], i420[:64])
    chroma = i420[64:].reshape(-1)
    u, v = chroma[:chroma.size // 2], chroma[chroma.size // 2:]
    assert np.array_equal(nv12[64:].reshape(-1)[0::2], u)
    assert np.array_equal(nv12[64:].reshape(-1)[1::2], v)


def test_arrays_are_used_in_place():
    big = picture(200, 100, seed=2)
    roi = big[10:58, 20:84]  # a 48x64 view with the big array's row stride
    assert not roi.flags["C_CONTIGUOUS"]
    out = np.zeros((72, 64), np.uint8)
    result = framepipe.pack_i420(roi, out)
    assert result is out
    assert np.array_equal(out, framepipe.pack_i420(np.ascontiguousarray(roi)))
    canvas = np.zeros((100, 200, 3), np.uint8)
    target = canvas[10:58, 20:84]
    assert framepipe.unpack(out, "BGR24", target) is target
    assert np.array_equal(canvas[10:58, 20:84], framepipe.unpack(out))
    assert not canvas[:10].any() and not canvas[58:].any()
    # A memoryview or a bytearray works as well as a numpy array.
    raw = bytearray(out.tobytes())
    assert np.array_equal(framepipe.unpack(raw, size=(64, 48)), framepipe.unpack(out))


def test_bad_inputs_raise_frame_errors():
    frame = picture(64, 48)
    yuv = framepipe.pack_i420(frame)
    bad_packs = [
        (None, "None"),
        (frame.astype(np.float32), "dtype float32"),
        (frame[:, :, 0], "ndim"),
        (np.zeros(10, np.uint8), "ndim 1"),
        (picture(64, 48, 4), "4 channels"),
        (frame[::-1], "positive strides"),
        (frame[:, :, ::-1], "positive strides"),
        (np.ascontiguousarray(np.moveaxis(frame, 2, 0)).transpose(1, 2, 0), "last stride 1"),
        (frame[:, ::2], "pixels are adjacent"),
        ("not an array", "no buffer protocol"),
    ]
    for bad, words in bad_packs:
        with pytest.raises(framepipe.FrameError, match=words):
            framepipe.pack_i420(bad)
    with pytest.raises(framepipe.FrameError, match="shape"):
        framepipe.pack_i420(frame, np.zeros((72, 62), np.uint8))
    readonly = np.zeros((72, 64), np.uint8)
    readonly.flags.writeable = False
    with pytest.raises(framepipe.FrameError, match="writable"):
        framepipe.pack_i420(frame, readonly)
    with pytest.raises(framepipe.FrameError, match="C-contiguous"):
        framepipe.pack_i420(frame, np.zeros((72, 128), np.uint8)[:, ::2])
    with pytest.raises(framepipe.InvalidArgument, match="input"):
        framepipe.pack_i420(frame[:, :, 0], input="GRAY8")
    with pytest.raises(framepipe.InvalidArgument, match="matrix"):
        framepipe.pack_i420(frame, matrix="BT.999")

    bad_unpacks = [
        (None, {}, "None"),
        (yuv.astype(np.int16), {}, "dtype int16"),
        (yuv[:-1], {}, "height \\* 3/2"),
        (yuv[:, :-1], {}, "even width"),
        (yuv.reshape(-1), {}, "without size"),
        (yuv.reshape(-1), {"size": (64, 46)}, "shape"),
        (yuv, {"size": (32, 96)}, "shape"),
        (yuv.reshape(36, 128)[:, ::2], {}, "C-contiguous"),
        (np.zeros((0, 64), np.uint8), {}, "shape"),
    ]
    for bad, kwargs, words in bad_unpacks:
        with pytest.raises(framepipe.FrameError, match=words):
            framepipe.unpack(bad, **kwargs)
    with pytest.raises(framepipe.FrameError, match="4 channels"):
        framepipe.unpack(yuv, "BGR24", np.zeros((48, 64, 4), np.uint8))
    with pytest.raises(framepipe.FrameError, match="shape"):
        framepipe.unpack(yuv, "BGR24", np.zeros((48, 63, 3), np.uint8))
    with pytest.raises(framepipe.InvalidArgument, match="format"):
        framepipe.unpack(yuv, "GRAY8")
    with pytest.raises(framepipe.InvalidArgument, match="input"):
        framepipe.unpack(yuv, input="YUY2")
    with pytest.raises(framepipe.InvalidArgument, match="chroma_filter"):
        framepipe.unpack(yuv, chroma_filter="nearest")
    # FrameError is an InvalidArgument is a framepipe.Error.
    assert issubclass(framepipe.FrameError, framepipe.Error)

