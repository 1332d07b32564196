package dev.netseal;

import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.internal.send.SealingState;

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
 * <p>Thread-safe. Close a session when done with it (or close its pool): while the application
 * holds an open session, it keeps its key, its claim on (key, prefix) and its pool alive. A pool
 * dropped together with its open sessions is collected, and their keys wiped, like any dropped
 * pool.
 */
public final class SealingSession implements AutoCloseable {

    /** What the pool tracks and builders seal with. */
    final SealingState state;
    /**
     * The pool facade, held so that a pool is never collected while the application holds one
     * of its sessions; null for a pool's own default session, which must not keep the pool
     * reachable from the builders in thread caches. Only this handle holds it: the pool's core
     * holds the state alone (see SealingState).
     */
    @SuppressWarnings("unused") // held for reachability
    private final Object pool;

    SealingSession(SealingState state, Object pool) {
        this.state = state;
        this.pool = pool;
    }

    /**
     * The session id packets carry now.
     *
     * @return the session id
     */
    public long sessionId() {
        return state.sessionId();
    }

    /**
     * The origin hash stamped on this session's data packets.
     *
     * @return the origin hash
     */
    public long originHash() {
        return state.originHash;
    }

    /**
     * True once closed (by {@link #close()} or by closing its pool).
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return state.isClosed();
    }

    /**
     * Rekeys: a new key (32 bytes) and session id, counter from 0. The next seal for this
     * session, on any builder, uses the new key; the old key is wiped once no seal still uses
     * it. Refuses a (key, nonce prefix) another live session holds, or one that sealed before in
     * this JVM (its counter would restart at 0 and repeat nonces).
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     */
    public void rekey(byte[] key, long sessionId) {
        state.rekey(key, sessionId);
    }

    /** Refuses further seals and wipes the key once the seals in flight are done. Idempotent. */
    @Override
    public void close() {
        state.close();
    }

    KeyEpoch current() {
        return state.current();
    }
}
