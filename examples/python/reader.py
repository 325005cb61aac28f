#!/usr/bin/python3
"""Reads every frame of a video (or of any GStreamer source) as numpy BGR arrays and prints what
the stream is; --show N out.png writes frame N with OpenCV.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/reader.py in.webm
    ... reader.py "videotestsrc num-buffers=60" --show 30 f.png
"""
import argparse

import cv2
import numpy as np

import framepipe

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("source", help="a file path or a GStreamer description")
parser.add_argument("--show", nargs=2, metavar=("N", "PNG"))
args = parser.parse_args()

with framepipe.Reader(args.source) as reader:
    w, h = reader.size
    print(f"{w}x{h} at {reader.fps} fps, {reader.matrix} {reader.range}")
    count = 0
    for frame in reader:
        if args.show and frame.index == int(args.show[0]):
            cv2.imwrite(args.show[1], np.asarray(frame))
        count += 1
print(f"{count} frames, last pts {frame.pts} ns" if count else "no frames")
