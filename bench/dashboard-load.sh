#!/usr/bin/env bash
# The dashboard's job page in a real headless Chromium (Debian's chromium + chromedriver) against a
# real server training real jobs: first-load bytes and time to the charts holding all 2,000 steps,
# then frame gaps and long tasks while a job posts a metrics event every step.
#
#   bench/dashboard-load.sh [--runs 3] [--seconds 20]
#
# Compiles the server module and its tests, then runs
# dev.lathe.server.DashboardLoadBench from the server's test classes: a server on a free loopback
# port with one worker and TinyStories-656K from the shared assets, a real LoRA job of 40 examples x
# 50 epochs at batch 1 (2,000 metrics steps), its page opened in a fresh browser profile per run;
# then a 12,500-step job trains while its page is open and the page records requestAnimationFrame
# gaps and 'longtask' entries. Browser, server and training share the machine: note the cores and
# load average printed with the results.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
cp_file="$(mktemp "${TMPDIR:-/tmp}/lathe-dashboard-cp.XXXXXX")"
trap 'rm -f "$cp_file"' EXIT
# the classpath names the modules' target/classes, so they are compiled (incrementally) each run
mvn -B -q -o -pl server -am -DskipTests -Dspotless.check.skip=true test-compile \
  dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
  "load average $(cut -d' ' -f1-3 /proc/loadavg); $(/usr/bin/chromium --version 2>/dev/null || echo chromium ?)"
cd server
exec "$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -Xss4m -XX:+UseParallelGC -cp "target/test-classes:target/classes:$(cat "$cp_file")" \
  dev.lathe.server.DashboardLoadBench "$@"
