#!/usr/bin/env bash
# Where one GPT-2 training step's time goes: runs the step of bench/train-vs-llmc.sh (random GPT-2
# 6L/384C, B=4 T=256, full fine-tuning, 2 threads) under Java Flight Recorder and prints the share
# of execution samples per part of the step. Each sample is charged to the innermost Lathe method
# on its stack (Vector API internals count for their caller), grouped as: GEMM (packing and
# micro-kernels), pool wait (a compute thread waiting for work), or the class and method; a
# sample with no Lathe frame (start-up, checkpoint reading) is named by its top JDK frame.
#
# usage: bench/train-profile.sh [STEPS]   (timed steps after 2 warm-up steps; default 5)
# Model and tokens as in bench/train-vs-llmc.sh ($GPT2, default /tmp/gpt2-6l384c).
set -euo pipefail
STEPS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
GPT2=${GPT2:-/tmp/gpt2-6l384c}
. "$HERE/../scripts/find-java.sh"
lathe_find_java
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package" >&2; exit 2; }
[ -f "$GPT2/gpt2.bin" ] || python3 "$HERE/make_random_gpt2.py" "$GPT2"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
uptime
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -Xmx4g \
  -XX:FlightRecorderOptions:stackdepth=256 \
  -XX:StartFlightRecording=filename="$out/step.jfr",settings=profile -cp "$JAR" \
  dev.lathe.bench.TrainThroughput --model "$GPT2/hf" --tokens "$GPT2/tokens.bin" --batch 4 \
  --seq 256 --warmup 2 --steps "$STEPS" --threads 2 2>/dev/null | grep -E "^step ms|^flops"
"$JAVA_HOME/bin/jfr" print --json --stack-depth 256 --events jdk.ExecutionSample "$out/step.jfr" \
  > "$out/samples.json"
python3 - "$out/samples.json" <<'PY'
import collections, json, sys
GEMM = ("GemmPacked", "GemmMicroKernel", "Gemm", "GemmScalar", "MatVec")
counts = collections.Counter()
for ev in json.load(open(sys.argv[1]))["recording"]["events"]:
    frames = ev["values"]["stackTrace"]["frames"]
    top = frames[0]["method"] if frames else None
    label = "JDK only: " + (top["type"]["name"].replace("/", ".") + "." + top["name"] if top else "?")
    for f in frames:
        t = f["method"]["type"]["name"].replace("/", ".")
        if not t.startswith("dev.lathe."):
            continue
        cls = t.rsplit(".", 1)[-1].split("$")[0]
        name = f["method"]["name"]
        if cls in GEMM:
            label = "GEMM (packing + micro-kernels)"
        elif cls == "ComputePool":
            label = "pool wait / hand-off"
        else:
            label = cls + "." + name
        break
    counts[label] += 1
total = sum(counts.values())
print("%-48s %8s %7s" % ("part of the step (innermost Lathe frame)", "samples", "share"))
for label, n in counts.most_common(15):
    print("%-48s %8d %6.1f%%" % (label, n, 100.0 * n / total))
print("%-48s %8d" % ("all samples", total))
PY
uptime
