package dev.netseal;

import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.wire.Wire;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One key with its session and its nonce counter. A pool has one current epoch; {@code setKey}
 * makes a new one (counter from 0) and retires the old.
 *
 * <p>Counters at or above {@link #COUNTER_LIMIT} are never sealed with. The limit sits far below
 * 2^63 so that a plain {@code getAndIncrement} can keep counting past it (refused calls, and the
 * jump {@link #poison()} makes) without ever wrapping into values that were used.
 */
final class KeyEpoch {
    /** 2^62: the first counter that is refused. */
    static final long COUNTER_LIMIT = 1L << 62;

    final AeadKey key;
    final long sessionId;
    final int noncePrefix;
    final AtomicLong counter = new AtomicLong();
    /** Set before {@link #poison()}; read by a builder that drew a refused counter. */
    volatile boolean retired;

    KeyEpoch(AeadKey key, long sessionId) {
        this.key = key;
        this.sessionId = sessionId;
        this.noncePrefix = Wire.noncePrefix(sessionId);
    }

    /**
     * Moves the counter to the limit, so every later draw is refused. An atomic write to the
     * counter: any draw ordered before it happened-before it (see {@link PoolCore#retire}).
     */
    void poison() {
        counter.accumulateAndGet(COUNTER_LIMIT, Math::max);
    }
}
