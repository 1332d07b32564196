package dev.netseal.internal.endpoint;

import dev.netseal.SessionEnd;
import java.lang.System.Logger.Level;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * What the application is told of its sessions: made, ended, rekeyed. The endpoint hands in its
 * listener's methods. A listener that fails on an end or a rekey is logged, and the endpoint
 * goes on; a failure on a new session reaches the thread that made it.
 *
 * @param <S> the session
 */
public final class SessionEvents<S> {
    private static final System.Logger LOG = System.getLogger("dev.netseal");

    private final Consumer<S> made;
    private final BiConsumer<S, SessionEnd> ended;
    private final Consumer<S> rekeyed;

    /**
     * @param made a session can seal and open
     * @param ended a session ended, and why
     * @param rekeyed a re-handshake replaced a session's keys
     */
    public SessionEvents(Consumer<S> made, BiConsumer<S, SessionEnd> ended, Consumer<S> rekeyed) {
        this.made = made;
        this.ended = ended;
        this.rekeyed = rekeyed;
    }

    /**
     * Nobody listens.
     *
     * @param <S> the session
     * @return events that go nowhere
     */
    public static <S> SessionEvents<S> none() {
        return new SessionEvents<>(s -> { }, (s, why) -> { }, s -> { });
    }

    void made(S session) {
        made.accept(session);
    }

    void ended(S session, SessionEnd why) {
        try {
            ended.accept(session, why);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "netseal endpoint: a session listener failed", e);
        }
    }

    void rekeyed(S session) {
        try {
            rekeyed.accept(session);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "netseal endpoint: a session listener failed", e);
        }
    }
}
