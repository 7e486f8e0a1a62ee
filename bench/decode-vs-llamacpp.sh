#!/usr/bin/env bash
# Decode and prefill of Lathe against llama.cpp (llama-bench) and llama2.c (run.c), with this
# machine's streaming read bandwidth measured between Lathe's timed rounds. Prints one table.
#
# usage: bench/decode-vs-llamacpp.sh PATH/TO/llama-bench PATH/TO/llama2.c/run [ROUNDS]
#
# Both anchors are built outside this project: llama.cpp CPU-only with cmake -DGGML_NATIVE=ON
# (target llama-bench), run.c with gcc -Ofast -march=native -fopenmp. On a CPU with AMX, build
# llama.cpp twice: the AVX-512 anchor with -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON
# -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON (no AMX
# code), and the AMX anchor with -DGGML_NATIVE=ON after putting asm volatile("" : : "r"(&tc) :
# "memory"); before the _tile_loadconfig(&tc) in ggml/src/ggml-cpu/amx/mmq.cpp (GCC 12 drops the
# stores that fill the tile configuration, and the AMX build then dies with SIGILL). Pass the AMX
# build's llama-bench as LLAMA_BENCH_AMX to print a second table against it. Models: one random
# SmolLM2-135M-shaped model written by Lathe's GGUF writer as F32, BF16, Q8_0 and Q4_0 (GgufLoadTime
# --write, into $GGUF_DIR, default /tmp/llamacpp-anchor; no vocabulary, which llama-bench does not
# need), the same file read by both engines; and stories260K (shared assets) for run.c.
# Decode: 100 tokens (TOKENS), 2 threads; Lathe greedy from BOS, first step excluded; llama-bench
# tg100. Prefill: one 512-token prompt (PROMPT); llama-bench pp512. Medians of ROUNDS (default 3).
# Needs bench/target/benchmarks.jar (mvn -B -o -pl bench -am package -DskipTests) or $BENCH_JAR.
set -euo pipefail
LLAMA_BENCH=${1:?usage: decode-vs-llamacpp.sh PATH/TO/llama-bench PATH/TO/run [ROUNDS]}
RUN=${2:?usage: decode-vs-llamacpp.sh PATH/TO/llama-bench PATH/TO/run [ROUNDS]}
ROUNDS=${3:-3}
TOKENS=${TOKENS:-100}
PROMPT=${PROMPT:-512}
THREADS=${THREADS:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
SHARED=${SHARED:-$HERE/../../shared}
DIR=${GGUF_DIR:-/tmp/llamacpp-anchor}
. "$HERE/../scripts/find-java.sh"
lathe_find_java
JAVA=("$JAVA_HOME/bin/java" -Xmx4g --add-modules jdk.incubator.vector $LATHE_JVM_FLAGS -cp "$JAR")
[ -x "$LLAMA_BENCH" ] || { echo "not an executable: $LLAMA_BENCH" >&2; exit 2; }
[ -x "$RUN" ] || { echo "not an executable: $RUN" >&2; exit 2; }
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package -DskipTests" >&2; exit 2; }
[ -f "$DIR/smol135-q4_0.gguf" ] || "${JAVA[@]}" dev.lathe.bench.GgufLoadTime --write "$DIR" >&2

med() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
# anchor LLAMA_BENCH GGUF: prints llama-bench's prefill and decode tok/s for the file
anchor() {
  "$1" -m "$2" -t "$THREADS" -p "$PROMPT" -n "$TOKENS" -r "$ROUNDS" -o csv 2>/dev/null | python3 -c '
import csv, io, sys
rows = list(csv.DictReader(io.StringIO(sys.stdin.read())))
pp = [r for r in rows if int(r["n_prompt"]) > 0 and int(r["n_gen"]) == 0][0]
tg = [r for r in rows if int(r["n_gen"]) > 0 and int(r["n_prompt"]) == 0][0]
print(pp["avg_ts"], tg["avg_ts"])'
}
amx=()
if [ -n "${LLAMA_BENCH_AMX:-}" ]; then
  [ -x "$LLAMA_BENCH_AMX" ] || { echo "LLAMA_BENCH_AMX is not an executable: $LLAMA_BENCH_AMX" >&2; exit 2; }
fi

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $THREADS threads; load: $(uptime | sed 's/.*load average: //')"
# The VM's read bandwidth moves from minute to minute, so Lathe's decode probes it (1 GB, best of
# five passes) right before each timed round; "% of read BW" is the median over the rounds of the
# round's GB/s over the bandwidth probed just before it.
echo
printf '| %-5s | %-12s | %-12s | %-6s | %-14s | %-12s | %-12s | %-14s | %-6s |\n' weights "Lathe tok/s" "llama.cpp" ratio "Lathe GB/s" "read BW GB/s" "% of read BW" "prefill $PROMPT" ratio
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for t in ${DTYPES:-f32 bf16 q8_0 q4_0}; do
  f=$DIR/smol135-$t.gguf
  out=$("${JAVA[@]}" dev.lathe.bench.DecodeThroughput --model "$f" --tokens "$TOKENS" \
    --threads "$THREADS" --prompt-tokens "$PROMPT" --repeat "$ROUNDS" --probe-mb 1024 2>/dev/null)
  ld=$(sed -n 's/^decode tok\/s \([0-9.]*\).*/\1/p' <<<"$out")
  gbs=$(sed -n 's/.*weights read \([0-9.]*\) GB\/s.*/\1/p' <<<"$out")
  BW=$(sed -n 's/^read bandwidth \([0-9.]*\) GB\/s.*/\1/p' <<<"$out")
  share=$(sed -n 's/.*decode share \([0-9]*%\).*/\1/p' <<<"$out")
  lp=$(sed -n 's/^prefill tok\/s \([0-9.]*\).*/\1/p' <<<"$out")
  read -r cp cd < <(anchor "$LLAMA_BENCH" "$f")
  printf '| %-5s | %-12s | %-12.1f | %-6s | %-14s | %-12s | %-12s | %-14s | %-6s |\n' "$t" "$ld" "$cd" "$(ratio "$ld" "$cd")" \
    "$gbs" "$BW" "$share" \
    "$lp vs $(printf '%.1f' "$cp")" "$(ratio "$lp" "$cp")"
  if [ -n "${LLAMA_BENCH_AMX:-}" ]; then
    read -r ap ad < <(anchor "$LLAMA_BENCH_AMX" "$f")
    amx+=("$(printf '| %-5s | %-12s | %-12.1f | %-6s | %-14s | %-6s |' "$t" "$ld" "$ad" "$(ratio "$ld" "$ad")" \
      "$lp vs $(printf '%.1f' "$ap")" "$(ratio "$lp" "$ap")")")
  fi
done
if [ -n "${LLAMA_BENCH_AMX:-}" ]; then
  echo
  echo "Against llama.cpp's AMX build ($LLAMA_BENCH_AMX), the same Lathe figures:"
  echo
  printf '| %-5s | %-12s | %-12s | %-6s | %-14s | %-6s |\n' weights "Lathe tok/s" "llama.cpp AMX" ratio "prefill $PROMPT" ratio
  echo "| --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${amx[@]}"
fi
echo
# stories260K: Lathe against run.c, alternating, 200 tokens each
lathe=() runc=()
S260=$SHARED/models/llama2c-stories260K
for ((r = 0; r < ROUNDS; r++)); do
  lathe+=("$("${JAVA[@]}" dev.lathe.bench.DecodeThroughput --model "$S260/stories260K.bin" --dtype f32 \
    --tokens 200 --threads "$THREADS" --prompt-tokens 64 --repeat 1 2>/dev/null \
    | sed -n 's/^decode tok\/s \([0-9.]*\).*/\1/p')")
  runc+=("$(OMP_NUM_THREADS=$THREADS "$RUN" "$S260/stories260K.bin" -z "$S260/tok512.bin" -t 0 -n 200 -i "" 2>&1 \
    | sed -n 's/.*achieved tok\/s: \([0-9.]*\).*/\1/p')")
done
lm=$(printf '%s\n' "${lathe[@]}" | med)
rm=$(printf '%s\n' "${runc[@]}" | med)
printf 'stories260K f32 decode: Lathe %.1f tok/s, run.c %.1f tok/s, ratio %s\n' "$lm" "$rm" "$(ratio "$lm" "$rm")"
echo "load at the end: $(uptime | sed 's/.*load average: //')"
