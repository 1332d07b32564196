package dev.netseal.bench;

import dev.netseal.PacketBuilder;
import dev.netseal.PacketPool;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Row pool / netseal-shared: {@code PacketPool.get()} then {@code close()} (the shared queue only). */
public class PacketPoolBench extends AbstractPoolBench {

    private PacketPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        System.out.println("[bench] netseal backend: " + dev.netseal.Netseal.backendDescription());
        pool = PacketPool.create(POOL_SIZE, BenchSupport.key(), BenchSupport.SESSION_ID);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Override
    protected Object acquireRelease() {
        PacketBuilder b = pool.get();
        b.close();
        return b;
    }
}
