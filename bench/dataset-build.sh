#!/usr/bin/env bash
# Whole-process throughput and peak memory of `lathe dataset build` on CSV records.
#
#   bench/dataset-build.sh [RECORDS...]       (default: 10000 100000)
#
# Generates a deterministic CSV of question/answer records (id, topic, question, answer; about
# 330 bytes a row, quoted commas and quotes included) in a temp directory outside the repository
# (kept between runs; LATHE_BENCH_DIR overrides it), then runs `lathe dataset build` RUNS times
# (default 3) per mode in a fresh JVM under /usr/bin/time -v, and prints the median records/s
# (whole process: JVM start, template, dedupe, split, validation, rename), records per CPU-second
# of the process (less distorted by a busy machine) and peak RSS. Modes:
#   split   exact dedupe + a seeded grouped split (--valid-ratio 0.1 --group-by topic), the default
#   plain   --no-dedupe, no split: nothing is kept per record
# The heap is capped (JAVA_OPTS, default -Xmx256m) so that peak RSS shows whether memory depends
# on the input size. The machine may be shared: note the load average printed with the results.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${RUNS:-3}"
export LATHE_JAVA_OPTS="${JAVA_OPTS:--Xmx256m}"
DIR="${LATHE_BENCH_DIR:-${TMPDIR:-/tmp}/lathe-bench}"
COUNTS=("$@")
[ ${#COUNTS[@]} -eq 0 ] && COUNTS=(10000 100000)

if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time is missing: install it (apt-get install -y time)" >&2
  exit 2
fi
./lathe --version >/dev/null   # builds the jar when sources changed
mkdir -p "$DIR"
template="$DIR/qa.jinja"
cat > "$template" <<'TEMPLATE'
<|system|> You are a support assistant for a bicycle shop. Answer in two sentences.
<|user|> {{ question }}
<|assistant|> {{ answer }}
TEMPLATE

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '%-9s %-6s %12s %14s %12s   %s\n' "records" "mode" "records/s" "rec. per CPU-s" "peak RSS MB" "runs (records/s)"
for count in "${COUNTS[@]}"; do
  csv="$DIR/records-$count.csv"
  if [ ! -f "$csv" ]; then
    awk -v n="$count" 'BEGIN {
      print "id,topic,question,answer"
      split("brakes gears tyres chains saddles lights frames wheels pedals forks", part, " ")
      for (i = 0; i < n; i++) {
        t = part[i % 10 + 1] "-" int(i / 1000)
        printf "%d,%s,\"How do I look after the %s on bike %d, and how often?\",", i, t, part[i % 10 + 1], i
        printf "\"Check the %s of bike %d every %d weeks, and \"\"clean\"\" them with a dry cloth. ", part[i % 10 + 1], i, i % 9 + 1
        printf "If anything squeaks after %d km, bring it in: a service takes about %d minutes.\"\n", (i * 37) % 5000, i % 50 + 10
      }
    }' > "$csv"
  fi
  for mode in split plain; do
    if [ "$mode" = split ]; then
      extra=(--valid-out "$DIR/valid.jsonl" --valid-ratio 0.1 --group-by topic --seed 1)
    else
      extra=(--no-dedupe)
    fi
    speeds=(); rss=(); cpus=()
    for run in $(seq "$RUNS"); do
      /usr/bin/time -v -o "$DIR/time.txt" ./lathe dataset build "$csv" --template "$template" \
        -o "$DIR/train.jsonl" "${extra[@]}" > "$DIR/out.txt" 2>&1 || { cat "$DIR/out.txt" >&2; exit 1; }
      wall=$(grep "Elapsed (wall clock)" "$DIR/time.txt" | awk '{print $NF}' \
        | awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
      kb=$(grep "Maximum resident set size" "$DIR/time.txt" | awk '{print $NF}')
      cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$DIR/time.txt")
      cpus+=("$(awk -v n="$count" -v s="$cpu" 'BEGIN { printf "%.0f", n / s }')")
      speeds+=("$(awk -v n="$count" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')")
      rss+=("$((kb / 1024))")
    done
    printf '%-9s %-6s %12s %14s %12s   %s\n' "$count" "$mode" \
      "$(printf '%s\n' "${speeds[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
      "$(printf '%s\n' "${rss[@]}" | median)" "${speeds[*]}"
  done
done
echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg); LATHE_JAVA_OPTS: $LATHE_JAVA_OPTS"
