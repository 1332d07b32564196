package dev.netseal.cli;

/** The nonce counter option shared by {@code seal} and {@code heartbeat}. */
final class Counters {
    private Counters() {}

    /**
     * Reads a 64-bit counter and refuses 2^64-1 as a usage error: WIRE.md reserves it (receivers
     * never accept it), so a packet sealed with it would be useless.
     */
    static long sealable(Options o, String name) throws UsageException {
        long counter = o.unsigned(name, 64);
        if (counter == -1L) {
            throw new UsageException(name + ": 18446744073709551615 (2^64-1) is never used as a counter");
        }
        return counter;
    }
}
