package dev.netseal;

import dev.netseal.PacketException.Reason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

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
 * <h2>Concurrency</h2>
 * {@link #commit} and the other writers hold this object's monitor and bump {@code version} to an
 * odd value before they change anything and to the next even value after (a sequence lock).
 * {@link #check} takes no lock: it reads {@code version}, the fields, then {@code version} again,
 * and trusts what it read only if the version was even and did not change; otherwise it takes the
 * monitor. So a flood of replays costs a few plain reads per packet, not a lock, and a read that
 * raced a commit (a word half-cleared, a stale bit) is never believed: a torn read could otherwise
 * report a stale bit as a replay and refuse an honest packet. The fences are StampedLock's: a
 * full fence after the odd store keeps the writer's changes after it, a release store publishes
 * them with the even one, and an acquire fence before the reader's second read keeps its plain
 * reads before it.
 */
final class ReplayWindow {
    private static final VarHandle VERSION;

    static {
        try {
            VERSION = MethodHandles.lookup().findVarHandle(ReplayWindow.class, "version", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** WireGuard's window: 8192 counters, 1 KiB of bitmap. */
    static final int DEFAULT_SIZE = 8192;
    static final int MIN_SIZE = 64;
    static final int MAX_SIZE = 1 << 24;

    private final long[] bits;
    private final int mask;
    private long highest;
    private boolean any;
    /** Odd while a writer changes the fields; see the class comment. */
    @SuppressWarnings("unused") // accessed through VERSION
    private long version;

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

    /** Bytes of bitmap this window holds: exactly one bit per counter it tracks. */
    int bitmapBytes() {
        return bits.length * Long.BYTES;
    }

    /** Counters the window tracks, up to and including the highest accepted. */
    int size() {
        return mask + 1;
    }

    /**
     * Whether {@code counter} (unsigned) could still be accepted: null if so, else the reason it
     * never will be (BAD_COUNTER, TOO_OLD, REPLAYED). Changes nothing.
     */
    Reason check(long counter) {
        long v = (long) VERSION.getAcquire(this);
        if ((v & 1) == 0) {
            Reason r = refusal(counter);
            VarHandle.acquireFence();
            long again = (long) VERSION.getOpaque(this);
            if (again == v) {
                return r;
            }
        }
        synchronized (this) { // a writer was at work: read again under its lock
            return refusal(counter);
        }
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
        beginWrite();
        if (isAhead(counter)) {
            if (any) {
                forgetSlotsAfter(highest, counter);
            }
            highest = counter;
            any = true;
        }
        int slot = (int) counter & mask;
        bits[slot >>> 6] |= 1L << slot;
        endWrite();
        return null;
    }

    /** The highest counter accepted (unsigned), or -1 if none was. */
    long highest() {
        long v = (long) VERSION.getAcquire(this);
        if ((v & 1) == 0) {
            long h = any ? highest : -1L;
            VarHandle.acquireFence();
            long again = (long) VERSION.getOpaque(this);
            if (again == v) {
                return h;
            }
        }
        synchronized (this) {
            return any ? highest : -1L;
        }
    }

    /** Forgets every accepted counter (a benchmark hook; it re-admits replays). */
    synchronized void forgetAll() {
        beginWrite();
        java.util.Arrays.fill(bits, 0L);
        highest = 0;
        any = false;
        endWrite();
    }

    /**
     * Starts a change (the caller holds the monitor): the version goes odd, and the full fence
     * keeps the changes that follow after that store.
     */
    private void beginWrite() {
        long even = (long) VERSION.get(this);
        VERSION.setVolatile(this, even + 1);
        VarHandle.fullFence();
    }

    /**
     * Ends the change (the caller still holds the monitor, so the version is its own odd value):
     * the release store of the next even value publishes the change.
     */
    private void endWrite() {
        long odd = (long) VERSION.get(this);
        VERSION.setRelease(this, odd + 1);
    }

    private Reason refusal(long counter) {
        if (counter == -1L) {
            return Reason.BAD_COUNTER;
        }
        if (isAhead(counter)) {
            return null;
        }
        if (Long.compareUnsigned(highest - counter, mask) > 0) { // highest - counter >= size
            return Reason.TOO_OLD;
        }
        int slot = (int) counter & mask;
        return (bits[slot >>> 6] & (1L << slot)) != 0 ? Reason.REPLAYED : null;
    }

    /**
     * Whether {@code counter} is above every counter accepted (or none was): it would move the
     * window. One test for both {@link #refusal} and {@link #commit}, so they cannot disagree.
     */
    private boolean isAhead(long counter) {
        return !any || Long.compareUnsigned(counter, highest) > 0;
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
