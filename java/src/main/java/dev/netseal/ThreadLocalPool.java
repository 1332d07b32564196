package dev.netseal;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.Backends;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import org.jctools.queues.MessagePassingQueue;

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
 * The first thread that uses the pool keeps its cache in a plain field of the pool (found by
 * comparing a field of the pool with the current thread, no ThreadLocal lookup: a pool often
 * has one main sealing thread; which thread is first is settled by one CAS per pool);
 * every other thread keeps its cache in this pool's {@link ThreadLocal}. A checked-out builder
 * references its pool, so a pool is never collected under a builder in use. A builder must
 * never reference the pool while it sits in a ThreadLocal-held cache: the thread's map holds
 * that cache strongly, and a path from it to the pool (which holds the ThreadLocal, the map's
 * key) would keep both alive for the thread's whole life. So a builder entering such a cache
 * drops its pool reference, and one leaving it takes it again; nothing a ThreadLocal-held cache
 * reaches (its builders' {@code home}, the shared queue through the core) may lead back to the
 * first thread's cache either, so builders entering it or the shared queue are re-homed. The
 * first thread's cache is held only by the pool: no such path, so its builders keep the
 * reference, and its warm acquire/release store no reference at all.
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
    /**
     * {@code Thread.isVirtual()} (Java 21+), looked up once: the library compiles for Java 17,
     * where it does not exist (then every thread is a platform thread). A static final handle,
     * so the JIT inlines the call.
     */
    private static final MethodHandle IS_VIRTUAL;

    static {
        try {
            FIRST_OWNER = MethodHandles.lookup().findVarHandle(ThreadLocalPool.class, "firstOwner", Thread.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        MethodHandle isVirtual;
        try {
            isVirtual = MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            isVirtual = null; // before Java 21: no virtual threads
        }
        IS_VIRTUAL = isVirtual;
    }

    /** True when {@code t} is a virtual thread (never before Java 21). */
    static boolean isVirtual(Thread t) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(t);
        } catch (Throwable e) {
            throw new IllegalStateException("Thread.isVirtual failed", e); // it throws nothing
        }
    }

    private final PoolCore core;
    private final int localCapacity;
    private final ThreadLocal<LocalCache> local;
    private final int keep;
    /** The first thread to use the pool; set once. See the class comment. */
    @SuppressWarnings("unused") // also written through FIRST_OWNER
    private volatile Thread firstOwner;
    /** That thread's cache (not in the ThreadLocal); written and read only by that thread. */
    private LocalCache firstCache;

    private ThreadLocalPool(AeadBackend backend, int size, boolean withKey, byte[] key, long sessionId,
                            long originHash, int localCapacity) {
        if (localCapacity < 1) {
            throw new IllegalArgumentException("localCapacity must be at least 1, got " + localCapacity);
        }
        this.core = new PoolCore(backend, size);
        if (withKey) {
            core.openDefaultSession(key, sessionId, originHash);
        }
        this.localCapacity = localCapacity;
        int keep = 2 * localCapacity;
        this.keep = keep;
        // No initial value: a lookup that finds no cache must not make one (see dropCacheOfThisThread)
        this.local = new ThreadLocal<>();
        core.prefill();
        core.closeWhenUnreachable(this);
    }

    /**
     * A pool of {@code size} builders sealing with {@code key} (32 bytes) under {@code sessionId}.
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
        return core.newSession(this, key, sessionId, originHash);
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
        LocalCache cache = cacheOfThisThread();
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
            dropCacheOfThisThread(); // a closed pool keeps nothing, not even stale slots
            return;
        }
        LocalCache cache = builder.home;
        if (cache == null || cache.owner != Thread.currentThread()) {
            cache = cacheOfThisThread(); // released by another thread than took it
            if (cache == null) {
                releaseShared(builder);
                return;
            }
        }
        if (!cache.push(builder)) {
            spill(cache);
            cache.push(builder);
        }
    }

    /**
     * The calling thread's cache: the pool's field for the first thread, else the ThreadLocal;
     * null for a virtual thread, which keeps no cache at all. A server runs a virtual thread per
     * task: a cache each would be a builder (8 KB direct) and a ThreadLocal entry per task, made
     * for one packet and left behind. A virtual thread takes from and gives back to the shared
     * queue instead, so the builders in use are bounded by the tasks mounted at once.
     */
    private LocalCache cacheOfThisThread() {
        Thread me = Thread.currentThread();
        // Compares with a field of this pool, which is never written again once set, so other
        // threads do not touch the first thread's cache (its count changes on every call).
        Thread first = firstOwner;
        if (first == me) {
            return firstCache; // only this thread writes it, once, after winning firstOwner
        }
        if (isVirtual(me)) {
            return null; // never the first owner either: its cache would outlive the task
        }
        if (first == null && FIRST_OWNER.compareAndSet(this, null, me)) { // once per pool
            firstCache = core.registerCache(new LocalCache(keep, false));
            return firstCache;
        }
        LocalCache cache = local.get();
        if (cache == null) { // once per thread and pool (again after a close dropped it)
            cache = core.registerCache(new LocalCache(keep, true));
            local.set(cache);
        }
        return cache;
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
     * Empties the calling thread's cache, stale slots included (after close), and ends its
     * ThreadLocal entry. Never makes a cache: a thread that never used the pool (a virtual one
     * included) has none to drop, and a closed pool must not register one, nor let the closing
     * thread become its first owner.
     */
    private void dropCacheOfThisThread() {
        if (firstOwner == Thread.currentThread()) {
            firstCache.clear(); // the pool's field: nothing else to end
            return;
        }
        LocalCache cache = local.get();
        if (cache != null) {
            cache.clear(); // builders homed here may outlive the entry: they must not keep the rest
            local.remove();
        }
    }

    /** Test hook: true when the calling thread has a cache of this pool now (never makes one). */
    boolean hasCacheInThisThread() {
        return firstOwner == Thread.currentThread() || local.get() != null;
    }

    private PacketBuilder refill(LocalCache cache) {
        core.shared.drain(cache, localCapacity);
        PacketBuilder b = cache.pop();
        if (b == null) {
            // drain() polls relaxedly and may come back empty from a queue that is not: one exact
            // poll before a new builder is made, so contention never grows the pool.
            b = core.pollShared();
        }
        return b != null ? b : core.newBuilder();
    }

    private void spill(LocalCache cache) {
        for (int i = 0; i < localCapacity; i++) {
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
        core.close();
        dropCacheOfThisThread();
    }

    PoolCore core() {
        return core;
    }

    /**
     * One thread's cache. Only its owner thread touches it (see the class comment), so its fields
     * are plain. It is also the consumer the shared queue drains a refill into.
     */
    static final class LocalCache implements MessagePassingQueue.Consumer<PacketBuilder> {
        final Thread owner = Thread.currentThread();
        /** True when a ThreadLocal holds it: then its builders must not reference the pool. */
        final boolean heldByThreadLocal;
        private final PacketBuilder[] items;
        private int count;

        LocalCache(int keep, boolean heldByThreadLocal) {
            this.items = new PacketBuilder[keep];
            this.heldByThreadLocal = heldByThreadLocal;
        }

        PacketBuilder pop() {
            // count is read once: clearFromClose may zero it meanwhile, and a second read could
            // then index -1. A lost update leaves null slots, which pop returns as "empty".
            int c = count;
            if (c == 0) {
                return null;
            }
            PacketBuilder b = items[--c];
            count = c;
            if (heldByThreadLocal) {
                // A checked-out builder references the pool: a stale slot must not keep that path.
                // The first thread's cache skips the store: the pool holds it anyway.
                items[c] = null;
            }
            return b;
        }

        boolean push(PacketBuilder b) {
            int c = count; // read once, as in pop
            if (c == items.length) {
                return false;
            }
            if (heldByThreadLocal) {
                b.owner = null;
            }
            if (b.home != this) {
                b.home = this; // only after a hand-off between threads or a refill
            }
            items[c] = b;
            count = c + 1;
            return true;
        }

        void clear() {
            java.util.Arrays.fill(items, null);
            count = 0;
        }

        /**
         * Empties the cache from the thread closing the pool, while the owner thread may be
         * running: plain writes racing the owner's plain ones. That is safe because the pool is
         * closed first: the owner's next acquire is refused, and its next release drops its cache
         * (or meets a null slot, which sends it to the closed shared queue and a refusal). A
         * release already past its closed check may still put one builder back in a slot this
         * clears, so a thread keeps at most the builders it was releasing at that moment.
         */
        void clearFromClose() {
            clear();
        }

        @Override
        public void accept(PacketBuilder b) {
            push(b);
        }
    }
}
