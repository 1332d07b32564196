package dev.netseal;

import dev.netseal.PacketException.Reason;

/**
 * The counters one key has accepted: the highest, and a bitmap of the {@link #size()} counters up
 * to and including it (WIRE.md, "Replay window"). The receive path uses it in two steps, as
 * WireGuard does: {@link #check} before any cryptography (refuses a replay or a counter too old
 * from the header alone), and {@link #commit} once the tag verified (the same test again, then the
 * mark), so that only an authenticated packet moves the window and two threads opening the same
 * packet get exactly one success.
 *
 * <p>There is no "too far ahead": any counter above the highest is accepted and moves the window,
 * so lost bursts, senders that skip counters and receivers that join late never stall a session.
 * A fresh window accepts any first counter. 2^64-1 is never accepted.
 *
 * <p>The bitmap has exactly {@code size} bits, slot {@code counter mod size}. Moving the top from
 * {@code h} to {@code c} clears the slots of the counters {@code h+1..c}, a 64-bit word at a time
 * (masks at the two ends). A counter {@code x} that shared a slot with one of them is at least
 * {@code size} below {@code c}, so it is out of the window anyway: no counter inside it is ever
 * forgotten and none outside is ever remembered.
 *
 * <p>Thread-safe: one monitor, held for a few dozen instructions per call. The monitor (not a
 * racy read) guards {@link #check} as well, because a racy read of a word being cleared could
 * report a stale bit as a replay and refuse an honest packet.
 */
final class ReplayWindow {
    /** WireGuard's window: 8192 counters, 1 KiB of bitmap. */
    static final int DEFAULT_SIZE = 8192;
    static final int MIN_SIZE = 64;
    static final int MAX_SIZE = 1 << 24;

    private final long[] bits;
    private final int mask;
    private long highest;
    private boolean any;

    ReplayWindow(int size) {
        checkSize(size);
        this.bits = new long[size >>> 6];
        this.mask = size - 1;
    }

    /** Throws unless {@code size} is a power of two in [{@link #MIN_SIZE}, {@link #MAX_SIZE}]. */
    static int checkSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("replay window size must be a power of two between "
                    + MIN_SIZE + " and " + MAX_SIZE + ", got " + size);
        }
        return size;
    }

    /** Counters the window tracks, up to and including the highest accepted. */
    int size() {
        return mask + 1;
    }

    /**
     * Whether {@code counter} (unsigned) could still be accepted: null if so, else the reason it
     * never will be (BAD_COUNTER, TOO_OLD, REPLAYED). Changes nothing.
     */
    synchronized Reason check(long counter) {
        return refusal(counter);
    }

    /**
     * Accepts {@code counter} if {@link #check} still allows it, and returns null; else returns the
     * reason and changes nothing. Call only for a packet whose tag verified.
     */
    synchronized Reason commit(long counter) {
        Reason refused = refusal(counter);
        if (refused != null) {
            return refused;
        }
        if (!any || Long.compareUnsigned(counter, highest) > 0) {
            if (any) {
                forgetSlotsAfter(highest, counter);
            }
            highest = counter;
            any = true;
        }
        int slot = (int) counter & mask;
        bits[slot >>> 6] |= 1L << slot;
        return null;
    }

    /** The highest counter accepted (unsigned), or -1 if none was. */
    synchronized long highest() {
        return any ? highest : -1L;
    }

    /** Forgets every accepted counter (a benchmark hook; it re-admits replays). */
    synchronized void forgetAll() {
        java.util.Arrays.fill(bits, 0L);
        highest = 0;
        any = false;
    }

    private Reason refusal(long counter) {
        if (counter == -1L) {
            return Reason.BAD_COUNTER;
        }
        if (!any || Long.compareUnsigned(counter, highest) > 0) {
            return null;
        }
        if (Long.compareUnsigned(highest - counter, mask) > 0) { // highest - counter >= size
            return Reason.TOO_OLD;
        }
        int slot = (int) counter & mask;
        return (bits[slot >>> 6] & (1L << slot)) != 0 ? Reason.REPLAYED : null;
    }

    /** Clears the slots of the counters {@code from+1 .. to}, a word at a time. */
    private void forgetSlotsAfter(long from, long to) {
        long distance = to - from; // > 0, unsigned
        if (Long.compareUnsigned(distance, mask) > 0) {
            java.util.Arrays.fill(bits, 0L);
            return;
        }
        int slot = (int) (from + 1) & mask;
        int left = (int) distance;
        while (left > 0) {
            int bit = slot & 63;
            int n = Math.min(64 - bit, left);
            long clear = (n == 64 ? -1L : ((1L << n) - 1)) << bit;
            bits[slot >>> 6] &= ~clear;
            slot = (slot + n) & mask;
            left -= n;
        }
    }
}
