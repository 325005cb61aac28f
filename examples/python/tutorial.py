#!/usr/bin/python3
"""The appsrc tutorial's clock (OpenCV draws the time into a numpy frame, pushed into GStreamer),
done with framepipe: no hand-packed I420, no Gst.Buffer copies, EOS and errors handled.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/tutorial.py [--output clock.webm]
    ... tutorial.py --display          # in a window instead, in real time (needs a display)

The tutorial's pipeline in about ten lines: draw() is its SampleGenerator.gen(), called with
the engine's own BGR frame (framepipe packs it into I420 without the GIL and pushes it into
appsrc); the target is its `videoconvert ! autovideosink`, or a file. framepipe.TextClock is the
same clock drawn in C++.
"""
import argparse
import os
import sys

import cv2

import framepipe

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="clock.webm", help="the file to write (.webm, .mkv, .mp4)")
parser.add_argument("--display", action="store_true", help="show the clock in a window")
parser.add_argument("--seconds", type=float, default=5)
args = parser.parse_args()
if args.display and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    sys.exit("--display needs a graphical session, but neither DISPLAY nor WAYLAND_DISPLAY is "
             "set. Drop --display to write a file, or run inside a session (e.g. xvfb-run).")


def draw(frame, time):  # the tutorial's clock: the time, centred, in yellow on black
    frame[:] = 0
    text = "%6f" % time.seconds
    (w, h), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1, 1)
    cv2.putText(frame, text, (round(160 - w / 2), round(120 - baseline - h / 2)),
                cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 255, 255), 1)


target = "videoconvert ! autovideosink" if args.display else args.output
pipeline = framepipe.Pipeline(draw, target, size=(320, 240), fps=30, seconds=args.seconds,
                              realtime=args.display)
print(pipeline.run())
