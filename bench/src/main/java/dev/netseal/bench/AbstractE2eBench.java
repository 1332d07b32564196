package dev.netseal.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * Group "e2e": sealing throughput through ONE pool shared by 1 or 2 threads, native backend. One
 * op = acquire, {@code begin(...).event(64 bytes).seal()}, release; {@code ns/op} is per packet
 * per thread, so packets/s for all threads = threads × 1e9 / ns_per_op.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = "-Dnetseal.backend=native")
public abstract class AbstractE2eBench {

    /** Event bytes per packet (payload 68 with the prefix). */
    static final int EVENT_BYTES = 64;

    /** Each thread's own packet sequence numbers. */
    @State(Scope.Thread)
    public static class Sequence {
        long next;
    }

    final byte[] event = BenchSupport.bytes(EVENT_BYTES, 3);

    /**
     * The session id of this state's pool (and receiver). A paired run (see {@link Paired}) holds
     * two states in one JVM, and a pool refuses a second live (key, session), so it gives each
     * side its own; JMH runs leave it at {@link BenchSupport#SESSION_ID}.
     */
    long sessionId = BenchSupport.SESSION_ID;

    protected abstract int sealOne(long sequence);

    @Benchmark
    @Threads(1)
    public int oneThread(Sequence s) {
        return sealOne(s.next++);
    }

    @Benchmark
    @Threads(2)
    public int twoThreads(Sequence s) {
        return sealOne(s.next++);
    }
}
