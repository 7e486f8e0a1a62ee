#!/usr/bin/env bash
# Decode throughput of Lathe against llama2.c's run.c, alternating the two engines A B A B ...
#
# usage: bench/decode-vs-llama2c.sh PATH/TO/llama2.c/run [ROUNDS]   (TOKENS=200 by default)
#
# The run binary is built outside this project (e.g. gcc -Ofast -march=native -fopenmp run.c).
# Models: stories260K (shared assets) and a random SmolLM2-135M-shaped model written by
# bench/make_random_llama2c.py into $SMOL (default /tmp/smol135). Both engines decode 200 tokens
# (TOKENS) greedily from BOS on 2 threads and leave the first step out of tokens/s. Needs
# bench/target/benchmarks.jar (mvn -pl bench -am package) or $BENCH_JAR, and a JDK 25 (found as ./lathe finds it).
set -euo pipefail
RUN=${1:?usage: decode-vs-llama2c.sh PATH/TO/run [ROUNDS]}
ROUNDS=${2:-5}
TOKENS=${TOKENS:-200}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
SHARED=${SHARED:-$HERE/../../shared}
SMOL=${SMOL:-/tmp/smol135}
. "$HERE/../scripts/find-java.sh"
lathe_find_java
JAVA=$JAVA_HOME/bin/java
[ -x "$RUN" ] || { echo "not an executable: $RUN" >&2; exit 2; }
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package" >&2; exit 2; }
[ -f "$SMOL/model.bin" ] || python3 "$HERE/make_random_llama2c.py" "$SMOL"

median() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f (min %.1f max %.1f)", m, a[1], a[NR]}'; }
med() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }

compare() { # name model tokenizer dtype
  local name=$1 model=$2 tok=$3 dtype=$4 lathe=() runc=()
  for ((r = 0; r < ROUNDS; r++)); do
    lathe+=("$("$JAVA" --add-modules jdk.incubator.vector $LATHE_JVM_FLAGS -cp "$JAR" dev.lathe.bench.DecodeThroughput \
      --model "$model" --dtype "$dtype" --tokens "$TOKENS" --threads 2 --prompt-tokens 64 --repeat 1 2>/dev/null \
      | sed -n 's/^decode tok\/s \([0-9.]*\).*/\1/p')")
    runc+=("$(OMP_NUM_THREADS=2 "$RUN" "$model" -z "$tok" -t 0 -n "$TOKENS" -i "" 2>&1 \
      | sed -n 's/.*achieved tok\/s: \([0-9.]*\).*/\1/p')")
  done
  local lm rm
  lm=$(printf '%s\n' "${lathe[@]}" | med)
  rm=$(printf '%s\n' "${runc[@]}" | med)
  printf '%-18s lathe %s tok/s   run.c %s tok/s   ratio %.2fx\n' "$name" \
    "$(printf '%s\n' "${lathe[@]}" | median)" "$(printf '%s\n' "${runc[@]}" | median)" \
    "$(awk -v a="$lm" -v b="$rm" 'BEGIN {print a / b}')"
}

uptime
compare "stories260K f32" "$SHARED/models/llama2c-stories260K/stories260K.bin" \
  "$SHARED/models/llama2c-stories260K/tok512.bin" f32
compare "smol135 f32" "$SMOL/model.bin" "$SMOL/tokenizer.bin" f32
compare "smol135 bf16" "$SMOL/model.bin" "$SMOL/tokenizer.bin" bf16
uptime
