#!/usr/bin/env bash
# The test command: sets the machine up, builds the native library, runs every test on both
# backends. When libsodium-dev is installed the native tests must run (a skip is a failure).
set -euo pipefail
cd "$(dirname "$0")"
bin/setup
require_native=false
[ -f /usr/include/sodium.h ] && require_native=true
# The library's suite runs twice, on the default JDK (17) and on Temurin 25 beside it (the java
# module's jdk25 profile turns on by itself when that JDK is there); the consumer check starts a
# user's module on both. Without that JDK both say so and run on 17 alone.
jdk25=/usr/lib/jvm/temurin-25-jdk-amd64
require_jdk25=false
if [ -x "$jdk25/bin/java" ]; then
  require_jdk25=true
else
  echo "[netseal] NOT testing on JDK 25: $jdk25/bin/java is missing" >&2
fi
exec ./mvnw -B -ntp verify -Dnetseal.requireNative="$require_native" \
    -Dnetseal.requireJdk25="$require_jdk25" -Dnetseal.jdk25="$jdk25" "$@"
