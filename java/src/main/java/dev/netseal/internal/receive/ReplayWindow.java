package dev.netseal.internal.receive;

import dev.netseal.PacketException.Reason;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.jspecify.annotations.Nullable;

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
 * A fresh window accepts any first counter. 2^64-1 is never accepted, so it doubles as "none yet"
 * in {@code highest}.
 *
 * <p>The bitmap has exactly {@code size} bits, slot {@code counter mod size}. Moving the top from
 * {@code h} to {@code c} clears the slots of the counters {@code h+1..c}, a 64-bit word at a time
 * (masks at the two ends). A counter {@code x} that shared a slot with one of them is at least
 * {@code size} below {@code c}, so it is out of the window anyway: no counter inside it is ever
 * forgotten and none outside is ever remembered.
 *
 * <h2>Concurrency</h2>
 * {@link #commit} holds this object's monitor. {@link #check} and
 * {@link #highest} take none: a flood of replays costs a few loads per packet, never a lock (and
 * on x86 no fence instruction: its acquire loads and these fences are plain loads).
 * What makes that safe is the order of the writer's stores, and one re-read by the reader:
 * <ul>
 * <li>A commit that moves the window clears the new slots first, then publishes {@code highest}
 *     with a release store, then (after a store-store fence) sets the new counter's bit. A reader
 *     reads {@code highest} with an acquire load before any bit, so it sees every slot cleared
 *     for the top it read: a bit it finds set was set by a counter inside that top's window, and
 *     two counters inside one window never share a slot, so that counter is the one asked about
 *     (a replay), or the bit was set by a commit that moved the window on after the reader's
 *     load.</li>
 * <li>That second case is what the re-read catches: after finding a bit set, the reader reads
 *     {@code highest} again (an acquire fence keeps the bit's load before it). Unchanged, the
 *     bit is the counter's own; changed, it reads again under the monitor. So {@code REPLAYED}
 *     is said only of a counter accepted before, and {@code TOO_OLD} (a whole window below a
 *     top that never falls) only of one that can never be accepted.
 *     A read that raced a commit and found nothing is not trusted either way: {@link #commit}
 *     repeats the test under the monitor.</li>
 * </ul>
 * A sequence lock would give the same answers at a higher price: a full fence in every commit,
 * and two more loads in every check.
 */
public final class ReplayWindow {
    private static final VarHandle HIGHEST;
    /**
     * The bitmap's words. Readers in {@link #check} load them with no lock while a writer may
     * store: opaque on both sides (each load sees a whole word, some store's or the initial
     * one, and a thread never sees a word go back in time); the order against {@code highest}
     * comes from the release/acquire and the fences named where they are used. Under the
     * monitor a writer's own loads are plain: only writers hold it, one at a time.
     */
    private static final VarHandle WORDS = MethodHandles.arrayElementVarHandle(long[].class);

    static {
        try {
            HIGHEST = MethodHandles.lookup().findVarHandle(ReplayWindow.class, "highest", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** WireGuard's window: 8192 counters, 1 KiB of bitmap. */
    public static final int DEFAULT_SIZE = 8192;
    public static final int MIN_SIZE = 64;
    public static final int MAX_SIZE = 1 << 24;

    private static final long NONE = -1L;

    private final long[] bits;
    private final int mask;
    /**
     * The highest counter accepted, or {@link #NONE}; written under the monitor with a release
     * store, read by {@link #check} with an acquire load (see the class comment).
     */
    private long highest = NONE;

    /** True once any counter was accepted (a window that accepted none has no history to lose). */
    public boolean acceptedAny() {
        return (long) HIGHEST.getAcquire(this) != NONE;
    }

    public ReplayWindow(int size) {
        checkSize(size);
        this.bits = new long[size >>> 6];
        this.mask = size - 1;
    }

    /** Throws unless {@code size} is a power of two in [{@link #MIN_SIZE}, {@link #MAX_SIZE}]. */
    public static int checkSize(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("replay window size must be a power of two between "
                    + MIN_SIZE + " and " + MAX_SIZE + ", got " + size);
        }
        return size;
    }

    /** Bytes of bitmap this window holds: exactly one bit per counter it tracks. */
    public int bitmapBytes() {
        return bits.length * Long.BYTES;
    }

    /** Counters the window tracks, up to and including the highest accepted. */
    public int size() {
        return mask + 1;
    }

    /**
     * Whether {@code counter} (unsigned) could still be accepted: null if so, else the reason it
     * never will be (BAD_COUNTER, TOO_OLD, REPLAYED). Changes nothing, takes no lock unless a
     * commit moved the window between its two loads of the top.
     */
    public @Nullable Reason check(long counter) {
        long top = (long) HIGHEST.getAcquire(this);
        Reason early = refusal(counter, top);
        if (early != Reason.REPLAYED) {
            return early; // null and TOO_OLD need no second look: see the class comment
        }
        VarHandle.acquireFence(); // the bit's load stays before the second load of the top
        if ((long) HIGHEST.getOpaque(this) == top) {
            return Reason.REPLAYED;
        }
        synchronized (this) { // the bit may be a newer top's: read again with the writers held off
            return refusal(counter, highest);
        }
    }

    /**
     * Accepts {@code counter} if {@link #check} still allows it, and returns null; else returns the
     * reason and changes nothing. Call only for a packet whose tag verified.
     */
    public synchronized @Nullable Reason commit(long counter) {
        long top = highest;
        Reason refused = refusal(counter, top);
        if (refused != null) {
            return refused;
        }
        if (isAhead(counter, top)) {
            if (top != NONE) {
                forgetSlotsAfter(top, counter);
            }
            HIGHEST.setRelease(this, counter); // after the clears: a reader of this top sees them
            VarHandle.storeStoreFence(); // before the bit: a reader that sees the bit sees this top
        }
        int slot = (int) counter & mask;
        WORDS.setOpaque(bits, slot >>> 6, bits[slot >>> 6] | 1L << slot);
        return null;
    }

    /** The highest counter accepted (unsigned), or -1 if none was. */
    public long highest() {
        return (long) HIGHEST.getAcquire(this);
    }

    private void clearAll() {
        for (int w = 0; w < bits.length; w++) {
            WORDS.setOpaque(bits, w, 0L);
        }
    }

    /** The verdict on {@code counter} against the window topped by {@code top}, its bitmap read now. */
    private @Nullable Reason refusal(long counter, long top) {
        if (counter == -1L) {
            return Reason.BAD_COUNTER;
        }
        if (isAhead(counter, top)) {
            return null;
        }
        if (Long.compareUnsigned(top - counter, mask) > 0) { // top - counter >= size
            return Reason.TOO_OLD;
        }
        int slot = (int) counter & mask;
        return ((long) WORDS.getOpaque(bits, slot >>> 6) & (1L << slot)) != 0 ? Reason.REPLAYED : null;
    }

    /**
     * Whether {@code counter} (never 2^64-1 here) is above every counter accepted under
     * {@code top}, or none was: it would move the window. One test for both {@link #refusal} and
     * {@link #commit}, so they cannot disagree. Adding one maps {@link #NONE} to 0, below every
     * counter + 1.
     */
    private static boolean isAhead(long counter, long top) {
        return Long.compareUnsigned(counter + 1, top + 1) > 0;
    }

    /** Clears the slots of the counters {@code from+1 .. to}, a word at a time. */
    private void forgetSlotsAfter(long from, long to) {
        long distance = to - from; // > 0, unsigned
        if (Long.compareUnsigned(distance, mask) > 0) {
            clearAll();
            return;
        }
        int slot = (int) (from + 1) & mask;
        int left = (int) distance;
        while (left > 0) {
            int bit = slot & 63;
            int n = Math.min(64 - bit, left);
            long clear = (n == 64 ? -1L : ((1L << n) - 1)) << bit;
            WORDS.setOpaque(bits, slot >>> 6, bits[slot >>> 6] & ~clear);
            slot = (slot + n) & mask;
            left -= n;
        }
    }
}
