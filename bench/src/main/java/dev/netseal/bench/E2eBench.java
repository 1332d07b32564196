package dev.netseal.bench;

import dev.netseal.PacketBuilder;
import dev.netseal.PacketPool;
import dev.netseal.ThreadLocalPool;
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
 * Group "e2e", rows netseal-threadlocal and netseal-shared ({@code impl}): sealing throughput
 * through ONE pool (a {@link ThreadLocalPool}, or a {@link PacketPool}) shared by 1 or 2 threads,
 * native backend. One op = acquire, {@code begin(...).event(64 bytes).seal()}, release;
 * {@code ns/op} is per packet per thread, so packets/s for all threads = threads × 1e9 / ns_per_op.
 * Each pool has its own op method ({@link #sealThreadLocal}, {@link #sealShared}), which the
 * paired sides call directly.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class E2eBench {

    /** Event bytes per packet (payload 68 with the prefix). */
    static final int EVENT_BYTES = 64;

    @Param({"netseal-threadlocal", "netseal-shared"})
    public String impl;

    /** Each thread's own packet sequence numbers. */
    @State(Scope.Thread)
    public static class Sequence {
        long next;
    }

    final byte[] event = BenchSupport.bytes(EVENT_BYTES, 3);
    private ThreadLocalPool threadLocal;
    private PacketPool shared;

    /**
     * The session id of this state's pool. A paired run (see {@link Paired}) holds two states in
     * one JVM, and a pool refuses a second live (key, session), so it gives each side its own;
     * JMH runs leave it at {@link BenchSupport#SESSION_ID}.
     */
    long sessionId = BenchSupport.SESSION_ID;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.useBackend("native");
        switch (impl) {
            case "netseal-threadlocal" -> threadLocal = ThreadLocalPool.create(64, BenchSupport.key(), sessionId);
            case "netseal-shared" -> shared = PacketPool.create(64, BenchSupport.key(), sessionId);
            default -> throw new IllegalArgumentException("impl must be netseal-threadlocal or netseal-shared: " + impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (threadLocal != null) {
            threadLocal.close();
        }
        if (shared != null) {
            shared.close();
        }
    }

    int sealThreadLocal(long sequence) {
        PacketBuilder b = threadLocal.acquire();
        int length = b.begin(BenchSupport.STREAM_ID, sequence, 0).event(event).seal().remaining();
        threadLocal.release(b);
        return length;
    }

    int sealShared(long sequence) {
        PacketBuilder b = shared.get();
        int length = b.begin(BenchSupport.STREAM_ID, sequence, 0).event(event).seal().remaining();
        b.close();
        return length;
    }

    private int sealOne(long sequence) {
        return threadLocal != null ? sealThreadLocal(sequence) : sealShared(sequence);
    }

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
