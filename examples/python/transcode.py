#!/usr/bin/python3
"""Reads a video, draws each frame's time on it with OpenCV, and writes it again: framepipe's
Reader and Writer around numpy arrays.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/transcode.py IN OUT.webm
"""
import argparse

import cv2
import numpy as np

import framepipe

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("input", help="a video file (or a GStreamer description ending in raw video)")
parser.add_argument("output", help="the file to write (.webm, .mkv, .mp4, .mov, .y4m)")
args = parser.parse_args()

with framepipe.Reader(args.input, format="BGR24") as reader:
    fps = reader.fps if reader.fps > 0 else 30
    with framepipe.Writer(args.output, size=reader.size, fps=fps) as writer:
        for frame in reader:
            img = np.asarray(frame)  # the frame's own memory: drawn on in place, no copy
            seconds = (frame.pts or 0) / 1e9
            cv2.putText(img, f"{seconds:8.3f} s", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                        (255, 255, 255), 2)
            writer.write(img)
print(f"{reader.stats.frames} frames, {writer.stats.frames} written: {writer.close()}")
