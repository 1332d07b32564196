package dev.netseal.internal.keys;

import dev.netseal.internal.wire.Wire;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The (key, nonce prefix) pairs that some live pool epoch seals under, in this JVM. The nonce is
 * the prefix and a counter from 0, and the prefix is the session id's two halves XORed: two
 * pools with one key and one prefix (the same session id, or another that folds to the same
 * prefix) would repeat every nonce, so the second claim is refused.
 *
 * <p>Only a salted SHA-256 fingerprint is kept (the salt is random per JVM), never the key. A
 * claim ends when its epoch is retired: by {@code setKey}, {@code close()}, or, for a pool
 * dropped without {@code close()}, when the garbage collector has found it unreachable.
 *
 * <p>A claim that ends retires its pair in {@link RetiredKeys#SEALED}: the pair can never be
 * claimed again in this JVM (within that set's bound), so closing a session and opening another
 * on the same key and prefix is refused like two live ones. What this cannot see: another JVM or
 * machine sealing with the same key and prefix. A key must never be reused across processes
 * either; derive a fresh one per session and per rekey.
 *
 * <p>Each claim carries a token of its own, and only that token releases it: a stale release (an
 * epoch destroyed twice, a Cleaner running after a test harness let the fingerprint go) can never
 * end a newer claim on the same fingerprint, which would let a third pool repeat its nonces.
 */
public final class LiveKeys {
    /** Fingerprint to the token of the claim that holds it. */
    static final ConcurrentMap<Long, Object> LIVE = new ConcurrentHashMap<>();

    private LiveKeys() {}

    /** The fingerprint of (key, nonce prefix): what a claim is made on. */
    public static long fingerprint(byte[] key, long sessionId) {
        return fingerprint(key, Wire.noncePrefix(sessionId));
    }

    /**
     * Claims a fingerprint for a new epoch and returns the claim's token (for {@link #release});
     * throws if a live epoch already holds it.
     */
    public static Object claim(long fingerprint) {
        Object token = new Object();
        // One lock with release(): a pair is either live or retired, never neither in between
        // (a claim slipping between a release and its retirement would repeat the nonces).
        synchronized (LiveKeys.class) {
            if (RetiredKeys.SEALED.contains(fingerprint)) {
                throw new IllegalStateException("this key and nonce prefix already sealed in this JVM (a pool or"
                        + " session that is closed, rekeyed away or collected): a new session would restart its"
                        + " counter at 0 and repeat its nonces. Use a fresh key (a handshake makes one per session)");
            }
            if (LIVE.putIfAbsent(fingerprint, token) != null) {
                throw new IllegalStateException("another live pool already seals with this key and nonce prefix"
                        + " (this session id, or one whose halves XOR to the same prefix): both would repeat"
                        + " the same nonces. close() that pool first (one dropped without close() holds its key"
                        + " until it is garbage-collected), or use a fresh key or session id");
            }
        }
        return token;
    }

    /**
     * Ends the claim {@code token} was returned for and, when {@code sealed} (its epoch drew a
     * counter), retires its pair for good (see {@link RetiredKeys#SEALED}); a no-op once it has
     * ended.
     */
    public static void release(long fingerprint, Object token, boolean sealed) {
        synchronized (LiveKeys.class) {
            if (LIVE.remove(fingerprint, token) && sealed) {
                RetiredKeys.SEALED.add(fingerprint);
            }
        }
    }

    /** The fingerprint of (key, nonce prefix): what a claim is made on. */
    public static long fingerprint(byte[] key, int noncePrefix) {
        return KeyFingerprint.of(key, noncePrefix);
    }
}
