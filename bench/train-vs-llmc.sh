#!/usr/bin/env bash
# Full fine-tuning step of Lathe against llm.c's train_gpt2 (CPU, fp32) on the same random GPT-2
# (6 layers, 384 channels, 6 heads, vocab 50257, context 1024), the same tokens, B=4 T=256, AdamW.
#
# usage: bench/train-vs-llmc.sh PATH/TO/llm.c [STEPS]   (STEPS timed steps after WARMUP=2)
#
# PATH/TO/llm.c is a checkout of karpathy/llm.c, outside this project. The script copies its
# train_gpt2.c to train_gpt2_bench.c in that directory and edits the copy's main() only:
#   - checkpoint, token file, B, T and the number of steps come from argv (were gpt2_124M.bin,
#     tiny shakespeare/stories, B=4, T=64, 41 steps);
#   - the training loader does not shuffle (it reads the file from its start, as Lathe does here);
#   - the validation-loss and sampling blocks are switched off (they are not training steps).
# It is built with gcc $LLMC_CFLAGS (default -O3 -march=native -fopenmp -DOMP) and run with
# OMP_NUM_THREADS=2; Lathe runs with 2 compute threads. Both print one line per step; the first
# WARMUP steps of each are left out and the medians of the rest compared. Same weights and data:
# the per-step losses of the two should agree to about 1e-5 (step 0 is about ln(50257) + 0.08).
#
# Model and tokens: bench/make_random_gpt2.py into $GPT2 (default /tmp/gpt2-6l384c); Lathe needs
# bench/target/benchmarks.jar (mvn -B -o -pl bench -am package) or $BENCH_JAR, and a JDK 25.
#
# FLOPs per step (as TrainThroughput prints them): 6 * P * B*T + 12 * L * T * C * B*T with
# P = L * (3C*C + C*C + 2 * C*4C) + V*C the matmul weights (head tied to wte, counted once),
# MFU = FLOPs / step time / the fp32 FMA peak that bench/peak.sh measures at the start of the run
# (2 threads); the streaming read bandwidth is printed with it.
set -euo pipefail
LLMC=${1:?usage: train-vs-llmc.sh PATH/TO/llm.c [STEPS]}
STEPS=${2:-5}
WARMUP=${WARMUP:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
GPT2=${GPT2:-/tmp/gpt2-6l384c}
LLMC_CFLAGS=${LLMC_CFLAGS:--O3 -march=native -fopenmp -DOMP}
. "$HERE/../scripts/find-java.sh"
. "$HERE/peak.sh"
lathe_find_java
JAVA=$JAVA_HOME/bin/java
B=4
T=256
[ -f "$LLMC/train_gpt2.c" ] || { echo "no train_gpt2.c in $LLMC" >&2; exit 2; }
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package" >&2; exit 2; }
[ -f "$GPT2/gpt2.bin" ] || python3 "$HERE/make_random_gpt2.py" "$GPT2"

python3 - "$LLMC/train_gpt2.c" "$LLMC/train_gpt2_bench.c" <<'EOF'
import sys
s = open(sys.argv[1]).read()
edits = [
    ('int main() {', 'int main(int argc, char **argv) {\n    if (argc < 6) { printf("usage: CHECKPOINT TOKENS B T STEPS\\n"); return 1; }'),
    ('gpt2_build_from_checkpoint(&model, "gpt2_124M.bin");', 'gpt2_build_from_checkpoint(&model, argv[1]);'),
    ('const char* train_tokens = access(tiny_shakespeare_train, F_OK) != -1 ? tiny_shakespeare_train : tiny_stories_train;', 'const char* train_tokens = argv[2];'),
    ('const char* val_tokens = access(tiny_shakespeare_val, F_OK) != -1 ? tiny_shakespeare_val : tiny_stories_val;', 'const char* val_tokens = argv[2];'),
    ('int B = 4;', 'int B = atoi(argv[3]);'),
    ('int T = 64;', 'int T = atoi(argv[4]);'),
    ('dataloader_init(&train_loader, train_tokens, B, T, 0, 1, 1);', 'dataloader_init(&train_loader, train_tokens, B, T, 0, 1, 0);'),
    ('for (int step = 0; step <= 40; step++) {', 'for (int step = 0; step < atoi(argv[5]); step++) {'),
    ('if (step % 10 == 0) {', 'if (0) {'),
    ('if (step > 0 && step % 20 == 0) {', 'if (0) {'),
]
for old, new in edits:
    if s.count(old) != 1:
        sys.exit("train_gpt2.c changed: cannot apply the edit of: " + old)
    s = s.replace(old, new)
open(sys.argv[2], "w").write(s)
EOF
# shellcheck disable=SC2086
(cd "$LLMC" && gcc $LLMC_CFLAGS -Wno-unused-result train_gpt2_bench.c -lm -o train_gpt2_bench)

med() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
spread() { sort -g | awk '{a[NR]=$1} END {printf "min %.1f max %.1f", a[1], a[NR]}'; }
# "step S: train loss L (took MS ms)" -> MS for S >= WARMUP
times() { sed -n 's/^step \([0-9]*\): train loss [0-9.]* (took \([0-9.]*\) ms).*/\1 \2/p' | awk -v w="$WARMUP" '$1 >= w {print $2}'; }
losses() { sed -n 's/^step \([0-9]*\): train loss \([0-9.]*\).*/\2/p' | head -3 | tr '\n' ' '; }

uptime
lathe_measure_peak 2
PEAK=$PEAK_GFLOPS
echo "model: $GPT2 (L=6 C=384 NH=6 V=50257), B=$B T=$T, fp32, AdamW lr 1e-4, 2 threads; $WARMUP warm-up + $STEPS timed steps"
LATHE_CMD=("$JAVA" --add-modules jdk.incubator.vector -Xmx4g -cp "$JAR" dev.lathe.bench.TrainThroughput
  --model "$GPT2/hf" --tokens "$GPT2/tokens.bin" --batch $B --seq $T --warmup "$WARMUP" --steps "$STEPS"
  --threads 2 --peak-gflops "$PEAK")
LLMC_CMD=(env OMP_NUM_THREADS=2 "$LLMC/train_gpt2_bench" "$GPT2/gpt2.bin" "$GPT2/tokens.bin" $B $T $((WARMUP + STEPS)))
echo "+ ${LATHE_CMD[*]}"
lathe_out=$("${LATHE_CMD[@]}" 2>/dev/null)
echo "+ ${LLMC_CMD[*]}   (built with gcc $LLMC_CFLAGS)"
llmc_out=$("${LLMC_CMD[@]}" 2>&1)
lm=$(times <<<"$lathe_out" | med)
cm=$(times <<<"$llmc_out" | med)
flops=$(awk -v L=6 -v C=384 -v V=50257 -v B=$B -v T=$T 'BEGIN {
  P = L * (3*C*C + C*C + 2*C*4*C) + V*C; print 6*P*B*T + 12*L*T*C*B*T }')
report() { # name median_ms spread
  awk -v n="$1" -v ms="$2" -v sp="$3" -v f="$flops" -v tok=$((B * T)) -v peak="$PEAK" 'BEGIN {
    printf "%-6s step %8.1f ms (%s)  %7.0f tok/s  %6.1f GFLOP/s  MFU %5.1f%%\n",
      n, ms, sp, tok / (ms / 1e3), f / (ms / 1e3) / 1e9, 100 * f / (ms / 1e3) / 1e9 / peak }'
}
echo "first losses  lathe: $(losses <<<"$lathe_out")  llm.c: $(losses <<<"$llmc_out")"
report lathe "$lm" "$(times <<<"$lathe_out" | spread)"
report llm.c "$cm" "$(times <<<"$llmc_out" | spread)"
awk -v a="$lm" -v b="$cm" -v f="$flops" 'BEGIN {printf "flops/step %.4g; lathe/llm.c tokens/s ratio %.2fx\n", f, b / a}'
uptime
