#!/usr/bin/env bash
# Measures this machine's fp32 FMA peak and streaming read bandwidth (bench/peak_probe.c, built
# here with gcc -O3 -march=native -fopenmp into a temporary directory) and prints them with the
# CPU model and its vector flags. Run alone, or sourced by the other bench scripts so that their
# MFU and bandwidth figures use the peak measured in the same run:
#
#   bench/peak.sh [THREADS]          # default 2
#   . bench/peak.sh; lathe_measure_peak 2; echo "$PEAK_GFLOPS $READ_GBS"
lathe_measure_peak() {
  local threads=${1:-2} dir here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  dir="$(mktemp -d)"
  gcc -O3 -march=native -fopenmp "$here/peak_probe.c" -o "$dir/peak_probe" || {
    echo "cannot build bench/peak_probe.c (needs gcc with OpenMP)" >&2
    rm -rf "$dir"
    return 2
  }
  local out
  out="$("$dir/peak_probe" "$threads")"
  rm -rf "$dir"
  PEAK_GFLOPS=$(sed -n 's/.*fma_gflops=\([0-9.]*\).*/\1/p' <<<"$out")
  READ_GBS=$(sed -n 's/.*read_gbs=\([0-9.]*\).*/\1/p' <<<"$out")
  local bits model flags
  bits=$(sed -n 's/.*vector_bits=\([0-9]*\).*/\1/p' <<<"$out")
  model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
  flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | head -1 | tr ' ' '\n' |
    grep -E '^(avx2|fma|avx512f|avx512bw|avx512vl|avx512_vnni|avx512_bf16|amx_tile|amx_bf16|amx_int8)$' |
    tr '\n' ' ')
  echo "machine: $model (family $(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
    "$(nproc) CPUs), flags: ${flags% }"
  echo "measured: fp32 FMA peak $PEAK_GFLOPS GFLOP/s, streaming read $READ_GBS GB/s" \
    "($threads threads, $bits-bit vectors, best of short repetitions)"
  export PEAK_GFLOPS READ_GBS
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  lathe_measure_peak "${1:-2}"
fi
