package dev.netseal.internal.send;

import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import dev.netseal.internal.keys.Keys;
import org.jctools.queues.atomic.MpmcAtomicArrayQueue;
import org.jspecify.annotations.Nullable;

/**
 * What both pools share: the backend, the bounded shared queue of idle builders, every builder
 * ever made (weakly), so that a rekey or close can wait out in-flight seals before it wipes a key,
 * and the open {@link SealingSession}s (each with its key epoch), which any builder of the pool
 * seals for.
 *
 * <p>It holds no reference to the pool facade nor to its thread caches (the facade holds those,
 * and empties them when it closes), so builders parked in thread caches never keep a dropped pool
 * reachable. Only the {@link SealingSession} handles the application holds keep the facade (a
 * pool stays alive while one of its sessions is held); the core tracks their {@link SealingState}s,
 * which hold no facade, so the Cleaner's action never keeps a dropped pool reachable.
 *
 * <h2>Why wiping a key never races a seal</h2>
 * A seal does (1) a release write of {@code epoch} to the builder's claim slot (which holds the
 * sealing thread until then: see PacketBuilder), (2) {@code counter.getAndIncrement()}, and, only
 * if the counter is below the limit, (3) seals with the key and (4) a release write of
 * {@code null} (or of the thread again, after a refused draw) to the slot. Only the thread that
 * claimed the builder writes the slot while it holds anything but null, so no other thread can
 * overwrite an epoch there. Retiring does (a) {@code retired = true} and an atomic jump of the
 * counter to the limit, (b) for every builder, spins until an acquire read of the slot is
 * not this epoch, then (c) destroys the key. The counter's updates are totally ordered. If (2)
 * comes before (a), (2) happens-before (a), so (1) happens-before (b): (b) sees the epoch (or a
 * later value) and waits for (4), which happens-before (c). If (2) comes after (a), it draws a
 * refused counter and never touches the key. If (b) reads a later (1) of another epoch instead,
 * that write is a release store after (4) in the same thread, so (4) still happens-before (c). A
 * builder made after (a) registers under the same lock, so its first draw comes after (a) too.
 *
 * <p>Builders are shared by sessions, and the argument is per epoch: whichever session's epoch is
 * retired, (b) reads the slot of every builder of the pool, and only this pool's builders can
 * seal under its sessions' epochs (a builder refuses a session of another pool). The slot names
 * the epoch, not the session, so a builder sealing for another session at (b) is not waited on,
 * and one that moves on to this epoch later draws after (a) and is refused.
 */
public final class PoolCore<B> {
    public final AeadBackend backend;
    public final int capacity;
    public final MpmcAtomicArrayQueue<B> shared;
    private final BuilderFactory<B> factory;
    /** The session of a pool made with a key (the seed's API), else null (a server's pool). */
    private volatile @Nullable SealingState defaultSession;

    private volatile boolean closed;
    /** Guarded by this. */
    final List<WeakReference<B>> builders = new ArrayList<>();
    private int pruneAt = 64;
    /** Guarded by this: builders made in all (the prefill included). */
    long made;
    /** The open sessions, so that closing the pool closes them (and wipes their keys). */
    private final Set<SealingState> sessions = ConcurrentHashMap.newKeySet();

    public PoolCore(AeadBackend backend, int capacity, BuilderFactory<B> factory) {
        if (capacity < 1) {
            throw new IllegalArgumentException("pool size must be at least 1, got " + capacity);
        }
        this.backend = backend;
        this.capacity = capacity;
        this.factory = factory;
        this.shared = new MpmcAtomicArrayQueue<>(Math.max(2, capacity));
    }

    /** Opens the pool's default session (a pool made with a key); before {@link #prefill}. */
    public void openDefaultSession(byte[] key, long sessionId, long originHash) {
        defaultSession = new SealingState(this, true, key, sessionId, originHash);
    }

    /** A new session sealing through this pool's builders; {@code pool} is kept alive by it. */
    public SealingState newSession(byte[] key, long sessionId, long originHash) {
        // No checkOpen() here: register() refuses a closed pool under the lock close() takes, so
        // that one check covers the race with close() as well (the session's key is wiped then).
        return new SealingState(this, false, key, sessionId, originHash);
    }

    /** The default session, or an exception for a pool made without one. */
    public SealingState defaultSession() {
        SealingState s = defaultSession;
        if (s == null) {
            throw new IllegalStateException("this pool was made without a key (builders(size)): it has no"
                    + " default session; seal through a SealingSession from newSession(key, sessionId)");
        }
        return s;
    }

    /** Adds an open session; false when the pool is closed (the caller then wipes its key). */
    public synchronized boolean register(SealingState s) {
        if (closed) {
            return false;
        }
        sessions.add(s);
        return true;
    }

    public void unregister(SealingState s) {
        sessions.remove(s);
    }

    /** Open sessions now (a moment's view). */
    public int openSessions() {
        return sessions.size();
    }


    /**
     * Fills the shared queue with {@code capacity} fresh builders. If that fails (direct memory
     * runs out), the core closes itself, so its keys are wiped and their claims released at once.
     */
    public void prefill() {
        try {
            for (int i = 0; i < capacity; i++) {
                shared.offer(newBuilder());
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }
    /**
     * Returns a builder to the shared queue unless it holds {@code capacity} already (the queue
     * itself rounds up to a power of two); a builder that does not fit is dropped, one that fits
     * never is. {@code offer}, not {@code relaxedOffer}: JCTools' relaxed form may fail on a
     * queue that is not full (a producer slot still being published), and every such failure
     * lost a builder that the next acquire then had to allocate again. {@code offer} fails only
     * when the queue is full. Racing returners that all read a size below {@code capacity} can
     * overshoot it by at most one each when {@code capacity} is not a power of two (the queue's
     * own bound stops them otherwise): the bound is for memory, not for safety.
     */
    public boolean offerShared(B b) {
        return shared.size() < capacity && shared.offer(b);
    }

    /**
     * Takes a builder from the shared queue, or null only when it is empty ({@code poll}, not
     * {@code relaxedPoll}, which may miss an element being published).
     */
    public @Nullable B pollShared() {
        return shared.poll();
    }

    /**
     * Closes this core once {@code facade} is unreachable. The action holds only the core, which
     * builders reference, never the facade, so thread caches cannot keep the facade alive.
     */
    public void closeWhenUnreachable(Object facade) {
        Keys.CLEANER.register(facade, this::close);
    }

    /** The default session's current epoch (tests, and the seed's single-session API). */
    public KeyEpoch current() {
        return defaultSession().current();
    }

    public boolean isClosed() {
        return closed;
    }

    public void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    public static IllegalStateException closedException() {
        return new IllegalStateException("pool is closed");
    }

    public synchronized B newBuilder() {
        checkOpen();
        if (builders.size() >= pruneAt) {
            builders.removeIf(ref -> ref.get() == null);
            pruneAt = Math.max(64, builders.size() * 2);
        }
        B b = factory.newBuilder(this);
        builders.add(new WeakReference<>(b));
        made++;
        return b;
    }

    /** Rekeys the default session. */
    public void setKey(byte[] key, long sessionId) {
        checkOpen();
        defaultSession().rekey(key, sessionId);
    }

    /**
     * Refuses new work, closes every open session (each wipes its key once the seals in flight
     * are done) and empties the shared queue. Idempotent: a second call repeats the work, which
     * finds nothing left to do, and does not return early, so that whichever call returns, every
     * key is wiped by then (a session's close waits for one running in another thread).
     */
    public void close() {
        synchronized (this) {
            closed = true; // register() refuses from here on, so the set below only shrinks
        }
        for (SealingState s : sessions.toArray(new SealingState[0])) {
            s.close();
        }
        shared.clear(); // the thread caches are the pool's to empty (ThreadLocalPool.close)
    }

    /**
     * Ends {@code epoch}: poisons its counter, waits until no builder of this pool is sealing
     * under it, then wipes its key and releases its claim. See the class comment for why this is
     * safe. Every builder that can seal under a session's epoch is one of this pool's: a builder
     * refuses a session of another pool.
     */
    public synchronized void retire(KeyEpoch epoch) {
        epoch.retired = true;
        epoch.poison();
        for (Iterator<WeakReference<B>> it = builders.iterator(); it.hasNext(); ) {
            B b = it.next().get();
            if (b == null) {
                it.remove();
                continue;
            }
            while (factory.sealingUnder(b, epoch)) {
                Thread.onSpinWait();
            }
        }
        epoch.destroy();
    }
}
