package dev.netseal.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import stormpot.Allocator;
import stormpot.BasePoolable;
import stormpot.Expiration;
import stormpot.Pool;
import stormpot.PoolTap;
import stormpot.Slot;
import stormpot.Timeout;

/**
 * Row pool / stormpot-tlt: stormpot 3.2's thread-local tap ({@code Pool.getThreadLocalTap()}, the
 * 3.x name of its thread-local claim path), {@code claim(timeout)} then {@code release()}. The
 * pool is built inline ({@code Pool.fromInline}: no background allocator thread to compete for the
 * 2 cores) with {@code Expiration.never()}, the cheapest claim stormpot offers.
 */
public class StormpotBench extends AbstractPoolBench {

    static final class PooledThing extends BasePoolable {
        final Thing thing = new Thing();

        PooledThing(Slot slot) {
            super(slot);
        }
    }

    static final class ThingAllocator implements Allocator<PooledThing> {
        @Override
        public PooledThing allocate(Slot slot) {
            return new PooledThing(slot);
        }

        @Override
        public void deallocate(PooledThing poolable) {
        }
    }

    private final Timeout timeout = new Timeout(10, TimeUnit.SECONDS);
    private Pool<PooledThing> pool;
    private PoolTap<PooledThing> tap;

    @Setup(Level.Trial)
    public void setUp() {
        pool = Pool.fromInline(new ThingAllocator())
                .setSize(POOL_SIZE)
                .setExpiration(Expiration.never())
                .build();
        tap = pool.getThreadLocalTap();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        pool.shutdown().await(timeout);
    }

    @Override
    protected Object acquireRelease() {
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
