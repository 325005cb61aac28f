#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages framepipe's build, tests and examples need -- only the
# missing ones, and without touching apt at all when nothing is missing.
#
#   scripts/install-deps.sh           g++ and clang, CMake, GStreamer, OpenCV core/imgproc, doctest,
#                                     Google Benchmark, clang-format
#   scripts/install-deps.sh --test    also what the tests' external tools need (CI, test.sh)
#   scripts/install-deps.sh --bench   also libyuv and swscale, the benchmarks' comparison points
#
# --no-install-recommends is safe here: what the plugins need at run time (libvpx for vp8enc,
# the GStreamer libraries) are hard Depends of gstreamer1.0-plugins-good/-base. Recommends
# would add desktop sinks (gstreamer1.0-x) that only `text_clock --display` wants.
set -euo pipefail

required=(
  cmake g++ clang make pkg-config clang-format
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-tools
  libopencv-core-dev libopencv-imgproc-dev libopencv-videoio-dev
  doctest-dev libbenchmark-dev
)
bench=(libyuv-dev libswscale-dev)
test=()

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }

packages=("${required[@]}")
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=("${bench[@]}") ;;
    --test) packages+=("${test[@]}") ;;
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

if ((${#missing[@]} == 0)); then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
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
