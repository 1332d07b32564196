package dev.netseal;

import dev.netseal.PacketException.Reason;

/**
 * The counters a receiver has accepted: the highest, and a bitmap of the {@link #SIZE} counters
 * up to it. A counter is committed only by {@link #accept}, which a receiver calls after the
 * packet's tag verified, so a forgery can never move the window.
 *
 * <p>Before anything was accepted the window sits at counter 0: the first packet may carry
 * counters 0..1024 (senders start each key at 0). Thread-safe: one lock, held for a few
 * instructions per packet.
 */
final class ReplayWindow {
    /** Counters tracked behind (and including) the highest accepted. */
    static final int SIZE = 1024;

    private final long[] seen = new long[SIZE / 64];
    private long highest;
    private boolean any;

    /** Accepts {@code counter} (unsigned) or throws why not; on success it is never accepted again. */
    synchronized void accept(long counter) throws PacketException {
        if (counter == -1L) {
            throw new PacketException(Reason.BAD_COUNTER, "counter 2^64-1 is never used");
        }
        long top = any ? highest : 0;
        if (Long.compareUnsigned(counter, top) > 0) {
            long ahead = counter - top;
            if (Long.compareUnsigned(ahead, SIZE) > 0) {
                throw new PacketException(Reason.TOO_FAR_AHEAD, "counter " + Long.toUnsignedString(counter)
                        + " is more than " + SIZE + " ahead of " + Long.toUnsignedString(top));
            }
            slide(top, counter);
            highest = counter;
            any = true;
            mark(counter);
            return;
        }
        long behind = top - counter;
        if (Long.compareUnsigned(behind, SIZE) >= 0) {
            throw new PacketException(Reason.TOO_OLD, "counter " + Long.toUnsignedString(counter)
                    + " is " + Long.toUnsignedString(behind) + " behind the highest accepted");
        }
        if (any && isMarked(counter)) {
            throw new PacketException(Reason.REPLAYED, "counter " + Long.toUnsignedString(counter)
                    + " was already accepted");
        }
        any = true;
        mark(counter);
    }

    /** Forgets every accepted counter (a benchmark hook; it re-admits replays). */
    synchronized void forgetAll() {
        java.util.Arrays.fill(seen, 0L);
        highest = 0;
        any = false;
    }

    /** Clears the slots of the counters between {@code from} (exclusive) and {@code to}. */
    private void slide(long from, long to) {
        if (!any) {
            return;
        }
        if (to - from >= SIZE) {
            java.util.Arrays.fill(seen, 0L);
            return;
        }
        for (long c = from + 1; c != to + 1; c++) {
            int slot = (int) (c & (SIZE - 1));
            seen[slot >>> 6] &= ~(1L << slot);
        }
    }

    private void mark(long counter) {
        int slot = (int) (counter & (SIZE - 1));
        seen[slot >>> 6] |= 1L << slot;
    }

    private boolean isMarked(long counter) {
        int slot = (int) (counter & (SIZE - 1));
        return (seen[slot >>> 6] & (1L << slot)) != 0;
    }
}
