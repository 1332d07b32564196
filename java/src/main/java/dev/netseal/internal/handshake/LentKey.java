package dev.netseal.internal.handshake;

import dev.netseal.internal.aead.AeadKey;

/**
 * A secret in key memory that a handshake borrows for one use (a static private key, a pre-shared
 * key): the owner may close it on another thread, and wipes it only once no use is in progress.
 */
public interface LentKey {
    /**
     * The key, held until {@link #release()}.
     *
     * @return the key
     * @throws IllegalStateException if the secret is closed (then nothing is held)
     */
    AeadKey acquire();

    /** Ends a use begun by {@link #acquire()}. */
    void release();
}
