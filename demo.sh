#!/usr/bin/env bash
# The main job: sets the machine up, builds netseal (with its native classifier jar when
# libsodium-dev is there), and runs `bin/netseal demo` from the jars, as a user would:
# N threads seal through one ThreadLocalPool and send each packet over UDP on 127.0.0.1 straight
# from the builder's buffer; a receiver thread opens every datagram with a PacketReceiver. It
# prints a progress line a second and a summary (packets/s, MB/s, refused by reason, lost,
# repeated nonces, backend), and exits non-zero if any nonce repeated or a packet failed.
#   ./demo.sh [--threads N] [--seconds S] [--size BYTES] [--port P]
set -euo pipefail
cd "$(dirname "$0")"
bin/setup
exec bin/netseal demo "$@"
