#!/usr/bin/python3
"""framepipe.Writer, the cv2.VideoWriter replacement: numpy frames made in your own loop (here a
ball bouncing over a gradient) into a file or any GStreamer description.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/writer.py [--output ball.mp4]
    ... writer.py --size 1280x720 --frames 300 --output "videoconvert ! autovideosink"
"""
import argparse

import cv2
import numpy as np

import framepipe

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="ball.mp4",
                    help="a file (.webm, .mkv, .mp4, .mov, .y4m) or a GStreamer description")
parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT")
parser.add_argument("--frames", type=int, default=150)
parser.add_argument("--fps", type=float, default=30)
args = parser.parse_args()
width, height = (int(v) for v in args.size.split("x"))

background = np.zeros((height, width, 3), np.uint8)
background[:, :, 0] = np.linspace(40, 200, width, dtype=np.uint8)  # blue across
background[:, :, 1] = np.linspace(40, 120, height, dtype=np.uint8)[:, None]  # green down
radius = max(4, min(width, height) // 10)
x, y, dx, dy = radius, radius, max(1, width // 60), max(1, height // 45)
with framepipe.Writer(args.output, size=(width, height), fps=args.fps) as writer:
    for i in range(args.frames):
        frame = background.copy()
        cv2.circle(frame, (x, y), radius, (255, 255, 255), -1, cv2.LINE_AA)
        writer.write(frame)  # read in place, packed to I420 and pushed without the GIL
        x, y = x + dx, y + dy
        if not radius <= x < width - radius:
            dx = -dx
        if not radius <= y < height - radius:
            dy = -dy
print(writer.close())  # the stats; leaving the `with` block already finalised the file
