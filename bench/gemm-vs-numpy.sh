#!/usr/bin/env bash
# Lathe's GEMM (JMH GemmBench, 2 threads) against numpy/OpenBLAS (float32, 2 threads) in one run.
# Prints GFLOP/s medians with min-max per layout and shape, the ratio lathe/numpy, and both as a
# share of the fp32 FMA peak that bench/peak.sh measures at the start of the same run.
#
#   bench/gemm-vs-numpy.sh              # all layouts and shapes
#   LAYOUTS=NT bench/gemm-vs-numpy.sh   # the forward layout only
#   SHAPES=512x576x576 JMH_OPTS="-f 1 -wi 1 -i 1 -w 1 -r 1" NUMPY_OPTS="--samples 1" ...  # smoke run
#
# Needs bench/target/benchmarks.jar:  mvn -B -o -pl bench -am package -Dmaven.test.skip=true
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set in the environment, are removed for the numpy run
# only (they pin an older, slower kernel); the kernel numpy then uses is printed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../scripts/find-java.sh"
. "$here/peak.sh"
lathe_find_java
jar="$here/target/benchmarks.jar"
[ -f "$jar" ] || { echo "missing $jar: mvn -B -o -pl bench -am package -Dmaven.test.skip=true" >&2; exit 1; }
layouts="${LAYOUTS:-NT,NN,TN}"
shapes="${SHAPES:-512x576x576,512x576x1536,512x1536x576,2048x2048x2048}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

uptime
lathe_measure_peak 2

echo "== numpy (OPENBLAS_NUM_THREADS=2)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=2 \
  python3 "$here/gemm_numpy.py" --layouts "$layouts" --shapes "$shapes" ${NUMPY_OPTS:-} | tee "$out/numpy.txt"

echo "== lathe (JMH GemmBench, threads=2)"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -jar "$jar" 'dev.lathe.bench.GemmBench' \
  ${JMH_OPTS:--f 1 -wi 3 -i 5} -p threads=2 -p layout="$layouts" -p shape="$shapes" \
  -rf json -rff "$out/jmh.json" > "$out/jmh.log" 2>&1 || { cat "$out/jmh.log"; exit 1; }

python3 - "$out/numpy.txt" "$out/jmh.json" "$PEAK_GFLOPS" <<'PY'
import json, statistics, sys
numpy = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 4 and f[3].startswith("median="):
        numpy[(f[1], f[2])] = float(f[3].split("=")[1])
peak = float(sys.argv[3])
print("%-6s %-16s %26s %10s %7s %17s" % (
    "layout", "MxKxN", "lathe GFLOP/s med [min-max]", "numpy", "ratio", "% peak lathe/np"))
for run in json.load(open(sys.argv[2])):
    p = run["params"]
    m, k, n = (int(x) for x in p["shape"].split("x"))
    flops = 2.0 * m * n * k
    ms = [x for it in run["primaryMetric"]["rawData"] for x in it]  # ms per call, per iteration
    rates = [flops / (t * 1e-3) / 1e9 for t in ms]
    med = statistics.median(rates)
    ref = numpy.get((p["layout"], p["shape"]))
    ratio = "%.2fx" % (med / ref) if ref else "-"
    share = "%5.1f%% / %5s" % (100 * med / peak, "%.1f%%" % (100 * ref / peak) if ref else "-")
    print("%-6s %-16s %8.1f [%6.1f-%6.1f] %10s %7s %17s" % (
        p["layout"], p["shape"], med, min(rates), max(rates),
        "%.1f" % ref if ref else "-", ratio, share))
PY
uptime
