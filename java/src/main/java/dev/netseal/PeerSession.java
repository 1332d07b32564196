package dev.netseal;

import dev.netseal.internal.endpoint.SessionState;
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
    /** The keys over the session's life: what the endpoint's machinery keeps and rotates. */
    final SessionState<SealingSession> state;
    private final byte[] peerPayload;

    PeerSession(DatagramEndpoint endpoint, SessionState<SealingSession> state, byte[] peerPayload) {
        this.endpoint = endpoint;
        this.state = state;
        this.peerPayload = peerPayload;
    }

    /**
     * The session id both directions carry: the first 8 bytes of the handshake hash (of the
     * latest re-handshake, once one replaced the first keys).
     *
     * @return the session id (unsigned)
     */
    public long sessionId() {
        return state.sessionId();
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
        if (!state.isConfirmed()) {
            throw new IllegalStateException("session " + Long.toUnsignedString(state.sessionId()) + " is not confirmed"
                    + " yet: a responder seals nothing until the initiator's first packet proves it holds the keys");
        }
        return state.tx();
    }

    /**
     * True once this side may seal: always for the initiator; for the responder once an
     * authenticated packet from the initiator arrived on the session.
     *
     * @return true once confirmed
     */
    public boolean isConfirmed() {
        return state.isConfirmed();
    }

    /**
     * Where the peer's handshake came from, or went to: where {@link DatagramEndpoint#send} sends.
     *
     * @return the peer's address
     */
    public InetSocketAddress remoteAddress() {
        return state.remote();
    }

    /**
     * True when this side started the handshake.
     *
     * @return true for the initiator
     */
    public boolean isInitiator() {
        return state.isInitiator();
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
     * When the handshake completed, by the endpoint's clock ({@link System#nanoTime()} unless the
     * endpoint was given a time source of its own).
     *
     * @return the time
     */
    public long establishedNanos() {
        return state.establishedNanos();
    }

    /**
     * True once closed (by {@link #close()} or by closing its endpoint).
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return state.tx().isClosed();
    }

    /** Ends the session: seals nothing more, opens nothing more, wipes both keys. Idempotent. */
    @Override
    public void close() {
        endpoint.closeSession(this);
    }

    /** The session id, the peer's address and the role: nothing secret. */
    @Override
    public String toString() {
        return "PeerSession[" + Long.toUnsignedString(state.sessionId()) + " " + (state.isInitiator() ? "to " : "from ")
                + state.remote() + (isClosed() ? ", closed]" : "]");
    }
}
