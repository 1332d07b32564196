#!/usr/bin/env bash
# Sending state at server scale (dev.netseal.bench.tools.SessionScale): memory per idle session,
# create + close, churn, round-robin vs hot seal cost, virtual vs platform threads.
#
#   bench/session-scale.sh                 100,000 sessions, 10 churn rounds, 200,000 tasks
#   bench/session-scale.sh 2000 2 5000     a quick check of the pipeline (measures nothing)
#
# Runs each backend (native, java) on JDK 17 and on JDK 25 (the virtual-thread rows need 21+), in
# a fresh JVM each, and writes bench/results/session-scale.md. Run it on a quiet machine.
# Environment: NETSEAL_BENCH_JAVA17 / NETSEAL_BENCH_JAVA25 override the two JVMs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

JAVA17=${NETSEAL_BENCH_JAVA17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
[ -x "$JAVA17" ] || JAVA17=java
JAVA25=${NETSEAL_BENCH_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
JAR=bench/target/benchmarks.jar
OUT=bench/results/session-scale.md

echo "[session-scale] building: ./mvnw -B -q -ntp -Pbench -DskipTests package"
./mvnw -B -q -ntp -Pbench -DskipTests package
mkdir -p bench/results
{
  echo "# Session scale (sending and receiving state)"
  echo
  echo "\`bench/session-scale.sh $*\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs. Written by"
  echo "\`dev.netseal.bench.tools.SessionScale\` (sending) and \`ReceiveScale\` (receiving)."
  echo
} > "$OUT"
for java in "$JAVA17" "$JAVA25"; do
  if [ ! -x "$java" ] && ! command -v "$java" >/dev/null; then
    echo "[session-scale] NOTE: no $java; skipped" | tee -a "$OUT"
    continue
  fi
  for backend in native java; do
    echo "[session-scale] $java, backend $backend"
    "$java" -Xmx2g -Dnetseal.backend="$backend" -cp "$JAR" dev.netseal.bench.tools.SessionScale "$@" \
      2> >(grep -v 'sun.misc.Unsafe\|WARNING: ' >&2) | tee -a "$OUT"
  done
done
echo "[session-scale] written: $OUT"
