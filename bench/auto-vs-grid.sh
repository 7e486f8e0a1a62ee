#!/usr/bin/env bash
# Experiment: does `auto` pick hyperparameters as well as a grid search? Trains every task of the
# task suite (dev.lathe.finetune.tasks) on TinyStories-656K (LoRA; the JSON task on stories260K, full
# fine-tuning, as 656K's vocabulary has no braces) and the format task on a GPT-2 shaped model from a
# random initialisation (full fine-tuning), over a grid of learning-rate
# multiplier x epochs x batch size, then with the three hyperparameters left auto (through the same
# FineTuneJob an API job runs), then with auto's values given explicitly (for the wall-time cost).
# Prints the whole table (Markdown) on stdout; progress and sample answers on stderr.
#
#   bench/auto-vs-grid.sh            the full grid (8 cells per LoRA task, 12 per full one)
#   bench/auto-vs-grid.sh --quick    one cell per task, smaller sets (a development check)
#   bench/auto-vs-grid.sh --tasks format,label    only these rows
#
# Needs the shared assets next to the repository (../shared). Outputs go to a temp directory.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
SHARED="${LATHE_SHARED:-../shared}"
OUT="${LATHE_BENCH_DIR:-${TMPDIR:-/tmp}/lathe-bench}/auto-vs-grid"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -o -pl bench -am package -DskipTests -Dspotless.check.skip=true
fi
rm -rf "$OUT"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -XX:+UseParallelGC -cp bench/target/benchmarks.jar dev.lathe.bench.AutoVsGrid \
  "$SHARED/models" "$SHARED/datasets/real" "$OUT" "$@"
