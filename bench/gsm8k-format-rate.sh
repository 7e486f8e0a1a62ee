#!/usr/bin/env bash
# Experiment: rate of GSM8K validation answers ending in "#### N" before and after LoRA SFT of the
# TinyStories-656K model on the GSM8K training file (see dev.lathe.bench.Gsm8kFormatRate).
#
#   bench/gsm8k-format-rate.sh [EPOCHS] [BATCH] [LR_MULT] [RANK]     (default: 2 4 5 16)
#
# Needs the shared assets next to the repository (../shared). Outputs go to a temp directory.
#
# Measured 2026-11-22 (2 shared cores, defaults 2 epochs x 113 steps, batch 4, LR 1e-3, rank 16,
# context 512; 17 training examples truncated): train loss 7.60 -> 3.44, full valid loss 3.58
# (token accuracy 0.29), 291 tok/s; answers ending in "#### N": 0% before, 0% after. The 656K story
# model does not pick up the GSM8K answer format in this budget; it is a pipeline check, not a
# quality result. With "1 4 25 16" (LR 5e-3, 113 steps): valid loss 3.34, accuracy 0.31, 397 tok/s,
# still 0% / 0% (answers degenerate into repeated digits).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
SHARED="${LATHE_SHARED:-../shared}"
OUT="${LATHE_BENCH_DIR:-${TMPDIR:-/tmp}/lathe-bench}/gsm8k-sft"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -o -pl bench -am package -DskipTests -Dspotless.check.skip=true
fi
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -XX:+UseParallelGC -cp bench/target/benchmarks.jar dev.lathe.bench.Gsm8kFormatRate \
  "$SHARED/models/hf-TinyStories-656K" \
  "$SHARED/datasets/real/gsm8k-chat_train.jsonl" \
  "$SHARED/datasets/real/gsm8k-chat_validation.jsonl" \
  "$OUT" "$@"
