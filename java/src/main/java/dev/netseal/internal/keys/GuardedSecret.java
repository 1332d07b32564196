package dev.netseal.internal.keys;

import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.X25519;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A 32-byte secret in a backend's key memory (a static private key or a pre-shared key) that
 * handshakes on any thread use while another may close it: each use holds the read lock, and
 * close takes the write lock, so the key is wiped only once no handshake still works with it.
 * Handshakes are cold (tens of microseconds each), so a lock per use costs nothing that shows.
 */
public final class GuardedSecret {
    public final X25519 dh;
    private final AeadKey key;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    public GuardedSecret(X25519 dh, AeadKey key) {
        this.dh = dh;
        this.key = key;
    }

    /**
     * The key, held until {@link #release()}; throws if closed.
     *
     * @param what what the secret is, for the exception's message
     */
    public AeadKey acquire(String what) {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException(what + " is closed");
        }
        return key;
    }

    /** Ends a use begun by {@link #acquire}. */
    public void release() {
        lock.readLock().unlock();
    }

    /** Wipes the key once no use is in progress. Idempotent. */
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                key.destroy();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }
}
