package dev.netseal.internal.aead;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bouncycastle.crypto.params.KeyParameter;

/** The pure-Java backend: BouncyCastle's low-level {@code ChaCha20Poly1305}, on heap arrays. */
public final class BouncyCastleBackend implements AeadBackend {

    private final String fallbackReason;

    /** @param fallbackReason why the native backend is not in use, or null if java was asked for */
    public BouncyCastleBackend(String fallbackReason) {
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
        return new Key(key);
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
