#!/usr/bin/env bash
# Open-loop HTTP load on a real `lathe serve` process, then time to first token of streamed chat.
#
#   bench/api-load.sh [ApiLoad options...]   e.g. --rate 1000 --warmup 10 --duration 30
#
# Builds cli/target/lathe.jar and bench/target/benchmarks.jar (SKIP_BUILD=1 skips that), starts
# `lathe serve` on a free loopback port with a fresh temp data dir and a config with one API key and
# the shared stories260K model, then runs dev.lathe.bench.ApiLoad against it: a job (made through
# the API, its events and checkpoints added in the store), GET job / GET events alternating at a
# fixed arrival rate (latency counted from each request's scheduled time), and streamed chat
# completions timed to their first content chunk. DB_URL=jdbc:postgresql://... runs the server and
# the setup on PostgreSQL instead of SQLite. The load generator shares the machine with the server:
# note the cores and load average printed with the results.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
JAVA="$JAVA_HOME/bin/java"
SHARED="${LATHE_SHARED:-$(cd .. && pwd)/shared}"
MODEL="$SHARED/models/llama2c-stories260K/stories260K.bin"
SERVER_OPTS="${SERVER_OPTS:--XX:+UseParallelGC}"
[ -f "$MODEL" ] || { echo "missing $MODEL (set LATHE_SHARED to the shared assets directory)" >&2; exit 2; }

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -o -pl cli,bench -am package -DskipTests -Dspotless.check.skip=true
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/lathe-api-load.XXXXXX")
key="sk-load-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
cat > "$dir/config.json" <<JSON
{"data_dir": "$dir/data", "port": 0,
 "api_keys": [{"key": "$key", "project": "load", "admin": false}],
 "models": {"stories260k": "$MODEL"}, "workers": 0}
JSON
server_args=(serve --config "$dir/config.json")
load_args=(--data-dir "$dir/data")
if [ -n "${DB_URL:-}" ]; then
  server_args+=(--db-url "$DB_URL"); load_args=(--db-url "$DB_URL")
fi

"$JAVA" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED $SERVER_OPTS \
  -jar cli/target/lathe.jar "${server_args[@]}" 2> "$dir/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$dir"' EXIT

port=""
for _ in $(seq 600); do
  port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\)\/v1.*/\1/p' "$dir/server.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "lathe serve did not start:" >&2; cat "$dir/server.log" >&2; exit 1; }

cmd=("$JAVA" --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar dev.lathe.bench.ApiLoad
  --base-url "http://127.0.0.1:$port/v1" --key "$key" --server-pid "$server" "${load_args[@]}" "$@")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs);" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: java $SERVER_OPTS -jar cli/target/lathe.jar ${server_args[*]}"
echo "load: ApiLoad --base-url http://127.0.0.1:$port/v1 ${load_args[*]} $*"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
before=$(cpu_ticks)
"${cmd[@]}"
after=$(cpu_ticks)
echo "server CPU during the run (setup, warm-up incl. JIT, load, TTFT): $(( (after - before) / $(getconf CLK_TCK) )) s"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
