#!/usr/bin/env bash
# The test command: sets the machine up, builds the native library, runs every test on both
# backends. When libsodium-dev is installed the native tests must run (a skip is a failure).
set -euo pipefail
cd "$(dirname "$0")"
bin/setup
require_native=false
[ -f /usr/include/sodium.h ] && require_native=true
exec ./mvnw -B -ntp verify -Dnetseal.requireNative="$require_native" "$@"
