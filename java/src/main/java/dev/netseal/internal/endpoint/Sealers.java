package dev.netseal.internal.endpoint;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * The sealing side of the endpoint's sessions, as its machinery uses it: a sealing state made
 * from a key on the endpoint's pool, closed, checked, counted, and a heartbeat sealed with it.
 * The endpoint hands in the functions.
 *
 * @param <T> the sealing state (one key, its id and its nonce counter)
 */
public final class Sealers<T> {
    /** Makes a sealing state on the endpoint's pool. */
    @FunctionalInterface
    public interface Opener<T> {
        /**
         * Makes a sealing state.
         *
         * @param key the key (copied)
         * @param id the session id
         * @return the sealing state
         */
        T open(byte[] key, long id);
    }

    /** Seals a heartbeat with a sealing state and sends it. */
    @FunctionalInterface
    public interface Heartbeat<T> {
        /**
         * Seals a heartbeat and sends it.
         *
         * @param tx the sealing state
         * @param to where to send it
         * @throws IOException if the socket refuses it
         */
        void send(T tx, InetSocketAddress to) throws IOException;
    }

    private final Opener<T> open;
    private final Consumer<T> close;
    private final Predicate<T> isClosed;
    private final ToLongFunction<T> sent;
    private final Heartbeat<T> heartbeat;

    /**
     * @param open makes a sealing state
     * @param close closes one (its key is wiped once no seal still uses it)
     * @param isClosed whether one is closed
     * @param sent the nonce counter of its current key: how many packets it sealed
     * @param heartbeat seals a heartbeat and sends it
     */
    public Sealers(Opener<T> open, Consumer<T> close, Predicate<T> isClosed, ToLongFunction<T> sent,
                   Heartbeat<T> heartbeat) {
        this.open = open;
        this.close = close;
        this.isClosed = isClosed;
        this.sent = sent;
        this.heartbeat = heartbeat;
    }

    T open(byte[] key, long id) {
        return open.open(key, id);
    }

    void close(T tx) {
        close.accept(tx);
    }

    boolean isClosed(T tx) {
        return isClosed.test(tx);
    }

    long sent(T tx) {
        return sent.applyAsLong(tx);
    }

    void heartbeat(T tx, InetSocketAddress to) throws IOException {
        heartbeat.send(tx, to);
    }
}
