package dev.netseal;

import dev.netseal.internal.keys.GuardedSecret;
import dev.netseal.internal.wire.Wire;
import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.endpoint.EndpointContext;
import dev.netseal.internal.endpoint.EndpointCore;
import dev.netseal.internal.endpoint.EndpointCounters;
import dev.netseal.internal.endpoint.Initiators;
import dev.netseal.internal.endpoint.ReceiveLoop;
import dev.netseal.internal.endpoint.Responder;
import dev.netseal.internal.endpoint.RxTable;
import dev.netseal.internal.endpoint.Sealers;
import dev.netseal.internal.endpoint.SessionEvents;
import dev.netseal.internal.endpoint.SessionIndex;
import dev.netseal.internal.handshake.Dial;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.LentKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import dev.netseal.internal.receive.SessionIdMap;
import org.jspecify.annotations.Nullable;

/**
 * Sessions from handshakes over one UDP socket (a JDK {@link DatagramChannel}; no other
 * dependency): the initiator's {@link #connect}, a responder that answers every valid message 1
 * when it is built {@link Builder#accept accepting}, and the data packets of every session,
 * opened and handed to the {@link Builder#onPacket packet handler}.
 *
 * <p>The handshake is net-mesh's: Noise {@code NKpsk0_25519_ChaChaPoly_BLAKE2s}, each message in a
 * Net v1 handshake packet, the session id and one key per direction derived from the handshake
 * hash (the project's WIRE.md, "Handshakes"). Two netseal endpoints, or a netseal endpoint and a
 * net-mesh node, make the same sessions.
 * <pre>{@code
 * // responder
 * DatagramEndpoint server = DatagramEndpoint.builder()
 *         .bind(new InetSocketAddress("0.0.0.0", 9000))
 *         .accept(identity, psk)
 *         .onPacket((peer, packet) -> handle(peer, packet))
 *         .start();
 * // initiator
 * DatagramEndpoint client = DatagramEndpoint.builder().bind(new InetSocketAddress(0)).start();
 * PeerSession peer = client.connect(serverAddress, serverPublicKey, psk);
 * client.send(peer, streamId, sequence, event);
 * }</pre>
 *
 * <h2>Security guarantees</h2>
 * Keys never leave the library as bytes. Each direction of a session has its own key, so two
 * peers never repeat a nonce and a node never opens its own reflected packets. A replayed message
 * 1 (an initiator ephemeral key seen in the last {@link #REPLAY_PERIOD}) makes no new session.
 * A handshake packet that fails any check is dropped and counted by {@link HandshakeRefusal}, with
 * no exception and no text made for it; a message 2 that fails leaves its handshake pending. Every
 * intermediate secret of a handshake is wiped once used, and its ephemeral key when it ends.
 *
 * <h2>Threads</h2>
 * One thread per endpoint receives: it opens data packets, completes the initiators' handshakes
 * and calls the handlers, which must not block for long. A responder runs the DH of message 1s on
 * a thread of its own, fed through a bounded queue after the checks that cost no DH (length,
 * pacing), so a flood of message 1s never holds up the data packets behind it: a full queue drops
 * the next message 1 ({@link HandshakeRefusal#BUSY}). {@link #connect} blocks its caller until
 * the handshake completes or times out; {@link #send} may be called from any thread. One timer
 * thread keeps the sessions by the endpoint's {@link SessionPolicy}: handshake retries with
 * backoff, heartbeats on idle sessions, dead sessions removed, unconfirmed ones expired.
 *
 * <h2>Session lifetime</h2>
 * A responder's session seals nothing (data or heartbeat) until an authenticated packet from the
 * initiator arrives on it (key confirmation: until then message 1 may have been a replay);
 * unconfirmed sessions expire after the handshake timeout and are capped, the oldest dropped
 * first. Message 1s are paced per source address before any DH. Every end is told to
 * {@link SessionListener#onSessionEnded} with its {@link SessionEnd}.
 */
public final class DatagramEndpoint implements AutoCloseable {
    /** How long a responder remembers the ephemeral key of a message 1 it accepted. */
    public static final Duration REPLAY_PERIOD = Duration.ofMinutes(3);
    /** At most this many ephemeral keys are remembered (about 120 bytes each). */
    public static final int REPLAY_CAPACITY = 1 << 16;
    /** At most this many source addresses are paced at once (about 100 bytes each). */
    public static final int PACED_SOURCES = 1 << 16;
    /**
     * Message 1s that passed the cheap checks and wait for the responder's DH, at most (about
     * 150 bytes each); more are dropped (BUSY) until it catches up.
     */
    public static final int HANDSHAKE_QUEUE = 1024;

    /** What the application does with each data packet that opened. */
    @FunctionalInterface
    public interface PacketHandler {
        /**
         * Called on the endpoint's receive thread; {@code packet} is valid until it returns.
         *
         * @param session the session the packet came on
         * @param packet the opened packet (header and events)
         */
        void onPacket(PeerSession session, OpenedPacket packet);
    }

    /** What the application does with each session made, as responder or as initiator. */
    @FunctionalInterface
    public interface SessionListener {
        /**
         * Called on the endpoint's receive thread, once the session can seal and open.
         *
         * @param session the new session
         */
        void onSession(PeerSession session);

        /**
         * Called when a session ends, once, with why (on the thread that ended it: the timer's,
         * the receive thread's, or the one that closed it). Its keys are wiped by then.
         *
         * @param session the session
         * @param why why it ended
         */
        default void onSessionEnded(PeerSession session, SessionEnd why) {}

        /**
         * Called when a re-handshake replaced a session's keys (its {@link PeerSession#sessionId()}
         * is the new one): on the initiator at message 2, on the responder at the initiator's
         * first packet under the new keys.
         *
         * @param session the session
         */
        default void onSessionRekeyed(PeerSession session) {}
    }

    private static final System.Logger LOG = System.getLogger("dev.netseal");
    private static final byte[] EMPTY = new byte[0];

    /** The socket, or null when the application carries the datagrams ({@link Builder#transport}). */
    private final @Nullable DatagramChannel channel;
    private final DatagramTransport transport;
    private final AeadBackend backend;
    private final ThreadLocalPool pool;
    private final boolean ownsPool;
    private final SessionTable table;
    private final SessionIdMap<PeerSession> sessions = new SessionIdMap<>();
    private final @Nullable PacketHandler packetHandler;
    private final SessionPolicy policy;
    private final EndpointCounters counters = new EndpointCounters();
    /** The handshakes, the sessions' lives, the timer and the threads. */
    private final EndpointCore<PeerSession, SealingSession> core;
    private volatile boolean closed;

    // Receive thread only.
    private final ByteBuffer in = ByteBuffer.allocateDirect(NetV1.MAX_PACKET_SIZE + 1).order(ByteOrder.LITTLE_ENDIAN);
    private final OpenedPacket opened = new OpenedPacket();

    private DatagramEndpoint(Builder b) throws IOException {
        this.backend = b.backend;
        this.packetHandler = b.packetHandler;
        this.policy = b.policy;
        this.table = SessionTable.builderOnBackend(backend).build();
        ThreadLocalPool given = b.pool;
        this.ownsPool = given == null;
        this.pool = given == null
                ? ThreadLocalPool.buildersOnBackend(backend, b.poolSize, ThreadLocalPool.DEFAULT_LOCAL_CAPACITY) : given;
        try {
            this.channel = b.transport != null ? null
                    : ReceiveLoop.bind(Objects.requireNonNull(b.bind, "start() requires bind(address) without a transport"),
                            b.receiveBuffer);
        } catch (IOException | RuntimeException e) {
            table.close();
            if (ownsPool) {
                pool.close();
            }
            throw e;
        }
        this.transport = channel == null
                ? Objects.requireNonNull(b.transport, "no socket: start() requires a transport(...)") : channel::send;
        String name = channel == null ? "transport-" + Integer.toHexString(System.identityHashCode(this))
                : String.valueOf(localAddress().getPort());
        SessionListener l = b.sessionListener;
        EndpointContext<PeerSession, SealingSession> ctx = new EndpointContext<>(policy, policy::backoffAfter,
                b.clock != null ? b.clock : System::nanoTime, counters, () -> closed, backend,
                new SessionIndex<>(id -> sessions.get(id) != null, sessions::put, sessions::remove, sessions::forEachValue),
                new RxTable(table::contains, table::add, table::remove, table::rekey, table::highestAccepted),
                new Sealers<>(pool::newSession, SealingSession::close, SealingSession::isClosed,
                        tx -> tx.current().counter.get(), (tx, to) -> {
                            try (PacketBuilder heartbeat = pool.get()) {
                                transport.send(heartbeat.buildHeartbeat(tx), to);
                            }
                        }),
                l == null ? SessionEvents.none() : new SessionEvents<>(l::onSession, l::onSessionEnded, l::onSessionRekeyed),
                (state, peerPayload) -> new PeerSession(this, state, peerPayload), s -> s.state,
                (message, to) -> transport.send(ByteBuffer.wrap(Wire.handshakePacket(message)), to));
        Responder.@Nullable Keys accept = b.identity == null ? null : new Responder.Keys(lent(b.identity.privateKey, "identity"),
                b.identity.publicKeyUnsafe(),
                lent(Objects.requireNonNull(b.psk, "accept() takes a pre-shared key").key, "pre-shared key"),
                b.prologue, b.responsePayload);
        this.core = new EndpointCore<>(ctx, accept,
                new Responder.Bounds(HANDSHAKE_QUEUE, REPLAY_PERIOD.toNanos(), REPLAY_CAPACITY, PACED_SOURCES),
                p -> HandshakeReader.refusal(p) != null, name);
        core.start(channel, in, this::handle, b.timer, b.clock != null, name);
    }

    /** A secret of an identity or a pre-shared key, lent to one handshake at a time. */
    private static LentKey lent(GuardedSecret secret, String what) {
        return new LentKey(() -> secret.acquire(what), secret::release);
    }

    /**
     * Settings for an endpoint.
     *
     * @return a builder: bind address required, not accepting, no handlers
     */
    public static Builder builder() {
        return new Builder(Backends.active());
    }

    static Builder builderOnBackend(AeadBackend backend) {
        return new Builder(backend);
    }

    /**
     * The address the socket is bound to.
     *
     * @return the local address (with the port the system chose, when 0 was asked)
     */
    public InetSocketAddress localAddress() {
        if (channel == null) {
            throw new IllegalStateException("this endpoint has no socket of its own: its datagrams go through a transport");
        }
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The pool whose builders seal for this endpoint's sessions (made by the endpoint unless one
     * was given): {@code try (PacketBuilder b = endpoint.pool().get()) { ... }}.
     *
     * @return the pool
     */
    public ThreadLocalPool pool() {
        return pool;
    }

    /**
     * Runs a handshake as initiator with an empty prologue and payload; see
     * {@link #connect(InetSocketAddress, byte[], PresharedKey, byte[], byte[])}.
     *
     * @param to the responder's address
     * @param responderPublicKey the responder's static public key (32 bytes)
     * @param psk the mesh's pre-shared key
     * @return the session
     * @throws IOException if the handshake timed out (a {@link SocketTimeoutException}) or the
     *         message could not be sent
     */
    public PeerSession connect(InetSocketAddress to, byte[] responderPublicKey, PresharedKey psk) throws IOException {
        return connect(to, responderPublicKey, psk, EMPTY, EMPTY);
    }

    /**
     * Runs a handshake as initiator: sends message 1 to {@code to} and waits for a message 2 that
     * completes it: the policy's attempts, each waiting its handshake timeout. A responder
     * that refuses message 1 (another pre-shared key, another static key, another prologue) sends
     * nothing: that is a timeout here. One handshake per responder address at a time.
     *
     * @param to the responder's address (resolved)
     * @param responderPublicKey the responder's static public key (32 bytes)
     * @param psk the mesh's pre-shared key
     * @param prologue the prologue, which the responder's must equal (empty on a point-to-point link)
     * @param payload the message 1 payload (encrypted; at most 8060 bytes)
     * @return the session
     * @throws IOException if the handshake timed out (a {@link SocketTimeoutException}, whose message
     *         says what may be wrong) or the message could not be sent
     */
    public PeerSession connect(InetSocketAddress to, byte[] responderPublicKey, PresharedKey psk, byte[] prologue,
                               byte[] payload) throws IOException {
        return Initiators.await(connectAsync(to, responderPublicKey, psk, prologue, payload), to);
    }

    /**
     * As {@link #connect(InetSocketAddress, byte[], PresharedKey, byte[], byte[])}, without
     * blocking: the future completes with the session, or fails with a
     * {@link SocketTimeoutException} once every attempt timed out (the policy's attempts, each a
     * fresh message 1 with a fresh ephemeral key, with backoff between them), or with the
     * reason the handshake could not go on. Cancelling it abandons the handshake.
     *
     * @param to the responder's address (resolved)
     * @param responderPublicKey the responder's static public key (32 bytes)
     * @param psk the mesh's pre-shared key (held by the handshake until it ends: do not close it before)
     * @param prologue the prologue, which the responder's must equal
     * @param payload the message 1 payload (encrypted; at most 8060 bytes)
     * @return the session, when the handshake completes
     */
    public CompletableFuture<PeerSession> connectAsync(InetSocketAddress to, byte[] responderPublicKey,
                                                       PresharedKey psk, byte[] prologue, byte[] payload) {
        Initiators.checkArguments(to, responderPublicKey, payload);
        checkOpen();
        if (psk.key.dh.getClass() != Backends.x25519For(backend).getClass()) { // keys work with their backend's X25519
            throw new IllegalArgumentException("pre-shared key was made on another backend than this endpoint's");
        }
        return core.connect(to, new Dial(responderPublicKey.clone(), lent(psk.key, "pre-shared key"),
                prologue.clone(), payload.clone()));
    }

    /**
     * Sends {@code packet} (a sealed packet, e.g. from a builder with {@code peer.sealing()}) to
     * the session's peer.
     *
     * @param session the session
     * @param packet the packet's remaining bytes
     * @throws IOException if the socket refuses it
     */
    public void send(PeerSession session, ByteBuffer packet) throws IOException {
        transport.send(packet, session.remoteAddress());
    }

    /**
     * Seals the events (each its remaining bytes) in one data packet for {@code session}, on one of
     * the endpoint's builders, and sends it to the peer.
     *
     * @param session the session
     * @param streamId the stream id
     * @param sequence the sequence number
     * @param events the events
     * @throws IOException if the socket refuses the packet
     */
    public void send(PeerSession session, long streamId, long sequence, ByteBuffer... events) throws IOException {
        try (PacketBuilder b = pool.get()) {
            b.begin(session.sealing(), streamId, sequence, 0);
            for (ByteBuffer e : events) {
                b.event(e);
            }
            transport.send(b.seal(), session.remoteAddress());
        }
    }

    /**
     * Opens a data packet of one of this endpoint's sessions that arrived some other way (another
     * socket, a batch receive path): the same checks and replay window as the endpoint's own
     * receive thread, which opens what arrives on its socket. Thread-safe; allocation-free with a
     * reused {@code into}. Does not call the packet handler. A packet that opens confirms a
     * responder's session, as on the endpoint's own socket.
     *
     * @param packet the packet: its remaining bytes, opened in place
     * @param into where the result goes (the header and events, or the refusal)
     * @return true when the packet opened
     */
    public boolean tryOpen(ByteBuffer packet, OpenedPacket into) {
        if (!table.tryOpen(packet, into)) {
            return false;
        }
        opened(into.sessionId());
        return true;
    }

    /**
     * The session with id {@code sessionId}, if it is open here.
     *
     * @param sessionId the session id
     * @return the session, or null
     */
    @SuppressWarnings("exports") // @Nullable's module is for compilers only (requires static), not for users
    public @Nullable PeerSession session(long sessionId) {
        return sessions.get(sessionId);
    }

    /**
     * The open sessions, a moment's view.
     *
     * @return the sessions
     */
    public List<PeerSession> sessions() {
        return new ArrayList<>(core.sessions());
    }

    /**
     * How many handshake packets were dropped for {@code reason}.
     *
     * @param reason the reason
     * @return the count since the endpoint started
     */
    public long handshakeRefusals(HandshakeRefusal reason) {
        return counters.handshakeRefusals(reason);
    }

    /**
     * How many data packets were refused for {@code reason} (see {@link SessionTable#tryOpen}).
     *
     * @param reason the reason
     * @return the count since the endpoint started
     */
    public long dataRefusals(Reason reason) {
        return counters.dataRefusals(reason);
    }

    /**
     * Handshakes this endpoint started as initiator (one per connect, whatever its attempts).
     *
     * @return the count
     */
    public long handshakesStarted() {
        return counters.handshakesStarted();
    }

    /**
     * Handshakes completed here, as initiator or responder (a session was made).
     *
     * @return the count
     */
    public long handshakesCompleted() {
        return counters.handshakesCompleted();
    }

    /**
     * Heartbeats the timer sealed and sent on idle sessions.
     *
     * @return the count
     */
    public long heartbeatsSent() {
        return counters.heartbeatsSent();
    }

    /**
     * Sessions that ended for {@code why}.
     *
     * @param why the reason
     * @return the count
     */
    public long sessionsEnded(SessionEnd why) {
        return counters.sessionsEnded(why);
    }

    /**
     * Responder sessions waiting for the initiator's first packet now.
     *
     * @return the count
     */
    public int unconfirmedSessions() {
        return core.unconfirmedSessions();
    }

    /**
     * The rules this endpoint keeps its sessions by.
     *
     * @return the policy
     */
    public SessionPolicy policy() {
        return policy;
    }

    /**
     * True once closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    /** Closes the socket, fails the handshakes in progress and closes every session. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        core.close();
        table.close();
        if (ownsPool) {
            pool.close();
        }
    }

    void closeSession(PeerSession s) {
        core.end(s, SessionEnd.CLOSED);
    }

    /**
     * One look at every handshake in progress and every session, at the clock's time now: the
     * timer runs it every {@link SessionPolicy#tick()}; an endpoint with a time source of its own
     * ({@link Builder#clock}) runs no timer, and its owner calls this.
     */
    void tick() {
        core.tick();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("endpoint is closed");
        }
    }

    /**
     * Hands the endpoint one datagram that arrived for it, when the application carries them
     * ({@link Builder#transport}): a handshake is run, a data packet opened and given to the
     * packet handler, anything else dropped and counted, as on the endpoint's own socket. Call it
     * from one thread at a time (a channel's event loop); it copies the datagram once and never
     * keeps it.
     *
     * @param datagram the datagram's remaining bytes (its position is not moved)
     * @param from where it came from
     * @throws IllegalStateException if the endpoint has a socket of its own, or is closed
     */
    public void receive(ByteBuffer datagram, InetSocketAddress from) {
        if (channel != null) {
            throw new IllegalStateException("this endpoint receives on its own socket");
        }
        checkOpen();
        ReceiveLoop.copy(datagram, in);
        handle(from);
    }

    /** One datagram in {@code in}: a handshake or data. */
    private void handle(InetSocketAddress from) {
        try {
            if (HandshakeReader.isHandshake(in)) {
                core.handshake(in, from);
            } else {
                onData();
            }
        } catch (RuntimeException e) {
            // A handler's failure, or a session made while the endpoint closes: the receive
            // thread goes on, and nothing secret is in what the library throws.
            if (!closed) {
                LOG.log(Level.WARNING, "netseal endpoint: a packet's handling failed", e);
            }
        }
    }

    private void onData() {
        if (!table.tryOpen(in, opened)) {
            counters.refused(Objects.requireNonNull(opened.refusal(), "a refused open names its reason"));
            return;
        }
        PeerSession s = opened(opened.sessionId());
        if (s != null && packetHandler != null && (opened.flags() & NetV1.FLAG_HEARTBEAT) == 0) {
            packetHandler.onPacket(s, opened);
        }
    }

    /** A packet opened under {@code id}: its session, which it may confirm or move to new keys; null if gone. */
    private @Nullable PeerSession opened(long id) {
        PeerSession s = sessions.get(id);
        if (s != null) {
            core.opened(s, id);
        }
        return s;
    }

    /** Settings for a {@link DatagramEndpoint} (the setters are {@link EndpointSettings}'). */
    public static final class Builder extends EndpointSettings<Builder> {
        private Builder(AeadBackend backend) {
            super(backend);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Binds the socket and starts the receive thread.
         *
         * @return the endpoint
         * @throws IOException if the socket cannot be bound
         */
        public DatagramEndpoint start() throws IOException {
            if (bind == null && transport == null) {
                throw new IllegalStateException("bind(address) or transport(...) is required");
            }
            if (bind != null && transport != null) {
                throw new IllegalStateException("bind(address) or transport(...), not both");
            }
            return new DatagramEndpoint(this);
        }
    }
}
