#!/usr/bin/env bash
# What grading one sample of an eval costs, per testing-criterion type and text length.
#
#   bench/grading-cost.sh [WORDS...]        (default: 100 2000)
#
# Compiles the server module and its tests, then runs dev.lathe.server.evals.graders.GradingBench
# from the server's test classes: each criterion grades 64 pre-built (item, sample) pairs of WORDS
# words (a seeded random reference, the sample with a fifth of its words replaced) through the
# public grader API, a warm-up second then 5 windows of half a second; it prints the median
# microseconds per grade [min-max]. One thread. The machine may be shared: note the load average
# printed first.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
cp_file="$(mktemp "${TMPDIR:-/tmp}/lathe-grading-cp.XXXXXX")"
trap 'rm -f "$cp_file"' EXIT
mvn -B -q -o -pl server -am -DskipTests -Dspotless.check.skip=true test-compile \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
cd server
exec "$JAVA_HOME/bin/java" -XX:+UseParallelGC \
  -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
  dev.lathe.server.evals.graders.GradingBench "$@"
