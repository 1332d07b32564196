package dev.netseal.internal.aead;

import java.nio.ByteBuffer;

/**
 * One implementation of ChaCha20-Poly1305 IETF (RFC 8439) and the memory it works on.
 *
 * <p>A backend is stateless and thread-safe; the keys it imports are immutable until destroyed;
 * the ciphers it makes are not thread-safe and belong to one builder or one receiving thread.
 */
public interface AeadBackend {

    /** Which implementation this is. */
    BackendKind kind();

    /** One line for people: the implementation, its version and where it was loaded from. */
    String description();

    /** Copies 32 key bytes into memory the backend owns. The caller wipes its own copy. */
    AeadKey importKey(byte[] key);

    /**
     * Allocates little-endian memory of {@code capacity} bytes that this backend's ciphers seal
     * and open in place without copying (direct for native, heap-backed for Java).
     */
    ByteBuffer allocate(int capacity);

    /** A new single-threaded cipher. */
    AeadCipher newCipher();
}
