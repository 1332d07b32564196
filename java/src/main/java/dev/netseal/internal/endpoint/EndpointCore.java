package dev.netseal.internal.endpoint;

import dev.netseal.SessionEnd;
import dev.netseal.internal.handshake.Dial;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * One endpoint's machinery, assembled: its sessions, key rotation, handshakes as initiator and
 * responder, timer and receive thread, started together and stopped in order. The endpoint
 * reaches them through this alone.
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state
 */
public final class EndpointCore<S, T> {
    private final EndpointContext<S, T> ctx;
    private final SessionRegistry<S, T> registry;
    private final KeyRotation<S, T> rotation;
    private final Initiators<S, T> initiators;
    /** Null for an endpoint that does not accept. */
    private final @Nullable Responder<S, T> responder;
    private final HandshakeInbox<S, T> inbox;
    private final SessionTimer<S, T> timer;
    /** The receive thread on the endpoint's socket; null when the application carries the datagrams. */
    private volatile @Nullable ReceiveLoop receiver;

    /**
     * The machinery, not started yet.
     *
     * @param ctx what its parts share
     * @param accept who the responder is, or null for an endpoint that does not accept
     * @param bounds what the responder holds at most
     * @param malformed whether a handshake packet fails the header's checks
     * @param name the endpoint's name, for its threads'
     */
    public EndpointCore(EndpointContext<S, T> ctx, Responder.@Nullable Keys accept, Responder.Bounds bounds,
                        Predicate<ByteBuffer> malformed, String name) {
        this.ctx = ctx;
        this.registry = new SessionRegistry<>(ctx);
        this.rotation = new KeyRotation<>(ctx, registry);
        this.initiators = new Initiators<>(ctx, registry, rotation);
        this.responder = accept == null ? null : new Responder<>(ctx, registry, rotation, accept, bounds, name);
        this.inbox = new HandshakeInbox<>(ctx.counters, malformed, initiators, responder);
        this.timer = new SessionTimer<>(ctx, registry, rotation, initiators);
    }

    /**
     * Starts the threads: the receive thread on {@code channel}, the responder's, and the timer's
     * ticks. Called once, at the end of the endpoint's construction.
     *
     * @param channel the endpoint's socket, or null when the application carries the datagrams
     * @param in the buffer the receive thread receives into
     * @param handler what handles the datagram in {@code in}, from its source
     * @param executor the executor the application gave the timer, or null for a thread of its own
     * @param ticked true when the endpoint's owner ticks it (it has a time source of its own): no timer
     * @param name the endpoint's name, for its threads'
     */
    public void start(@Nullable DatagramChannel channel, ByteBuffer in, Consumer<InetSocketAddress> handler,
                      @Nullable ScheduledExecutorService executor, boolean ticked, String name) {
        if (channel != null) {
            receiver = new ReceiveLoop(channel, in, handler, ctx.closed, name);
        }
        if (responder != null) {
            responder.start();
        }
        if (!ticked) {
            timer.schedule(executor, name);
        }
    }

    /**
     * Starts a handshake as initiator.
     *
     * @param to the responder's address
     * @param dial what the handshake is made of
     * @return the session, when the handshake completes
     */
    public CompletableFuture<S> connect(InetSocketAddress to, Dial dial) {
        return initiators.connect(to, dial);
    }

    /**
     * A data packet opened on {@code s} under {@code id} (see {@link KeyRotation#opened}).
     *
     * @param s the session
     * @param id the session id in the packet's header
     */
    public void opened(S s, long id) {
        rotation.opened(s, id);
    }

    /**
     * A handshake packet arrived (see {@link HandshakeInbox#receive}). Receive thread only.
     *
     * @param packet the packet's remaining bytes
     * @param from where it came from
     */
    public void handshake(ByteBuffer packet, InetSocketAddress from) {
        inbox.receive(packet, from);
    }

    /** {@return every open session once, a moment's view} */
    public Collection<S> sessions() {
        return registry.sessions();
    }

    /**
     * Ends a session once.
     *
     * @param s the session
     * @param why why
     */
    public void end(S s, SessionEnd why) {
        registry.end(s, why);
    }

    /** {@return responder sessions waiting for the initiator's first packet now} */
    public int unconfirmedSessions() {
        return registry.unconfirmedSessions();
    }

    /** One look at every handshake and session now (see {@link SessionTimer#tick()}). */
    public void tick() {
        timer.tick();
    }

    /**
     * Stops the machinery, the endpoint marked closed: closes the socket, stops the timer and the
     * responder, waits for the threads (but the caller's own), fails the handshakes in progress
     * and ends every session.
     */
    public void close() {
        ReceiveLoop r = receiver;
        if (r != null) {
            r.close();
        }
        timer.stop();
        if (responder != null) {
            responder.stop();
        }
        if (r != null) {
            r.join();
        }
        initiators.failAll();
        registry.endAll(SessionEnd.ENDPOINT_CLOSED);
    }
}
