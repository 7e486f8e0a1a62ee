#!/usr/bin/env bash
# auto hyperparameters on seed 004's limericks (TinyStories-656K, LoRA r=16): what auto resolves
# to, the validation loss it reaches against the base model's, and its wall time against the same
# run with the resolved values given explicitly (auto's overhead; goal < 5%).
#
# usage: bench/auto-hyperparameters.sh [REPS]   (runs of each kind; default 1; medians printed)
#
# Every run uses seed 1 (without --seed, `lathe train` draws a random seed, as OpenAI does), so
# auto and explicit train the very same steps and must reach the same validation loss.
# The base validation loss is read from a 1-epoch run at a negligible rate (multiplier 1e-9), whose
# first evaluation is the untouched model's. Uses ./lathe (built when missing) and ../shared data.
set -euo pipefail
REPS=${1:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SHARED=${LATHE_SHARED:-$(cd "$ROOT/.." && pwd)/shared}
MODEL=$SHARED/models/hf-TinyStories-656K
TRAIN=$SHARED/datasets/real/limericks-training-data.jsonl
VALID=$SHARED/datasets/real/limericks-validation-data.jsonl
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

med() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
run() { # run NAME ARGS...: prints wall seconds; the log goes to $TMP/NAME.log
  local name=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$ROOT/lathe" train --model "$MODEL" --train "$TRAIN" --valid "$VALID" --out "$TMP/$name" --seed 1 "$@" \
    >"$TMP/$name.log" 2>&1
  t1=$(date +%s.%N)
  rm -rf "${TMP:?}/$name"
  echo "$t1 - $t0" | bc -l
}
best() { tr '\r' '\n' <"$1" | sed -n 's/.*the best validation loss (\([0-9.]*\)).*/\1/p' | tail -1; }
first_valid() { tr '\r' '\n' <"$1" | sed -n 's/.*validation loss \([0-9.]*\) on the whole.*/\1/p' | head -1; }

uptime
"$ROOT/lathe" --help >/dev/null 2>&1 || true # builds the jar once, outside the timings
run base --epochs 1 --lr-multiplier 1e-9 >/dev/null
base=$(first_valid "$TMP/base.log")
declare -a ta te
for i in $(seq 1 "$REPS"); do
  ta+=("$(run auto$i)")
  resolved=$(tr '\r' '\n' <"$TMP/auto$i.log" | sed -n 's/^hyperparameters: n_epochs=\([0-9]*\) batch_size=\([0-9]*\) learning_rate_multiplier=\([0-9.]*\).*/\1 \2 \3/p')
  read -r e b m <<<"$resolved"
  te+=("$(run explicit$i --epochs "$e" --batch-size "$b" --lr-multiplier "$m")")
done
grep -h '^auto: ' <(tr '\r' '\n' <"$TMP/auto1.log")
la=$(best "$TMP/auto1.log")
le=$(best "$TMP/explicit1.log")
mta=$(printf '%s\n' "${ta[@]}" | med)
mte=$(printf '%s\n' "${te[@]}" | med)
printf '%-28s %s\n' "resolved (epochs batch mult)" "$e $b $m"
printf '%-28s %.4f\n' "base validation loss" "$base"
printf '%-28s %.4f (%.1f%% lower)\n' "auto best validation loss" "$la" "$(echo "100 * (1 - $la / $base)" | bc -l)"
printf '%-28s %.4f\n' "explicit best valid loss" "$le"
printf '%-28s %.1f s (median of %d)\n' "auto wall time" "$mta" "$REPS"
printf '%-28s %.1f s (median of %d)\n' "explicit wall time" "$mte" "$REPS"
printf '%-28s %+.1f%%\n' "auto overhead" "$(echo "100 * ($mta / $mte - 1)" | bc -l)"
