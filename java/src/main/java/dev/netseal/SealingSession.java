package dev.netseal;

/**
 * One peer's sending state: its key epoch (key, session id, nonce counter) and origin hash. A
 * session seals through the builders of the pool that made it ({@link PacketPool#newSession},
 * {@link ThreadLocalPool#newSession}), and any number of sessions share those builders, so a
 * server's memory per peer is this state alone, not a pool of buffers:
 * <pre>{@code
 * ThreadLocalPool pool = ThreadLocalPool.builders(256);        // buffers and ciphers, no key
 * SealingSession peer = pool.newSession(key, sessionId);       // per peer: key, counter, ids
 * try (PacketBuilder b = pool.get()) {
 *     channel.write(b.begin(peer, streamId, seq, 0).event(bytes).seal());
 * }
 * peer.close();                                                 // wipes its key
 * }</pre>
 *
 * <h2>Security guarantees</h2>
 * Every packet sealed for a session, by any builder on any thread, takes its counter from the one
 * atomic counter of the session's current key epoch, so no (key, nonce) pair repeats. Two live
 * sessions (of any pools in this JVM) never hold the same key and nonce prefix: the second is
 * refused, and so is any (key, prefix) that sealed before in this JVM, in a session now closed or
 * rekeyed away (its counter would restart at 0: see RetiredKeys for the bound on what is
 * remembered). {@link #rekey} starts a new epoch (counter from 0); no seal uses the old key after it
 * returns, and the old key is wiped once no seal still uses it. {@link #close()} refuses further seals and wipes
 * the key once the seals in flight are done. A builder never holds a session between packets,
 * so builders in thread caches keep no closed session alive.
 *
 * <p>Thread-safe. A session must be closed (or its pool closed): an open session keeps its key,
 * its claim on (key, prefix) and its pool alive.
 */
public final class SealingSession implements AutoCloseable {

    final PoolCore core;
    final long originHash;
    /**
     * The pool facade, held so that a pool with open sessions is never collected under them;
     * null for a pool's own default session, which must not keep the pool reachable from the
     * builders in thread caches.
     */
    private final Object pool;

    private volatile KeyEpoch current;
    private volatile boolean closed;

    /**
     * True for a pool's own default session (the one made without a facade to hold): it lives
     * as long as its pool, so a builder may keep it between packets (see PacketBuilder.target).
     */
    boolean isPoolsOwn() {
        return pool == null;
    }

    SealingSession(PoolCore core, Object pool, byte[] key, long sessionId, long originHash) {
        this.core = core;
        this.pool = pool;
        this.originHash = originHash;
        String fingerprint = LiveKeys.fingerprint(PoolCore.checkKey(key), sessionId);
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
     * The origin hash stamped on this session's data packets.
     *
     * @return the origin hash
     */
    public long originHash() {
        return originHash;
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
        String fingerprint = LiveKeys.fingerprint(PoolCore.checkKey(key), sessionId);
        KeyEpoch next = KeyEpoch.create(core.backend, key, sessionId, fingerprint);
        KeyEpoch old = current;
        current = next;
        core.retire(old);
    }

    /** Refuses further seals and wipes the key once the seals in flight are done. Idempotent. */
    @Override
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

    KeyEpoch current() {
        return current;
    }

    private void checkOpen() {
        if (closed) {
            throw core.isClosed() ? PoolCore.closedException() : closedSession();
        }
    }

    static IllegalStateException closedSession() {
        return new IllegalStateException("session is closed");
    }

    /**
     * Called by a builder whose draw from {@code epoch} was refused: the epoch to try next, or an
     * exception saying why sealing cannot go on.
     */
    KeyEpoch afterRefusedDraw(KeyEpoch epoch) {
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
