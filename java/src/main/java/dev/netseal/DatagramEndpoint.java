package dev.netseal;

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
 * One thread per endpoint receives: it runs the responder's handshakes, completes the initiators'
 * and calls the handlers, which must not block for long. {@link #connect} blocks its caller until
 * the handshake completes or times out; {@link #send} may be called from any thread. Sessions are
 * kept until closed: this endpoint sends no heartbeats and removes no idle session.
 */
public final class DatagramEndpoint implements AutoCloseable {
    /** How long a responder remembers the ephemeral key of a message 1 it accepted. */
    public static final Duration REPLAY_PERIOD = Duration.ofSeconds(180);
    /** At most this many ephemeral keys are remembered (about 120 bytes each). */
    public static final int REPLAY_CAPACITY = 1 << 16;
    /** How long {@link #connect} waits for message 2 unless told otherwise (net-mesh's 5 s). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);

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
    }

    private static final System.Logger LOG = System.getLogger("dev.netseal");
    private static final byte[] EMPTY = new byte[0];
    private static final int MESSAGE_MIN = HandshakeState.messageLength(0);

    private final DatagramChannel channel;
    private final AeadBackend backend;
    private final ThreadLocalPool pool;
    private final boolean ownsPool;
    private final SessionTable table;
    private final NonBlockingHashMapLong<PeerSession> sessions = new NonBlockingHashMapLong<>();
    private final ConcurrentHashMap<SocketAddress, Pending> pending = new ConcurrentHashMap<>();
    private final Identity identity;
    private final PresharedKey acceptPsk;
    private final byte[] acceptPrologue;
    private final byte[] responsePayload;
    private final PacketHandler packetHandler;
    private final SessionListener sessionListener;
    private final Duration handshakeTimeout;
    private final AtomicLongArray handshakeRefusals = new AtomicLongArray(HandshakeRefusal.values().length);
    private final AtomicLongArray dataRefusals = new AtomicLongArray(Reason.values().length);
    private final Thread receiver;
    private volatile boolean closed;

    // Receive thread only.
    private final EphemeralReplayCache replays;
    private final NoiseCrypto responderCrypto;
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
        this.handshakeTimeout = b.handshakeTimeout;
        this.replays = new EphemeralReplayCache(REPLAY_PERIOD.toNanos(), REPLAY_CAPACITY);
        this.responderCrypto = new NoiseCrypto(backend, NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN);
        this.in = ByteBuffer.allocateDirect(NetV1.MAX_PACKET_SIZE + 1).order(ByteOrder.LITTLE_ENDIAN);
        this.table = SessionTable.builderOnBackend(backend).build();
        this.ownsPool = b.pool == null;
        this.pool = ownsPool
                ? ThreadLocalPool.buildersOnBackend(backend, b.poolSize, ThreadLocalPool.DEFAULT_LOCAL_CAPACITY) : b.pool;
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
        this.receiver = new Thread(this::receiveLoop, "netseal-endpoint-" + localAddress().getPort());
        receiver.setDaemon(true);
        receiver.start();
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
     * completes it, at most the {@link Builder#handshakeTimeout handshake timeout}. A responder
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
        Objects.requireNonNull(to, "to");
        if (to.isUnresolved()) {
            throw new IllegalArgumentException("address " + to + " is unresolved");
        }
        if (payload.length > NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN) {
            throw new IllegalArgumentException("handshake payload is " + payload.length + " bytes, at most "
                    + (NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN));
        }
        checkOpen();
        checkSameBackend(psk.key.dh, "pre-shared key");
        NoiseCrypto crypto = new NoiseCrypto(backend, NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN);
        AeadKey pskKey = psk.key.acquire("pre-shared key");
        HandshakeState state;
        byte[] message1;
        try {
            state = HandshakeState.initiator(crypto, prologue, pskKey, responderPublicKey);
            try {
                message1 = new byte[HandshakeState.messageLength(payload.length)];
                state.writeMessage(payload, 0, payload.length, message1, 0);
            } catch (RuntimeException e) {
                state.close();
                throw e;
            }
        } finally {
            psk.key.release();
        }
        Pending p = new Pending(state, to);
        if (pending.putIfAbsent(to, p) != null) {
            state.close();
            throw new IllegalStateException("a handshake with " + to + " is already in progress");
        }
        try {
            checkOpen(); // close() may have run before the put: it would not see this handshake
            channel.send(ByteBuffer.wrap(InsecureExplicitNonceCodec.handshake(message1)), to);
            return p.result.get(handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new SocketTimeoutException("no handshake answer from " + hostPort(to) + " within "
                    + handshakeTimeout.toMillis() + " ms" + p.refusedAnswers()
                    + " (a responder refuses without answering: check its public key, the pre-shared key,"
                    + " the prologue, and that it listens there)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the handshake with " + to, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IllegalStateException(cause.getMessage(), cause);
        } finally {
            if (pending.remove(to, p)) {
                p.finish(); // nobody completed it: wipe its state
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
        channel.send(packet, session.remoteAddress());
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
            channel.send(b.seal(), session.remoteAddress());
        }
    }

    /**
     * Opens a data packet of one of this endpoint's sessions that arrived some other way (another
     * socket, a batch receive path): the same checks and replay window as the endpoint's own
     * receive thread, which opens what arrives on its socket. Thread-safe; allocation-free with a
     * reused {@code into}. Does not call the packet handler.
     *
     * @param packet the packet: its remaining bytes, opened in place
     * @param into where the result goes (the header and events, or the refusal)
     * @return true when the packet opened
     */
    public boolean tryOpen(ByteBuffer packet, OpenedPacket into) {
        return table.tryOpen(packet, into);
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
        return new ArrayList<>(sessions.values());
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

    /** Closes the socket, fails the handshakes in progress and closes every session. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "closing the endpoint's socket", e);
        }
        if (Thread.currentThread() != receiver) {
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
        for (PeerSession s : sessions.values()) {
            s.close();
        }
        table.close();
        if (ownsPool) {
            pool.close();
        }
    }

    void closeSession(PeerSession s) {
        sessions.remove(s.sessionId(), s);
        s.sealing().close();
        table.remove(s.sessionId());
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

    private void checkSameBackend(Object dh, String what) {
        if (dh != Backends.x25519For(backend) && dh.getClass() != Backends.x25519For(backend).getClass()) {
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
            try {
                if (HandshakeReader.isHandshake(in)) {
                    onHandshake((InetSocketAddress) from);
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
    }

    private void onData() {
        if (!table.tryOpen(in, opened)) {
            dataRefusals.incrementAndGet(opened.refusal().ordinal());
            return;
        }
        PeerSession s = sessions.get(opened.sessionId());
        if (s != null && packetHandler != null) {
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
        respond(from, length);
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
            int r = p.state.readMessage(message, 0, length, payload, 0);
            if (r < 0) {
                p.refused++;
                return r == HandshakeState.WEAK_KEY ? HandshakeRefusal.WEAK_KEY
                        : r == HandshakeState.TOO_SHORT ? HandshakeRefusal.MESSAGE2_WRONG_LENGTH
                        : HandshakeRefusal.MESSAGE2_AUTH_FAILED;
            }
            if (!pending.remove(from, p)) {
                return HandshakeRefusal.NO_PENDING_HANDSHAKE; // timed out just now
            }
            byte[] h = p.state.handshakeHash();
            p.finish();
            PeerSession s = establish(h, true, from, Arrays.copyOf(payload, r));
            if (s == null) {
                p.fail(new IOException("the handshake with " + from + " gave a session id already in use here"));
                return null;
            }
            p.result.complete(s);
            announce(s);
            return null;
        }
    }

    private void respond(InetSocketAddress from, int length) {
        if (length < MESSAGE_MIN) {
            refuse(HandshakeRefusal.MESSAGE1_WRONG_LENGTH);
            return;
        }
        long now = System.nanoTime();
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
                PeerSession s = establish(state.handshakeHash(), false, from, peerPayload);
                if (s == null) {
                    return;
                }
                try {
                    channel.send(ByteBuffer.wrap(InsecureExplicitNonceCodec.handshake(message2)), from);
                } catch (IOException e) {
                    s.close();
                    LOG.log(Level.DEBUG, "netseal endpoint: message 2 could not be sent", e);
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

    /** The session from a complete handshake's hash (wiped here), or null if its id is taken. */
    private PeerSession establish(byte[] h, boolean initiator, InetSocketAddress remote, byte[] peerPayload) {
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
                    LiveKeys.fingerprint(keys.sealingKey(initiator), 0), LiveKeys.fingerprint(keys.openingKey(initiator), 0));
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

    /** An initiator's handshake waiting for message 2. Guarded by itself. */
    private static final class Pending {
        final HandshakeState state;
        final InetSocketAddress to;
        final CompletableFuture<PeerSession> result = new CompletableFuture<>();
        boolean done;
        int refused;

        Pending(HandshakeState state, InetSocketAddress to) {
            this.state = state;
            this.to = to;
        }

        /** Ends the handshake's state: wipes its secrets and destroys its ephemeral key. */
        synchronized void finish() {
            if (!done) {
                done = true;
                state.close();
            }
        }

        void fail(Throwable cause) {
            finish();
            result.completeExceptionally(cause);
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
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private ThreadLocalPool pool;
        private int poolSize = 64;
        private int receiveBuffer = 4 << 20;

        private Builder(AeadBackend backend) {
            this.backend = backend;
        }

        /**
         * The local address to bind (port 0: any free port). Required.
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
            if (payload.length > NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN) {
                throw new IllegalArgumentException("handshake payload is " + payload.length + " bytes, at most "
                        + (NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_MIN));
            }
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
         * How long {@link #connect} waits for message 2 (default 5 s).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handshake timeout must be positive, got " + timeout);
            }
            this.handshakeTimeout = timeout;
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
            if (bind == null) {
                throw new IllegalStateException("bind(address) is required");
            }
            return new DatagramEndpoint(this);
        }
    }
}
