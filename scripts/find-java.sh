# Sourced by ./lathe, ./run-tests and .ci/run: exports JAVA_HOME pointing at a JDK 25 or newer.
# Looks at JAVA_HOME first, then the usual system JDK directories, then `java` on PATH.

# JVM flags of the processes that serve and decode (./lathe but for train and worker, and the decode
# benchmarks): the heap in transparent huge pages wherever the kernel offers them ("madvise" mode,
# Debian's default; with THP off the JVM warns once and runs as before). Decode streams every weight
# from memory once per token, and on a VM each 4 KB page costs a two-level page walk: in 2 MB pages
# a bf16 decode of the 135M shape went from 81-86 to 98-104 tok/s on a 2-core Xeon VM
# (BENCHMARKS.md).
LATHE_JVM_FLAGS="-XX:+UseTransparentHugePages"

lathe_java_major() { # prints the major version of the JDK at $1, or nothing
  local rel="$1/release"
  [ -x "$1/bin/java" ] || return 0
  if [ -f "$rel" ]; then
    sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel"
  else
    "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1
  fi
}

lathe_find_java() {
  local want=25 candidate major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for candidate in /usr/lib/jvm/* /usr/java/* /opt/java/* /opt/jdk* \
      /Library/Java/JavaVirtualMachines/*/Contents/Home "$HOME"/.sdkman/candidates/java/* \
      "$HOME"/.jdks/*; do
    [ -d "$candidate" ] && candidates+=("$candidate")
  done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for candidate in "${candidates[@]}"; do
    major=$(lathe_java_major "$candidate")
    if [ -n "$major" ] && [ "$major" -ge "$want" ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  cat >&2 <<MSG
Lathe needs a JDK, version $want or newer, and none was found
(looked at JAVA_HOME, /usr/lib/jvm, /usr/java, /opt, ~/.sdkman, ~/.jdks and 'java' on PATH).
Install one, for example:
  Debian/Ubuntu:  apt-get install temurin-25-jdk   (Adoptium's apt repository)
  any system:     a Temurin 25 JDK from adoptium.net, then export JAVA_HOME=<its directory>
MSG
  return 1
}

lathe_need_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  echo "Lathe builds with Apache Maven 3.8 or newer, which is not on PATH: apt-get install maven" >&2
  return 1
}
