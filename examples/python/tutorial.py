#!/usr/bin/python3
"""The appsrc tutorial's clock (an OpenCV-drawn time in a numpy frame, pushed into GStreamer),
done with framepipe: no hand-packed I420, no Gst.Buffer copies, EOS and errors handled.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/tutorial.py [--output clock.webm]
    ... tutorial.py --display          # in a window instead (needs a display and gstreamer1.0-x)
"""
import argparse

import cv2
import numpy as np

import framepipe

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", default="clock.webm", help="the file to write (.webm, .mkv, .mp4)")
parser.add_argument("--display", action="store_true", help="show the clock in a window")
parser.add_argument("--seconds", type=int, default=5)
args = parser.parse_args()

target = "videoconvert ! autovideosink" if args.display else args.output
with framepipe.Writer(target, size=(320, 240), fps=30) as writer:
    for i in range(args.seconds * 30):
        frame = np.zeros((240, 320, 3), np.uint8)  # BGR, as OpenCV draws
        text = "%6f" % (i / 30)
        (w, h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 1, 1)
        cv2.putText(frame, text, (round(160 - w / 2), round(120 - h / 2)),
                    cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 255, 255), 1)
        writer.write(frame)  # packed to I420 in place, the GIL released
print(writer.close())
