#!/usr/bin/env bash
# Upload throughput of one file into the object store: the local directory store against an S3
# bucket on S3Proxy (a real S3 API server over HTTP on loopback, its filesystem backend on the same
# disk), both through Lathe's ObjectStore.put with the size and SHA-256 known up front.
#
#   bench/object-store-upload.sh [SIZE_MB]        (default: 200)
#
# Builds bench/target/benchmarks.jar and the testkit (which copies S3Proxy's jar), writes a random
# file of SIZE_MB under a temp directory outside the repository (LATHE_BENCH_DIR overrides it),
# starts S3Proxy there on a free port, and runs RUNS uploads (default 5) per store in one JVM each;
# prints every run's MB/s, the medians and their ratio. The machine may be shared: note the load
# average printed with the results.
set -euo pipefail

cd "$(dirname "$0")/.."
. scripts/find-java.sh
lathe_find_java
JAVA="$JAVA_HOME/bin/java"
RUNS="${RUNS:-5}"
SIZE="${1:-200}"
DIR="${LATHE_BENCH_DIR:-${TMPDIR:-/tmp}/lathe-bench}/object-store"
S3PROXY=testkit/target/s3proxy/s3proxy-jar-with-dependencies.jar

if [ "${SKIP_BUILD:-0}" != 1 ]; then
  mvn -B -q -pl bench,testkit -am package -DskipTests -Dspotless.check.skip=true
fi
JAR=bench/target/benchmarks.jar
rm -rf "$DIR/local" "$DIR/s3"
mkdir -p "$DIR/local" "$DIR/s3/blobs/bench"

file="$DIR/random-${SIZE}mb.bin"
[ -f "$file" ] || head -c "$((SIZE * 1024 * 1024))" /dev/urandom > "$file"

port=$("$JAVA" -cp "$JAR" dev.lathe.bench.FreePort 2>/dev/null || echo 18765)
cat > "$DIR/s3/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=bench-key
s3proxy.credential=bench-secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=$DIR/s3/blobs
PROPS
"$JAVA" -Xmx512m -jar "$S3PROXY" --properties "$DIR/s3/s3proxy.properties" > "$DIR/s3/s3proxy.log" 2>&1 &
proxy=$!
trap 'kill $proxy 2>/dev/null || true' EXIT
for _ in $(seq 300); do
  (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

local_runs=$("$JAVA" -cp "$JAR" dev.lathe.bench.StoreUploadThroughput "$file" "$RUNS" local "$DIR/local" | sed -E 's/^local: (.*) MB\/s/\1/')
s3_runs=$("$JAVA" -cp "$JAR" dev.lathe.bench.StoreUploadThroughput "$file" "$RUNS" s3 "http://127.0.0.1:$port" bench bench-key bench-secret | sed -E 's/^s3: (.*) MB\/s/\1/')
local_median=$(echo "$local_runs" | median)
s3_median=$(echo "$s3_runs" | median)
printf '%-28s %10s   %s\n' "store (${SIZE} MiB file)" "median MB/s" "runs (MB/s)"
printf '%-28s %10s   %s\n' "local directory" "$local_median" "$local_runs"
printf '%-28s %10s   %s\n' "S3 (S3Proxy, 16 MiB parts)" "$s3_median" "$s3_runs"
echo "S3 / local: $(awk -v a="$s3_median" -v b="$local_median" 'BEGIN {printf "%.2f", a / b}')"
echo "cores: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
