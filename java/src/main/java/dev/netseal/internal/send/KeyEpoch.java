package dev.netseal.internal.send;

import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.keys.LiveKeys;
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
public final class KeyEpoch {
    /** 2^62: the first counter that is refused. */
    public static final long COUNTER_LIMIT = 1L << 62;

    /** The last serial given out: epochs are numbered from 1 in the order they are made. */
    private static final AtomicLong SERIALS = new AtomicLong();

    /**
     * This epoch's number, unique in the JVM and positive: a builder sealing under this epoch
     * holds minus it as its claim (see PacketBuilder), which retire waits on.
     */
    public final long serial = SERIALS.incrementAndGet();

    public final AeadKey key;
    /** This epoch's claim on (key, nonce prefix) in {@link LiveKeys}. */
    public final long claim;
    /** The token of that claim: only it ends the claim (see {@link LiveKeys}). */
    private final Object claimToken;
    public final long sessionId;
    public final int noncePrefix;
    /** The nonce counter, from 0, on a cache line of its own (see {@link NonceCounter}). */
    public final NonceCounter counter = new NonceCounter();
    /** Set before {@link #poison()}; read by a builder that drew a refused counter. */
    public volatile boolean retired;

    private KeyEpoch(AeadKey key, long claim, Object claimToken, long sessionId) {
        this.key = key;
        this.claim = claim;
        this.claimToken = claimToken;
        this.sessionId = sessionId;
        this.noncePrefix = Wire.noncePrefix(sessionId);
    }

    /** Claims {@code fingerprint} (see {@link LiveKeys}), then imports the key into {@code backend}. */
    public static KeyEpoch create(dev.netseal.internal.aead.AeadBackend backend, byte[] key, long sessionId,
                           long fingerprint) {
        Object token = LiveKeys.claim(fingerprint);
        try {
            return new KeyEpoch(backend.importKey(key), fingerprint, token, sessionId);
        } catch (RuntimeException | Error e) {
            LiveKeys.release(fingerprint, token, false); // no key, no seal: the pair stays free
            throw e;
        }
    }

    /**
     * Wipes the key and gives up the claim; only once no seal can still use the key. The claim
     * is retired for good when the epoch drew any counter (it may have sealed): a new epoch on
     * the same (key, prefix) would start again from 0. One that drew none (a failed set-up, a
     * session closed unused) leaves its pair free.
     */
    public void destroy() {
        long before = drawnBeforeRetire;
        boolean drew = (before >= 0 ? before : counter.get()) > 0;
        key.destroy();
        LiveKeys.release(claim, claimToken, drew);
    }

    /**
     * Moves the counter to the limit, so every later draw is refused. An atomic write to the
     * counter: any draw ordered before it happened-before it (see {@link PoolCore#retire}).
     */
    public void poison() {
        drawnBeforeRetire = counter.raiseTo(COUNTER_LIMIT);
    }

    /** The counter when {@link #poison()} raised it: the draws made before; -1 until then. */
    private volatile long drawnBeforeRetire = -1;
}
