#!/usr/bin/python3
"""Serves the clock over RTSP for --seconds N: prints the URL, then streams in real time until
the time is up or Ctrl-C. Watch it with `ffplay -rtsp_transport tcp URL` or VLC.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/python/rtsp.py [--port 8554]
    ... rtsp.py --address 0.0.0.0      # serve other hosts too (the default is loopback only)
"""
import argparse

import framepipe

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--port", type=int, default=8554, help="0: a free port the system picks")
parser.add_argument("--address", default="127.0.0.1")
parser.add_argument("--path", default="/clock")
parser.add_argument("--size", default="640x360", help="WIDTHxHEIGHT")
parser.add_argument("--seconds", type=float, default=60)
args = parser.parse_args()
size = tuple(int(v) for v in args.size.split("x"))

# The C++ clock when the module has OpenCV, else the test pattern.
source = framepipe.TextClock(size=size) if hasattr(framepipe, "TextClock") \
    else framepipe.TestPattern(size=size)
with framepipe.RtspServer(args.path, port=args.port, address=args.address) as server:
    print(server.url, flush=True)
    try:
        stats = framepipe.Pipeline(source, server, fps=30, seconds=args.seconds).run()
    except KeyboardInterrupt:
        stats = None
    print("served", stats, "clients now", server.clients, flush=True)
