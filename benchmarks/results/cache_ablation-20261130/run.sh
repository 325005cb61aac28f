#!/bin/sh
# The A/B harness behind benchmarks/README.md, "Frames larger than the cache: what was tried".
# Not part of the build: run from the repository root. Every variant runs in turn, round-robin,
# on the same 64-byte aligned frames; the output is checked against the first entry (the kernel
# in this tree) and the times are ms per frame (best, quartiles, median). "old" is the AVX-512
# kernel before the change (commit b9575c0); variants.hpp builds the others from it and from
# the current kernel's pieces. Arguments of mb: width height repetitions [name filter] [1 = read
# the output after each frame, as an encoder would].
set -eu
out=${TMPDIR:-/tmp}/framepipe-cache-ablation
mkdir -p "$out"
git show b9575c0:include/framepipe/convert/kernels/avx512.hpp |
  sed 's/avx512_detail/avx512_old/g; s/pack_i420_rows_avx512/pack_i420_rows_avx512_old/g; s/pack_nv12_rows_avx512/pack_nv12_rows_avx512_old/g' \
    >"$out/avx512_old.hpp"
here=benchmarks/results/cache_ablation-20261130
g++ -std=c++20 -O2 -Iinclude -I"$out" -I"$here" -o "$out/mb" "$here/mb.cpp"
g++ -std=c++20 -O2 -Iinclude -I"$out" -I"$here" -o "$out/mb4" "$here/mb4.cpp"  # BGRA32
for args in "3840 2160 30" "3840 2160 30 '' 1" "2560 1440 50" "2560 1440 50 '' 1" "1920 1080 60" "1920 1080 60 '' 1"; do
  eval "flock -x /tmp/fp-cpu.lock $out/mb $args"
done
for args in "3840 2160 25" "1920 1080 60" "640 480 200"; do
  eval "flock -x /tmp/fp-cpu.lock $out/mb4 $args"
done
