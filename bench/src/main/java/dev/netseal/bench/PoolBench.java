package dev.netseal.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Group "pool", one row per {@code impl} (see {@link Pools}): take a warm object from a pool and
 * give it straight back, on 1 thread and on 2 threads sharing one pool ({@code ns/op} is per op
 * per thread). JMH forks a JVM per {@code impl}, so the call through {@link Pools.Pool} sees one
 * class in each fork.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PoolBench {

    @Param({"netseal-threadlocal", "netseal-shared", "stormpot-tlt", "netty-recycler", "commons-pool2"})
    public String impl;

    private Pools.Pool pool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = Pools.named(impl);
        pool.setUp();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        pool.tearDown();
    }

    @Benchmark
    @Threads(1)
    public Object oneThread() {
        return pool.acquireRelease();
    }

    @Benchmark
    @Threads(2)
    public Object twoThreads() {
        return pool.acquireRelease();
    }
}
