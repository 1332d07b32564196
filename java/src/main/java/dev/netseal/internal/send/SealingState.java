package dev.netseal.internal.send;

import dev.netseal.internal.keys.Keys;
import dev.netseal.internal.keys.LiveKeys;
import dev.netseal.internal.keys.RetiredKeys;

/**
 * A session's sending state, what its pool tracks and its builders seal with: the current key
 * epoch (key, session id, nonce counter), the origin hash, and whether it is closed. The
 * application holds a {@code SealingSession}, which holds this and the pool; the pool's core
 * holds only this, so a pool and sessions that the application dropped together form no cycle
 * through the core's Cleaner, and are collected (their keys wiped) like a pool with none.
 *
 * <p>Thread-safe: rekey and close under this object's lock; builders read {@link #current()}.
 */
public final class SealingState {


    public final PoolCore<?> core;
    /** The origin hash stamped on this session's data packets. */
    public final long originHash;
    /** True for a pool's own default session, which lives as long as its pool. */
    private final boolean poolsOwn;

    private volatile KeyEpoch current;
    private volatile boolean closed;

    /**
     * True for a pool's own default session (the one made without a facade to hold): it lives
     * as long as its pool, so a builder may keep it between packets (see PacketBuilder.target).
     */
    public boolean isPoolsOwn() {
        return poolsOwn;
    }

    public SealingState(PoolCore<?> core, boolean poolsOwn, byte[] key, long sessionId, long originHash) {
        this.core = core;
        this.poolsOwn = poolsOwn;
        this.originHash = originHash;
        long fingerprint = LiveKeys.fingerprint(Keys.check(key), sessionId);
        this.current = KeyEpoch.create(core.backend, key, sessionId, fingerprint);
        if (!core.register(this)) {
            current.destroy(); // no builder can have drawn from it: it was never published
            throw PoolCore.closedException();
        }
    }

    /**
     * The session id packets carry now.
     *
     * @return the session id
     */
    public long sessionId() {
        return current.sessionId;
    }

    /**
     * True once closed (by {@link #close()} or by closing its pool).
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Rekeys: a new key (32 bytes) and session id, counter from 0. The next seal for this
     * session, on any builder, uses the new key; the old key is wiped once no seal still uses
     * it. Refuses a (key, nonce prefix) another live session holds, or one this session sealed
     * under before (its counter would restart at 0 and repeat nonces).
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     */
    public synchronized void rekey(byte[] key, long sessionId) {
        checkOpen();
        // A (key, prefix) this or any session sealed under before is retired for good, and
        // KeyEpoch.create refuses it (LiveKeys, RetiredKeys).
        long fingerprint = LiveKeys.fingerprint(Keys.check(key), sessionId);
        KeyEpoch next = KeyEpoch.create(core.backend, key, sessionId, fingerprint);
        KeyEpoch old = current;
        current = next;
        core.retire(old);
    }

    /** Refuses further seals and wipes the key once the seals in flight are done. Idempotent. */
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            core.retire(current);
        }
        core.unregister(this);
    }

    public KeyEpoch current() {
        return current;
    }

    private void checkOpen() {
        if (closed) {
            throw core.isClosed() ? PoolCore.closedException() : closedSession();
        }
    }

    public static IllegalStateException closedSession() {
        return new IllegalStateException("session is closed");
    }

    /**
     * Called by a builder whose draw from {@code epoch} was refused: the epoch to try next, or an
     * exception saying why sealing cannot go on.
     */
    public KeyEpoch afterRefusedDraw(KeyEpoch epoch) {
        if (!epoch.retired) {
            throw new IllegalStateException("nonce counter exhausted: " + KeyEpoch.COUNTER_LIMIT
                    + " packets were sealed under this key; call setKey/rekey with a new key");
        }
        if (closed) {
            throw core.isClosed() ? PoolCore.closedException() : closedSession();
        }
        return current;
    }
}
