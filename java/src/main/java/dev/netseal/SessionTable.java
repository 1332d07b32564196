package dev.netseal;

import dev.netseal.internal.receive.SessionIdMap;
import dev.netseal.internal.keys.Keys;
import dev.netseal.internal.receive.PacketOpener;
import dev.netseal.internal.receive.ReceiveSession;
import dev.netseal.internal.receive.ReceiveSettings;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The receive side of a server with many peers on one socket: any number of sessions, each with
 * its own key, replay window and rekey, and one {@link #tryOpen} that dispatches a datagram by the
 * session id in its header. Sessions are added, rekeyed and removed while other threads open.
 *
 * <h2>Security guarantees</h2>
 * The same as {@link PacketReceiver}'s for each session: checks in WIRE.md's order, the counter
 * checked against the session's window before any cryptography, nothing unauthenticated returned,
 * nothing decrypted before its tag verified, each counter accepted at most once per key. A packet
 * can only ever be opened with the key of the session its header names (current, or previous in
 * its grace period): one session's key never opens another's packet. A removed session's keys are
 * wiped once no open still uses them.
 *
 * <h2>Cost</h2>
 * Dispatch is a lock-free lookup in a primitive-keyed map (no boxing, no allocation); opening and
 * refusing allocate nothing when the caller passes a reused {@link OpenedPacket}. A session holds its
 * key, its window ({@code windowSize / 8} bytes) and a few small objects; the cipher and scratch
 * memory an open works with are shared by every session of a thread (see {@link PacketReceiver}).
 */
public final class SessionTable implements AutoCloseable {

    private final AeadBackend backend;
    private final ReceiveSettings settings;
    /**
     * Session id to session; a session is also found by its previous id during its grace period.
     * Package-private so that the tests can hold a session's lock at the exact point of a race.
     */
    final SessionIdMap<ReceiveSession> sessions;
    /** Unmaps an id of a session; holds the map only, never the table (see the constructor). */
    private final ReceiveSession.IdListener unmap;
    private volatile boolean closed;

    private SessionTable(AeadBackend backend, ReceiveSettings settings) {
        this.backend = backend;
        this.settings = settings;
        SessionIdMap<ReceiveSession> map = new SessionIdMap<>();
        this.sessions = map;
        this.unmap = (s, id) -> map.remove(id, s);
        // A table dropped without close() wipes its sessions' keys when it is collected. The
        // action and everything it reaches (the map, the sessions, their listener) never
        // reference the table itself, or it would never become unreachable.
        Keys.CLEANER.register(this, () -> closeAll(map));
    }

    private static void closeAll(SessionIdMap<ReceiveSession> map) {
        map.forEachValue(ReceiveSession::close);
    }

    /**
     * A table with the default window (8192) and grace period (30 s).
     *
     * @return the table
     */
    public static SessionTable create() {
        return builder().build();
    }

    /**
     * Settings for a table: window size and the previous key's grace period, for every session.
     *
     * @return a builder with the defaults
     */
    public static Builder builder() {
        return new Builder(Backends.active());
    }

    static Builder builderOnBackend(AeadBackend backend) {
        return new Builder(backend);
    }

    /**
     * Adds a session: packets naming {@code sessionId} open with {@code key} (32 bytes).
     *
     * <p><b>A raw key</b>, for interop tools and tests: between peers, make sessions by handshake
     * ({@link DatagramEndpoint}), which gives each direction its own key. Never use one key for both
     * directions of a session: both sides count from 0 under one session id, so their nonces
     * would repeat from the first packet, and a node would open its own packets reflected to it.
     *
     * @throws IllegalStateException if a session already answers to {@code sessionId}, or the
     *         table is closed
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     */
    public void add(byte[] key, long sessionId) {
        checkOpen();
        ReceiveSession s = new ReceiveSession(backend, settings, key, sessionId, unmap);
        if (sessions.putIfAbsent(sessionId, s) != null) {
            s.close();
            throw new IllegalStateException("session " + Long.toUnsignedString(sessionId)
                    + " is already in the table (or is another session's previous id in its grace period)");
        }
        if (closed) { // close() ran between the check and the put: do not leave the key behind
            remove(sessionId);
            checkOpen();
        }
    }

    /**
     * Rekeys the session that answers to {@code sessionId}: {@code newKey} under
     * {@code newSessionId} becomes current, and the old key keeps opening packets that name the
     * old id for the grace period (see {@link PacketReceiver#rekey}).
     *
     * @throws IllegalStateException if no session answers to {@code sessionId}, or another one
     *         answers to {@code newSessionId}
     *
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @param newKey the 32-byte key after the rekey
     * @param newSessionId the session id packets carry after the rekey (may equal the old one)
     */
    public void rekey(long sessionId, byte[] newKey, long newSessionId) {
        ReceiveSession s = require(sessionId);
        // Under the session's lock, which close() takes too: the session cannot close between the
        // check and the rekey, and once closed (by a remove that won the race) it is never mapped
        // again. The new id is unmapped on failure only if this call mapped it: the session may
        // answer to it already (as its current id, rekeyed onto from its previous one).
        synchronized (s) {
            if (s.isClosed()) {
                throw new IllegalStateException("session " + Long.toUnsignedString(sessionId)
                        + " was removed while it was being rekeyed");
            }
            boolean mappedHere = false;
            if (newSessionId != sessionId) {
                ReceiveSession other = sessions.putIfAbsent(newSessionId, s);
                if (other != null && other != s) {
                    throw new IllegalStateException("session " + Long.toUnsignedString(newSessionId)
                            + " is another session's");
                }
                mappedHere = other == null;
            }
            try {
                s.rekey(newKey, newSessionId);
            } catch (RuntimeException e) {
                if (mappedHere) {
                    sessions.remove(newSessionId, s);
                }
                throw e;
            }
        }
    }

    /**
     * Wipes the previous key of the session that answers to {@code sessionId} now; false if none.
     *
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return true if a previous key was dropped
     */
    public boolean dropPreviousKey(long sessionId) {
        return require(sessionId).dropPrevious();
    }

    /**
     * Removes the session that answers to {@code sessionId} (by its current or previous id): its
     * packets are refused {@code WRONG_SESSION} from now on, and its keys are wiped once the opens
     * in flight are done. False if there was none.
     *
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return true if a session was removed
     */
    public boolean remove(long sessionId) {
        ReceiveSession s = sessions.get(sessionId);
        if (s == null) {
            return false;
        }
        s.close(); // unmaps its ids through the listener
        return true;
    }

    /**
     * The highest counter the current key of the session answering to {@code sessionId} accepted
     * (unsigned), -1 if none, or -2 if no open session answers to it: what a session's liveness is
     * judged by, with no write on the open path.
     */
    long highestAccepted(long sessionId) {
        ReceiveSession s = sessions.get(sessionId);
        return s == null ? -2 : s.highestAccepted();
    }

    /**
     * True when a session answers to {@code sessionId}.
     *
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return true when a session answers to it
     */
    public boolean contains(long sessionId) {
        return sessions.get(sessionId) != null;
    }

    /**
     * The number of session ids that name a session (a session in its grace period counts twice).
     *
     * @return the number of session ids
     */
    public int size() {
        return sessions.size();
    }

    /**
     * Opens the packet in {@code packet}'s remaining bytes with the key of the session its header
     * names, into {@code into}. Returns true if it opened; false if refused, with the reason in
     * {@link OpenedPacket#refusal()} ({@code WRONG_SESSION} when no session answers to its id).
     * Allocates nothing, throws nothing for a bad packet.
     *
     * @throws IllegalStateException if the table is closed
     * @param packet the packet: its remaining bytes (position and limit are left as they are)
     * @param into the result to fill, reused from packet to packet (reset first)
     * @return true if it opened; false if it was refused
     */
    public boolean tryOpen(ByteBuffer packet, OpenedPacket into) {
        PacketOpener.reset(into);
        int start = packet.position();
        int length = packet.remaining();
        if (PacketOpener.checkShape(packet, start, length, into)) {
            ReceiveSession s = sessions.get(Wire.i64(packet, start + HeaderLayout.SESSION_ID));
            if (PacketOpener.openWithKeys(backend, s == null ? null : s.keys(), packet, start, length, into,
                    true)) {
                return true;
            }
        }
        checkOpen();
        return false;
    }

    /**
     * Opens the packet, or throws {@link PacketException}; the result is the calling thread's (see
     * {@link PacketReceiver#open(ByteBuffer)}).
     *
     * @param packet the packet: its remaining bytes (position and limit are left as they are)
     * @return the opened packet (the calling thread's result)
     * @throws PacketException if a check refuses the packet, with its reason
     */
    public OpenedPacket open(ByteBuffer packet) throws PacketException {
        OpenedPacket out = PacketReceiver.threadResult();
        if (!tryOpen(packet, out)) {
            throw out.refusalException();
        }
        return out;
    }

    /** Removes every session and wipes their keys; the table refuses further use. Idempotent. */
    @Override
    public void close() {
        closed = true;
        closeAll(sessions);
    }

    private ReceiveSession require(long sessionId) {
        checkOpen();
        ReceiveSession s = sessions.get(sessionId);
        if (s == null) {
            throw new IllegalStateException("no session " + Long.toUnsignedString(sessionId) + " in the table");
        }
        return s;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("session table is closed");
        }
    }

    /**
     * How to make a session table.
     * <pre>{@code
     * SessionTable table = SessionTable.builder()
     *         .windowSize(8192)
     *         .previousKeyGrace(Duration.ofSeconds(30))
     *         .build();
     * }</pre>
     */
    public static final class Builder extends ReceiverBuilder<Builder> {
        private Builder(AeadBackend backend) {
            super(backend);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * An empty table.
         *
         * @return the table
         */
        public SessionTable build() {
            return new SessionTable(backend, settings);
        }
    }
}
