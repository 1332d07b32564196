package dev.netseal;

import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The receiving state of one session: its current key and window and, for a grace period after a
 * rekey, its previous ones (WIRE.md, "Rekey"). Openers read one immutable {@link Keys} snapshot
 * through a volatile field and take no lock; rekey, drop and close replace it under this object's
 * monitor. A key that leaves the snapshot is retired: wiped once the opens using it are done (see
 * {@link ReceiveKey}).
 *
 * <p>A rekey onto the key and session id in use now, or the previous one, is refused: the window
 * would start empty and re-admit every packet ever sent under them.
 */
final class ReceiveSession {

    /** The keys an open may use; immutable. {@code previous} may be null. */
    static final class Keys {
        final ReceiveKey current;
        final ReceiveKey previous;

        Keys(ReceiveKey current, ReceiveKey previous) {
            this.current = current;
            this.previous = previous;
        }
    }

    /** Told when a session id stops naming any key of this session (the session table unmaps it). */
    interface IdListener {
        void idDropped(ReceiveSession session, long sessionId);
    }

    private static final byte[] SALT = new byte[32];

    static {
        new SecureRandom().nextBytes(SALT);
    }

    final AeadBackend backend;
    final ReceiveSettings settings;
    private final IdListener listener;
    /** Null once closed. */
    private volatile Keys keys;
    /** Guarded by this: fingerprints of (key, nonce prefix) of current and previous. */
    private long currentPrint;
    private long previousPrint;
    /** Guarded by this: the scheduled drop of the previous key. */
    private ScheduledFuture<?> expiry;

    ReceiveSession(AeadBackend backend, ReceiveSettings settings, byte[] key, long sessionId,
                   IdListener listener) {
        this.backend = backend;
        this.settings = settings;
        this.listener = listener;
        this.currentPrint = fingerprint(PoolCore.checkKey(key), sessionId);
        this.keys = new Keys(newKey(key, sessionId), null);
    }

    Keys keys() {
        return keys;
    }

    boolean isClosed() {
        return keys == null;
    }

    /** The current session id. */
    long sessionId() {
        Keys k = requireOpen();
        return k.current.sessionId;
    }

    /** The previous key's session id while it is kept. */
    synchronized java.util.OptionalLong previousSessionId() {
        Keys k = requireOpen();
        return k.previous == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(k.previous.sessionId);
    }

    /**
     * Makes {@code key} under {@code sessionId} current; the current key becomes the previous one
     * for the grace period (an older previous key is dropped now).
     */
    synchronized void rekey(byte[] key, long sessionId) {
        Keys k = requireOpen();
        long print = fingerprint(PoolCore.checkKey(key), sessionId);
        if (print == currentPrint || (k.previous != null && print == previousPrint)) {
            throw new IllegalArgumentException("rekey onto the key and session id already in use: its replay"
                    + " window would start empty and re-admit old packets; rekey to a fresh key");
        }
        ReceiveKey next = newKey(key, sessionId);
        ReceiveKey older = k.previous;
        keys = new Keys(next, k.current);
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
    synchronized boolean dropPrevious() {
        Keys k = requireOpen();
        if (k.previous == null) {
            return false;
        }
        keys = new Keys(k.current, null);
        cancelExpiry();
        k.previous.retire();
        tellDropped(k.previous.sessionId);
        return true;
    }

    private synchronized void dropPreviousIf(ReceiveKey expected) {
        Keys k = keys;
        if (k != null && k.previous == expected) {
            dropPrevious();
        }
    }

    /** Refuses further opens, waits for those in flight, wipes every key. Idempotent. */
    synchronized void close() {
        Keys k = keys;
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

    /** Test hook: the scheduled drop of the previous key, or null. */
    synchronized ScheduledFuture<?> scheduledExpiry() {
        return expiry;
    }

    /** Tells the listener that {@code id} names no key of this session any more, if so. */
    private void tellDropped(long id) {
        Keys k = keys;
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
        long print = fingerprint(PoolCore.checkKey(key), sessionId);
        if (RetiredKeys.OPENED.contains(print)) {
            throw new IllegalStateException("this key and session id were dropped from a receiver in this JVM"
                    + " (a session removed or closed, a previous key dropped): a new replay window would accept"
                    + " their old packets again. Use a fresh key (a handshake makes one per session)");
        }
        return new ReceiveKey(backend.importKey(key), sessionId, new ReplayWindow(settings.windowSize), print);
    }

    private Keys requireOpen() {
        Keys k = keys;
        if (k == null) {
            throw new IllegalStateException("receiver is closed");
        }
        return k;
    }

    /** A salted 64-bit fingerprint of (key, nonce prefix); never the key itself. */
    static long fingerprint(byte[] key, long sessionId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(SALT);
            sha.update(key);
            sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, sessionId).array());
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /**
     * One daemon thread that drops previous keys when their grace period ends (package-private:
     * tests occupy it to prove what must not wait for it).
     */
    static final class Expiry {
        static final ScheduledThreadPoolExecutor TIMER = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "netseal-previous-key-expiry");
            t.setDaemon(true);
            return t;
        });

        static {
            TIMER.setRemoveOnCancelPolicy(true);
        }
    }
}
