package dev.netseal.internal.keys;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * The one fingerprint of a key in netseal: 64 bits of a salted SHA-256 over the key and the value
 * that makes its nonces distinct (the nonce prefix on the sealing side, the session id on the
 * opening side). The salt is random per JVM, so a fingerprint says nothing about the key outside
 * this process, and nothing that holds a fingerprint holds the key.
 */
public final class KeyFingerprint {
    private static final byte[] SALT = new byte[32];

    static {
        new SecureRandom().nextBytes(SALT);
    }

    private KeyFingerprint() {}

    /** The fingerprint of (key, value): equal inputs give equal prints within this JVM. */
    public static long of(byte[] key, long value) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(SALT);
            sha.update(key);
            sha.update(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value).array());
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
