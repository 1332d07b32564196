package dev.netseal.internal.endpoint;

import dev.netseal.HandshakeRefusal;
import dev.netseal.SessionEnd;
import dev.netseal.internal.handshake.SessionKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A session's keys replaced by re-handshakes: the new keys installed (the table opens under the
 * new id at once, the old rx key stays for its grace period), promoted to sealing once the peer
 * proved it holds them, the replaced sealing states closed a second later, and the timer's look
 * at each session's keys: old ids and states to let go, a re-handshake due, keys too old to seal.
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state
 */
public final class KeyRotation<S, T> {
    /** How long a replaced sealing state still seals for a thread that took it just before. */
    private static final long RETIRE_NANOS = 1_000_000_000L;

    private final EndpointContext<S, T> ctx;
    private final SessionRegistry<S, T> registry;

    /**
     * @param ctx what the endpoint's parts share
     * @param registry the endpoint's sessions
     */
    public KeyRotation(EndpointContext<S, T> ctx, SessionRegistry<S, T> registry) {
        this.ctx = ctx;
        this.registry = registry;
    }

    /**
     * A packet opened on {@code s} under {@code id}: the first from the initiator confirms a
     * responder's session, and the first under a re-handshake's keys makes the responder seal
     * with them. Two volatile reads when neither applies.
     *
     * @param s the session
     * @param id the session id in the packet's header
     */
    public void opened(S s, long id) {
        SessionState<T> st = registry.state(s);
        if (!st.isConfirmed()) {
            registry.confirm(s);
        }
        if (st.nextTx != null && id != st.sessionId()) {
            promote(s, st, id);
        }
    }

    /**
     * Installs a re-handshake's keys on {@code s}: the table opens under the new id at once, the
     * old rx key stays for its grace period. The initiator seals under the new keys at once (the
     * responder opens them since it sent message 2); the responder holds them until the
     * initiator's first packet under them ({@link #opened}). False if the new id is taken.
     */
    boolean rekey(S s, byte[] h, boolean initiator) {
        SessionState<T> st = registry.state(s);
        try (SessionKeys keys = SessionKeys.derive(h)) {
            Arrays.fill(h, (byte) 0);
            long id = keys.sessionId();
            if (registry.idInUse(id)) {
                ctx.counters.refused(HandshakeRefusal.SESSION_ID_IN_USE);
                return false;
            }
            T next = ctx.sealers.open(keys.sealingKey(initiator), id);
            long now = ctx.clock.getAsLong();
            synchronized (st) {
                if (ctx.sealers.isClosed(st.tx())) {
                    ctx.sealers.close(next);
                    return false;
                }
                long oldRx = st.rxId;
                ctx.rx.rekey(oldRx, keys.openingKey(initiator), id);
                st.rxId = id;
                ctx.index.put(id, s);
                st.oldIds.add(oldRx);
                if (initiator) {
                    swap(st, next, id, now);
                    st.rekeying = false;
                } else {
                    if (st.nextTx != null) { // an earlier re-handshake never confirmed: this one replaces it
                        retire(st, st.nextTx, now);
                    }
                    st.nextTx = next;
                    st.nextId = id;
                }
            }
            return true;
        }
    }

    /** Tells the application that a re-handshake replaced the keys of {@code s}. */
    void rekeyed(S s) {
        ctx.events.rekeyed(s);
    }

    /** The initiator's first packet under {@code id}, the keys a re-handshake gave: seal with them. */
    private void promote(S s, SessionState<T> st, long id) {
        synchronized (st) {
            if (st.nextTx == null || st.nextId != id) {
                return;
            }
            swap(st, st.nextTx, id, ctx.clock.getAsLong());
            st.nextTx = null;
        }
        rekeyed(s);
    }

    /** Seals with {@code next} from now on; the tx it replaces finishes its seals, then closes. Under st's lock. */
    private void swap(SessionState<T> st, T next, long id, long now) {
        retire(st, st.tx(), now);
        st.replaceTx(next, id);
        st.keysMade = now;
    }

    /** Closes {@code tx} a second from now: a thread that took it just before the swap still seals. */
    private void retire(SessionState<T> st, T tx, long now) {
        st.retiring.add(tx);
        st.retireAt.add(now + RETIRE_NANOS);
    }

    /**
     * The timer's look at one session's keys: old txs to close, old ids gone, keys too old (the
     * session ends), a re-handshake due.
     *
     * @return true when the initiator should start a re-handshake now
     */
    boolean tick(S s, long now) {
        SessionState<T> st = registry.state(s);
        List<T> closing = new ArrayList<>();
        boolean startRekey = false;
        synchronized (st) {
            for (int i = st.retiring.size() - 1; i >= 0; i--) {
                if (now - st.retireAt.get(i) >= 0) {
                    closing.add(st.retiring.remove(i));
                    st.retireAt.remove(i);
                }
            }
            for (int i = st.oldIds.size() - 1; i >= 0; i--) {
                long id = st.oldIds.get(i);
                if (!ctx.rx.contains(id)) { // its grace period is over
                    ctx.index.remove(id, s);
                    st.oldIds.remove(i);
                }
            }
            long age = now - st.keysMade;
            if (st.redial != null && !st.rekeying && st.isConfirmed()
                    && (age >= ctx.policy.rekeyAfter().toNanos()
                        || Long.compareUnsigned(ctx.sealers.sent(st.tx()), ctx.policy.rekeyAfterPackets()) >= 0)) {
                st.rekeying = true; // one re-handshake at a time: its own attempts and backoff, then another
                startRekey = true;
            }
        }
        for (T tx : closing) {
            ctx.sealers.close(tx);
        }
        if (now - st.keysMade >= ctx.policy.rejectAfter().toNanos() - ctx.policy.tick().toNanos()) {
            registry.end(s, SessionEnd.KEYS_EXPIRED); // a tick early rather than one seal late
            return false;
        }
        return startRekey;
    }
}
