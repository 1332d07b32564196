#!/usr/bin/env bash
# netseal benchmarks: builds what it needs, runs every row, writes bench/results/summary.{json,md}.
#
#   bench/run.sh            full:  paired 4 forks of 5+10 rounds of 200 ms per side; JMH -f 2 -wi 5 -i 5
#                                  (1 s); sizes 64,256,1024,8108; stage rows -f 1 (about 45 min on 2 cores)
#   bench/run.sh --quick    quick: paired 3 forks of 5+8 rounds of 200 ms per side; JMH -f 1 -wi 2 -i 3
#                                  (0.5 s); sizes 64,1024 (about 15 min on 2 cores, build included)
#   bench/run.sh --smoke    smoke: paired 1 fork of 1+2 rounds of 50 ms; JMH one 100 ms iteration; size 64:
#                                  proves the pipeline, measures nothing
#   bench/run.sh --quick --twice
#                           the same run twice in a row (the second into <results>/second-run), then
#                           both runs' paired verdicts side by side in <results>/verdicts.md
#   bench/run.sh --paired-only [--quick|--full|--smoke] [REGEX]
#                           the paired rows alone (quick settings unless told), or only the pairs
#                           whose id matches REGEX (e.g. 'seal-native'): about 11 min for all of
#                           quick, build included; summary.md then has the paired table only
#
# The verdicts come from the paired rows (dev.netseal.bench.Paired): each target's two sides run
# in one JVM, alternating in timed rounds, and the median of the per-round ratios decides. The
# JMH rows and the raw C program give the per-implementation tables. What runs is fixed by the
# mode (the list is printed first); nothing depends on an earlier result.
#
# Run it on a quiet machine: every other process competes for the cores being measured.
# Environment: NETSEAL_BENCH_JAVA17 / NETSEAL_BENCH_JAVA25 override the two JVMs;
# NETSEAL_BENCH_RESULTS writes the results somewhere else (e.g. a smoke run into target/).
# Output (bench/results/): paired.jsonl (+ .log), jmh-17.json (+ .log), jmh-17-stages.json (+ .log),
# jmh-25.json (+ .log), raw-c.jsonl (+ .log), summary.json, summary.md. The targets the verdicts
# are judged against: bench/targets.json.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

MODE=
PAIRED_ONLY=false
PAIRED_FILTER=
TWICE=false
ARGS=("$@")
usage() { echo "usage: bench/run.sh [--quick|--full|--smoke] [--twice] [--paired-only [REGEX]]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --full) MODE=full ;;
    --quick) MODE=quick ;;
    --smoke) MODE=smoke ;;
    --paired-only) PAIRED_ONLY=true ;;
    --twice) TWICE=true ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    -*) usage ;;
    *) PAIRED_FILTER=$1 ;;
  esac
  shift
done
[ -z "$PAIRED_FILTER" ] || $PAIRED_ONLY || usage
# No mode flag: full for the whole run, quick for --paired-only.
if [ -z "$MODE" ]; then
  if $PAIRED_ONLY; then MODE=quick; else MODE=full; fi
fi

case "$MODE" in
  full)
    JMH_OPTS=(-f 2 -wi 5 -i 5 -w 1s -r 1s)
    SIZES=64,256,1024,8108
    RAW_WARMUP=2 RAW_MEASURE=1 RAW_ITERATIONS=10
    STAGE_OPTS=(-f 1 -wi 5 -i 5 -w 1s -r 1s) STAGE_SIZES=64,1024,8108 ;;
  quick)
    JMH_OPTS=(-f 1 -wi 2 -i 3 -w 500ms -r 500ms)
    SIZES=64,1024
    RAW_WARMUP=1 RAW_MEASURE=0.5 RAW_ITERATIONS=3
    STAGE_OPTS=("${JMH_OPTS[@]}") STAGE_SIZES=64,1024 ;;
  smoke)
    JMH_OPTS=(-f 1 -wi 0 -i 1 -w 100ms -r 100ms)
    SIZES=64
    RAW_WARMUP=0 RAW_MEASURE=0.2 RAW_ITERATIONS=1
    STAGE_OPTS=("${JMH_OPTS[@]}") STAGE_SIZES=64 ;;
esac

JAVA17=${NETSEAL_BENCH_JAVA17:-}
if [ -z "$JAVA17" ]; then
  if [ -x /usr/lib/jvm/java-17-openjdk-amd64/bin/java ]; then
    JAVA17=/usr/lib/jvm/java-17-openjdk-amd64/bin/java
  else
    JAVA17=java
  fi
fi
JAVA25=${NETSEAL_BENCH_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}

# --paired-only is a re-check: it leaves bench/results/ (the last whole run) alone.
if $PAIRED_ONLY; then RESULTS=bench/target/paired-only; else RESULTS=bench/results; fi
RESULTS=${NETSEAL_BENCH_RESULTS:-$RESULTS}

if $TWICE; then
  ONCE=()
  for a in "${ARGS[@]}"; do [ "$a" = --twice ] || ONCE+=("$a"); done
  NETSEAL_BENCH_RESULTS="$RESULTS" "$0" "${ONCE[@]}"
  NETSEAL_BENCH_RESULTS="$RESULTS/second-run" "$0" "${ONCE[@]}"
  say() { printf '\n[bench] %s\n' "$*"; }
  say "both runs' verdicts ($RESULTS/verdicts.md)"
  set +e
  "$JAVA17" -cp bench/target/benchmarks.jar dev.netseal.bench.CompareRuns "$RESULTS" "$RESULTS/second-run" \
    | tee "$RESULTS/verdicts.md"
  status=${PIPESTATUS[0]}
  set -e
  exit "$status"
fi
JAR=bench/target/benchmarks.jar
RAW_BUILD=bench/target/native-build
RAW_BIN=$RAW_BUILD/netseal_bench_raw
FLOOR_LIB=$RAW_BUILD/libnetseal_bench_jni.so

say() { printf '\n[bench] %s\n' "$*"; }

if $PAIRED_ONLY; then
  say "mode $MODE, paired rows only${PAIRED_FILTER:+ matching '$PAIRED_FILTER'}, sizes $SIZES; $(nproc) CPUs"
else
  say "mode $MODE: paired rows, then JMH ${JMH_OPTS[*]}; sizes $SIZES; $(nproc) CPUs"
fi
grep -m1 '^model name' /proc/cpuinfo || true
"$JAVA17" -version 2>&1 | head -1

# ---- build ---------------------------------------------------------------------------------------
say "building: ./mvnw -B -q -ntp -Pbench -DskipTests package"
./mvnw -B -q -ntp -Pbench -DskipTests package
[ -f "$JAR" ] || { echo "[bench] $JAR was not built" >&2; exit 1; }

# The raw C program and the bench-only JNI library of the in-JVM floor (neither is shipped).
RAW_OK=true
say "building the raw C benchmark and the floor's JNI library (cmake, targets netseal_bench_raw netseal_bench_jni)"
mkdir -p "$RAW_BUILD"
if cmake -S "$ROOT" -B "$RAW_BUILD" -DCMAKE_BUILD_TYPE=Release >"$RAW_BUILD.cmake.log" 2>&1 \
   && cmake --build "$RAW_BUILD" --target netseal_bench_raw netseal_bench_jni >>"$RAW_BUILD.cmake.log" 2>&1; then
  :
else
  RAW_OK=false
  echo "[bench] NOTE: could not build the native bench targets (see $RAW_BUILD.cmake.log);"
  echo "[bench]       the raw-c rows and the paired floor rows will be missing"
  tail -5 "$RAW_BUILD.cmake.log" || true
fi

# ---- run -----------------------------------------------------------------------------------------
mkdir -p "$RESULTS"
rm -f "$RESULTS"/paired.jsonl "$RESULTS"/jmh-17.json "$RESULTS"/jmh-17-stages.json "$RESULTS"/jmh-25.json \
      "$RESULTS"/raw-c.jsonl \
      "$RESULTS"/*.log "$RESULTS"/summary.json "$RESULTS"/summary.md "$RESULTS"/verdicts.md
rm -rf "$RESULTS"/second-run # a --twice run's second half: stale once a new run starts

# Paired rows first: they carry the verdicts. Forks of one JVM per pair (see dev.netseal.bench.Paired).
say "paired rows (log: $RESULTS/paired.log)"
PAIRED_ARGS=(--mode "$MODE" --sizes "$SIZES" --jni "$FLOOR_LIB" --out "$RESULTS/paired.jsonl")
[ -n "$PAIRED_FILTER" ] && PAIRED_ARGS+=(--only "$PAIRED_FILTER")
set +e
"$JAVA17" -cp "$JAR" dev.netseal.bench.Paired "${PAIRED_ARGS[@]}" 2>&1 | tee "$RESULTS/paired.log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || echo "[bench] NOTE: the paired run exited with $status; the summary lists what is missing"

if $PAIRED_ONLY; then
  say "summary (paired rows only)"
  "$JAVA17" -cp "$JAR" dev.netseal.bench.Summarize --results "$RESULTS" --sizes "$SIZES" --mode "$MODE" \
    --targets bench/targets.json --paired-only
  echo
  cat "$RESULTS/summary.md"
  exit 0
fi

if $RAW_OK; then
  say "raw-c-libsodium: netseal_bench_raw <size> $RAW_WARMUP $RAW_MEASURE $RAW_ITERATIONS --json"
  : >"$RESULTS/raw-c.jsonl"
  for size in ${SIZES//,/ }; do
    if "$RAW_BIN" "$size" "$RAW_WARMUP" "$RAW_MEASURE" "$RAW_ITERATIONS" --json \
         >>"$RESULTS/raw-c.jsonl" 2>>"$RESULTS/raw-c.log"; then
      tail -1 "$RESULTS/raw-c.jsonl"
    else
      echo "[bench] NOTE: netseal_bench_raw failed at size $size (see $RESULTS/raw-c.log)"
    fi
  done
fi

# Every benchmark, -prof gc on all (gc.alloc.rate.norm is read for the netseal rows). A benchmark
# whose setup fails (e.g. conscrypt without its native library) is reported by JMH and skipped;
# its row ends up "missing" in the summary, with the reason from the log.
say "JMH on JDK 17 (log: $RESULTS/jmh-17.log)"
set +e
"$JAVA17" -jar "$JAR" 'dev\.netseal\.bench\.(?!StagesBench\.).*Bench\.' "${JMH_OPTS[@]}" -p size="$SIZES" \
  -prof gc -rf json -rff "$RESULTS/jmh-17.json" 2>&1 | tee "$RESULTS/jmh-17.log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || echo "[bench] NOTE: JMH on JDK 17 exited with $status; the summary lists what is missing"

# The seal path's stages: one fork (the rows are compared with each other), 64 B and the large
# sizes whose difference to the floor is mostly the event's copy.
say "stages on JDK 17: JMH ${STAGE_OPTS[*]}, sizes $STAGE_SIZES (log: $RESULTS/jmh-17-stages.log)"
set +e
"$JAVA17" -jar "$JAR" 'dev\.netseal\.bench\.StagesBench\.' "${STAGE_OPTS[@]}" -p size="$STAGE_SIZES" \
  -prof gc -rf json -rff "$RESULTS/jmh-17-stages.json" 2>&1 | tee "$RESULTS/jmh-17-stages.log"
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || echo "[bench] NOTE: the stage rows exited with $status"

JDK25_FLAG=()
if [ -x "$JAVA25" ]; then
  say "jce on JDK 25: $JAVA25 (log: $RESULTS/jmh-25.log)"
  set +e
  "$JAVA25" -jar "$JAR" 'dev\.netseal\.bench\.CipherSealBench\.' "${JMH_OPTS[@]}" -p size="$SIZES" -p impl=jce \
    -prof gc -rf json -rff "$RESULTS/jmh-25.json" 2>&1 | tee "$RESULTS/jmh-25.log"
  status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] || echo "[bench] NOTE: JMH on JDK 25 exited with $status"
  JDK25_FLAG=(--jdk25)
else
  say "NOTE: no JDK 25 at $JAVA25: skipping the jce rows on JDK 25"
fi

# ---- summary -------------------------------------------------------------------------------------
say "summary"
"$JAVA17" -cp "$JAR" dev.netseal.bench.Summarize --results "$RESULTS" --sizes "$SIZES" --mode "$MODE" \
  --targets bench/targets.json "${JDK25_FLAG[@]}"
echo
cat "$RESULTS/summary.md"
