package dev.netseal.internal.endpoint;

import dev.netseal.SessionPolicy;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.handshake.Dial;
import dev.netseal.internal.handshake.NoiseCrypto;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * What the parts of one endpoint's machinery share: its policy, clock and counters, whether it is
 * closed, and the endpoint's own objects (its sessions, session table, pool, listener and
 * transport), which they reach only through the functions the endpoint hands in here.
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state (one key, its id and its nonce counter)
 */
public final class EndpointContext<S, T> {
    /** Makes the session the application holds around its state. */
    @FunctionalInterface
    public interface SessionFactory<S, T> {
        /**
         * Makes the session.
         *
         * @param state the session's keys over its life
         * @param peerPayload the payload of the peer's handshake message
         * @return the session
         */
        S create(SessionState<T> state, byte[] peerPayload);
    }

    /** Sends a handshake message in a Net v1 handshake packet. */
    @FunctionalInterface
    public interface HandshakeSender {
        /**
         * Sends one handshake message.
         *
         * @param message the handshake message
         * @param to where to
         * @throws IOException if the socket refuses it
         */
        void send(byte[] message, InetSocketAddress to) throws IOException;
    }

    final SessionPolicy policy;
    /** The policy's wait before attempt {@code attempt + 1} of a handshake (attempt counts from 1). */
    final IntFunction<Duration> backoff;
    /** Nanoseconds, monotonic: the endpoint's time source. */
    final LongSupplier clock;
    final EndpointCounters counters;
    final BooleanSupplier closed;
    final AeadBackend backend;
    final SessionIndex<S> index;
    final RxTable rx;
    final Sealers<T> sealers;
    final SessionEvents<S> events;
    final SessionFactory<S, T> sessions;
    final Function<S, SessionState<T>> state;
    final HandshakeSender sender;

    /**
     * @param policy the rules the sessions are kept by
     * @param backoff the policy's wait before a handshake's next attempt, after attempt n (from 1)
     * @param clock the endpoint's time source (nanoseconds, monotonic)
     * @param counters the endpoint's counters
     * @param closed whether the endpoint is closed
     * @param backend the backend the handshakes run on
     * @param index the endpoint's sessions by id
     * @param rx the endpoint's session table
     * @param sealers the sealing side, on the endpoint's pool
     * @param events what the application is told
     * @param sessions makes a session around its state
     * @param state a session's state
     * @param sender sends a handshake message
     */
    public EndpointContext(SessionPolicy policy, IntFunction<Duration> backoff, LongSupplier clock, EndpointCounters counters, BooleanSupplier closed,
                           AeadBackend backend, SessionIndex<S> index, RxTable rx, Sealers<T> sealers,
                           SessionEvents<S> events, SessionFactory<S, T> sessions, Function<S, SessionState<T>> state,
                           HandshakeSender sender) {
        this.policy = policy;
        this.backoff = backoff;
        this.clock = clock;
        this.counters = counters;
        this.closed = closed;
        this.backend = backend;
        this.index = index;
        this.rx = rx;
        this.sealers = sealers;
        this.events = events;
        this.sessions = sessions;
        this.state = state;
        this.sender = sender;
    }

    /** A handshake's own primitives, sized for the largest payload a handshake packet carries. */
    NoiseCrypto newCrypto() {
        return new NoiseCrypto(backend, Dial.MAX_PAYLOAD);
    }

    /** {@code 127.0.0.1:9000}, {@code [::1]:9000}: what people type, not InetSocketAddress's text. */
    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
