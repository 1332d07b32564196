package dev.netseal.internal.send;

import dev.netseal.internal.LinePadding;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The nonce counter of one key: an atomic long on cache lines of its own (128 bytes of padding each side).
 *
 * <p>Every thread that seals under the key draws from it, so its line moves from core to core
 * on every packet; that much is the price of one counter per key. Padding keeps the price at
 * that: without it the counter shares a line with whatever was allocated beside it (the epoch's
 * key, session id and prefix, which every seal reads), and each draw on one core would also
 * evict those fields from the other core, one more miss per packet per thread. The padding is
 * in superclasses because HotSpot lays out a superclass's fields before a subclass's, so 128
 * bytes of longs (two lines: adjacent-line prefetch) sit on each side of the value whatever the JVM does with one class's fields.
 * (JCTools' padded counter does the same through {@code sun.misc.Unsafe}, which this library
 * does not use.)
 */
public final class NonceCounter extends NonceCounterRightPadding {

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(NonceCounterValue.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The next counter, then one past it: one atomic add.
     *
     * @return the counter drawn
     */
    public long getAndIncrement() {
        return (long) VALUE.getAndAdd((NonceCounterValue) this, 1L);
    }

    /** The next counter that a draw would return. */
    /** Reserves {@code n} consecutive counters at once (a batch's draw): the first of them. */
    public long getAndAdd(int n) {
        return (long) VALUE.getAndAdd((NonceCounterValue) this, (long) n);
    }

    public long get() {
        return (long) VALUE.getVolatile((NonceCounterValue) this);
    }

    /** Makes the next draw return {@code next} (tests only). */
    public void set(long next) {
        VALUE.setVolatile((NonceCounterValue) this, next);
    }

    /**
     * Raises the counter to at least {@code floor} with one atomic write, made even when it is
     * there already: a draw ordered before the write happened-before it (what
     * {@link PoolCore#retire} relies on), and every draw after it returns {@code floor} or more.
     *
     * @return the counter before the write: how many draws came before it (when below the floor)
     */
    public long raiseTo(long floor) {
        long seen;
        do {
            seen = get();
        } while (!VALUE.compareAndSet((NonceCounterValue) this, seen, Math.max(seen, floor)));
        return seen;
    }
}

// The padding: 16 longs (128 bytes) before the value (LinePadding) and 16 after, in
// superclasses so that their order is fixed. Their fields are never read; they exist for their size.

abstract class NonceCounterValue extends LinePadding {
    volatile long value;
}

@SuppressWarnings("unused")
abstract class NonceCounterRightPadding extends NonceCounterValue {
    long r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15;
}
