#!/usr/bin/env bash
# LoRA against full fine-tuning step time on a SmolLM2-135M-shaped Llama model with random weights
# (hidden 576, 30 layers, 9 heads / 3 KV heads, intermediate 1536, vocab 49152, tied embeddings,
# rope theta 100000), B=4 T=256 random tokens, f32, AdamW, 2 threads.
#
# usage: bench/train-lora-vs-full.sh [STEPS]   (timed steps after WARMUP=1; default 3)
#
# LoRA: rank 16, alpha 32, dropout 0.05 on every linear layer (q k v o gate up down); the frozen
# weights get no gradient (their dW products are skipped), the adapters do; run once over the f32
# base and once over the base held in bf16 (--dtype bf16). Full: every weight.
# The model is written once by RandomLlamaCheckpoint into $SMOL_HF (default /tmp/smol135-hf).
# Needs bench/target/benchmarks.jar (mvn -B -o -pl bench -am package) or $BENCH_JAR, and a JDK 25.
set -euo pipefail
STEPS=${1:-3}
WARMUP=${WARMUP:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
SMOL_HF=${SMOL_HF:-/tmp/smol135-hf}
. "$HERE/../scripts/find-java.sh"
lathe_find_java
JAVA=$JAVA_HOME/bin/java
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package" >&2; exit 2; }
[ -f "$SMOL_HF/model.safetensors" ] || "$JAVA" -Xmx3g -cp "$JAR" dev.lathe.bench.RandomLlamaCheckpoint \
  --shape smol135 --out "$SMOL_HF" --dtype f32 2>/dev/null

med() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
times() { sed -n 's/^step \([0-9]*\): train loss [0-9.]* (took \([0-9.]*\) ms).*/\1 \2/p' | awk -v w="$WARMUP" '$1 >= w {print $2}'; }
# process CPU time of a step (both threads): less disturbed than wall time when the machine is busy
cpu() { sed -n 's/^step \([0-9]*\): .* process cpu \([0-9.]*\) ms.*/\1 \2/p' | awk -v w="$WARMUP" '$1 >= w {print $2}'; }

uptime
floor=
declare -A median cpums
# lora-bf16: the same LoRA run over the base held in bf16 (what a bf16 checkpoint trains over)
for run in lora lora-bf16 full; do
  mode=${run%-bf16}
  dtype=f32
  [ "$run" = lora-bf16 ] && dtype=bf16
  cmd=("$JAVA" --add-modules jdk.incubator.vector -Xmx6g -cp "$JAR" dev.lathe.bench.TrainThroughput
    --model "$SMOL_HF" --mode "$mode" --dtype "$dtype" --batch 4 --seq 256 --warmup "$WARMUP"
    --steps "$STEPS" --threads 2)
  echo "+ ${cmd[*]}"
  out=$("${cmd[@]}" 2>/dev/null)
  grep -E '^(model|step ms|flops)' <<<"$out"
  median[$run]=$(times <<<"$out" | med)
  [ "$run" = lora ] && floor=$(sed -n 's/.*  \([0-9.]*\)x the full step.s.*/\1/p' <<<"$out")
  cpums[$run]=$(cpu <<<"$out" | med)
done
awk -v l="${median[lora]}" -v b="${median[lora-bf16]}" -v f="${median[full]}" 'BEGIN {
  printf "median step: lora %.1f ms  lora over bf16 %.1f ms  full %.1f ms  lora/full %.2fx (goal <= 0.70x)  lora-bf16/full %.2fx\n", l, b, f, l / f, b / f }'
echo "LoRA's FLOPs are ${floor}x the full step's: the time ratio if both ran at the same GFLOP/s"
awk -v l="${cpums[lora]}" -v b="${cpums[lora-bf16]}" -v f="${cpums[full]}" 'BEGIN {
  printf "median process CPU per step: lora %.1f ms  lora over bf16 %.1f ms  full %.1f ms  lora/full %.2fx  lora-bf16/full %.2fx\n", l, b, f, l / f, b / f }'
uptime
