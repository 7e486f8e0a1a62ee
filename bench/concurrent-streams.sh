#!/usr/bin/env bash
# Continuous batching: 8 concurrent streams against one stream on the SmolLM2-135M shape (random
# weights), aggregate decode tok/s and time to first token p50/p99, one table per line of setup.
#
# usage: bench/concurrent-streams.sh [ROUNDS]   (TOKENS=64, PROMPT=32, STREAMS=8, DTYPES="bf16 f32",
#        KV_CACHE=f32)
#
# Each request decodes TOKENS tokens greedily after its own PROMPT-token prompt on 2 threads; the
# streams start together; KV_CACHE=bf16 holds their keys and values in bf16. The second table of
# each dtype alternates the streams between the base and two random rank-8 LoRA fine-tunes of it
# (one batched step for all). Needs
# bench/target/benchmarks.jar (mvn -pl bench -am package) or $BENCH_JAR, and a JDK 25 (found as
# ./lathe finds it).
set -euo pipefail
ROUNDS=${1:-3}
TOKENS=${TOKENS:-64}
PROMPT=${PROMPT:-32}
STREAMS=${STREAMS:-8}
DTYPES=${DTYPES:-bf16 f32}
KV_CACHE=${KV_CACHE:-f32}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
. "$HERE/../scripts/find-java.sh"
lathe_find_java
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package" >&2; exit 2; }
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
for dtype in $DTYPES; do
  for lora in 0 8; do
    "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector $LATHE_JVM_FLAGS -cp "$JAR" dev.lathe.bench.ConcurrentStreams \
      --dtype "$dtype" --streams "$STREAMS" --tokens "$TOKENS" --prompt-tokens "$PROMPT" \
      --rounds "$ROUNDS" --threads 2 --lora-rank "$lora" --kv-cache-dtype "$KV_CACHE" 2>&1 | grep -v "^WARNING: Using incubator"
    echo
  done
done
