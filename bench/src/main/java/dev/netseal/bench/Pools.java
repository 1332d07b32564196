package dev.netseal.bench;

import dev.netseal.Netseal;
import dev.netseal.PacketBuilder;
import dev.netseal.PacketPool;
import dev.netseal.ThreadLocalPool;
import io.netty.util.Recycler;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import stormpot.Allocator;
import stormpot.BasePoolable;
import stormpot.Expiration;
import stormpot.PoolTap;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * The pools of the "pool" group ({@link PoolBench}) and of the paired pool rows: each takes a
 * warm object and gives it straight back. Each is its own concrete class, so a paired side's loop
 * calls one of them monomorphically.
 */
final class Pools {
    private Pools() {}

    /** Pool capacity for every implementation: far above the 2 objects in use at once. */
    static final int POOL_SIZE = 16;

    /** One pool under test. */
    interface Pool {
        void setUp();

        void tearDown() throws InterruptedException;

        /** One acquire and one release; returns the object (so it is consumed). */
        Object acquireRelease();
    }

    /** What the peers pool: the pool's cost does not depend on it. */
    static final class Thing {
        final byte[] data = new byte[64];
    }

    /** The pool named {@code impl}, a row name of the pool group. */
    static Pool named(String impl) {
        return switch (impl) {
            case "netseal-threadlocal" -> new NetsealThreadLocal();
            case "netseal-shared" -> new NetsealShared();
            case "stormpot-tlt" -> new Stormpot();
            case "netty-recycler" -> new NettyRecycler();
            case "commons-pool2" -> new CommonsPool2();
            default -> throw new IllegalArgumentException("no pool named " + impl);
        };
    }

    /** netseal-threadlocal: {@code ThreadLocalPool.acquire()} then {@code release(b)}. */
    static final class NetsealThreadLocal implements Pool {
        private ThreadLocalPool pool;

        @Override
        public void setUp() {
            System.out.println("[bench] netseal backend: " + Netseal.backendDescription());
            pool = ThreadLocalPool.create(POOL_SIZE, BenchSupport.key(), BenchSupport.SESSION_ID);
        }

        /**
         * Makes the calling thread the pool's first user, so that the measured threads find their
         * caches in the pool's table, as every thread but the first does on a server.
         */
        void takeFirstUseOnThisThread() {
            pool.release(pool.acquire());
        }

        @Override
        public void tearDown() {
            pool.close();
        }

        @Override
        public Object acquireRelease() {
            PacketBuilder b = pool.acquire();
            pool.release(b);
            return b;
        }
    }

    /** netseal-shared: {@code PacketPool.get()} then {@code close()} (the shared queue only). */
    static final class NetsealShared implements Pool {
        private PacketPool pool;

        @Override
        public void setUp() {
            System.out.println("[bench] netseal backend: " + Netseal.backendDescription());
            pool = PacketPool.create(POOL_SIZE, BenchSupport.key(), BenchSupport.SESSION_ID);
        }

        @Override
        public void tearDown() {
            pool.close();
        }

        @Override
        public Object acquireRelease() {
            PacketBuilder b = pool.get();
            b.close();
            return b;
        }
    }

    /**
     * stormpot-tlt: stormpot 3.2's thread-local tap ({@code Pool.getThreadLocalTap()}),
     * {@code claim(timeout)} then {@code release()}. Built inline ({@code Pool.fromInline}: no
     * background allocator thread to compete for the cores) with {@code Expiration.never()}, the
     * cheapest claim stormpot offers.
     */
    static final class Stormpot implements Pool {
        static final class PooledThing extends BasePoolable {
            final Thing thing = new Thing();

            PooledThing(Slot slot) {
                super(slot);
            }
        }

        private final Timeout timeout = new Timeout(10, TimeUnit.SECONDS);
        private stormpot.Pool<PooledThing> pool;
        private PoolTap<PooledThing> tap;

        @Override
        public void setUp() {
            pool = stormpot.Pool.fromInline(new Allocator<PooledThing>() {
                @Override
                public PooledThing allocate(Slot slot) {
                    return new PooledThing(slot);
                }

                @Override
                public void deallocate(PooledThing poolable) {
                }
            }).setSize(POOL_SIZE).setExpiration(Expiration.never()).build();
            tap = pool.getThreadLocalTap();
        }

        @Override
        public void tearDown() throws InterruptedException {
            pool.shutdown().await(timeout);
        }

        @Override
        public Object acquireRelease() {
            PooledThing t;
            try {
                t = tap.claim(timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (t == null) {
                throw new IllegalStateException("stormpot claim timed out");
            }
            t.release();
            return t;
        }
    }

    /**
     * netty-recycler: Netty's {@link Recycler}, {@code get()} then {@code handle.recycle(obj)},
     * default settings, on JMH's worker threads. Those are plain threads, not
     * {@code FastThreadLocalThread}s, so its {@code FastThreadLocal} takes its slow path, and
     * (with {@code io.netty.recycler.batchFastThreadLocalOnly} true by default) a plain thread's
     * pool has no owner thread: every {@code recycle} goes through the pool's MPSC queue. It still
     * pools per thread. This is Netty's Recycler as a library user's application threads meet it.
     */
    static final class NettyRecycler implements Pool {
        static final class RecycledThing {
            final Recycler.Handle<RecycledThing> handle;
            final Thing thing = new Thing();

            RecycledThing(Recycler.Handle<RecycledThing> handle) {
                this.handle = handle;
            }
        }

        private Recycler<RecycledThing> recycler;

        @Override
        public void setUp() {
            recycler = new Recycler<RecycledThing>() {
                @Override
                protected RecycledThing newObject(Recycler.Handle<RecycledThing> handle) {
                    return new RecycledThing(handle);
                }
            };
            System.out.println("[bench] netty Recycler on " + Thread.currentThread().getClass().getName()
                    + ", batchFastThreadLocalOnly="
                    + System.getProperty("io.netty.recycler.batchFastThreadLocalOnly", "true (default)"));
        }

        @Override
        public void tearDown() {
        }

        @Override
        public Object acquireRelease() {
            RecycledThing t = recycler.get();
            t.handle.recycle(t);
            return t;
        }
    }

    /**
     * commons-pool2: Apache commons-pool2's {@link GenericObjectPool}, {@code borrowObject()} then
     * {@code returnObject(obj)}, default settings except a capacity of {@value #POOL_SIZE} and no
     * JMX registration.
     */
    static final class CommonsPool2 implements Pool {
        private GenericObjectPool<Thing> pool;

        @Override
        public void setUp() {
            GenericObjectPoolConfig<Thing> config = new GenericObjectPoolConfig<>();
            config.setMaxTotal(POOL_SIZE);
            config.setMaxIdle(POOL_SIZE);
            config.setJmxEnabled(false);
            pool = new GenericObjectPool<>(new BasePooledObjectFactory<Thing>() {
                @Override
                public Thing create() {
                    return new Thing();
                }

                @Override
                public PooledObject<Thing> wrap(Thing thing) {
                    return new DefaultPooledObject<>(thing);
                }
            }, config);
        }

        @Override
        public void tearDown() {
            pool.close();
        }

        @Override
        public Object acquireRelease() {
            Thing t;
            try {
                t = pool.borrowObject();
            } catch (Exception e) {
                throw new IllegalStateException("borrowObject failed", e);
            }
            pool.returnObject(t);
            return t;
        }
    }
}
