package dev.netseal.internal.endpoint;

import dev.netseal.internal.handshake.Dial;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One session's keys over its life, as its endpoint keeps them: the sealing state it seals with
 * now and under which id, whether the peer confirmed the keys, a re-handshake's keys and the
 * ones still in their grace period, and what the timer saw at its last look. The session object
 * the application holds reads it; the endpoint's machinery ({@link SessionRegistry},
 * {@link KeyRotation}, {@link SessionTimer}) writes it.
 *
 * @param <T> the sealing state (one key, its id and its nonce counter)
 */
public final class SessionState<T> {
    private final InetSocketAddress remote;
    private final boolean initiator;
    private final long establishedNanos;
    /** The id this side seals under now (a re-handshake changes it). */
    private volatile long sessionId;
    /** What this side seals with now (a re-handshake replaces it). */
    private volatile T tx;
    /**
     * False for a responder's session until the first authenticated packet from the initiator:
     * until then message 1 may have been a replay and nobody may hold the other key, so the
     * session seals nothing (key confirmation). Written once, by the receive thread or a close.
     */
    private volatile boolean confirmed;

    // The endpoint's timer thread only: what it saw at its last look, and when that changed.
    long lastTxCounter = -1;
    long lastTxChange;
    long lastRxHighest = -2;
    long lastRxChange;

    // A re-handshake's state, guarded by this.
    /** The id the endpoint's table opens this session's packets under now. */
    long rxId;
    /** When the keys this side seals with were made (the endpoint's clock). */
    long keysMade;
    /** The initiator's: what a re-handshake sends again (null for a responder's session). */
    final @Nullable Dial redial;
    /** The initiator's: a re-handshake is in progress. */
    boolean rekeying;
    /**
     * The responder's: keys of a re-handshake not yet confirmed by the initiator, and their id.
     * Volatile: the receive thread reads it on every packet without the lock, to see whether the
     * packet confirms them.
     */
    volatile @Nullable T nextTx;
    long nextId;
    /** Ids that still open packets in their grace period, and txs still finishing their seals. */
    final List<Long> oldIds = new ArrayList<>(2);
    final List<T> retiring = new ArrayList<>(2);
    final List<Long> retireAt = new ArrayList<>(2);

    SessionState(long sessionId, T tx, InetSocketAddress remote, boolean initiator, long now, @Nullable Dial redial) {
        this.redial = redial;
        this.rxId = sessionId;
        this.keysMade = now;
        this.confirmed = initiator; // the initiator read message 2: the responder holds the keys
        this.lastTxChange = now;
        this.lastRxChange = now;
        this.sessionId = sessionId;
        this.tx = tx;
        this.remote = remote;
        this.initiator = initiator;
        this.establishedNanos = now;
    }

    /** {@return the id this side seals under now} */
    public long sessionId() {
        return sessionId;
    }

    /** {@return what this side seals with now, confirmed or not} */
    public T tx() {
        return tx;
    }

    /** {@return true once this side may seal} */
    public boolean isConfirmed() {
        return confirmed;
    }

    /** {@return the peer's address} */
    public InetSocketAddress remote() {
        return remote;
    }

    /** {@return true when this side started the handshake} */
    public boolean isInitiator() {
        return initiator;
    }

    /** {@return when the handshake completed, by the endpoint's clock} */
    public long establishedNanos() {
        return establishedNanos;
    }

    void confirm() {
        confirmed = true;
    }

    /** A re-handshake's keys replace the ones this side seals with (under this object's lock). */
    void replaceTx(T next, long id) {
        tx = next;
        sessionId = id;
    }
}
