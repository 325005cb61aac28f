#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages framepipe needs, by purpose -- only the missing ones, and
# without touching apt at all when nothing is missing. The sets add up: --test includes the demo's.
#
#   scripts/install-deps.sh            the demo (scripts/demo.sh): g++, CMake, GStreamer base/good
#                                      (vp8enc, webmmux), OpenCV core/imgproc, doctest (the release
#                                      preset configures the tests too)
#   scripts/install-deps.sh --display  also gstreamer1.0-x, the X11 video sinks that
#                                      `demo.sh --display` shows the clock in
#   scripts/install-deps.sh --test     everything the tests, CI and colour_table use: clang,
#                                      clang-format, OpenCV videoio, Google Benchmark, ffmpeg (an
#                                      independent decoder), x264enc (-ugly), -bad (y4mdec, ...),
#                                      -libav (avdec_h264, avenc_ffv1, avenc_aac for the A/V sync
#                                      test; opusenc is in -base), the X11 sinks, the RTSP
#                                      server library and plugins, and the AArch64 cross compiler
#                                      and qemu-aarch64 (g++-aarch64-linux-gnu, qemu-user) that
#                                      the NEON kernel test (kernels_test_neon_qemu) runs under,
#                                      and libclang-rt-14-dev, the libFuzzer and sanitizer runtimes
#                                      of clang 14 that CI's fuzz step links (fuzz/README.md),
#                                      and the Python module's build and tests (python/, for
#                                      /usr/bin/python3): pybind11, the Python headers, pytest,
#                                      numpy, PyAV and OpenCV's Python bindings, and the web
#                                      part (framepipe::web): libsoup 3, GStreamer's WebRTC/SDP
#                                      headers, libnice's plugin (webrtcbin's ICE), and Debian's
#                                      chromium with node/npm, whose tests/browser/node_modules
#                                      (puppeteer-core, hls.js; no browser download) `npm ci` puts in
#   scripts/install-deps.sh --bench    also libyuv and swscale, the benchmarks' comparison points,
#                                      and clang, which builds upstream libyuv from source for
#                                      peer_bench (FRAMEPIPE_BENCH_LIBYUV_DIR; benchmarks/README.md)
#
# --no-install-recommends is safe here: what the plugins need at run time (libvpx for vp8enc,
# the GStreamer libraries) are hard Depends of the plugin packages.
set -euo pipefail

demo=(
  cmake g++ make pkg-config
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-tools
  libopencv-core-dev libopencv-imgproc-dev
  doctest-dev
)
display=(gstreamer1.0-x)
test=(
  clang clang-format
  libopencv-videoio-dev libopencv-imgcodecs-dev libbenchmark-dev
  ffmpeg
  gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad gstreamer1.0-libav
  gstreamer1.0-x
  libgstrtspserver-1.0-dev gstreamer1.0-rtsp
  openssl
  g++-aarch64-linux-gnu qemu-user
  libclang-rt-14-dev
  python3-dev pybind11-dev python3-pytest python3-numpy python3-av python3-opencv
  libsoup-3.0-dev libgstreamer-plugins-bad1.0-dev gstreamer1.0-nice
  chromium nodejs
  # the HTTP cache in front of the HLS origin in tests/web/nginx_cache_test.cpp
  nginx
)
bench=(libyuv-dev libswscale-dev clang)

usage() { sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; }

packages=("${demo[@]}")
want_npm=0
for arg in "$@"; do
  case "$arg" in
    --display) packages+=("${display[@]}") ;;
    --test) packages+=("${test[@]}"); want_npm=1 ;;
    --bench) packages+=("${bench[@]}") ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg'" >&2; usage >&2; exit 2 ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps.sh: dpkg-query not found; this script supports Debian and Ubuntu only." >&2
  echo "Install by hand: ${packages[*]}" >&2
  exit 1
fi

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done
# Debian's nodejs comes without npm, which is its own package (a nodesource nodejs has it built
# in, and conflicts with Debian's npm): ask for it only when no npm is on PATH.
if ((want_npm)) && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

# The browser tests' node modules (tests/browser/package-lock.json: puppeteer-core, hls.js), with
# `npm ci`, which installs exactly the locked versions; PUPPETEER_SKIP_DOWNLOAD: no browser is
# downloaded, the tests drive Debian's /usr/bin/chromium. Only when they are missing or older
# than the lock file.
install_node_modules() {
  ((want_npm)) || return 0
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  if [[ -d "$dir/node_modules" && "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps.sh: npm not found; the browser tests will show as skipped" >&2
    return 0
  fi
  echo "install-deps.sh: npm ci in tests/browser"
  (cd "$dir" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund)
}

if ((${#missing[@]} == 0)); then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  install_node_modules
  exit 0
fi

echo "install-deps.sh: installing ${missing[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "install-deps.sh: not root and sudo is not available; as root, run:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"
install_node_modules
