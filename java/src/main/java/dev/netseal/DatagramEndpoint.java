package dev.netseal;

import dev.netseal.internal.keys.LiveKeys;
import dev.netseal.internal.wire.Wire;
import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.handshake.EphemeralReplayCache;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.NoiseCrypto;
import dev.netseal.internal.handshake.SessionKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import org.jctools.maps.NonBlockingHashMapLong;

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
    public static final Duration REPLAY_PERIOD = Duration.ofSeconds(180);
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
    private static final int MESSAGE_MIN = HandshakeState.messageLength(0);

    /** The socket, or null when the application carries the datagrams ({@link Builder#transport}). */
    private final DatagramChannel channel;
    private final DatagramTransport transport;
    private final AeadBackend backend;
    private final ThreadLocalPool pool;
    private final boolean ownsPool;
    private final SessionTable table;
    private final NonBlockingHashMapLong<PeerSession> sessions = new NonBlockingHashMapLong<>();
    private final ConcurrentHashMap<SocketAddress, Pending> pending = new ConcurrentHashMap<>();
    /** A responder's sessions by their initiator's address: a message 1 from there is a re-handshake. */
    private final ConcurrentHashMap<SocketAddress, PeerSession> byRemote = new ConcurrentHashMap<>();
    private final Identity identity;
    private final PresharedKey acceptPsk;
    private final byte[] acceptPrologue;
    private final byte[] responsePayload;
    private final PacketHandler packetHandler;
    private final SessionListener sessionListener;
    private final SessionPolicy policy;
    /** Nanoseconds, monotonic: System::nanoTime unless a test drives the clock. */
    private final java.util.function.LongSupplier clock;
    /** Runs {@link #tick()}; null when a test calls it. */
    private final java.util.concurrent.ScheduledExecutorService timer;
    /** The ticks scheduled, cancelled on close (also on a timer the application gave). */
    private final java.util.concurrent.ScheduledFuture<?> ticking;
    /** Responder sessions not confirmed yet, oldest first; guarded by itself. */
    private final java.util.ArrayDeque<PeerSession> unconfirmed = new java.util.ArrayDeque<>();
    private final java.util.concurrent.atomic.AtomicLong handshakesStarted = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong handshakesCompleted = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong heartbeatsSent = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicLongArray sessionsEnded = new AtomicLongArray(SessionEnd.values().length);
    private final AtomicLongArray handshakeRefusals = new AtomicLongArray(HandshakeRefusal.values().length);
    private final AtomicLongArray dataRefusals = new AtomicLongArray(Reason.values().length);
    private final Thread receiver;
    private volatile boolean closed;

    /** Message 1s waiting for the responder thread; full, the receive thread drops the next. */
    private final java.util.concurrent.ArrayBlockingQueue<Message1> message1s =
            new java.util.concurrent.ArrayBlockingQueue<>(HANDSHAKE_QUEUE);
    /** Runs the responder's handshakes; null for an endpoint that does not accept. */
    private final Thread responder;

    // The responder thread only.
    private final EphemeralReplayCache replays;
    private final NoiseCrypto responderCrypto;
    private final byte[] responderPayload = new byte[NetV1.MAX_HANDSHAKE_PAYLOAD];

    // Receive thread only.
    private final dev.netseal.internal.handshake.SourcePacer pacer;
    private final byte[] message = new byte[NetV1.MAX_HANDSHAKE_PAYLOAD];
    private final byte[] payload = new byte[NetV1.MAX_HANDSHAKE_PAYLOAD];
    private final ByteBuffer in;
    private final OpenedPacket opened = new OpenedPacket();

    private DatagramEndpoint(Builder b) throws IOException {
        this.backend = b.backend;
        this.identity = b.identity;
        this.acceptPsk = b.psk;
        this.acceptPrologue = b.prologue;
        this.responsePayload = b.responsePayload;
        this.packetHandler = b.packetHandler;
        this.sessionListener = b.sessionListener;
        this.policy = b.policy;
        this.clock = b.clock;
        this.pacer = new dev.netseal.internal.handshake.SourcePacer(policy.handshakesPerSecondPerSource(), PACED_SOURCES);
        this.replays = new EphemeralReplayCache(REPLAY_PERIOD.toNanos(), REPLAY_CAPACITY);
        this.responderCrypto = new NoiseCrypto(backend, NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN);
        this.in = ByteBuffer.allocateDirect(NetV1.MAX_PACKET_SIZE + 1).order(ByteOrder.LITTLE_ENDIAN);
        this.table = SessionTable.builderOnBackend(backend).build();
        this.ownsPool = b.pool == null;
        this.pool = ownsPool
                ? ThreadLocalPool.buildersOnBackend(backend, b.poolSize, ThreadLocalPool.DEFAULT_LOCAL_CAPACITY) : b.pool;
        String name;
        if (b.transport != null) {
            this.channel = null;
            this.transport = b.transport;
            this.receiver = null;
            name = "transport-" + Integer.toHexString(System.identityHashCode(this));
        } else {
            DatagramChannel ch = DatagramChannel.open();
            try {
                // A server's bursts overflow the system's default (about 200 KiB) long before the
                // receive thread falls behind for good; the kernel caps this at net.core.rmem_max.
                ch.setOption(StandardSocketOptions.SO_RCVBUF, b.receiveBuffer);
                ch.bind(b.bind);
            } catch (IOException | RuntimeException e) {
                ch.close();
                table.close();
                if (ownsPool) {
                    pool.close();
                }
                throw e;
            }
            this.channel = ch;
            this.transport = ch::send;
            name = String.valueOf(localAddress().getPort());
            this.receiver = new Thread(this::receiveLoop, "netseal-endpoint-" + name);
            receiver.setDaemon(true);
            receiver.start();
        }
        if (identity != null) {
            this.responder = new Thread(this::respondLoop, "netseal-endpoint-handshakes-" + name);
            responder.setDaemon(true);
            responder.start();
        } else {
            this.responder = null;
        }
        long tick = policy.tick().toNanos();
        if (b.manualTicks) {
            this.timer = null;
            this.ticking = null;
        } else if (b.timer != null) {
            this.timer = null; // the application's: not ours to shut down
            this.ticking = b.timer.scheduleWithFixedDelay(this::tickSafely, tick, tick, TimeUnit.NANOSECONDS);
        } else {
            this.timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "netseal-endpoint-timer-" + name);
                t.setDaemon(true);
                return t;
            });
            this.ticking = timer.scheduleWithFixedDelay(this::tickSafely, tick, tick, TimeUnit.NANOSECONDS);
        }
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
        CompletableFuture<PeerSession> f = connectAsync(to, responderPublicKey, psk, prologue, payload);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the handshake with " + hostPort(to), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SocketTimeoutException t) {
                SocketTimeoutException copy = new SocketTimeoutException(t.getMessage());
                copy.initCause(t);
                throw copy;
            }
            if (cause instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        }
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
        Objects.requireNonNull(to, "to");
        if (to.isUnresolved()) {
            throw new IllegalArgumentException("address " + to + " is unresolved");
        }
        checkPayload(payload);
        if (responderPublicKey.length != HandshakeState.DH_LEN) {
            throw new IllegalArgumentException("responder's static public key must be " + HandshakeState.DH_LEN
                    + " bytes, got " + responderPublicKey.length);
        }
        checkOpen();
        checkSameBackend(psk.key.dh, "pre-shared key");
        Pending p = new Pending(to, responderPublicKey.clone(), psk, prologue.clone(), payload.clone(),
                new NoiseCrypto(backend, NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN), null);
        byte[] message1 = p.nextAttempt(clock.getAsLong(), policy); // throws what a bad key or a closed PSK is
        if (pending.putIfAbsent(to, p) != null) {
            p.finish();
            throw new IllegalStateException("a handshake with " + hostPort(to) + " is already in progress");
        }
        p.result.whenComplete((s, e) -> {
            if (pending.remove(to, p)) {
                p.finish(); // cancelled, or failed by the timer: wipe its state
            }
        });
        if (closed) { // close() may have run before the put: it would not see this handshake
            p.fail(new ClosedChannelException());
            return p.result;
        }
        handshakesStarted.incrementAndGet();
        sendHandshake(message1, to, p);
        return p.result;
    }

    private void sendHandshake(byte[] message, InetSocketAddress to, Pending p) {
        try {
            transport.send(ByteBuffer.wrap(Wire.handshakePacket(message)), to);
        } catch (IOException e) {
            if (pending.remove(to, p)) {
                p.fail(e);
            }
        }
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
        PeerSession s = sessions.get(into.sessionId());
        if (s != null && !s.isConfirmed()) {
            confirm(s);
        }
        if (s != null && s.nextTx != null && into.sessionId() != s.sessionId()) {
            promote(s, into.sessionId());
        }
        return true;
    }

    /** The initiator's first authenticated packet on {@code s}: it holds the keys, the session may seal. */
    private void confirm(PeerSession s) {
        s.confirm();
        synchronized (unconfirmed) {
            unconfirmed.remove(s);
        }
    }

    /**
     * The session with id {@code sessionId}, if it is open here.
     *
     * @param sessionId the session id
     * @return the session, or null
     */
    public PeerSession session(long sessionId) {
        return sessions.get(sessionId);
    }

    /**
     * The open sessions, a moment's view.
     *
     * @return the sessions
     */
    public List<PeerSession> sessions() {
        return new ArrayList<>(distinctSessions());
    }

    /** Every open session once (a session in a re-handshake's grace period answers to two ids). */
    private java.util.Collection<PeerSession> distinctSessions() {
        java.util.Set<PeerSession> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        all.addAll(sessions.values());
        return all;
    }

    /**
     * How many handshake packets were dropped for {@code reason}.
     *
     * @param reason the reason
     * @return the count since the endpoint started
     */
    public long handshakeRefusals(HandshakeRefusal reason) {
        return handshakeRefusals.get(reason.ordinal());
    }

    /**
     * How many data packets were refused for {@code reason} (see {@link SessionTable#tryOpen}).
     *
     * @param reason the reason
     * @return the count since the endpoint started
     */
    public long dataRefusals(Reason reason) {
        return dataRefusals.get(reason.ordinal());
    }

    /**
     * Handshakes this endpoint started as initiator (one per connect, whatever its attempts).
     *
     * @return the count
     */
    public long handshakesStarted() {
        return handshakesStarted.get();
    }

    /**
     * Handshakes completed here, as initiator or responder (a session was made).
     *
     * @return the count
     */
    public long handshakesCompleted() {
        return handshakesCompleted.get();
    }

    /**
     * Heartbeats the timer sealed and sent on idle sessions.
     *
     * @return the count
     */
    public long heartbeatsSent() {
        return heartbeatsSent.get();
    }

    /**
     * Sessions that ended for {@code why}.
     *
     * @param why the reason
     * @return the count
     */
    public long sessionsEnded(SessionEnd why) {
        return sessionsEnded.get(why.ordinal());
    }

    /**
     * Responder sessions waiting for the initiator's first packet now.
     *
     * @return the count
     */
    public int unconfirmedSessions() {
        synchronized (unconfirmed) {
            return unconfirmed.size();
        }
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
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "closing the endpoint's socket", e);
            }
        }
        if (ticking != null) {
            ticking.cancel(false);
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (responder != null) {
            responder.interrupt();
            if (Thread.currentThread() != responder) {
                try {
                    responder.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        if (receiver != null && Thread.currentThread() != receiver) {
            try {
                receiver.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Pending p : pending.values()) {
            if (pending.remove(p.to, p)) {
                p.fail(new ClosedChannelException());
            }
        }
        for (PeerSession s : distinctSessions()) {
            end(s, SessionEnd.ENDPOINT_CLOSED);
        }
        table.close();
        if (ownsPool) {
            pool.close();
        }
    }

    void closeSession(PeerSession s) {
        end(s, SessionEnd.CLOSED);
    }

    /** Ends {@code s} once: unmaps it, wipes both keys, counts it and tells the listener. */
    private void end(PeerSession s, SessionEnd why) {
        boolean mine = sessions.remove(s.sessionId(), s);
        List<SealingSession> txs = new ArrayList<>();
        synchronized (s) {
            txs.add(s.tx());
            if (s.nextTx != null) {
                txs.add(s.nextTx);
                sessions.remove(s.nextId, s);
                s.nextTx = null;
            }
            txs.addAll(s.retiring);
            s.retiring.clear();
            s.retireAt.clear();
            sessions.remove(s.rxId, s);
            for (long id : s.oldIds) {
                sessions.remove(id, s);
            }
        }
        for (SealingSession tx : txs) {
            tx.close();
        }
        if (!mine) {
            return;
        }
        byRemote.remove(s.remoteAddress(), s);
        table.remove(s.rxId);
        synchronized (unconfirmed) {
            unconfirmed.remove(s);
        }
        sessionsEnded.incrementAndGet(why.ordinal());
        if (sessionListener != null) {
            try {
                sessionListener.onSessionEnded(s, why);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "netseal endpoint: a session listener failed", e);
            }
        }
    }

    // ---- the timer: retries, heartbeats, dead sessions, unconfirmed sessions ----------------

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException | Error e) {
            if (!closed) {
                LOG.log(Level.WARNING, "netseal endpoint: the session timer failed; going on", e);
            }
        }
    }

    /**
     * One look at every handshake in progress and every session, at the clock's time now: the
     * timer runs it every {@link SessionPolicy#tick()} (tests with their own clock call it). An
     * idle session costs a few loads here; nothing is scheduled per session or per packet, and
     * what a session sent or received is read from its nonce counter and its replay window, so
     * the packet paths write nothing for this.
     */
    void tick() {
        if (closed) {
            return;
        }
        long now = clock.getAsLong();
        for (Pending p : pending.values()) {
            byte[] message1 = p.onTick(now, policy, this::handshakeTimedOut);
            if (message1 != null) {
                sendHandshake(message1, p.to, p);
            }
        }
        long timeout = policy.handshakeTimeout().toNanos();
        long heartbeat = policy.heartbeatAfter().toNanos();
        long dead = policy.deadAfter().toNanos();
        for (PeerSession s : distinctSessions()) {
            if (!s.isConfirmed()) {
                if (now - s.establishedNanos() >= timeout) {
                    end(s, SessionEnd.UNCONFIRMED_EXPIRED);
                }
                continue;
            }
            tickKeys(s, now);
            if (s.isClosed()) {
                continue;
            }
            long rx = table.highestAccepted(s.rxId);
            if (rx != s.lastRxHighest) {
                s.lastRxHighest = rx;
                s.lastRxChange = now;
            } else if (now - s.lastRxChange >= dead) {
                end(s, SessionEnd.TIMED_OUT);
                continue;
            }
            long tx = s.tx().current().counter.get();
            if (tx != s.lastTxCounter) {
                s.lastTxCounter = tx;
                s.lastTxChange = now;
            } else if (now - s.lastTxChange >= heartbeat) {
                sendHeartbeat(s);
                s.lastTxChange = now;
            }
        }
    }

    /**
     * Installs a re-handshake's keys on {@code s}: the table opens under the new id at once, the
     * old rx key stays for its grace period. The initiator seals under the new keys at once (the
     * responder opens them since it sent message 2); the responder holds them until the
     * initiator's first packet under them ({@link #promote}). False if the new id is taken.
     */
    private boolean rekey(PeerSession s, byte[] h, boolean initiator) {
        try (SessionKeys keys = SessionKeys.derive(h)) {
            Arrays.fill(h, (byte) 0);
            long id = keys.sessionId();
            if (sessions.containsKey(id) || table.contains(id)) {
                refuse(HandshakeRefusal.SESSION_ID_IN_USE);
                return false;
            }
            SealingSession next = pool.newSession(keys.sealingKey(initiator), id);
            long now = clock.getAsLong();
            synchronized (s) {
                if (s.isClosed()) {
                    next.close();
                    return false;
                }
                long oldRx = s.rxId;
                table.rekey(oldRx, keys.openingKey(initiator), id);
                s.rxId = id;
                sessions.put(id, s);
                s.oldIds.add(oldRx);
                if (initiator) {
                    swap(s, next, id, now);
                    s.rekeying = false;
                } else {
                    if (s.nextTx != null) { // an earlier re-handshake never confirmed: this one replaces it
                        retire(s, s.nextTx, now);
                    }
                    s.nextTx = next;
                    s.nextId = id;
                }
            }
            return true;
        }
    }

    /** The initiator's first packet under {@code id}, the keys a re-handshake gave: seal with them. */
    private void promote(PeerSession s, long id) {
        synchronized (s) {
            if (s.nextTx == null || s.nextId != id) {
                return;
            }
            swap(s, s.nextTx, id, clock.getAsLong());
            s.nextTx = null;
        }
        rekeyed(s);
    }

    /** Seals with {@code next} from now on; the tx it replaces finishes its seals, then closes. Under s's lock. */
    private void swap(PeerSession s, SealingSession next, long id, long now) {
        retire(s, s.tx(), now);
        s.replaceTx(next, id);
        s.keysMade = now;
    }

    /** Closes {@code tx} a second from now: a thread that took it just before the swap still seals. */
    private void retire(PeerSession s, SealingSession tx, long now) {
        s.retiring.add(tx);
        s.retireAt.add(now + 1_000_000_000L);
    }

    private void rekeyed(PeerSession s) {
        if (sessionListener != null) {
            try {
                sessionListener.onSessionRekeyed(s);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "netseal endpoint: a session listener failed", e);
            }
        }
    }

    /** The timer's look at one session's keys: old txs to close, old ids gone, a re-handshake due, keys too old. */
    private void tickKeys(PeerSession s, long now) {
        List<SealingSession> closing = new ArrayList<>();
        boolean startRekey = false;
        synchronized (s) {
            for (int i = s.retiring.size() - 1; i >= 0; i--) {
                if (now - s.retireAt.get(i) >= 0) {
                    closing.add(s.retiring.remove(i));
                    s.retireAt.remove(i);
                }
            }
            for (int i = s.oldIds.size() - 1; i >= 0; i--) {
                long id = s.oldIds.get(i);
                if (!table.contains(id)) { // its grace period is over
                    sessions.remove(id, s);
                    s.oldIds.remove(i);
                }
            }
            long age = now - s.keysMade;
            if (s.redial != null && !s.rekeying && s.isConfirmed()
                    && (age >= policy.rekeyAfter().toNanos()
                        || Long.compareUnsigned(s.tx().current().counter.get(), policy.rekeyAfterPackets()) >= 0)) {
                s.rekeying = true; // one re-handshake at a time: its own attempts and backoff, then another
                startRekey = true;
            }
        }
        for (SealingSession tx : closing) {
            tx.close();
        }
        if (now - s.keysMade >= policy.rejectAfter().toNanos() - policy.tick().toNanos()) {
            end(s, SessionEnd.KEYS_EXPIRED); // a tick early rather than one seal late
            return;
        }
        if (startRekey) {
            startRekey(s, now);
        }
    }

    private void startRekey(PeerSession s, long now) {
        PeerSession.Redial r = s.redial;
        Pending p;
        byte[] message1;
        try {
            p = new Pending(s.remoteAddress(), r.responderKey(), r.psk(), r.prologue(), r.payload(),
                    new NoiseCrypto(backend, NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN), s);
            message1 = p.nextAttempt(now, policy);
        } catch (RuntimeException e) { // the PSK closed: the keys age out
            synchronized (s) {
                s.rekeying = false;
            }
            LOG.log(Level.DEBUG, "netseal endpoint: a re-handshake could not start", e);
            return;
        }
        if (pending.putIfAbsent(s.remoteAddress(), p) != null) {
            p.finish();
            synchronized (s) {
                s.rekeying = false;
            }
            return;
        }
        p.result.whenComplete((done, e) -> {
            if (pending.remove(s.remoteAddress(), p)) {
                p.finish();
            }
            if (e != null) {
                synchronized (s) {
                    s.rekeying = false; // every attempt timed out: the next tick starts another, until the keys expire
                }
            }
        });
        handshakesStarted.incrementAndGet();
        sendHandshake(message1, s.remoteAddress(), p);
    }

    private SocketTimeoutException handshakeTimedOut(Pending p) {
        return new SocketTimeoutException("no handshake answer from " + hostPort(p.to) + " after "
                + policy.handshakeAttempts() + " attempt(s) of " + policy.handshakeTimeout().toMillis() + " ms"
                + p.refusedAnswers() + " (a responder refuses without answering: check its public key, the"
                + " pre-shared key, the prologue, and that it listens there)");
    }

    private void sendHeartbeat(PeerSession s) {
        try (PacketBuilder b = pool.get()) {
            transport.send(b.buildHeartbeat(s.tx()), s.remoteAddress());
            heartbeatsSent.incrementAndGet();
        } catch (IOException | IllegalStateException e) {
            // a session closed meanwhile, or a socket error: the next tick tries again
            LOG.log(Level.DEBUG, "netseal endpoint: heartbeat not sent", e);
        }
    }

    /** {@code 127.0.0.1:9000}, {@code [::1]:9000}: what people type, not InetSocketAddress's text. */
    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("endpoint is closed");
        }
    }

    /** A message's payload fits one handshake packet with the message's key and tag. */
    private static void checkPayload(byte[] payload) {
        if (payload.length > NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN) {
            throw new IllegalArgumentException("handshake payload is " + payload.length + " bytes, at most "
                    + (NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN));
        }
    }

    /** Keys of one backend only work with that backend's X25519. */
    private void checkSameBackend(Object dh, String what) {
        if (dh.getClass() != Backends.x25519For(backend).getClass()) {
            throw new IllegalArgumentException(what + " was made on another backend than this endpoint's");
        }
    }

    // ---- the receive thread -------------------------------------------------------------------

    private void receiveLoop() {
        while (!closed) {
            SocketAddress from;
            try {
                in.clear();
                from = channel.receive(in);
            } catch (ClosedChannelException e) {
                return; // close()
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "netseal endpoint: receive failed; going on", e);
                }
                continue;
            }
            if (from == null) {
                continue;
            }
            in.flip();
            handle((InetSocketAddress) from);
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
        in.clear();
        if (datagram.remaining() > in.capacity()) {
            in.put(datagram.duplicate().limit(datagram.position() + in.capacity())); // refused for its length
        } else {
            in.put(datagram.duplicate());
        }
        in.flip();
        handle(from);
    }

    /** One datagram in {@code in}: a handshake or data. */
    private void handle(InetSocketAddress from) {
        try {
            if (HandshakeReader.isHandshake(in)) {
                onHandshake(from);
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
            dataRefusals.incrementAndGet(opened.refusal().ordinal());
            return;
        }
        PeerSession s = sessions.get(opened.sessionId());
        if (s == null) {
            return;
        }
        if (!s.isConfirmed()) {
            confirm(s);
        }
        if (s.nextTx != null && opened.sessionId() != s.sessionId()) {
            promote(s, opened.sessionId());
        }
        if (packetHandler != null && (opened.flags() & NetV1.FLAG_HEARTBEAT) == 0) {
            packetHandler.onPacket(s, opened);
        }
    }

    private void refuse(HandshakeRefusal reason) {
        handshakeRefusals.incrementAndGet(reason.ordinal());
    }

    private void onHandshake(InetSocketAddress from) {
        if (HandshakeReader.refusal(in) != null) {
            refuse(HandshakeRefusal.MALFORMED);
            return;
        }
        int length = in.remaining() - NetV1.HEADER_SIZE;
        in.get(in.position() + NetV1.HEADER_SIZE, message, 0, length);
        Pending p = pending.get(from);
        HandshakeRefusal asMessage2 = null;
        if (p != null) {
            asMessage2 = completeInitiator(p, from, length);
            if (asMessage2 == null) {
                return;
            }
        }
        if (identity == null) {
            // Both peers' messages have one shape: with no handshake of ours pending from there,
            // and no responder here, it is a message 2 nobody asked for (or a message 1 in vain).
            refuse(asMessage2 != null ? asMessage2 : HandshakeRefusal.NO_PENDING_HANDSHAKE);
            return;
        }
        queueMessage1(from, length);
    }

    /** Reads a message 2 for {@code p}: null when it completed the handshake, else why not. */
    private HandshakeRefusal completeInitiator(Pending p, InetSocketAddress from, int length) {
        synchronized (p) {
            if (p.done) {
                return HandshakeRefusal.NO_PENDING_HANDSHAKE;
            }
            if (length < MESSAGE_MIN) {
                p.refused++;
                return HandshakeRefusal.MESSAGE2_WRONG_LENGTH;
            }
            int r = p.state().readMessage(message, 0, length, payload, 0);
            if (r < 0) {
                p.refused++;
                return r == HandshakeState.WEAK_KEY ? HandshakeRefusal.WEAK_KEY
                        : r == HandshakeState.TOO_SHORT ? HandshakeRefusal.MESSAGE2_WRONG_LENGTH
                        : HandshakeRefusal.MESSAGE2_AUTH_FAILED;
            }
            if (!pending.remove(from, p)) {
                return HandshakeRefusal.NO_PENDING_HANDSHAKE; // timed out just now
            }
            byte[] h = p.state().handshakeHash();
            p.finish();
            if (p.rekeyOf != null) {
                try {
                    if (rekey(p.rekeyOf, h, true)) {
                        handshakesCompleted.incrementAndGet();
                        p.result.complete(p.rekeyOf);
                        rekeyed(p.rekeyOf);
                    } else {
                        p.fail(new IOException("the re-handshake gave a session id already in use here"));
                    }
                } catch (RuntimeException e) {
                    p.fail(e);
                }
                return null;
            }
            PeerSession s;
            try {
                s = establish(h, true, from, Arrays.copyOf(payload, r), p.redial());
            } catch (RuntimeException e) { // key memory full, the endpoint closing: the caller hears it
                p.fail(e);
                return null;
            }
            if (s == null) {
                p.fail(new IOException("the handshake with " + hostPort(from) + " gave a session id already in use here"));
                return null;
            }
            handshakesCompleted.incrementAndGet();
            if (!p.result.complete(s)) { // cancelled meanwhile: nobody will use the session
                end(s, SessionEnd.CLOSED);
                return null;
            }
            announce(s);
            return null;
        }
    }

    /**
     * The receive thread's part of a message 1: the checks that cost no DH (length, pacing), then
     * a copy onto the responder's queue, or a drop when it is full. The receive thread never does a
     * responder's DH itself, so a flood of message 1s cannot hold up the data packets behind it.
     */
    private void queueMessage1(InetSocketAddress from, int length) {
        if (length < MESSAGE_MIN) {
            refuse(HandshakeRefusal.MESSAGE1_WRONG_LENGTH);
            return;
        }
        if (!pacer.allow(from, clock.getAsLong())) {
            refuse(HandshakeRefusal.PACED);
            return;
        }
        if (!message1s.offer(new Message1(from, Arrays.copyOf(message, length)))) {
            refuse(HandshakeRefusal.BUSY);
        }
    }

    /** A message 1 that passed the receive thread's checks, for the responder thread. */
    private record Message1(InetSocketAddress from, byte[] message) {}

    /** The responder thread: every queued message 1, one at a time, until the endpoint closes. */
    private void respondLoop() {
        while (!closed) {
            Message1 m;
            try {
                m = message1s.take();
            } catch (InterruptedException e) {
                return; // close()
            }
            try {
                respond(m.from(), m.message());
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "netseal endpoint: a handshake's handling failed", e);
                }
            }
        }
    }

    private void respond(InetSocketAddress from, byte[] message) {
        int length = message.length;
        long now = clock.getAsLong();
        if (replays.contains(message, 0, now)) {
            refuse(HandshakeRefusal.MESSAGE1_REPLAYED);
            return;
        }
        AeadKey staticKey;
        AeadKey pskKey;
        try {
            staticKey = identity.privateKey.acquire("identity");
        } catch (IllegalStateException closedIdentity) {
            refuse(HandshakeRefusal.NOT_ACCEPTING);
            return;
        }
        try {
            try {
                pskKey = acceptPsk.key.acquire("pre-shared key");
            } catch (IllegalStateException closedPsk) {
                refuse(HandshakeRefusal.NOT_ACCEPTING);
                return;
            }
            try (HandshakeState state = HandshakeState.responder(responderCrypto, acceptPrologue, pskKey, staticKey,
                    identity.publicKeyUnsafe())) {
                byte[] payload = responderPayload;
                int r = state.readMessage(message, 0, length, payload, 0);
                if (r < 0) {
                    refuse(r == HandshakeState.WEAK_KEY ? HandshakeRefusal.WEAK_KEY
                            : r == HandshakeState.TOO_SHORT ? HandshakeRefusal.MESSAGE1_WRONG_LENGTH
                            : HandshakeRefusal.MESSAGE1_AUTH_FAILED);
                    return;
                }
                replays.remember(message, 0, now);
                byte[] peerPayload = Arrays.copyOf(payload, r);
                byte[] message2 = new byte[HandshakeState.messageLength(responsePayload.length)];
                state.writeMessage(responsePayload, 0, responsePayload.length, message2, 0);
                PeerSession existing = byRemote.get(from);
                if (existing != null && !existing.isClosed() && existing.isConfirmed()) {
                    // The same initiator again: a re-handshake. The new keys open at once and seal
                    // once the initiator's first packet under them confirms them.
                    if (!rekey(existing, state.handshakeHash(), false)) {
                        return;
                    }
                    handshakesCompleted.incrementAndGet();
                    sendMessage2(message2, from); // lost: the initiator tries again, and the old keys go on
                    return;
                }
                PeerSession s = establish(state.handshakeHash(), false, from, peerPayload, null);
                if (s == null) {
                    return;
                }
                handshakesCompleted.incrementAndGet();
                PeerSession dropped = null;
                synchronized (unconfirmed) {
                    unconfirmed.addLast(s);
                    if (unconfirmed.size() > policy.maxUnconfirmed()) {
                        dropped = unconfirmed.pollFirst();
                    }
                }
                if (dropped != null) {
                    end(dropped, SessionEnd.UNCONFIRMED_DROPPED);
                }
                if (!sendMessage2(message2, from)) {
                    s.close();
                    return;
                }
                announce(s);
            } finally {
                acceptPsk.key.release();
            }
        } finally {
            identity.privateKey.release();
        }
    }

    /** Sends a responder's message 2; false (logged at DEBUG) when the socket refuses it. */
    private boolean sendMessage2(byte[] message2, InetSocketAddress to) {
        try {
            transport.send(ByteBuffer.wrap(Wire.handshakePacket(message2)), to);
            return true;
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "netseal endpoint: message 2 could not be sent", e);
            return false;
        }
    }

    /** The session from a complete handshake's hash (wiped here), or null if its id is taken. */
    private PeerSession establish(byte[] h, boolean initiator, InetSocketAddress remote, byte[] peerPayload,
                                  PeerSession.Redial redial) {
        try (SessionKeys keys = SessionKeys.derive(h)) {
            Arrays.fill(h, (byte) 0);
            long id = keys.sessionId();
            if (sessions.containsKey(id) || table.contains(id)) {
                refuse(HandshakeRefusal.SESSION_ID_IN_USE);
                return null;
            }
            table.add(keys.openingKey(initiator), id);
            SealingSession tx;
            try {
                tx = pool.newSession(keys.sealingKey(initiator), id);
            } catch (RuntimeException e) {
                table.remove(id);
                throw e;
            }
            PeerSession s = new PeerSession(this, id, tx, remote, initiator, peerPayload,
                    LiveKeys.fingerprint(keys.sealingKey(initiator), 0), LiveKeys.fingerprint(keys.openingKey(initiator), 0),
                    clock.getAsLong(), redial);
            if (!initiator) {
                byRemote.put(remote, s);
            }
            sessions.put(id, s);
            if (closed) { // close() may have swept the sessions already
                s.close();
                throw new IllegalStateException("endpoint is closed");
            }
            return s;
        }
    }

    private void announce(PeerSession s) {
        if (sessionListener != null) {
            sessionListener.onSession(s);
        }
    }

    /**
     * An initiator's handshake: its attempts (each a fresh message 1 and ephemeral key), the one
     * waiting for message 2, and the wait between attempts. Guarded by itself; the receive thread
     * reads message 2s under it, the timer moves it on, and whoever ends it wipes its state.
     */
    private static final class Pending {
        final InetSocketAddress to;
        final CompletableFuture<PeerSession> result = new CompletableFuture<>();
        private final byte[] responderKey;
        private final PresharedKey psk;
        private final byte[] prologue;
        private final byte[] payload;
        private final NoiseCrypto crypto;
        /** The session a re-handshake renews, or null for a connect. */
        final PeerSession rekeyOf;
        private HandshakeState state;
        private int attempt;
        /** When the current attempt times out, or (resendAt set) when the next one is sent. */
        private long deadline;
        private boolean waitingToResend;
        boolean done;
        int refused;

        Pending(InetSocketAddress to, byte[] responderKey, PresharedKey psk, byte[] prologue, byte[] payload,
                NoiseCrypto crypto, PeerSession rekeyOf) {
            this.rekeyOf = rekeyOf;
            this.to = to;
            this.responderKey = responderKey;
            this.psk = psk;
            this.prologue = prologue;
            this.payload = payload;
            this.crypto = crypto;
        }

        synchronized HandshakeState state() {
            return state;
        }

        /** Starts the next attempt at {@code now}: a fresh state and its message 1. */
        synchronized byte[] nextAttempt(long now, SessionPolicy policy) {
            if (state != null) {
                state.close();
                state = null;
            }
            AeadKey pskKey = psk.key.acquire("pre-shared key");
            try {
                HandshakeState next = HandshakeState.initiator(crypto, prologue, pskKey, responderKey);
                try {
                    byte[] message1 = new byte[HandshakeState.messageLength(payload.length)];
                    next.writeMessage(payload, 0, payload.length, message1, 0);
                    state = next;
                    attempt++;
                    deadline = now + policy.handshakeTimeout().toNanos();
                    waitingToResend = false;
                    return message1;
                } catch (RuntimeException e) {
                    next.close();
                    throw e;
                }
            } finally {
                psk.key.release();
            }
        }

        /**
         * What the timer does at {@code now}: null, or the message 1 of a new attempt to send. An
         * attempt that timed out with attempts left waits the backoff first; the last one fails
         * the handshake with {@code timedOut}'s exception.
         */
        synchronized byte[] onTick(long now, SessionPolicy policy,
                                   java.util.function.Function<Pending, IOException> timedOut) {
            if (done || now - deadline < 0) {
                return null;
            }
            if (waitingToResend) {
                try {
                    return nextAttempt(now, policy);
                } catch (RuntimeException e) { // the PSK was closed meanwhile
                    fail(e);
                    return null;
                }
            }
            if (attempt >= policy.handshakeAttempts()) {
                fail(timedOut.apply(this));
                return null;
            }
            waitingToResend = true;
            deadline = now + policy.backoffAfter(attempt).toNanos();
            return null;
        }

        /** Ends the handshake's state: wipes its secrets and destroys its ephemeral key. */
        synchronized void finish() {
            if (!done) {
                done = true;
                if (state != null) {
                    state.close();
                }
            }
        }

        void fail(Throwable cause) {
            finish();
            result.completeExceptionally(cause);
        }

        PeerSession.Redial redial() {
            return new PeerSession.Redial(responderKey, psk, prologue, payload);
        }

        synchronized String refusedAnswers() {
            return refused == 0 ? "" : " (" + refused + " answer(s) refused: they did not complete this handshake)";
        }
    }

    /** Settings for a {@link DatagramEndpoint}. */
    public static final class Builder {
        private final AeadBackend backend;
        private SocketAddress bind;
        private Identity identity;
        private PresharedKey psk;
        private byte[] prologue = EMPTY;
        private byte[] responsePayload = EMPTY;
        private PacketHandler packetHandler;
        private SessionListener sessionListener;
        private SessionPolicy policy = SessionPolicy.defaults();
        private DatagramTransport transport;
        private java.util.concurrent.ScheduledExecutorService timer;
        private java.util.function.LongSupplier clock = System::nanoTime;
        private boolean manualTicks;
        private ThreadLocalPool pool;
        private int poolSize = 64;
        private int receiveBuffer = 4 << 20;

        private Builder(AeadBackend backend) {
            this.backend = backend;
        }

        /**
         * The local address to bind (port 0: any free port). Required, unless the datagrams go
         * through a {@link #transport}.
         *
         * @param address the address
         * @return this builder
         */
        public Builder bind(SocketAddress address) {
            this.bind = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Makes the endpoint a responder: it answers every valid message 1 with this identity,
         * under this pre-shared key. The endpoint does not close them.
         *
         * @param identity the responder's static key pair
         * @param psk the mesh's pre-shared key
         * @return this builder
         */
        public Builder accept(Identity identity, PresharedKey psk) {
            this.identity = Objects.requireNonNull(identity, "identity");
            this.psk = Objects.requireNonNull(psk, "psk");
            return this;
        }

        /**
         * The prologue the responder requires initiators to have used (empty by default, as on
         * net-mesh's point-to-point links).
         *
         * @param prologue the prologue (copied)
         * @return this builder
         */
        public Builder prologue(byte[] prologue) {
            this.prologue = prologue.clone();
            return this;
        }

        /**
         * The payload of every message 2 this responder sends (empty by default).
         *
         * @param payload the payload (copied; at most 8060 bytes)
         * @return this builder
         */
        public Builder responsePayload(byte[] payload) {
            checkPayload(payload);
            this.responsePayload = payload.clone();
            return this;
        }

        /**
         * What to do with each data packet that opens.
         *
         * @param handler the handler, called on the receive thread
         * @return this builder
         */
        public Builder onPacket(PacketHandler handler) {
            this.packetHandler = handler;
            return this;
        }

        /**
         * What to do with each new session.
         *
         * @param listener the listener, called on the receive thread
         * @return this builder
         */
        public Builder onSession(SessionListener listener) {
            this.sessionListener = listener;
            return this;
        }

        /**
         * How long each handshake attempt waits for message 2 (default 5 s): shorthand for
         * {@code policy(policy.withHandshakeTimeout(timeout))}.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.policy = policy.withHandshakeTimeout(timeout);
            return this;
        }

        /**
         * The rules that keep sessions alive or end them (default {@link SessionPolicy#defaults()}).
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder policy(SessionPolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Carries the endpoint's datagrams through {@code transport} instead of a socket of its
         * own (a Netty channel, say): no socket is bound and no receive thread started; the
         * application hands every datagram that arrives to {@link DatagramEndpoint#receive}.
         *
         * @param transport what sends a datagram
         * @return this builder
         */
        public Builder transport(DatagramTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Runs the session timer on {@code timer} (a channel's event loop, say) instead of a
         * thread of the endpoint's own. The endpoint cancels its ticks on close and never shuts
         * the executor down.
         *
         * @param timer the executor
         * @return this builder
         */
        public Builder timer(java.util.concurrent.ScheduledExecutorService timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** Test seam: the clock the timers read (nanoseconds), and no timer thread: the test ticks. */
        Builder manualClock(java.util.function.LongSupplier clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            this.manualTicks = true;
            return this;
        }

        /**
         * The pool whose builders seal the sessions' packets; by default the endpoint makes one of
         * 64 builders (and closes it with itself). A given pool is not closed by the endpoint.
         *
         * @param pool the pool
         * @return this builder
         */
        public Builder pool(ThreadLocalPool pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        /**
         * The socket's receive buffer to ask for (SO_RCVBUF; default 4 MiB, which the kernel caps
         * at {@code net.core.rmem_max}).
         *
         * @param bytes the size in bytes, positive
         * @return this builder
         */
        public Builder receiveBuffer(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("receive buffer must be positive, got " + bytes);
            }
            this.receiveBuffer = bytes;
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
