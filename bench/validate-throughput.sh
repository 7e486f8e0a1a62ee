#!/usr/bin/env bash
# Whole-process throughput of dataset validation, with and without token statistics.
#
#   bench/validate-throughput.sh [SIZES_MB...]       (default: 100 1000)
#
# Builds bench/target/benchmarks.jar, generates a deterministic valid chat JSONL of each size in
# a temp directory outside the repository (kept between runs; LATHE_BENCH_DIR overrides it), then
# runs each mode RUNS times (default 3) in a fresh JVM under /usr/bin/time -v and prints the median
# MB/s, MB per CPU-second of the process (less distorted by a busy machine) and peak RSS. The
# heap is capped (JAVA_OPTS, default -Xmx256m: a 1 GB file must fit) so that peak RSS shows
# whether memory depends on the file size. The machine may be shared: note the load average
# printed with the results.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
JAVA="$JAVA_HOME/bin/java"
RUNS="${RUNS:-3}"
JAVA_OPTS="${JAVA_OPTS:--Xmx256m -XX:+UseParallelGC}"
DIR="${LATHE_BENCH_DIR:-${TMPDIR:-/tmp}/lathe-bench}"
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(100 1000)

if [ ! -x /usr/bin/time ]; then
  echo "/usr/bin/time is missing: install it (apt-get install -y time)" >&2
  exit 2
fi

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -o -pl bench -am package -DskipTests -Dspotless.check.skip=true
fi
JAR=bench/target/benchmarks.jar
mkdir -p "$DIR"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '%-8s %-16s %10s %14s %12s   %s\n' "size" "mode" "MB/s" "MB per CPU-s" "peak RSS MB" "runs (MB/s)"
for size in "${SIZES[@]}"; do
  file="$DIR/chat-${size}mb.jsonl"
  if [ ! -f "$file" ]; then
    "$JAVA" -cp "$JAR" dev.lathe.bench.ChatDatasetGenerator "$file" "$size" >&2
  fi
  for mode in validate stats; do
    speeds=(); rss=(); cpus=()
    for run in $(seq "$RUNS"); do
      out=$(/usr/bin/time -v -o "$DIR/time.txt" "$JAVA" $JAVA_OPTS \
          --add-modules jdk.incubator.vector -cp "$JAR" dev.lathe.bench.ValidateThroughput \
          "$file" "$mode" 2>/dev/null) || true
      speed=$(echo "$out" | grep -E "^(validate|validate\+tokens): " | sed -E 's/^[^:]+: ([0-9.]+) MB\/s.*/\1/')
      cpu=$(echo "$out" | grep -E "^(validate|validate\+tokens): " | sed -E 's/.*= ([0-9.]+) MB per CPU-s.*/\1/')
      kb=$(grep "Maximum resident set size" "$DIR/time.txt" | awk '{print $NF}')
      if [ -z "$speed" ] || [ -z "$kb" ]; then
        echo "run failed:" >&2; echo "$out" >&2; exit 1
      fi
      speeds+=("$speed"); rss+=("$((kb / 1024))"); cpus+=("$cpu")
      [ "$run" = 1 ] && echo "$out" | grep -E "^(validate|validate\+tokens): " >&2
    done
    printf '%-8s %-16s %10s %14s %12s   %s\n' "${size}MB" "$mode" \
      "$(printf '%s\n' "${speeds[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
      "$(printf '%s\n' "${rss[@]}" | median)" "${speeds[*]}"
  done
done
echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg); JAVA_OPTS: $JAVA_OPTS"
