package dev.netseal.internal.handshake;

import dev.netseal.internal.aead.AeadKey;
import java.util.function.Supplier;

/**
 * A secret in key memory that a handshake borrows for one use (a static private key, a pre-shared
 * key): its owner may close it on another thread, and wipes it only once no use is in progress.
 * The owner hands in how to borrow it and how to give it back.
 */
public final class LentKey {
    private final Supplier<AeadKey> acquire;
    private final Runnable release;

    /**
     * @param acquire takes the key until {@code release}; throws IllegalStateException (holding
     *        nothing) once the secret is closed
     * @param release ends a use begun by {@code acquire}
     */
    public LentKey(Supplier<AeadKey> acquire, Runnable release) {
        this.acquire = acquire;
        this.release = release;
    }

    /**
     * The key, held until {@link #release()}.
     *
     * @return the key
     * @throws IllegalStateException if the secret is closed (then nothing is held)
     */
    public AeadKey acquire() {
        return acquire.get();
    }

    /** Ends a use begun by {@link #acquire()}. */
    public void release() {
        release.run();
    }
}
