package dev.netseal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The (key, session id) pairs that some live pool epoch seals under, in this JVM. Two pools
 * sealing with the same key and session would both start their counters at 0 and repeat every
 * nonce, so the second claim is refused.
 *
 * <p>Only a salted SHA-256 fingerprint is kept (the salt is random per JVM), never the key. A
 * claim ends when its epoch is retired: by {@code setKey}, {@code close()}, or, for a pool
 * dropped without {@code close()}, when the garbage collector has found it unreachable.
 *
 * <p>What this cannot see: another JVM or machine sealing with the same key and session, and a
 * key reused after its pool is gone (its counters restart at 0 just the same). A key and session
 * id must never be reused across pool lifetimes; derive a fresh one per pool or per rekey.
 */
final class LiveKeys {
    private static final byte[] SALT = new byte[32];
    private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();

    static {
        new SecureRandom().nextBytes(SALT);
    }

    private LiveKeys() {}

    /** Claims (key, session) for a new epoch; throws if a live epoch already holds it. */
    static String claim(byte[] key, long sessionId) {
        String fingerprint = fingerprint(key, sessionId);
        if (!LIVE.add(fingerprint)) {
            throw new IllegalStateException("another live pool already seals with this key and session id:"
                    + " both would repeat the same nonces. close() that pool first (one dropped without"
                    + " close() holds its key until it is garbage-collected), or use a fresh key or session id");
        }
        return fingerprint;
    }

    /** Ends a claim made by {@link #claim}. */
    static void release(String fingerprint) {
        LIVE.remove(fingerprint);
    }

    private static String fingerprint(byte[] key, long sessionId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(SALT);
            sha.update(key);
            sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sessionId).array());
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
