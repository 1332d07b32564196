package dev.netseal.internal.endpoint;

import dev.netseal.HandshakeRefusal;
import dev.netseal.SessionEnd;
import dev.netseal.internal.handshake.Dial;
import dev.netseal.internal.handshake.SessionKeys;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * An endpoint's sessions from birth to end: made from a complete handshake's hash (both keys in
 * place, the id mapped), confirmed by the initiator's first packet, and ended once, for a reason,
 * with every key wiped. It also keeps the responder's sessions by their initiator's address, and
 * the unconfirmed ones, capped.
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state
 */
public final class SessionRegistry<S, T> {
    private final EndpointContext<S, T> ctx;
    /** A responder's sessions by their initiator's address: a message 1 from there is a re-handshake. */
    private final ConcurrentHashMap<SocketAddress, S> byRemote = new ConcurrentHashMap<>();
    /** Responder sessions not confirmed yet, oldest first; guarded by itself. */
    private final ArrayDeque<S> unconfirmed = new ArrayDeque<>();

    /** @param ctx what the endpoint's parts share */
    public SessionRegistry(EndpointContext<S, T> ctx) {
        this.ctx = ctx;
    }

    SessionState<T> state(S s) {
        return ctx.state.apply(s);
    }

    /** True once {@code s} is closed (its sealing state is). */
    boolean isClosed(S s) {
        return ctx.sealers.isClosed(state(s).tx());
    }

    /** True when a new session's id is taken, here or in the session table (a grace period included). */
    boolean idInUse(long id) {
        return ctx.index.contains(id) || ctx.rx.contains(id);
    }

    /** The responder's session with the initiator at {@code from}, if any. */
    @Nullable S byRemote(InetSocketAddress from) {
        return byRemote.get(from);
    }

    /** The session from a complete handshake's hash (wiped here), or null if its id is taken. */
    @Nullable S establish(byte[] h, boolean initiator, InetSocketAddress remote, byte[] peerPayload,
                          @Nullable Dial redial) {
        try (SessionKeys keys = SessionKeys.derive(h)) {
            Arrays.fill(h, (byte) 0);
            long id = keys.sessionId();
            if (idInUse(id)) {
                ctx.counters.refused(HandshakeRefusal.SESSION_ID_IN_USE);
                return null;
            }
            ctx.rx.add(keys.openingKey(initiator), id);
            T tx;
            try {
                tx = ctx.sealers.open(keys.sealingKey(initiator), id);
            } catch (RuntimeException e) {
                ctx.rx.remove(id);
                throw e;
            }
            S s = ctx.sessions.create(new SessionState<>(id, tx, remote, initiator, ctx.clock.getAsLong(), redial),
                    peerPayload);
            if (!initiator) {
                byRemote.put(remote, s);
            }
            ctx.index.put(id, s);
            if (ctx.closed.getAsBoolean()) { // close() may have swept the sessions already
                end(s, SessionEnd.CLOSED);
                throw new IllegalStateException("endpoint is closed");
            }
            return s;
        }
    }

    /** A responder's new session waits for confirmation; past the cap, the oldest waiting one ends. */
    void awaitConfirmation(S s) {
        S dropped = null;
        synchronized (unconfirmed) {
            unconfirmed.addLast(s);
            if (unconfirmed.size() > ctx.policy.maxUnconfirmed()) {
                dropped = unconfirmed.pollFirst();
            }
        }
        if (dropped != null) {
            end(dropped, SessionEnd.UNCONFIRMED_DROPPED);
        }
    }

    /** Tells the application of a new session. */
    void announce(S s) {
        ctx.events.made(s);
    }

    /** The initiator's first authenticated packet on {@code s}: it holds the keys, the session may seal. */
    void confirm(S s) {
        state(s).confirm();
        synchronized (unconfirmed) {
            unconfirmed.remove(s);
        }
    }

    /**
     * Ends {@code s} once: unmaps it, wipes both keys, counts it and tells the listener.
     *
     * @param s the session
     * @param why why it ends
     */
    public void end(S s, SessionEnd why) {
        SessionState<T> st = state(s);
        boolean mine = ctx.index.remove(st.sessionId(), s);
        List<T> txs = new ArrayList<>();
        synchronized (st) {
            txs.add(st.tx());
            if (st.nextTx != null) {
                txs.add(st.nextTx);
                ctx.index.remove(st.nextId, s);
                st.nextTx = null;
            }
            txs.addAll(st.retiring);
            st.retiring.clear();
            st.retireAt.clear();
            ctx.index.remove(st.rxId, s);
            for (long id : st.oldIds) {
                ctx.index.remove(id, s);
            }
        }
        for (T tx : txs) {
            ctx.sealers.close(tx);
        }
        if (!mine) {
            return;
        }
        byRemote.remove(st.remote(), s);
        ctx.rx.remove(st.rxId);
        synchronized (unconfirmed) {
            unconfirmed.remove(s);
        }
        ctx.counters.ended(why);
        ctx.events.ended(s, why);
    }

    /**
     * Every open session once, a moment's view.
     *
     * @return the sessions
     */
    public Collection<S> sessions() {
        return ctx.index.all();
    }

    /**
     * Ends every open session.
     *
     * @param why why they end
     */
    public void endAll(SessionEnd why) {
        for (S s : sessions()) {
            end(s, why);
        }
    }

    /** {@return responder sessions waiting for the initiator's first packet now} */
    public int unconfirmedSessions() {
        synchronized (unconfirmed) {
            return unconfirmed.size();
        }
    }
}
