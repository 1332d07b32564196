package dev.netseal;

import dev.netseal.internal.VirtualThreads;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.Backends;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import dev.netseal.internal.send.LocalCache;
import dev.netseal.internal.send.PoolCore;
import dev.netseal.internal.send.ThreadCaches;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A pool of {@link PacketBuilder}s with a cache per thread in front of a shared bounded
 * lock-free queue: the pool to use when many threads seal.
 *
 * <p>{@link #acquire()} pops the calling thread's cache; when it is empty it moves up to
 * {@link #localCapacity()} builders from the shared queue in one go; when that is empty too it
 * makes a new builder. {@link #release} keeps the builder in the releasing thread's cache while
 * that holds fewer than {@code 2 × localCapacity}, else moves a batch of {@code localCapacity}
 * to the shared queue.
 *
 * <h2>Why the warm path needs no atomic operation</h2>
 * A thread cache is used only by the thread that owns it, so plain fields are enough. A builder
 * handed to another thread travels by the caller's own hand-off (a queue, an executor), which
 * already orders the writes; the builder then goes into the releasing thread's cache. The shared
 * queue (JCTools' MpmcAtomicArrayQueue) is touched only to refill or spill a batch.
 *
 * <h2>Virtual threads keep no cache</h2>
 * A virtual thread (Java 21+, detected at run time: the library compiles for Java 17) takes its
 * builder from the shared queue and gives it back there: no thread cache, no ThreadLocal entry,
 * no builder left behind per task. The builders in use are then bounded by the capacity plus the
 * tasks that hold one at the same moment (the carrier threads, for tasks that do not block while
 * holding it). Platform threads keep their caches.
 *
 * <h2>Where the caches live, and why a dropped pool is still collected</h2>
 * The pool holds every thread's cache ({@link ThreadCaches}): a thread finds its own in a table
 * indexed by thread id (three loads, no lock, no ThreadLocal), and the first thread that used the
 * pool finds it with one compare of a field of the pool (a pool often has one main sealing
 * thread; which thread is first is settled by one CAS per pool). A thread holds nothing of the
 * pool: no ThreadLocal entry, no reference. A checked-out builder references its pool, so a pool
 * is never collected under a builder in use, and a builder in a cache keeps that reference too:
 * the path cache, builder, pool stays inside the pool's own objects, and nothing a thread holds
 * leads into them, so a dropped pool is collected (and its key wiped by its Cleaner) while the
 * threads that used it live on.
 *
 * <p>That is what keeps the warm acquire/release free of non-null reference stores on every
 * platform thread, not just the first: a builder keeps its pool and its home cache, and a slot is
 * rewritten only when it holds another builder (release still nulls the builder's session, a
 * store G1's post-write barrier filters out). A reference store is not free on a server's
 * collector: once the builders are old, G1's write barrier on each one made two threads'
 * acquire/release 3 to 30 times slower than one thread's (bench/results/pool-g1-barrier/).
 *
 * <p>A cache lives as long as the pool, not as long as its thread: when a thread makes a new
 * cache, the caches of threads that have ended are dropped (at most as often as their number
 * doubles) and their builders go back to the shared queue. Builders entering the shared queue
 * drop their pool reference and home: the core holds that queue, and nothing the core holds may
 * lead to the pool.
 *
 * <h2>Security guarantees</h2>
 * All builders of this pool draw nonces from one counter per key, so a (key, nonce) pair never
 * repeats across threads, caches, builders made on demand, or rekeys. {@link #setKey} starts a
 * new key and counter; no builder seals with the old key after it returns. {@link #close()}
 * refuses new work and wipes the key once the last in-flight seal is done. A pool that is
 * dropped without {@code close()} is not kept alive by thread caches, and its key is wiped when
 * it is collected.
 *
 * <p>Thread-safe.
 */
public final class ThreadLocalPool implements AutoCloseable, BuilderOwner {

    /** Builders a thread refills at once; it keeps up to twice as many. */
    public static final int DEFAULT_LOCAL_CAPACITY = 8;

    private static final VarHandle FIRST_OWNER;

    static {
        try {
            FIRST_OWNER = MethodHandles.lookup().findVarHandle(ThreadLocalPool.class, "firstOwner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final PoolCore<PacketBuilder> core;
    private final int localCapacity;
    /** Every platform thread's cache, held by this pool alone: see the class comment. */
    final ThreadCaches<PacketBuilder> caches = new ThreadCaches<>();
    private final int keep;
    /**
     * The first platform thread to use the pool (set once, by a CAS) and its cache, which the
     * table holds too: that thread finds its cache with one compare, no table lookup. A pool often
     * has one sealing thread.
     */
    @SuppressWarnings("unused") // also written through FIRST_OWNER
    volatile @Nullable Thread firstOwner; // package-private: ThreadCacheDropTest reads it
    /** Written once, by the first owner, after it won firstOwner; read only by that thread. */
    private @Nullable LocalCache<PacketBuilder> firstCache;

    private ThreadLocalPool(AeadBackend backend, int size, boolean withKey, byte @Nullable [] key, long sessionId,
                            long originHash, int localCapacity) {
        if (localCapacity < 1) {
            throw new IllegalArgumentException("localCapacity must be at least 1, got " + localCapacity);
        }
        this.core = new PoolCore<>(backend, size, PacketBuilder.FACTORY);
        if (withKey) { // the caller's key, null only without one: Keys.check's exception
            core.openDefaultSession(Objects.requireNonNull(key, "key"), sessionId, originHash);
        }
        this.localCapacity = localCapacity;
        int keep = 2 * localCapacity;
        this.keep = keep;
        core.prefill();
        core.closeWhenUnreachable(this);
    }

    /**
     * A pool of {@code size} builders sealing with {@code key} (32 bytes) under {@code sessionId}.
     *
     * <p><b>A raw key</b>, for interop tools and tests: between peers, make sessions by handshake
     * ({@link DatagramEndpoint}), which gives each direction its own key. Never use one key for both
     * directions of a session: both sides count from 0 under one session id, so their nonces
     * would repeat from the first packet, and a node would open its own packets reflected to it.
     *
     * @param size how many builders the pool holds
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return the pool
     */
    public static ThreadLocalPool create(int size, byte[] key, long sessionId) {
        return withOrigin(size, key, sessionId, 0L);
    }

    /**
     * As {@link #create}, stamping {@code originHash} on every data packet.
     *
     * @param size how many builders the pool holds
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @param originHash origin_hash stamped on the data packets
     * @return the pool
     */
    public static ThreadLocalPool withOrigin(int size, byte[] key, long sessionId, long originHash) {
        return withLocalCapacity(size, key, sessionId, originHash, DEFAULT_LOCAL_CAPACITY);
    }

    /**
     * As {@link #withOrigin}, with {@code localCapacity} builders moved per refill.
     *
     * @param size how many builders the pool holds
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @param originHash origin_hash stamped on the data packets
     * @param localCapacity builders each thread's cache refills with at a time
     * @return the pool
     */
    public static ThreadLocalPool withLocalCapacity(int size, byte[] key, long sessionId, long originHash,
                                                    int localCapacity) {
        return new ThreadLocalPool(Backends.active(), size, true, key, sessionId, originHash, localCapacity);
    }

    /**
     * A pool of {@code size} builders with no key of its own, for a server with many peers: each
     * peer is a {@link SealingSession} from {@link #newSession}, and every session seals through
     * these builders (and the threads' caches of them).
     *
     * @param size how many builders the pool holds
     * @return the pool
     */
    public static ThreadLocalPool builders(int size) {
        return builders(size, DEFAULT_LOCAL_CAPACITY);
    }

    /**
     * As {@link #builders(int)}, with {@code localCapacity} builders moved per refill.
     *
     * @param size how many builders the pool holds
     * @param localCapacity builders each thread's cache refills with at a time
     * @return the pool
     */
    public static ThreadLocalPool builders(int size, int localCapacity) {
        return new ThreadLocalPool(Backends.active(), size, false, null, 0L, 0L, localCapacity);
    }

    static ThreadLocalPool buildersOnBackend(AeadBackend backend, int size, int localCapacity) {
        return new ThreadLocalPool(backend, size, false, null, 0L, 0L, localCapacity);
    }

    /**
     * A session sealing with {@code key} (32 bytes) under {@code sessionId} through this pool.
     *
     * <p><b>A raw key</b>, for interop tools and tests: between peers, make sessions by handshake
     * ({@link DatagramEndpoint}), which gives each direction its own key. Never use one key for both
     * directions of a session: both sides count from 0 under one session id, so their nonces
     * would repeat from the first packet, and a node would open its own packets reflected to it.
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return the new session, open until closed (or until the pool is)
     */
    public SealingSession newSession(byte[] key, long sessionId) {
        return newSession(key, sessionId, 0L);
    }

    /**
     * As {@link #newSession(byte[], long)}, stamping {@code originHash} on its data packets.
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @param originHash origin_hash stamped on the data packets
     * @return the new session, open until closed (or until the pool is)
     */
    public SealingSession newSession(byte[] key, long sessionId, long originHash) {
        return new SealingSession(core.newSession(key, sessionId, originHash), this);
    }

    /** As {@link #withLocalCapacity}, on an explicit backend (tests run every backend). */
    static ThreadLocalPool onBackend(AeadBackend backend, int size, byte[] key, long sessionId,
                                     long originHash, int localCapacity) {
        return new ThreadLocalPool(backend, size, true, key, sessionId, originHash, localCapacity);
    }

    /**
     * Takes a builder; give it back with {@link #release} or {@link PacketBuilder#close()}.
     *
     * @return a builder, to give back with release
     */
    public PacketBuilder acquire() {
        core.checkOpen();
        LocalCache<PacketBuilder> cache = cacheOfThisThread();
        if (cache == null) {
            return acquireShared();
        }
        PacketBuilder b = cache.pop();
        if (b == null) {
            b = refill(cache);
        }
        b.checkOut(this);
        if (b.home != cache) {
            b.home = cache; // usually unchanged: a read is cheaper than a barriered store
        }
        return b;
    }

    /**
     * The same as {@link #acquire()}, named for try-with-resources: {@code try (var b = pool.get())}.
     *
     * @return a builder, to release with close() (try-with-resources)
     */
    public PacketBuilder get() {
        return acquire();
    }

    /**
     * Gives a builder back. Throws if it came from another pool or was already released. The
     * builder and any packet view it returned must not be used afterwards.
     */
    @Override
    public void release(PacketBuilder builder) {
        builder.checkIn(core);
        if (core.isClosed()) {
            builder.owner = null;
            clearHomeAfterClose(builder); // a closed pool keeps nothing, not even stale slots
            return;
        }
        LocalCache<PacketBuilder> cache = builder.home;
        if (cache == null || cache.owner != Thread.currentThread()) {
            cache = cacheOfThisThread(); // released by another thread than took it
            if (cache == null) {
                releaseShared(builder);
                return;
            }
        }
        if (builder.home != cache) {
            builder.home = cache; // only after a hand-off between threads: the cache that holds it
        }
        if (!cache.push(builder)) {
            spill(cache, localCapacity);
            cache.push(builder);
        }
    }

    /**
     * The calling thread's cache, made on its first use of the pool; null for a virtual thread,
     * which keeps no cache at all. A server runs a virtual thread per task: a cache each would be
     * a builder (8 KB direct) per task, made for one packet and left behind. A virtual thread
     * takes from and gives back to the shared queue instead, so the builders in use are bounded
     * by the tasks mounted at once.
     */
    private @Nullable LocalCache<PacketBuilder> cacheOfThisThread() {
        Thread me = Thread.currentThread();
        if (firstOwner == me) {
            return firstCache; // only this thread wrote it, before it could read firstOwner as itself
        }
        LocalCache<PacketBuilder> cache = caches.find(me);
        if (cache != null) {
            return cache;
        }
        if (VirtualThreads.is(me)) {
            return null; // never one: it would outlive the task
        }
        cache = caches.findOrAdd(me, keep, this::endedThreadsCacheReturned); // once per thread and pool
        if (firstOwner == null && FIRST_OWNER.compareAndSet(this, null, me)) { // once per pool
            firstCache = cache;
        }
        return cache;
    }

    /**
     * True (drop it) if {@code cache}'s thread has ended, after its builders went back to the
     * shared queue. A thread that has ended wrote its cache for the last time before isAlive()
     * said false, so reading the cache from here is safe.
     */
    private boolean endedThreadsCacheReturned(LocalCache<PacketBuilder> cache) {
        if (cache.owner.isAlive()) {
            return false;
        }
        spill(cache, Integer.MAX_VALUE);
        // What did not fit in the shared queue goes to the collector, the stale slots too: a
        // builder the thread handed to another one still points here (its home) until released.
        cache.clear();
        return true;
    }

    /** A virtual thread's acquire: the shared queue, else a new builder. */
    private PacketBuilder acquireShared() {
        PacketBuilder b = core.pollShared();
        if (b == null) {
            b = core.newBuilder();
        }
        b.checkOut(this);
        b.home = null;
        return b;
    }

    /** A virtual thread's release: back to the shared queue (dropped only when that is full). */
    private void releaseShared(PacketBuilder builder) {
        builder.owner = null; // the core holds the shared queue: no path to the pool from there
        builder.home = null;
        core.offerShared(builder);
    }

    /**
     * After close: empties the calling thread's cache, stale slots included, when the builder
     * being released came from it (close() emptied every cache and dropped them from the table,
     * but a release racing it may have put a builder back since). Never makes a cache.
     */
    private void clearHomeAfterClose(PacketBuilder released) {
        LocalCache<PacketBuilder> home = released.home;
        if (home != null && home.owner == Thread.currentThread()) {
            home.clear();
        }
    }

    private PacketBuilder refill(LocalCache<PacketBuilder> cache) {
        core.shared.drain(cache, localCapacity);
        PacketBuilder b = cache.pop();
        if (b == null) {
            // drain() polls relaxedly and may come back empty from a queue that is not: one exact
            // poll before a new builder is made, so contention never grows the pool.
            b = core.pollShared();
        }
        return b != null ? b : core.newBuilder();
    }

    /** Moves up to {@code n} builders from {@code cache} to the shared queue. */
    private void spill(LocalCache<PacketBuilder> cache, int n) {
        for (int i = 0; i < n; i++) {
            PacketBuilder b = cache.pop();
            if (b == null) {
                break;
            }
            b.owner = null; // the core holds the shared queue: no path to the pool from there
            b.home = null;
            if (!core.offerShared(b)) {
                break; // a full shared queue drops the builder, as the size bound intends
            }
        }
    }

    /**
     * The size of the shared queue.
     *
     * @return the capacity
     */
    public int capacity() {
        return core.capacity;
    }

    /**
     * Builders in the shared queue now (a moment's view).
     *
     * @return the builders in the shared queue now
     */
    public int sharedAvailable() {
        return core.shared.size();
    }

    /**
     * The session id packets carry now.
     *
     * @return the default session's id
     */
    public long sessionId() {
        return core.current().sessionId;
    }

    /**
     * Builders moved per refill.
     *
     * @return the local capacity
     */
    public int localCapacity() {
        return localCapacity;
    }

    /**
     * Rekeys: a new key (32 bytes) and session, counters from 0. Every builder, wherever it is,
     * seals its next packet with the new key; the old key is wiped once no seal still uses it.
     *
     * @param key the 32-byte key; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     */
    public void setKey(byte[] key, long sessionId) {
        core.setKey(key, sessionId);
    }

    /**
     * Refuses new work, closes every session of this pool and wipes their keys once the seals in
     * flight are done. Idempotent. Every thread's cache is emptied now, so live threads that never
     * touch the pool again keep none of its builders (a release racing the close may keep the one
     * builder it was releasing, until that thread next releases here).
     */
    @Override
    public void close() {
        core.close(); // first: from here on, acquire refuses and release drops what it is given
        caches.clearAll();
    }
}
