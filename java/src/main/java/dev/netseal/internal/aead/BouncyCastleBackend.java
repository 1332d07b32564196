package dev.netseal.internal.aead;

import dev.netseal.internal.keys.Keys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;
import org.bouncycastle.crypto.params.KeyParameter;
import org.jspecify.annotations.Nullable;

/**
 * The pure-Java backend: BouncyCastle's low-level {@code ChaCha20Poly1305}, on heap arrays; and
 * BouncyCastle's X25519 on private keys held the same way.
 */
public final class BouncyCastleBackend implements AeadBackend, X25519 {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final @Nullable String fallbackReason;

    /** @param fallbackReason why the native backend is not in use, or null if java was asked for */
    public BouncyCastleBackend(@Nullable String fallbackReason) {
        this.fallbackReason = fallbackReason;
    }

    @Override
    public BackendKind kind() {
        return BackendKind.JAVA;
    }

    @Override
    public String description() {
        return "java (BouncyCastle " + Version.OF_BCPROV + ")"
                + (fallbackReason == null ? "" : "; native unavailable: " + fallbackReason);
    }

    /** bcprov's version, looked up once (its jar manifest names no implementation version). */
    private static final class Version {
        static final String OF_BCPROV = new org.bouncycastle.jce.provider.BouncyCastleProvider().getVersionStr();
    }

    @Override
    public AeadKey importKey(byte[] key) {
        return new Key(Keys.check(key));
    }

    @Override
    public AeadKey importSecret(byte[] secret) {
        X25519.checkSize("secret", secret);
        return new Key(secret);
    }

    @Override
    public AeadKey generatePrivateKey() {
        byte[] fresh = new byte[KEY_SIZE];
        RANDOM.nextBytes(fresh);
        try {
            return new Key(fresh);
        } finally {
            Arrays.fill(fresh, (byte) 0);
        }
    }

    @Override
    public void readSecret(AeadKey secret, byte[] out) {
        X25519.checkSize("out", out);
        System.arraycopy(live(secret), 0, out, 0, KEY_SIZE);
    }

    @Override
    public void publicKey(AeadKey privateKey, byte[] publicOut) {
        X25519.checkSize("publicOut", publicOut);
        org.bouncycastle.math.ec.rfc7748.X25519.scalarMultBase(live(privateKey), 0, publicOut, 0);
    }

    @Override
    public boolean agree(AeadKey privateKey, byte[] peerPublic, byte[] sharedOut) {
        X25519.checkSize("peerPublic", peerPublic);
        X25519.checkSize("sharedOut", sharedOut);
        byte[] shared = new byte[KEY_SIZE];
        try {
            // false for an all-zero result, which BouncyCastle checks in constant time
            boolean agreed = org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(
                    live(privateKey), 0, peerPublic, 0, shared, 0);
            if (agreed) {
                System.arraycopy(shared, 0, sharedOut, 0, KEY_SIZE);
            }
            return agreed;
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }


    private static byte[] live(AeadKey key) {
        Key k = (Key) key;
        if (k.destroyed) {
            throw new IllegalStateException("key is destroyed");
        }
        return k.parameter.getKey();
    }

    @Override
    public ByteBuffer allocate(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public AeadCipher newCipher() {
        return new BouncyCastleCipher();
    }

    /**
     * The key lives in one KeyParameter shared by every cipher; destroy zeroes its array. (A
     * cipher's ChaCha20 engine keeps the key's words in its state until it is re-keyed or
     * collected: BouncyCastle offers no way to clear it.)
     */
    static final class Key implements AeadKey {
        final KeyParameter parameter;
        volatile boolean destroyed;

        Key(byte[] key) {
            this.parameter = new KeyParameter(key); // copies
        }

        @Override
        public void destroy() {
            // KeyParameter.getKey() hands out its own array, so this wipes the only copy we made.
            Arrays.fill(parameter.getKey(), (byte) 0);
            destroyed = true;
        }

        /** True once destroyed and every key byte reads zero (what tests of wiping check). */
        @Override
        public boolean isDestroyed() {
            if (!destroyed) {
                return false;
            }
            for (byte b : parameter.getKey()) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        }
    }
}
