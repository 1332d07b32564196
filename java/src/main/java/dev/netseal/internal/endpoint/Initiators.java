package dev.netseal.internal.endpoint;

import dev.netseal.HandshakeRefusal;
import dev.netseal.SessionEnd;
import dev.netseal.internal.handshake.Dial;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.InitiatorHandshake;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint's handshakes as initiator, one per responder address at a time: a connect or a
 * session's re-handshake started, each attempt's message 1 sent, the message 2 that completes
 * one read (on the receive thread), the timer's retries and timeouts, and every one failed when
 * the endpoint closes.
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state
 */
public final class Initiators<S, T> {
    private static final System.Logger LOG = System.getLogger("dev.netseal");
    private static final int MESSAGE_MIN = HandshakeState.messageLength(0);

    private final EndpointContext<S, T> ctx;
    private final SessionRegistry<S, T> registry;
    private final KeyRotation<S, T> rotation;
    private final ConcurrentHashMap<SocketAddress, InitiatorHandshake<S>> pending = new ConcurrentHashMap<>();

    /**
     * @param ctx what the endpoint's parts share
     * @param registry the endpoint's sessions
     * @param rotation what installs a re-handshake's keys
     */
    public Initiators(EndpointContext<S, T> ctx, SessionRegistry<S, T> registry, KeyRotation<S, T> rotation) {
        this.ctx = ctx;
        this.registry = registry;
        this.rotation = rotation;
    }

    /**
     * Starts a handshake with {@code to} and sends its first message 1.
     *
     * @param to the responder's address (resolved)
     * @param dial what the handshake is made of (checked by the caller)
     * @return the session, when the handshake completes
     * @throws IllegalStateException if a handshake with {@code to} is already in progress
     */
    public CompletableFuture<S> connect(InetSocketAddress to, Dial dial) {
        InitiatorHandshake<S> p = new InitiatorHandshake<>(to, dial, ctx.newCrypto(), null);
        byte[] message1 = p.nextAttempt(ctx.clock.getAsLong(), ctx.policy); // throws what a bad key or a closed PSK is
        if (pending.putIfAbsent(to, p) != null) {
            p.finish();
            throw new IllegalStateException("a handshake with " + EndpointContext.hostPort(to) + " is already in progress");
        }
        var unused = p.result().whenComplete((s, e) -> {
            if (pending.remove(to, p)) {
                p.finish(); // cancelled, or failed by the timer: wipe its state
            }
        });
        if (ctx.closed.getAsBoolean()) { // close() may have run before the put: it would not see this handshake
            p.fail(new ClosedChannelException());
            return p.result();
        }
        ctx.counters.handshakeStarted();
        send(message1, to, p);
        return p.result();
    }

    /**
     * Checks a connect's arguments (before the endpoint's own checks, in this order).
     *
     * @param to the responder's address
     * @param responderPublicKey the responder's static public key
     * @param payload the message 1 payload
     * @throws IllegalArgumentException if the address is unresolved, the payload too long, or
     *         the key not 32 bytes
     */
    public static void checkArguments(InetSocketAddress to, byte[] responderPublicKey, byte[] payload) {
        Objects.requireNonNull(to, "to");
        if (to.isUnresolved()) {
            throw new IllegalArgumentException("address " + to + " is unresolved");
        }
        Dial.checkPayload(payload);
        if (responderPublicKey.length != HandshakeState.DH_LEN) {
            throw new IllegalArgumentException("responder's static public key must be " + HandshakeState.DH_LEN
                    + " bytes, got " + responderPublicKey.length);
        }
    }

    /**
     * Waits for a connect's session, with what went wrong as {@code connect} reports it: a
     * timeout as a {@link SocketTimeoutException}, a failure to send as an {@link IOException},
     * anything else as an {@link IllegalStateException}; an interrupt abandons the handshake.
     *
     * @param <S> the session
     * @param f the connect's future
     * @param to the responder's address
     * @return the session
     * @throws IOException if the handshake timed out, could not be sent, or the wait was interrupted
     */
    public static <S> S await(CompletableFuture<S> f, InetSocketAddress to) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(false);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the handshake with " + EndpointContext.hostPort(to), e);
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
            throw new IllegalStateException(Objects.requireNonNull(cause, "a future that failed holds why").getMessage(),
                    cause);
        }
    }

    /** Starts a re-handshake of the initiator's session {@code s} (the timer found it due). */
    void startRekey(S s, long now) {
        SessionState<T> st = registry.state(s);
        InetSocketAddress to = st.remote();
        InitiatorHandshake<S> p;
        byte[] message1;
        try {
            p = new InitiatorHandshake<>(to, Objects.requireNonNull(st.redial, "only an initiator's session re-handshakes,"
                    + " and it keeps its dial"), ctx.newCrypto(), s);
            message1 = p.nextAttempt(now, ctx.policy);
        } catch (RuntimeException e) { // the PSK closed: the keys age out
            synchronized (st) {
                st.rekeying = false;
            }
            LOG.log(Level.DEBUG, "netseal endpoint: a re-handshake could not start", e);
            return;
        }
        if (pending.putIfAbsent(to, p) != null) {
            p.finish();
            synchronized (st) {
                st.rekeying = false;
            }
            return;
        }
        var unused = p.result().whenComplete((done, e) -> {
            if (pending.remove(to, p)) {
                p.finish();
            }
            if (e != null) {
                synchronized (st) {
                    st.rekeying = false; // every attempt timed out: the next tick starts another, until the keys expire
                }
            }
        });
        ctx.counters.handshakeStarted();
        send(message1, to, p);
    }

    private void send(byte[] message, InetSocketAddress to, InitiatorHandshake<S> p) {
        try {
            ctx.sender.send(message, to);
        } catch (IOException e) {
            if (pending.remove(to, p)) {
                p.fail(e);
            }
        }
    }

    /**
     * A handshake message from {@code from}, read as the message 2 of our handshake with it.
     *
     * @return null when it completed the handshake, else why not (NO_PENDING_HANDSHAKE when
     *         none is in progress with {@code from})
     */
    @Nullable HandshakeRefusal onMessage2(InetSocketAddress from, byte[] message, int length, byte[] payload) {
        InitiatorHandshake<S> p = pending.get(from);
        return p == null ? HandshakeRefusal.NO_PENDING_HANDSHAKE : complete(p, from, message, length, payload);
    }

    /** Reads a message 2 for {@code p}: null when it completed the handshake, else why not. */
    private @Nullable HandshakeRefusal complete(InitiatorHandshake<S> p, InetSocketAddress from, byte[] message,
                                                int length, byte[] payload) {
        synchronized (p) {
            if (p.isDone()) {
                return HandshakeRefusal.NO_PENDING_HANDSHAKE;
            }
            if (length < MESSAGE_MIN) {
                p.refusedAnswer();
                return HandshakeRefusal.MESSAGE2_WRONG_LENGTH;
            }
            HandshakeState state = Objects.requireNonNull(p.state(), "a handshake not done has an attempt in progress");
            int r = state.readMessage(message, 0, length, payload, 0);
            if (r < 0) {
                p.refusedAnswer();
                return r == HandshakeState.WEAK_KEY ? HandshakeRefusal.WEAK_KEY
                        : r == HandshakeState.TOO_SHORT ? HandshakeRefusal.MESSAGE2_WRONG_LENGTH
                        : HandshakeRefusal.MESSAGE2_AUTH_FAILED;
            }
            if (!pending.remove(from, p)) {
                return HandshakeRefusal.NO_PENDING_HANDSHAKE; // timed out just now
            }
            byte[] h = state.handshakeHash();
            p.finish();
            S rekeyOf = p.rekeyOf();
            if (rekeyOf != null) {
                try {
                    if (rotation.rekey(rekeyOf, h, true)) {
                        ctx.counters.handshakeCompleted();
                        p.result().complete(rekeyOf);
                        rotation.rekeyed(rekeyOf);
                    } else {
                        p.fail(new IOException("the re-handshake gave a session id already in use here"));
                    }
                } catch (RuntimeException e) {
                    p.fail(e);
                }
                return null;
            }
            S s;
            try {
                s = registry.establish(h, true, from, Arrays.copyOf(payload, r), p.dial());
            } catch (RuntimeException e) { // key memory full, the endpoint closing: the caller hears it
                p.fail(e);
                return null;
            }
            if (s == null) {
                p.fail(new IOException("the handshake with " + EndpointContext.hostPort(from)
                        + " gave a session id already in use here"));
                return null;
            }
            ctx.counters.handshakeCompleted();
            if (!p.result().complete(s)) { // cancelled meanwhile: nobody will use the session
                registry.end(s, SessionEnd.CLOSED);
                return null;
            }
            registry.announce(s);
            return null;
        }
    }

    /** The timer's look at every handshake in progress: the next attempt sent, or the handshake failed. */
    void tick(long now) {
        for (InitiatorHandshake<S> p : pending.values()) {
            byte[] message1 = p.onTick(now, ctx.policy, ctx.backoff, this::timedOut);
            if (message1 != null) {
                send(message1, p.to(), p);
            }
        }
    }

    private SocketTimeoutException timedOut(InitiatorHandshake<S> p) {
        return new SocketTimeoutException("no handshake answer from " + EndpointContext.hostPort(p.to()) + " after "
                + ctx.policy.handshakeAttempts() + " attempt(s) of " + ctx.policy.handshakeTimeout().toMillis() + " ms"
                + p.refusedAnswers() + " (a responder refuses without answering: check its public key, the"
                + " pre-shared key, the prologue, and that it listens there)");
    }

    /** Fails every handshake in progress: the endpoint closed. */
    public void failAll() {
        for (InitiatorHandshake<S> p : pending.values()) {
            if (pending.remove(p.to(), p)) {
                p.fail(new ClosedChannelException());
            }
        }
    }
}
