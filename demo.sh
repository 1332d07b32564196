#!/usr/bin/env bash
# The main job: builds netseal (with its native classifier jar when libsodium-dev is there) and
# runs the demo as a user would, from the jars. Arguments go to the demo:
#   ./demo.sh [--threads N] [--seconds S] [--size BYTES]
set -euo pipefail
cd "$(dirname "$0")"
bin/setup
./mvnw -B -q -ntp -DskipTests package dependency:build-classpath \
    -Dmdep.outputFile="$PWD/java/target/classpath.txt" -pl java >&2
cp="java/target/netseal-0.1.0-SNAPSHOT.jar:$(cat java/target/classpath.txt)"
native_jar=java/target/netseal-0.1.0-SNAPSHOT-linux-x86_64.jar
[ -f "$native_jar" ] && cp="$cp:$native_jar"
exec java -cp "$cp" dev.netseal.demo.SealDemo "$@"
