#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/) -- the seeds only; crash
inputs found later are committed next to them by hand, named crash-<what>. Run it from anywhere;
it rewrites the seed files it makes and leaves every other file alone. Each target reads its
parameters from the input's end (support/fuzz_input.hpp), so a seed is payload + the parameter
bytes in reverse reading order."""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261205)


def trailer(read_order):
    """Parameter bytes, given in the order the target reads them (from the end)."""
    return bytes(reversed([b & 0xFF for b in read_order]))


def u16(v):
    return [v & 0xFF, (v >> 8) & 0xFF]


def u32(v):
    return u16(v & 0xFFFF) + u16((v >> 16) & 0xFFFF)


def u64(v):
    return u32(v & 0xFFFFFFFF) + u32((v >> 32) & 0xFFFFFFFF)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- fuzz_convert: op, colour, width-1 (u16), height-1, threads, 3 x (src pad, src offset,
# dst pad, dst offset); the payload is the source pixels (repeated).
RGB = ["bgr24", "rgb24", "bgra32", "rgba32"]


def convert(name, unpack, rgb, nv12, matrix, full, left, w, h, threads, geo, pixels,
            replicate=False):
    op = (1 if unpack else 0) | (rgb << 1) | (8 if nv12 else 0)
    colour = matrix | (4 if full else 0) | (8 if left else 0) | (16 if replicate else 0)
    params = [op, colour] + u16(w - 1) + [h - 1, threads] + list(geo)
    write("fuzz_convert", name, bytes(pixels) + trailer(params))


random_pixels = bytes(rng.randrange(256) for _ in range(509))
extremes = bytes([0, 255, 0, 255, 255, 0, 16, 235, 240, 1, 254, 128] * 7)
tight = [0] * 12
for unpack in (False, True):
    for rgb in range(4):
        for nv12 in (False, True):
            kind = ("unpack_%s_to_%s" if unpack else "pack_%s_to_%s") % (
                ("nv12" if nv12 else "i420", RGB[rgb]) if unpack else (RGB[rgb], "nv12" if nv12 else "i420"))
            convert(kind + "_67x5", unpack, rgb, nv12, rgb % 3, rgb % 2, nv12, 67, 5, 1, tight,
                    random_pixels)
convert("pack_bgr24_i420_1x1", False, 0, False, 0, 0, 0, 1, 1, 1, tight, b"\x10\x80\xf0")
convert("pack_rgba32_nv12_2x2_full", False, 3, True, 1, 1, 0, 2, 2, 1, tight, extremes)
convert("pack_bgra32_i420_129x9_threads3", False, 2, False, 2, 0, 0, 129, 9, 3, tight,
        random_pixels)
convert("pack_rgb24_nv12_320x48_cores", False, 1, True, 0, 1, 0, 320, 48, 0, tight, random_pixels)
convert("pack_bgr24_i420_63x7_padded_unaligned", False, 0, False, 1, 0, 0, 63, 7, 2,
        [5, 3, 7, 1, 9, 63, 2, 17, 33, 31, 64, 5], random_pixels)
convert("pack_rgba32_i420_65x3_saturated", False, 3, False, 2, 1, 0, 65, 3, 1, tight, extremes)
convert("unpack_i420_bgr24_1x1", True, 0, False, 0, 0, 0, 1, 1, 1, tight, b"\xeb\x10\xf0")
convert("unpack_nv12_rgba32_3x3_left", True, 3, True, 1, 0, 1, 3, 3, 1, tight, extremes)
convert("unpack_i420_rgb24_127x11_threads2_left", True, 1, False, 2, 1, 1, 127, 11, 2, tight,
        random_pixels)
convert("unpack_nv12_bgra32_320x48_cores", True, 2, True, 0, 0, 0, 320, 48, 0, tight,
        random_pixels)
convert("unpack_i420_bgr24_33x9_padded_unaligned", True, 0, False, 1, 1, 0, 33, 9, 3,
        [1, 1, 63, 62, 4, 7, 12, 33, 64, 0, 3, 9], random_pixels)
convert("unpack_nv12_rgb24_257x2_saturated", True, 1, True, 2, 0, 1, 257, 2, 1, tight, extremes)
convert("unpack_i420_bgra32_65x7_replicate_padded", True, 2, False, 1, 0, 0, 65, 7, 2,
        [3, 1, 17, 5, 9, 2, 0, 33, 4, 1, 7, 3], random_pixels, replicate=True)
convert("unpack_nv12_rgb24_3x3_replicate_left", True, 1, True, 0, 1, 1, 3, 3, 1, tight, extremes,
        replicate=True)
convert("pack_bgr24_i420_64x64_no_pixels", False, 0, False, 0, 0, 0, 64, 64, 1, tight, b"")

# --- fuzz_caps: caps text + 'T' (even: text), or parameters + 1 (odd: a StreamSpec).
CAPS = {
    "i420_320x240": "video/x-raw,format=I420,width=320,height=240,framerate=30/1",
    "i420_bt709_mpeg2": "video/x-raw,format=I420,width=1920,height=1080,framerate=30000/1001,"
                        "colorimetry=bt709,chroma-site=mpeg2",
    "i420_bt2020_full_jpeg": "video/x-raw,format=I420,width=33,height=17,framerate=60/2,"
                             "colorimetry=(string)1:6:12:9,chroma-site=jpeg",
    "nv12_bt601": "video/x-raw,format=NV12,width=64,height=48,framerate=25/1,colorimetry=bt601",
    "nv12_smpte240m": "video/x-raw,format=NV12,width=7,height=3,framerate=0/1,"
                      "colorimetry=smpte240m,chroma-site=none",
    "nv12_fcc_full": "video/x-raw,format=NV12,width=2,height=2,framerate=1/1,"
                     "colorimetry=(string)1:3:0:0",
    "bgr_srgb": "video/x-raw,format=BGR,width=1,height=1,framerate=30/1,colorimetry=sRGB",
    "rgb_odd": "video/x-raw,format=RGB,width=333,height=1,framerate=2147483647/1",
    "bgra": "video/x-raw,format=BGRA,width=640,height=480,framerate=30/1,"
            "pixel-aspect-ratio=4/3",
    "rgba_interlaced": "video/x-raw,format=RGBA,width=16,height=16,framerate=30/1,"
                       "interlace-mode=interleaved",
    "gray8": "video/x-raw,format=GRAY8,width=5,height=5,framerate=1/2147483647",
    "i420_max_side": "video/x-raw,format=I420,width=32768,height=2,framerate=30/1",
    "i420_too_wide": "video/x-raw,format=I420,width=40000,height=2,framerate=30/1",
    "i420_no_rate": "video/x-raw,format=I420,width=8,height=8",
    "yuy2_unknown": "video/x-raw,format=YUY2,width=8,height=8,framerate=30/1",
    "not_fixed": "video/x-raw,format=I420,width=[1,100],height=8,framerate=30/1",
    "two_structures": "video/x-raw,format=I420,width=8,height=8; video/x-raw,format=NV12",
    "memory_feature": "video/x-raw(memory:SystemMemory),format=NV12,width=8,height=6,"
                      "framerate=30/1",
    "any": "ANY",
    "empty": "EMPTY",
    "audio": "audio/x-raw,format=S16LE,rate=44100,channels=2",
    "garbage": "video/x-raw,format=(int)I420,width=abc,,height=",
    "bad_structure_name": "_video/x-raw,format=I420,width=8,height=8",
    "i420_zero_size": "video/x-raw,format=I420,width=0,height=0,framerate=30/1",
    "i420_negative_rate": "video/x-raw,format=I420,width=4,height=4,framerate=-30/1",
    "i420_multiview": "video/x-raw,format=I420,width=8,height=8,framerate=30/1,"
                      "multiview-mode=side-by-side",
}
for name, text in CAPS.items():
    write("fuzz_caps", "text_" + name, text.encode() + b"T")


def spec(name, fmt, w, h, num, den, colour):
    # dimension(): kind 0 -> raw u32; rate_part(): kind 0 -> raw u64.
    params = [1, fmt, 0] + u32(w & 0xFFFFFFFF) + [0] + u32(h & 0xFFFFFFFF)
    params += [0] + u64(num & (2**64 - 1)) + [0] + u64(den & (2**64 - 1)) + [colour]
    write("fuzz_caps", "spec_" + name, trailer(params))


spec("i420_1080p", 5, 1920, 1080, 30, 1, 1 | (1 << 1))
spec("nv12_full_left", 6, 33, 17, 30000, 1001, 1 | 8 | 16)
spec("bgr24_1x1", 0, 1, 1, 1, 1, 0)
spec("gray8_max", 4, 32768, 32768, 60, 1, 0)
spec("rgba_zero_width", 3, 0, 10, 30, 1, 0)
spec("i420_negative", 5, -1, -1, 30, 1, 0)
spec("i420_rate_zero", 5, 16, 16, 0, 1, 1)
spec("i420_rate_int_max", 5, 16, 16, 2**31 - 1, 1, 1 | (2 << 1))
spec("i420_rate_over_int", 5, 16, 16, 2**31, 1, 1)
spec("i420_den_huge", 5, 16, 16, 1, 2**40, 1)
spec("nv12_rate_negative", 6, 16, 16, -30, -1, 0)
spec("bgra_realtime", 2, 640, 480, 25, 1, 32)

# --- fuzz_writer: chain, width-1, height-1, rate kind (+ its bytes), mode, sink, threads; the
# operations are the payload: 0/1 write, 2 write with pts (kind in bits 3..5), 3 write another
# size (2 bytes), 4 close, 5-7 nothing. mode: bits 0-1 timestamps, 2 real time, 3 colour.
W, W_PTS, W_ODD, CLOSE = 0, 2, 3, 4


def pts_op(kind):
    return W_PTS | (kind << 3)


def writer(name, chain, w, h, rate, mode, sink, threads, ops, rate_bytes=()):
    params = [chain, w - 1, h - 1, rate] + list(rate_bytes) + [mode, sink, threads]
    write("fuzz_writer", name, bytes(ops) + trailer(params))


POOL4 = 4                      # pool_size 4, Block, fakesink
writer("i420_index_5_close", 0, 32, 24, 0, 0, POOL4, 1, [W] * 5 + [CLOSE])
writer("bgr24_packer_index_3", 1, 17, 9, 1, 0, POOL4, 2, [W] * 3 + [CLOSE])
writer("rgba_nv12_threads_cores", 2, 64, 64, 0, 0, POOL4, 0, [W] * 4 + [CLOSE])
writer("i420_write_after_close", 0, 8, 8, 0, 0, POOL4, 1, [W, CLOSE, W, CLOSE, CLOSE])
writer("i420_close_twice", 0, 8, 8, 0, 0, POOL4, 1, [CLOSE, CLOSE])
writer("explicit_increasing", 0, 16, 16, 0, 1, POOL4, 1,
       [pts_op(0), 10, pts_op(0), 200, pts_op(0), 0, CLOSE])
writer("explicit_backwards", 0, 16, 16, 0, 1, POOL4, 1,
       [pts_op(0), 50, pts_op(2), pts_op(1), pts_op(0), 1, CLOSE])
writer("explicit_uint64_max", 1, 16, 16, 0, 1, POOL4, 1, [pts_op(3), pts_op(0), 5, CLOSE])
writer("explicit_near_max", 0, 16, 16, 0, 1, POOL4, 1, [pts_op(4), 1, pts_op(4), 0, CLOSE])
writer("explicit_raw_pts", 0, 16, 16, 0, 1, POOL4, 1,
       [pts_op(5)] + [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xF0] + [pts_op(0), 1, CLOSE])
writer("explicit_first_zero", 0, 4, 4, 0, 1, POOL4, 1, [pts_op(5)] + [0] * 8 + [pts_op(1)])
writer("index_mode_with_pts", 0, 4, 4, 0, 0, POOL4, 1, [pts_op(0), 1, W, CLOSE])
writer("explicit_mode_without_pts", 0, 4, 4, 0, 1, POOL4, 1, [W, pts_op(0), 1, CLOSE])
writer("clock_timestamps", 1, 32, 32, 0, 2, POOL4, 1, [W] * 6 + [CLOSE])
writer("other_size_i420", 0, 16, 16, 0, 0, POOL4, 1, [W, W_ODD, 31, 31, W_ODD, 15, 15, CLOSE])
writer("other_size_packer", 1, 16, 16, 0, 0, POOL4, 1, [W_ODD, 3, 5, W, CLOSE])
writer("pool_zero", 0, 8, 8, 0, 0, 0, 1, [W, CLOSE])
writer("drop_oldest_pool1", 0, 8, 8, 0, 0, 1 | (1 << 3), 1, [W] * 10 + [CLOSE])
writer("drop_newest_pool2", 1, 8, 8, 0, 0, 2 | (2 << 3), 1, [W] * 10 + [CLOSE])
writer("fixed_pool", 0, 8, 8, 0, 0, 1 | 32, 1, [W] * 6 + [CLOSE])
writer("realtime_sync_sink", 0, 8, 8, 0, 4, POOL4 | (1 << 6), 1, [W] * 3 + [CLOSE])
writer("queue_downstream", 1, 8, 8, 0, 0, POOL4 | (2 << 6), 1, [W] * 8 + [CLOSE])
writer("identity_downstream_colour", 0, 8, 8, 0, 8 | (2 << 4) | 64 | 128, POOL4 | (3 << 6), 1,
       [W] * 3 + [CLOSE])
writer("rate_small", 0, 8, 8, 2, 0, POOL4, 1, [W] * 3 + [CLOSE], rate_bytes=u16(8) + u16(3))
writer("rate_zero", 0, 8, 8, 2, 0, POOL4, 1, [W, CLOSE], rate_bytes=u16(1) + u16(6))
writer("rate_raw_huge", 0, 8, 8, 3, 0, POOL4, 1, [W, CLOSE],
       rate_bytes=u64(2**62) + u64(3))
writer("no_ops", 2, 1, 1, 0, 0, POOL4, 1, [])

# --- fuzz_description: the description + a mode byte: bit 0 upstream (AppSinkSource), bit 2
# stream, bits 3-4 frames.
DOWN = {
    "fakesink": "fakesink",
    "queue_fakesink": "queue ! fakesink",
    "convert_scale_caps": "videoconvert ! videoscale ! video/x-raw,width=16,height=16 ! fakesink",
    "tee_two": "tee name=t t. ! queue ! fakesink t. ! queue ! fakesink",
    "identity_drop": "identity drop-probability=0.5 ! fakesink",
    "valve_drop": "valve drop=true ! fakesink",
    "flip": "videoflip method=clockwise ! fakesink",
    "convert_bgr": "videoconvert ! video/x-raw,format=BGR ! fakesink",
    "sync": "fakesink sync=true",
    "rate": "videorate ! video/x-raw,framerate=10/1 ! fakesink",
    "bin": "( queue ! fakesink )",
    "no_sink": "queue",
    "link_error": "videotestsrc ! fakesink",
    "crop": "videocrop left=4 top=2 ! fakesink",
    "box": "videobox border-alpha=0 top=-4 ! fakesink",
    "quoted_caps": "capsfilter caps=\"video/x-raw,format=I420\" ! fakesink",
    "wrong_caps": "video/x-raw,format=RGB ! fakesink",
    "unknown_element": "nosuchelement ! fakesink",
    "file_refused": "filesink location=/tmp/x",
    "uri_refused": "file:///etc/hostname",
    "empty": "",
    "bad_syntax": "fakesink ! ! (",
}
for name, text in DOWN.items():
    frames = 3
    write("fuzz_description", "down_" + name, text.encode() + bytes([4 | (frames << 3)]))
write("fuzz_description", "down_parse_only_tee", b"tee name=t ! fakesink t. ! fakesink" + b"\x00")
UP = {
    "testsrc_3": "videotestsrc num-buffers=3",
    "testsrc_caps": "videotestsrc ! video/x-raw,width=64,height=48,format=I420",
    "testsrc_nv12": "videotestsrc ! video/x-raw,format=NV12",
    "testsrc_none": "videotestsrc num-buffers=0",
    "testsrc_convert": "videotestsrc pattern=ball ! videoconvert",
    "testsrc_live": "videotestsrc is-live=true num-buffers=2",
    "fakesrc": "fakesrc num-buffers=2",
    "colorimetry": "videotestsrc ! video/x-raw,colorimetry=bt709,chroma-site=mpeg2,format=I420",
    "tee_queue": "videotestsrc ! tee name=t t. ! queue",
    "one_pixel": "videotestsrc ! video/x-raw,width=1,height=1",
    "scale_odd": "videotestsrc ! videoscale ! video/x-raw,width=33,height=17",
    "rate": "videotestsrc num-buffers=5 ! videorate ! video/x-raw,framerate=5/1",
}
for name, text in UP.items():
    write("fuzz_description", "up_" + name, text.encode() + bytes([1 | 4 | (3 << 3)]))
write("fuzz_description", "up_parse_only", b"videotestsrc ! queue" + b"\x01")
