package dev.netseal.internal.receive;

import dev.netseal.internal.keys.RetiredKeys;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.keys.KeyFingerprint;
import dev.netseal.internal.keys.Keys;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The receiving state of one session: its current key and window and, for a grace period after a
 * rekey, its previous ones (WIRE.md, "Rekey"). Openers read one immutable {@link KeySet} snapshot
 * through a volatile field and take no lock; rekey, drop and close replace it under this object's
 * monitor. A key that leaves the snapshot is retired: wiped once the opens using it are done (see
 * {@link ReceiveKey}).
 *
 * <p>A rekey onto the key and session id in use now, or the previous one, is refused: the window
 * would start empty and re-admit every packet ever sent under them.
 */
public final class ReceiveSession {

    /** The keys an open may use; immutable. {@code previous} may be null. */
    public static final class KeySet {
        public final ReceiveKey current;
        public final @Nullable ReceiveKey previous;

        public KeySet(ReceiveKey current, @Nullable ReceiveKey previous) {
            this.current = current;
            this.previous = previous;
        }
    }

    /** Told when a session id stops naming any key of this session (the session table unmaps it). */
    public interface IdListener {
        void idDropped(ReceiveSession session, long sessionId);
    }



    public final AeadBackend backend;
    public final ReceiveSettings settings;
    private final @Nullable IdListener listener;
    /** Null once closed. */
    private volatile @Nullable KeySet keys;
    /** Guarded by this: fingerprints of (key, nonce prefix) of current and previous. */
    private long currentPrint;
    private long previousPrint;
    /** Guarded by this: the scheduled drop of the previous key. */
    @Nullable ScheduledFuture<?> expiry;

    public ReceiveSession(AeadBackend backend, ReceiveSettings settings, byte[] key, long sessionId,
                   @Nullable IdListener listener) {
        this.backend = backend;
        this.settings = settings;
        this.listener = listener;
        this.currentPrint = KeyFingerprint.of(Keys.check(key), sessionId);
        this.keys = new KeySet(newKey(key, sessionId), null);
    }

    /**
     * The highest counter the current key accepted (unsigned), -1 if none, or -2 once closed: what
     * a session's liveness is judged by, with no write on the open path.
     */
    public long highestAccepted() {
        KeySet k = keys;
        return k == null ? -2 : Objects.requireNonNull(k.current.window).highest(); // a session's keys have one
    }

    /** The keys now, or null once closed. */
    public @Nullable KeySet keys() {
        return keys;
    }

    public boolean isClosed() {
        return keys == null;
    }

    /** The current session id. */
    public long sessionId() {
        KeySet k = requireOpen();
        return k.current.sessionId;
    }

    /** The previous key's session id while it is kept. */
    public synchronized java.util.OptionalLong previousSessionId() {
        KeySet k = requireOpen();
        return k.previous == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(k.previous.sessionId);
    }

    /**
     * Makes {@code key} under {@code sessionId} current; the current key becomes the previous one
     * for the grace period (an older previous key is dropped now).
     */
    public synchronized void rekey(byte[] key, long sessionId) {
        KeySet k = requireOpen();
        long print = KeyFingerprint.of(Keys.check(key), sessionId);
        if (print == currentPrint || (k.previous != null && print == previousPrint)) {
            throw new IllegalArgumentException("rekey onto the key and session id already in use: its replay"
                    + " window would start empty and re-admit old packets; rekey to a fresh key");
        }
        ReceiveKey next = newKey(key, sessionId);
        ReceiveKey older = k.previous;
        keys = new KeySet(next, k.current);
        previousPrint = currentPrint;
        currentPrint = print;
        cancelExpiry();
        if (older != null) {
            older.retire();
            tellDropped(older.sessionId);
        }
        long graceNanos = settings.previousKeyGrace.toNanos();
        if (graceNanos == 0) {
            dropPrevious();
        } else {
            ReceiveKey scheduled = k.current;
            expiry = Expiry.TIMER.schedule(() -> dropPreviousIf(scheduled), graceNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** Drops and wipes the previous key now; false if there was none. */
    public synchronized boolean dropPrevious() {
        KeySet k = requireOpen();
        if (k.previous == null) {
            return false;
        }
        keys = new KeySet(k.current, null);
        cancelExpiry();
        k.previous.retire();
        tellDropped(k.previous.sessionId);
        return true;
    }

    private synchronized void dropPreviousIf(ReceiveKey expected) {
        KeySet k = keys;
        if (k != null && k.previous == expected) {
            dropPrevious();
        }
    }

    /** Refuses further opens, waits for those in flight, wipes every key. Idempotent. */
    public synchronized void close() {
        KeySet k = keys;
        if (k == null) {
            return;
        }
        keys = null;
        cancelExpiry();
        k.current.retire();
        if (k.previous != null) {
            k.previous.retire();
        }
        if (listener != null) {
            listener.idDropped(this, k.current.sessionId);
            if (k.previous != null && k.previous.sessionId != k.current.sessionId) {
                listener.idDropped(this, k.previous.sessionId);
            }
        }
    }

    /** Tells the listener that {@code id} names no key of this session any more, if so. */
    private void tellDropped(long id) {
        KeySet k = Objects.requireNonNull(keys); // open: the callers set it under this lock
        if (listener != null && k.current.sessionId != id && (k.previous == null || k.previous.sessionId != id)) {
            listener.idDropped(this, id);
        }
    }

    private void cancelExpiry() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    /**
     * A key with a new, empty window: refused for a (key, session id) whose window was dropped
     * before in this JVM, since the empty window would accept every packet the old one refused.
     */
    private ReceiveKey newKey(byte[] key, long sessionId) {
        long print = KeyFingerprint.of(Keys.check(key), sessionId);
        if (RetiredKeys.OPENED.contains(print)) {
            throw new IllegalStateException("this key and session id were dropped from a receiver in this JVM"
                    + " (a session removed or closed, a previous key dropped): a new replay window would accept"
                    + " their old packets again. Use a fresh key (a handshake makes one per session)");
        }
        return new ReceiveKey(backend.importKey(key), sessionId, new ReplayWindow(settings.windowSize), print);
    }

    private KeySet requireOpen() {
        KeySet k = keys;
        if (k == null) {
            throw new IllegalStateException("receiver is closed");
        }
        return k;
    }

    /**
     * One daemon thread that drops previous keys when their grace period ends (package-private:
     * tests occupy it to prove what must not wait for it).
     */
    public static final class Expiry {
        public static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "netseal-previous-key-expiry");
            t.setDaemon(true);
            return t;
        });

        static {
            TIMER.setRemoveOnCancelPolicy(true);
        }
    }
}
