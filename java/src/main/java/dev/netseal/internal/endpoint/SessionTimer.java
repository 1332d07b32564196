package dev.netseal.internal.endpoint;

import dev.netseal.SessionEnd;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The session timer: every {@code policy.tick()}, one look at every handshake in progress and
 * every session: handshake retries with backoff, heartbeats on idle sessions, dead sessions
 * removed, unconfirmed ones expired, keys rotated. It runs on a thread of its own, on an
 * executor the application gave, or, with the endpoint's own time source, when its caller ticks.
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state
 */
public final class SessionTimer<S, T> {
    private static final System.Logger LOG = System.getLogger("dev.netseal");

    private final EndpointContext<S, T> ctx;
    private final SessionRegistry<S, T> registry;
    private final KeyRotation<S, T> rotation;
    private final Initiators<S, T> initiators;
    /** Runs {@link #tick()}: null unless it is the timer's own thread. */
    private volatile @Nullable ScheduledExecutorService own;
    /** The ticks scheduled, cancelled on close (also on a timer the application gave); null when ticked by hand. */
    private volatile @Nullable ScheduledFuture<?> ticking;

    /**
     * A timer not scheduled yet.
     *
     * @param ctx what the endpoint's parts share
     * @param registry the endpoint's sessions
     * @param rotation what rotates the sessions' keys
     * @param initiators the endpoint's handshakes as initiator
     */
    public SessionTimer(EndpointContext<S, T> ctx, SessionRegistry<S, T> registry, KeyRotation<S, T> rotation,
                        Initiators<S, T> initiators) {
        this.ctx = ctx;
        this.registry = registry;
        this.rotation = rotation;
        this.initiators = initiators;
    }

    /**
     * Schedules the ticks every {@code policy.tick()}: on {@code executor}, or on a thread of the
     * timer's own when it is null. Called once, before the endpoint is in use.
     *
     * @param executor the application's executor (never shut down here), or null
     * @param name the endpoint's name, for the thread's
     */
    public void schedule(@Nullable ScheduledExecutorService executor, String name) {
        long tick = ctx.policy.tick().toNanos();
        ScheduledExecutorService on = executor;
        if (on == null) {
            own = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "netseal-endpoint-timer-" + name);
                t.setDaemon(true);
                return t;
            });
            on = own;
        }
        ticking = on.scheduleWithFixedDelay(this::tickSafely, tick, tick, TimeUnit.NANOSECONDS);
    }

    /** Cancels the ticks and stops the timer's own thread. */
    public void stop() {
        if (ticking != null) {
            ticking.cancel(false);
        }
        if (own != null) {
            own.shutdownNow();
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException | Error e) {
            if (!ctx.closed.getAsBoolean()) {
                LOG.log(Level.WARNING, "netseal endpoint: the session timer failed; going on", e);
            }
        }
    }

    /**
     * One look at every handshake in progress and every session, at the clock's time now. An
     * idle session costs a few loads here; nothing is scheduled per session or per packet, and
     * what a session sent or received is read from its nonce counter and its replay window, so
     * the packet paths write nothing for this.
     */
    public void tick() {
        if (ctx.closed.getAsBoolean()) {
            return;
        }
        long now = ctx.clock.getAsLong();
        initiators.tick(now);
        long timeout = ctx.policy.handshakeTimeout().toNanos();
        long heartbeat = ctx.policy.heartbeatAfter().toNanos();
        long dead = ctx.policy.deadAfter().toNanos();
        for (S s : registry.sessions()) {
            SessionState<T> st = registry.state(s);
            if (!st.isConfirmed()) {
                if (now - st.establishedNanos() >= timeout) {
                    registry.end(s, SessionEnd.UNCONFIRMED_EXPIRED);
                }
                continue;
            }
            if (rotation.tick(s, now)) {
                initiators.startRekey(s, now);
            }
            if (registry.isClosed(s)) {
                continue;
            }
            long rx = ctx.rx.highestAccepted(st.rxId);
            if (rx != st.lastRxHighest) {
                st.lastRxHighest = rx;
                st.lastRxChange = now;
            } else if (now - st.lastRxChange >= dead) {
                registry.end(s, SessionEnd.TIMED_OUT);
                continue;
            }
            long tx = ctx.sealers.sent(st.tx());
            if (tx != st.lastTxCounter) {
                st.lastTxCounter = tx;
                st.lastTxChange = now;
            } else if (now - st.lastTxChange >= heartbeat) {
                sendHeartbeat(st);
                st.lastTxChange = now;
            }
        }
    }

    private void sendHeartbeat(SessionState<T> st) {
        try {
            ctx.sealers.heartbeat(st.tx(), st.remote());
            ctx.counters.heartbeatSent();
        } catch (IOException | IllegalStateException e) {
            // a session closed meanwhile, or a socket error: the next tick tries again
            LOG.log(Level.DEBUG, "netseal endpoint: heartbeat not sent", e);
        }
    }
}
