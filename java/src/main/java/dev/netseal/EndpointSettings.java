package dev.netseal;

import dev.netseal.DatagramEndpoint.PacketHandler;
import dev.netseal.DatagramEndpoint.SessionListener;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.handshake.Dial;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The settings of a {@link DatagramEndpoint}, which its {@link DatagramEndpoint.Builder} takes:
 * apart from the endpoint so that it reads as its API, not as its settings.
 *
 * @param <B> the builder, which the setters return
 */
abstract class EndpointSettings<B extends EndpointSettings<B>> {
    private static final byte[] EMPTY = new byte[0];

    final AeadBackend backend;
    @Nullable SocketAddress bind;
    @Nullable Identity identity;
    @Nullable PresharedKey psk;
    byte[] prologue = EMPTY;
    byte[] responsePayload = EMPTY;
    @Nullable PacketHandler packetHandler;
    @Nullable SessionListener sessionListener;
    SessionPolicy policy = SessionPolicy.defaults();
    @Nullable DatagramTransport transport;
    @Nullable ScheduledExecutorService timer;
    /** The endpoint's time source; null: System::nanoTime, and a timer that ticks by itself. */
    @Nullable LongSupplier clock;
    @Nullable ThreadLocalPool pool;
    int poolSize = 64;
    int receiveBuffer = 4 << 20;

    EndpointSettings(AeadBackend backend) {
        this.backend = backend;
    }

    /**
     * The local address to bind (port 0: any free port). Required, unless the datagrams go
     * through a {@link #transport transport}.
     *
     * @param address the address
     * @return this builder
     */
    public B bind(SocketAddress address) {
        this.bind = Objects.requireNonNull(address, "address");
        return self();
    }

    /**
     * Makes the endpoint a responder: it answers every valid message 1 with this identity,
     * under this pre-shared key. The endpoint does not close them.
     *
     * @param identity the responder's static key pair
     * @param psk the mesh's pre-shared key
     * @return this builder
     */
    public B accept(Identity identity, PresharedKey psk) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.psk = Objects.requireNonNull(psk, "psk");
        return self();
    }

    /**
     * The prologue the responder requires initiators to have used (empty by default, as on
     * net-mesh's point-to-point links).
     *
     * @param prologue the prologue (copied)
     * @return this builder
     */
    public B prologue(byte[] prologue) {
        this.prologue = prologue.clone();
        return self();
    }

    /**
     * The payload of every message 2 this responder sends (empty by default).
     *
     * @param payload the payload (copied; at most 8060 bytes)
     * @return this builder
     */
    public B responsePayload(byte[] payload) {
        Dial.checkPayload(payload);
        this.responsePayload = payload.clone();
        return self();
    }

    /**
     * What to do with each data packet that opens.
     *
     * @param handler the handler, called on the receive thread
     * @return this builder
     */
    public B onPacket(PacketHandler handler) {
        this.packetHandler = handler;
        return self();
    }

    /**
     * What to do with each new session.
     *
     * @param listener the listener, called on the receive thread
     * @return this builder
     */
    public B onSession(SessionListener listener) {
        this.sessionListener = listener;
        return self();
    }

    /**
     * How long each handshake attempt waits for message 2 (default 5 s): shorthand for
     * {@code policy(policy.withHandshakeTimeout(timeout))}.
     *
     * @param timeout the timeout, positive
     * @return this builder
     */
    public B handshakeTimeout(Duration timeout) {
        this.policy = policy.withHandshakeTimeout(timeout);
        return self();
    }

    /**
     * The rules that keep sessions alive or end them (default {@link SessionPolicy#defaults()}).
     *
     * @param policy the policy
     * @return this builder
     */
    public B policy(SessionPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        return self();
    }

    /**
     * Carries the endpoint's datagrams through {@code transport} instead of a socket of its
     * own (a Netty channel, say): no socket is bound and no receive thread started; the
     * application hands every datagram that arrives to {@link DatagramEndpoint#receive}.
     *
     * @param transport what sends a datagram
     * @return this builder
     */
    public B transport(DatagramTransport transport) {
        this.transport = Objects.requireNonNull(transport, "transport");
        return self();
    }

    /**
     * Runs the session timer on {@code timer} (a channel's event loop, say) instead of a
     * thread of the endpoint's own. The endpoint cancels its ticks on close and never shuts
     * the executor down.
     *
     * @param timer the executor
     * @return this builder
     */
    public B timer(ScheduledExecutorService timer) {
        this.timer = Objects.requireNonNull(timer, "timer");
        return self();
    }

    /**
     * The endpoint's time source, in nanoseconds (monotonic, as {@link System#nanoTime()},
     * the default): what its handshakes, sessions and keys are timed by. An endpoint with a
     * time source of its own runs no timer: its owner calls {@link DatagramEndpoint#tick()}.
     *
     * @param clock the time source
     * @return this builder
     */
    B clock(LongSupplier clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /**
     * The pool whose builders seal the sessions' packets; by default the endpoint makes one of
     * 64 builders (and closes it with itself). A given pool is not closed by the endpoint.
     *
     * @param pool the pool
     * @return this builder
     */
    public B pool(ThreadLocalPool pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
        return self();
    }

    /**
     * The socket's receive buffer to ask for (SO_RCVBUF; default 4 MiB, which the kernel caps
     * at {@code net.core.rmem_max}).
     *
     * @param bytes the size in bytes, positive
     * @return this builder
     */
    public B receiveBuffer(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("receive buffer must be positive, got " + bytes);
        }
        this.receiveBuffer = bytes;
        return self();
    }

    abstract B self();
}
