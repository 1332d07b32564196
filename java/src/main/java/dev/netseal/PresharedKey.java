package dev.netseal;

import dev.netseal.internal.keys.GuardedSecret;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import java.security.SecureRandom;

/**
 * The 32-byte key a whole mesh shares, mixed into every handshake first (the "psk" of NKpsk0): a
 * node without it cannot complete a handshake with one that has it, whatever keys it holds.
 *
 * <h2>Security guarantees</h2>
 * The key lives in the guarded key memory (libsodium's, when native is loaded) and is wiped by
 * {@link #close()}, once no handshake still uses it; it never reaches a {@code toString}, an
 * exception message or a log. Thread-safe.
 */
public final class PresharedKey implements AutoCloseable {
    /** The size of a pre-shared key. */
    public static final int SIZE = 32;

    final GuardedSecret key;

    private PresharedKey(X25519 dh, byte[] bytes) {
        this.key = new GuardedSecret(dh, dh.importSecret(bytes));
    }

    /**
     * The pre-shared key {@code bytes}.
     *
     * @param bytes 32 bytes; the caller keeps and wipes its own copy
     * @return the key
     */
    public static PresharedKey of(byte[] bytes) {
        return of(Backends.x25519For(Backends.active()), bytes);
    }

    static PresharedKey of(X25519 dh, byte[] bytes) {
        if (bytes.length != SIZE) {
            throw new IllegalArgumentException("pre-shared key must be " + SIZE + " bytes, got " + bytes.length);
        }
        return new PresharedKey(dh, bytes);
    }

    /**
     * A new random pre-shared key, for a new mesh; every node needs the same bytes, so hand them
     * out with {@link #of(byte[])} (this class never gives them back).
     *
     * @param out where the 32 random bytes go, for the caller to distribute and then wipe
     * @return the key
     */
    public static PresharedKey generate(byte[] out) {
        if (out.length != SIZE) {
            throw new IllegalArgumentException("out must be " + SIZE + " bytes, got " + out.length);
        }
        new SecureRandom().nextBytes(out);
        return of(out);
    }

    /**
     * True once closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return key.isClosed();
    }

    /** Wipes the key once no handshake still uses it. Idempotent. */
    @Override
    public void close() {
        key.close();
    }

    @Override
    public String toString() {
        return "PresharedKey[hidden]";
    }
}
