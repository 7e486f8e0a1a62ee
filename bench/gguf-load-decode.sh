#!/usr/bin/env bash
# GGUF load time and decode throughput of one random SmolLM2-135M-shaped model stored three ways:
# F32, BF16 (held as bf16) and Q8_0 (held as Q8_0), all written by Lathe's GGUF writer.
#
# usage: bench/gguf-load-decode.sh [DIR] [ROUNDS]     (DIR default /tmp/gguf-bench, ROUNDS 3)
#
# Load: GgufLoadTime, one warm-up load then 5 timed loads per file (page cache warm), median.
# Decode: DecodeThroughput, greedy 100 tokens from BOS on 2 threads, first step excluded, one
# warm-up then ROUNDS timed runs, median. Needs bench/target/benchmarks.jar
# (mvn -pl bench -am package) or $BENCH_JAR, and a JDK 25 (found as ./lathe finds it).
set -euo pipefail
DIR=${1:-/tmp/gguf-bench}
ROUNDS=${2:-3}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
. "$HERE/../scripts/find-java.sh"
lathe_find_java
JAVA=$JAVA_HOME/bin/java
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package" >&2; exit 2; }
[ -f "$DIR/smol135-q4_0.gguf" ] || "$JAVA" -Xmx6g -cp "$JAR" dev.lathe.bench.GgufLoadTime --write "$DIR"
for t in f32 bf16 q8_0 q4_0; do
  f=$DIR/smol135-$t.gguf
  "$JAVA" -Xmx4g --add-modules jdk.incubator.vector $LATHE_JVM_FLAGS -cp "$JAR" dev.lathe.bench.GgufLoadTime \
    --load "$f" --repeat 5 2>/dev/null
  "$JAVA" -Xmx4g --add-modules jdk.incubator.vector $LATHE_JVM_FLAGS -cp "$JAR" dev.lathe.bench.DecodeThroughput \
    --model "$f" --tokens 100 --threads 2 --prompt-tokens 16 --repeat "$ROUNDS" 2>/dev/null \
    | grep -E '^(model|decode)'
done
