package dev.netseal.bench;

import dev.netseal.PacketBuilder;
import dev.netseal.ThreadLocalPool;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Row pool / netseal-threadlocal: {@code ThreadLocalPool.acquire()} then {@code release(b)}. */
public class ThreadLocalPoolBench extends AbstractPoolBench {

    private ThreadLocalPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println("[bench] netseal backend: " + dev.netseal.Netseal.backendDescription());
        pool = ThreadLocalPool.create(POOL_SIZE, BenchSupport.key(), BenchSupport.SESSION_ID);
    }

    /**
     * Makes the calling thread the pool's first user, so that the measured threads find their
     * caches in the pool's table, as every thread but the first does on a server.
     */
    void takeFirstUseOnThisThread() {
        pool.release(pool.acquire());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Override
    protected Object acquireRelease() {
        PacketBuilder b = pool.acquire();
        pool.release(b);
        return b;
    }
}
