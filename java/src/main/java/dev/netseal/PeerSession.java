package dev.netseal;

import java.net.InetSocketAddress;

/**
 * A session with one peer, made by a handshake ({@link DatagramEndpoint#connect} as initiator, or
 * accepted by a {@link DatagramEndpoint} as responder): one session id, and one key per direction.
 * It seals with its tx key through {@link #sealing()} (on any of the endpoint's builders, or any
 * pool's), and its rx key opens what the peer sends, in the endpoint's session table.
 *
 * <h2>Security guarantees</h2>
 * The two keys and the session id come from the handshake hash as net-mesh derives them; the
 * application never sees key bytes. The tx key of one side is the rx key of the other, and the two
 * directions never share a key: both start their counters at 0 under the same session id (so the
 * same nonce prefix), and only the keys keep their nonces apart. For the same reason a packet this
 * side sealed and the network reflected back does not open here. {@link #close()} wipes both keys
 * (once no seal or open still uses them).
 *
 * <p>Thread-safe.
 */
public final class PeerSession implements AutoCloseable {
    private final DatagramEndpoint endpoint;
    /** The id this side seals under now (a re-handshake changes it). */
    private volatile long sessionId;
    /** What this side seals with now (a re-handshake replaces it). */
    private volatile SealingSession tx;
    private final InetSocketAddress remote;
    private final boolean initiator;
    private final byte[] peerPayload;
    private final long establishedNanos;
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
    final Redial redial;
    /** The initiator's: a re-handshake is in progress. */
    boolean rekeying;
    /**
     * The responder's: keys of a re-handshake not yet confirmed by the initiator, and their id.
     * Volatile: the receive thread reads it on every packet without the lock, to see whether the
     * packet confirms them.
     */
    volatile SealingSession nextTx;
    long nextId;
    /** Ids that still open packets in their grace period, and txs still finishing their seals. */
    final java.util.List<Long> oldIds = new java.util.ArrayList<>(2);
    final java.util.List<SealingSession> retiring = new java.util.ArrayList<>(2);
    final java.util.List<Long> retireAt = new java.util.ArrayList<>(2);

    /** What an initiator needs to run its handshake again. */
    record Redial(byte[] responderKey, PresharedKey psk, byte[] prologue, byte[] payload) {}
    /**
     * Salted fingerprints (SHA-256 with this JVM's random salt, as {@link LiveKeys} keeps) of the
     * tx and rx keys: never the keys, and meaningless outside this JVM. Tests compare them to
     * prove that no two directions share a key.
     */
    final long txKeyId;
    final long rxKeyId;

    PeerSession(DatagramEndpoint endpoint, long sessionId, SealingSession tx, InetSocketAddress remote,
                boolean initiator, byte[] peerPayload, long txKeyId, long rxKeyId, long now, Redial redial) {
        this.redial = redial;
        this.rxId = sessionId;
        this.keysMade = now;
        this.confirmed = initiator; // the initiator read message 2: the responder holds the keys
        this.lastTxChange = now;
        this.lastRxChange = now;
        this.txKeyId = txKeyId;
        this.rxKeyId = rxKeyId;
        this.endpoint = endpoint;
        this.sessionId = sessionId;
        this.tx = tx;
        this.remote = remote;
        this.initiator = initiator;
        this.peerPayload = peerPayload;
        this.establishedNanos = now;
    }

    /**
     * The session id both directions carry: the first 8 bytes of the handshake hash (of the
     * latest re-handshake, once one replaced the first keys).
     *
     * @return the session id (unsigned)
     */
    public long sessionId() {
        return sessionId;
    }

    /**
     * The sending side of this session, to seal with on a builder:
     * {@code builder.begin(peer.sealing(), streamId, sequence, flags)}. Ask for it for each packet:
     * a re-handshake replaces it (the one replaced keeps sealing for a second, then closes).
     *
     * @return the session's sealing state (tx key and counter)
     * @throws IllegalStateException if this is a responder's session not yet confirmed
     */
    public SealingSession sealing() {
        if (!confirmed) {
            throw new IllegalStateException("session " + Long.toUnsignedString(sessionId) + " is not confirmed yet:"
                    + " a responder seals nothing until the initiator's first packet proves it holds the keys");
        }
        return tx;
    }

    /** The tx session whether confirmed or not, for the endpoint's own bookkeeping. */
    SealingSession tx() {
        return tx;
    }

    /**
     * True once this side may seal: always for the initiator; for the responder once an
     * authenticated packet from the initiator arrived on the session.
     *
     * @return true once confirmed
     */
    public boolean isConfirmed() {
        return confirmed;
    }

    void confirm() {
        confirmed = true;
    }

    /** A re-handshake's keys replace the ones this side seals with (under this object's lock). */
    void replaceTx(SealingSession next, long id) {
        tx = next;
        sessionId = id;
    }

    /**
     * Where the peer's handshake came from, or went to: where {@link DatagramEndpoint#send} sends.
     *
     * @return the peer's address
     */
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /**
     * True when this side started the handshake.
     *
     * @return true for the initiator
     */
    public boolean isInitiator() {
        return initiator;
    }

    /**
     * The payload the peer sent in its handshake message (empty by default; net-mesh's routed
     * handshakes carry the initiator's node id). It was encrypted and authenticated, but the
     * first message's payload can be replayed before the session exists: trust it as much as
     * the session.
     *
     * @return a copy of the payload
     */
    public byte[] peerPayload() {
        return peerPayload.clone();
    }

    /**
     * When the handshake completed, by the endpoint's clock ({@link System#nanoTime()} unless a
     * test set another).
     *
     * @return the time
     */
    public long establishedNanos() {
        return establishedNanos;
    }

    /**
     * True once closed (by {@link #close()} or by closing its endpoint).
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return tx.isClosed();
    }

    /** Ends the session: seals nothing more, opens nothing more, wipes both keys. Idempotent. */
    @Override
    public void close() {
        endpoint.closeSession(this);
    }

    /** The session id, the peer's address and the role: nothing secret. */
    @Override
    public String toString() {
        return "PeerSession[" + Long.toUnsignedString(sessionId) + " " + (initiator ? "to " : "from ") + remote
                + (isClosed() ? ", closed]" : "]");
    }
}
