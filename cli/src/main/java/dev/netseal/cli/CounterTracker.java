package dev.netseal.cli;

import java.util.BitSet;

/**
 * Counts nonce counters seen more than once, independently of the receiver's replay window (which
 * only remembers 1024): one bit per counter. A pool's counters start at 0 and are dense, so the
 * set stays small (1 MiB per 8 million packets). Used by one thread.
 */
final class CounterTracker {
    private final BitSet seen = new BitSet();
    private long repeated;
    private long untracked;

    /** Records {@code counter}; returns false, and counts a repeat, if it was recorded before. */
    boolean record(long counter) {
        if (counter < 0 || counter > Integer.MAX_VALUE - 1) {
            untracked++; // past what a BitSet indexes: 2^31 packets, far beyond a bounded demo
            return true;
        }
        int i = (int) counter;
        if (seen.get(i)) {
            repeated++;
            return false;
        }
        seen.set(i);
        return true;
    }

    /** Counters recorded more than once (each extra time counts one). */
    long repeated() {
        return repeated;
    }

    /** Counters too large to track (never in practice). */
    long untracked() {
        return untracked;
    }
}
