#!/usr/bin/env bash
# Builds and runs the tutorial's clock: OpenCV draws the time, framepipe packs it to I420 and
# hands it to GStreamer's appsrc, which encodes it to WebM.
#
#   scripts/demo.sh                   writes out/clock.webm
#   scripts/demo.sh --display         shows it in a window instead (installs gstreamer1.0-x first)
#   scripts/demo.sh --seconds 10      extra arguments go to the example
#                                     (--display, --sink DESC, --size WxH, --fps N/D, --seconds S)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

deps=()
for arg in "$@"; do
  if [[ "$arg" == "--display" ]]; then deps=(--display); fi
done
./scripts/install-deps.sh "${deps[@]}"
# The demo needs no RTSP server: the release preset's FRAMEPIPE_WITH_RTSP=ON would make
# gst-rtsp-server (installed by --test only) a configure-time requirement.
cmake --preset release -DFRAMEPIPE_WITH_RTSP=AUTO
cmake --build --preset demo

mkdir -p out
output="$PWD/out/clock.webm"
build/release/examples/text_clock/text_clock --output "$output" "$@"

if [[ -s "$output" ]]; then
  echo
  echo "Wrote $output"
  echo "Play it with:"
  echo "  gst-launch-1.0 playbin uri=file://$output"
fi
