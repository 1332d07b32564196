package dev.netseal.bench;

import io.netty.util.Recycler;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;

/**
 * Row pool / netty-recycler: Netty 4.1.118's {@link Recycler}, {@code get()} then
 * {@code handle.recycle(obj)}, with its default settings, on JMH's worker threads.
 *
 * <p>Those are plain threads, not {@code FastThreadLocalThread}s (JMH does not let a benchmark
 * choose its thread factory), and this is what 4.1.118 does then: the {@code FastThreadLocal}
 * holding the thread's pool takes its slow path (an {@code InternalThreadLocalMap} found through a
 * JDK {@code ThreadLocal}); and since {@code io.netty.recycler.batchFastThreadLocalOnly} defaults
 * to true, a plain thread's pool has no owner thread, so every {@code recycle} goes through the
 * pool's MPSC queue and {@code get} takes objects back from it in batches of
 * {@code chunkSize}. It still pools per thread (no allocation when warm). The row therefore
 * measures Netty's Recycler as used from a non-Netty thread, which is how a library user's
 * application threads would meet it.
 */
public class NettyRecyclerBench extends AbstractPoolBench {

    static final class RecycledThing {
        final Recycler.Handle<RecycledThing> handle;
        final Thing thing = new Thing();

        RecycledThing(Recycler.Handle<RecycledThing> handle) {
            this.handle = handle;
        }
    }

    private Recycler<RecycledThing> recycler;

    @Setup(Level.Trial)
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
    protected Object acquireRelease() {
        RecycledThing t = recycler.get();
        t.handle.recycle(t);
        return t;
    }
}
