package dev.netseal.bench;

import dev.netseal.PacketBuilder;
import dev.netseal.ThreadLocalPool;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpmcArrayQueue;
import org.jctools.queues.atomic.MpmcAtomicArrayQueue;
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
 * The shared queue's path in ThreadLocalPool: a thread cache refills a batch with
 * {@code drain(consumer, n)} and spills a batch with {@code relaxedOffer}. Run on its own (its
 * name does not end in "Bench", so bench/run.sh leaves it out):
 *
 * <pre>java -jar bench/target/benchmarks.jar 'RefillSpill' -f 2 -wi 5 -i 5</pre>
 *
 * <ul>
 *   <li>{@code queueBatch}: the same batch of 8 drained and offered back, JCTools'
 *       {@code MpmcArrayQueue} (sun.misc.Unsafe) against {@code MpmcAtomicArrayQueue} (what the
 *       pool uses now) side by side ({@code queue} param), on 1 and 2 threads; ns per batch.</li>
 *   <li>{@code poolCycle}: the pool itself, forced through that path: 24 builders held at once
 *       (three refills of 8 from the shared queue), then released (spills once the cache holds
 *       16); ns per 24 acquire+release pairs.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RefillSpill {
    static final int BATCH = 8;
    static final int HELD = 3 * BATCH;

    /** One queue shared by the benchmark's threads, prefilled far above what they take. */
    @State(Scope.Benchmark)
    public static class SharedQueue {
        @Param({"atomic", "unsafe"})
        public String queue;

        MessagePassingQueue<Object> q;

        @Setup(Level.Trial)
        public void setUp() {
            q = queue.equals("atomic") ? new MpmcAtomicArrayQueue<>(256) : new MpmcArrayQueue<>(256);
            for (int i = 0; i < 128; i++) {
                q.offer(new Object());
            }
        }
    }

    /** A thread's cache: the consumer a refill drains into. */
    @State(Scope.Thread)
    public static class Cache implements MessagePassingQueue.Consumer<Object> {
        final Object[] items = new Object[BATCH];
        int count;

        @Override
        public void accept(Object e) {
            items[count++] = e;
        }
    }

    /** One pool shared by the benchmark's threads. */
    @State(Scope.Benchmark)
    public static class Pool {
        ThreadLocalPool pool;

        @Setup(Level.Trial)
        public void setUp() {
            pool = ThreadLocalPool.withLocalCapacity(256, BenchSupport.key(), BenchSupport.SESSION_ID, 0L, BATCH);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pool.close();
        }
    }

    /** The builders a thread holds during one cycle. */
    @State(Scope.Thread)
    public static class Held {
        final PacketBuilder[] builders = new PacketBuilder[HELD];
    }

    private static int batch(SharedQueue s, Cache c) {
        c.count = 0;
        s.q.drain(c, BATCH);
        int n = c.count;
        for (int i = 0; i < n; i++) {
            // As the pool's spill: relaxedOffer, which may fail on a queue that is not full
            // (never here: the queue holds 128 of 256).
            s.q.relaxedOffer(c.items[i]);
            c.items[i] = null;
        }
        return n;
    }

    @Benchmark
    @Threads(1)
    public int queueBatchOneThread(SharedQueue s, Cache c) {
        return batch(s, c);
    }

    @Benchmark
    @Threads(2)
    public int queueBatchTwoThreads(SharedQueue s, Cache c) {
        return batch(s, c);
    }

    private static PacketBuilder cycle(Pool p, Held h) {
        for (int i = 0; i < HELD; i++) {
            h.builders[i] = p.pool.acquire();
        }
        for (int i = 0; i < HELD; i++) {
            p.pool.release(h.builders[i]);
        }
        return h.builders[0];
    }

    @Benchmark
    @Threads(1)
    public PacketBuilder poolCycleOneThread(Pool p, Held h) {
        return cycle(p, h);
    }

    @Benchmark
    @Threads(2)
    public PacketBuilder poolCycleTwoThreads(Pool p, Held h) {
        return cycle(p, h);
    }
}
