package dev.netseal.internal.aead;

/**
 * A 256-bit key held by a backend. Thread-safe to seal with from many ciphers at once;
 * {@link #destroy()} wipes it and must only be called once no seal or open can still use it.
 */
public interface AeadKey {

    /** Wipes the key bytes (or frees the native handle, which wipes them). Idempotent. */
    void destroy();

    /** True once {@link #destroy()} ran. */
    boolean isDestroyed();
}
