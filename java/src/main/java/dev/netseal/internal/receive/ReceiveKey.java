package dev.netseal.internal.receive;

import dev.netseal.internal.keys.RetiredKeys;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.wire.Wire;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One key a receiver opens with: the key, the session id and nonce prefix it belongs to, and its
 * replay window (null for the explicit-nonce codec, which has no history).
 *
 * <h2>Why a key is never wiped under an open</h2>
 * {@link #enter()} is an atomic increment of {@code users}; {@link #retire()} atomically sets the
 * sign bit of the same word, then waits until every other bit is zero before it destroys the key.
 * Both are read-modify-writes of one variable, so they are totally ordered: an enter ordered
 * before the retire is counted and waited for (its {@link #exit()} happens-before the destroy); an
 * enter ordered after it sees the sign bit, backs out and never touches the key. This costs an
 * open two atomic operations on a line that only this key's openers share, and needs no
 * per-thread registration (so nothing grows with the number of threads, virtual ones included).
 */
public final class ReceiveKey {
    private static final long RETIRED = Long.MIN_VALUE;

    public final AeadKey key;
    public final long sessionId;
    public final int noncePrefix;
    public final @Nullable ReplayWindow window;
    private final AtomicLong users = new AtomicLong();
    /** Its (key, session id) fingerprint, retired with it when it has a window; else unused. */
    private final long fingerprint;

    public ReceiveKey(AeadKey key, long sessionId, @Nullable ReplayWindow window) {
        this(key, sessionId, window, 0);
    }

    public ReceiveKey(AeadKey key, long sessionId, @Nullable ReplayWindow window, long fingerprint) {
        this.fingerprint = fingerprint;
        this.key = key;
        this.sessionId = sessionId;
        this.noncePrefix = Wire.noncePrefix(sessionId);
        this.window = window;
    }

    /** Starts a use of the key: false if it is retired (then it must not be used). */
    public boolean enter() {
        if (users.getAndIncrement() < 0) {
            users.getAndDecrement();
            return false;
        }
        return true;
    }

    /** Ends a use started by a successful {@link #enter()}. */
    public void exit() {
        users.getAndDecrement();
    }

    /** True once {@link #retire()} began: no new use will start. */
    public boolean isRetired() {
        return users.get() < 0;
    }

    /**
     * Refuses new uses, waits for those in flight (a key is used for one AEAD call, microseconds at
     * most), then wipes the key. Idempotent; safe from any thread.
     */
    public void retire() {
        users.getAndAccumulate(RETIRED, (v, bit) -> v | bit);
        while (users.get() != RETIRED) {
            Thread.onSpinWait();
        }
        if (window != null && window.acceptedAny()) {
            RetiredKeys.OPENED.add(fingerprint); // its window's history is gone: never open this pair again
        }
        key.destroy();
    }
}
