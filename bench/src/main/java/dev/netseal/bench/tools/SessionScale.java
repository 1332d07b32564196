package dev.netseal.bench.tools;

import dev.netseal.Netseal;
import dev.netseal.PacketBuilder;
import dev.netseal.SealingSession;
import dev.netseal.ThreadLocalPool;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sending state at server scale, one JVM, the backend of this JVM ({@code -Dnetseal.backend}):
 * <ol>
 *   <li>memory per idle session: 100,000 sessions on one {@code ThreadLocalPool.builders(256)},
 *       heap (after GC) + direct, per session (native key memory has no public counter);</li>
 *   <li>create + close per session (100,000 of each, one thread);</li>
 *   <li>10 rounds of 100,000 session churn: heap and direct memory after each;</li>
 *   <li>one 64-byte packet for each of 100,000 sessions round-robin vs as many on one hot
 *       session, ns per packet and the ratio;</li>
 *   <li>on Java 21+: 200,000 tasks sealing one 64-byte packet each, a virtual thread per task vs
 *       a fixed pool of platform threads (one per CPU), wall time, and direct buffers made.</li>
 * </ol>
 * A measuring tool, not a JMH benchmark (the quantities are memory and one-shot costs); timed
 * parts run 3 times and report the best. Prints a markdown section. Run it through
 * {@code bench/session-scale.sh} (both backends, JDK 17 and 25). The receive side is not here.
 *
 * <p>Arguments: {@code [sessions] [rounds] [tasks]}, default 100000 10 200000.
 */
public final class SessionScale {

    private static final int EVENT = 60; // payload 64 bytes: the event and its 4-byte length prefix

    private SessionScale() {}

    public static void main(String[] args) throws Exception {
        int sessions = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int tasks = args.length > 2 ? Integer.parseInt(args[2]) : 200_000;
        boolean nativeKeys = Netseal.isNativeActive();
        out("### Sending state at scale: %s, Java %s, %d CPUs", Netseal.backendDescription(),
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        out("");
        byte[] event = new byte[EVENT];
        try (ThreadLocalPool pool = ThreadLocalPool.builders(256)) {
            warmUp(pool, event);

            // 1. memory per idle session
            Snapshot before = Snapshot.take(nativeKeys);
            SealingSession[] open = openSessions(pool, sessions, 1);
            Snapshot after = Snapshot.take(nativeKeys);
            out("| quantity | value |");
            out("|---|---|");
            out("| sessions | %,d |", sessions);
            out("| heap per idle session | %,.0f B |", (after.heap - before.heap) / (double) sessions);
            out("| direct per idle session | %,.1f B (direct buffers %d -> %d) |",
                    (after.direct - before.direct) / (double) sessions, before.directCount, after.directCount);
            out("| native key memory per idle session | not counted: the public API has no counter (%s) |",
                    nativeKeys ? "each live key takes 32 B of a 64 KiB slab" : "java backend: none");
            out("| total per idle session, heap + direct | %,.0f B (target <= 4096 B with the receive side) |",
                    (after.total() - before.total()) / (double) sessions);
            closeAll(open);

            // 2. create + close
            double createNs = Double.MAX_VALUE;
            double closeNs = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) {
                long t0 = System.nanoTime();
                SealingSession[] s = openSessions(pool, sessions, 1000 + rep);
                long t1 = System.nanoTime();
                closeAll(s);
                long t2 = System.nanoTime();
                createNs = Math.min(createNs, (t1 - t0) / (double) sessions);
                closeNs = Math.min(closeNs, (t2 - t1) / (double) sessions);
            }
            out("| create per session | %,.2f us |", createNs / 1000);
            out("| close per session | %,.2f us |", closeNs / 1000);
            out("| create + close per session | %,.2f us (target <= 10 us) |", (createNs + closeNs) / 1000);

            // 3. churn
            Snapshot base = Snapshot.take(nativeKeys);
            StringBuilder growth = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                closeAll(openSessions(pool, sessions, 10 + r));
                Snapshot s = Snapshot.take(nativeKeys);
                growth.append(String.format(Locale.ROOT, "%s%+,d", r == 0 ? "" : ", ", s.total() - base.total()));
            }
            Snapshot end = Snapshot.take(nativeKeys);
            out("| churn, %d rounds of %,d: growth after each round (heap + direct) | %s B |",
                    rounds, sessions, growth);
            out("| churn: direct buffers at the end | %d (at start %d) |", end.directCount, base.directCount);

            // 4. round-robin vs hot
            SealingSession[] s = openSessions(pool, sessions, 2000);
            double rr = Double.MAX_VALUE;
            double hot = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) {
                rr = Math.min(rr, sealEach(pool, s, event, false));
                hot = Math.min(hot, sealEach(pool, s, event, true));
            }
            out("| seal 64 B, one packet per session round-robin over %,d | %,.0f ns/packet |", sessions, rr);
            out("| seal 64 B, the same count on one hot session | %,.0f ns/packet |", hot);
            out("| round-robin / hot | %.2fx (target <= 1.3x) |", rr / hot);

            // 5. virtual threads
            Method vt = virtualExecutorFactory();
            if (vt == null) {
                out("| virtual threads | not measured: Java %s has none (run on 21+) |", Runtime.version());
            } else {
                int platformThreads = Runtime.getRuntime().availableProcessors();
                double platformMs = Double.MAX_VALUE;
                double virtualMs = Double.MAX_VALUE;
                long platformBuffers = 0;
                long virtualBuffers = 0;
                for (int rep = 0; rep < 3; rep++) {
                    long d0 = Snapshot.directCount();
                    ExecutorService fixed = Executors.newFixedThreadPool(platformThreads);
                    platformMs = Math.min(platformMs, runTasks(fixed, pool, s, event, tasks));
                    platformBuffers = Math.max(platformBuffers, Snapshot.directCount() - d0);
                    long d1 = Snapshot.directCount();
                    virtualMs = Math.min(virtualMs, runTasks((ExecutorService) vt.invoke(null), pool, s, event, tasks));
                    virtualBuffers = Math.max(virtualBuffers, Snapshot.directCount() - d1);
                }
                out("| %,d tasks, fixed pool of %d platform threads | %,.1f ms (%,.0f ns/task), direct buffers made: %d |",
                        tasks, platformThreads, platformMs, platformMs * 1e6 / tasks, platformBuffers);
                out("| %,d tasks, a virtual thread each | %,.1f ms (%,.0f ns/task), direct buffers made: %d |",
                        tasks, virtualMs, virtualMs * 1e6 / tasks, virtualBuffers);
                out("| virtual / platform | %.2fx (target <= 1.5x; buffers bounded by pool size 256 + carriers) |",
                        virtualMs / platformMs);
            }
            closeAll(s);
        }
        out("");
        ReceiveScale.report(sessions, rounds, tasks, nativeKeys);
    }

    private static void warmUp(ThreadLocalPool pool, byte[] event) throws Exception {
        SealingSession[] s = openSessions(pool, 20_000, 999);
        for (int i = 0; i < 5; i++) {
            sealEach(pool, s, event, false);
            sealEach(pool, s, event, true);
        }
        closeAll(s);
    }

    /** Opens {@code n} sessions with fresh random keys; ids from {@code generation}. */
    private static SealingSession[] openSessions(ThreadLocalPool pool, int n, long generation) {
        SplittableRandom rnd = new SplittableRandom(generation);
        byte[] key = new byte[32];
        SealingSession[] s = new SealingSession[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 32; j += 8) {
                long v = rnd.nextLong();
                for (int k = 0; k < 8; k++) {
                    key[j + k] = (byte) (v >>> (8 * k));
                }
            }
            s[i] = pool.newSession(key, (generation << 32) | i);
        }
        return s;
    }

    private static void closeAll(SealingSession[] s) {
        for (SealingSession x : s) {
            x.close();
        }
    }

    /** One thread seals {@code s.length} packets: one per session, or all on s[0]; ns per packet. */
    private static double sealEach(ThreadLocalPool pool, SealingSession[] s, byte[] event, boolean hot) {
        long t0 = System.nanoTime();
        long sink = 0;
        for (int i = 0; i < s.length; i++) {
            try (PacketBuilder b = pool.get()) {
                sink += b.begin(hot ? s[0] : s[i], 1, i, 0).event(event).seal().remaining();
            }
        }
        long t1 = System.nanoTime();
        if (sink != (long) s.length * (68 + EVENT + 4 + 16)) {
            throw new IllegalStateException("wrong packet lengths");
        }
        return (t1 - t0) / (double) s.length;
    }

    private static double runTasks(ExecutorService exec, ThreadLocalPool pool, SealingSession[] s, byte[] event,
                                   int tasks) throws Exception {
        long t0 = System.nanoTime();
        List<Future<Integer>> done = new ArrayList<>(tasks);
        for (int i = 0; i < tasks; i++) {
            SealingSession session = s[i % s.length];
            int seq = i;
            done.add(exec.submit(() -> {
                try (PacketBuilder b = pool.get()) {
                    return b.begin(session, 1, seq, 0).event(event).seal().remaining();
                }
            }));
        }
        for (Future<Integer> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        long t1 = System.nanoTime();
        exec.shutdown();
        exec.awaitTermination(60, TimeUnit.SECONDS);
        return (t1 - t0) / 1e6;
    }

    static Method virtualExecutorFactory() {
        try {
            return Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    static void out(String format, Object... args) {
        System.out.println(String.format(Locale.ROOT, format, args));
    }

    /** Memory after a full collection: heap used and direct buffers. */
    static final class Snapshot {
        long heap;
        long direct;
        long directCount;

        long total() {
            return heap + direct;
        }

        static Snapshot take(boolean nativeKeys) throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(50);
            }
            Snapshot s = new Snapshot();
            s.heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            BufferPoolMXBean direct = directPool();
            s.direct = direct.getMemoryUsed();
            s.directCount = direct.getCount();
            return s;
        }

        static long directCount() {
            return directPool().getCount();
        }

        private static BufferPoolMXBean directPool() {
            for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (b.getName().equals("direct")) {
                    return b;
                }
            }
            throw new IllegalStateException("no direct buffer pool bean");
        }
    }
}
