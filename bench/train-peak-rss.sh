#!/usr/bin/env bash
# Whole-process peak RSS of LoRA fine-tuning a Qwen2.5-0.5B-shaped model (hidden 896, 24 layers,
# 14 heads / 2 KV heads, intermediate 4864, vocab 151936, tied embeddings, q/k/v bias, rope theta
# 1e6) whose random weights are stored as bf16 safetensors, one sequence of 1024 random tokens.
#
# usage: bench/train-peak-rss.sh [STEPS]   (steps after one warm-up; default 2)
#
# The process loads the checkpoint as the trainer wants it ($DTYPE: bf16 by default, read straight
# into bf16 a tensor at a time; f32 widens it), builds LoRA r16 on every linear layer over the frozen
# base held in that dtype (adapters and AdamW state f32; --recompute: the gate/up projections, the
# SwiGLU output and the two RMSNorm outputs of each block are recomputed in backward rather than kept
# per layer), runs the steps; /usr/bin/time -v reports its maximum resident set. The heap limit is
# $XMX (default 2100m): the bf16 weights (0.99 GB), the activations for 1024 positions (~0.6 GB),
# the 128 MB logits chunk, the adapters with their AdamW state (0.14 GB), with room for the GC.
# The model is written once by RandomLlamaCheckpoint into $QWEN_HF (default /tmp/qwen05-hf).
# The heap is in 4 KB pages, as `lathe train` and `lathe worker` run it. `lathe serve` puts it in
# transparent huge pages ($LATHE_JVM_FLAGS in scripts/find-java.sh) for decode, and a job trained
# by its embedded worker then peaks higher (this run: 2.37 -> 2.61 GB); LATHE_JAVA_OPTS=
# -XX:-UseTransparentHugePages turns them off.
set -euo pipefail
STEPS=${1:-2}
HERE=$(cd "$(dirname "$0")" && pwd)
JAR=${BENCH_JAR:-$HERE/target/benchmarks.jar}
QWEN_HF=${QWEN_HF:-/tmp/qwen05-hf}
XMX=${XMX:-2100m}
DTYPE=${DTYPE:-bf16}
. "$HERE/../scripts/find-java.sh"
lathe_find_java
JAVA=$JAVA_HOME/bin/java
[ -f "$JAR" ] || { echo "missing $JAR: build it with mvn -B -o -pl bench -am package" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (GNU time) for the peak RSS" >&2; exit 2; }
[ -f "$QWEN_HF/model.safetensors" ] || "$JAVA" -Xmx6g -cp "$JAR" dev.lathe.bench.RandomLlamaCheckpoint \
  --shape qwen05 --out "$QWEN_HF" --dtype bf16 2>/dev/null

uptime
cmd=("$JAVA" --add-modules jdk.incubator.vector -Xmx"$XMX" -cp "$JAR" dev.lathe.bench.TrainThroughput
  --model "$QWEN_HF" --mode lora --dtype "$DTYPE" --recompute --batch 1 --seq 1024 --warmup 1
  --steps "$STEPS" --threads 2)
echo "+ /usr/bin/time -v ${cmd[*]}"
out=$(/usr/bin/time -v "${cmd[@]}" 2>&1) || { echo "the run failed:" >&2; grep -v WARNING <<<"$out" | tail -20 >&2; exit 1; }
grep -E '^(model|step|peak)' <<<"$out" || true
kb=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' <<<"$out")
awk -v kb="$kb" -v x="$XMX" 'BEGIN {
  printf "peak RSS %.2f GB = %.2f GiB (%d kB), -Xmx%s, goal < 2.5 GB\n", kb * 1024 / 1e9, kb / 1048576, kb, x }'
