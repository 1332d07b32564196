package dev.netseal.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Group "pool": take a warm object from a pool and give it straight back, on 1 thread and on
 * 2 threads sharing one pool ({@code ns/op} is per op per thread). Subclasses wire one pool each.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class AbstractPoolBench {

    /** Pool capacity for every implementation: far above the 2 objects in use at once. */
    static final int POOL_SIZE = 16;

    /** One acquire and one release; returns the object (so it is consumed). */
    protected abstract Object acquireRelease();

    @Benchmark
    @Threads(1)
    public Object oneThread() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(2)
    public Object twoThreads() {
        return acquireRelease();
    }

    /** What the peers pool: the pool's cost does not depend on it. */
    static final class Thing {
        final byte[] data = new byte[64];
    }
}
