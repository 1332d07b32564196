package dev.netseal.bench.tools;

import static dev.netseal.bench.tools.SessionScale.out;

import dev.netseal.OpenedPacket;
import dev.netseal.PacketBuilder;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The receive side at scale, printed after {@link SessionScale}'s sending side: a
 * {@link SessionTable} of N sessions (each a key, an 8192-counter window and its bookkeeping).
 * Memory per idle session (the table alone, and with a sending session beside it: a whole peer),
 * add + remove per session, churn, opening one packet per session round-robin against one hot
 * session, and opening from a virtual thread per task against a fixed platform pool. Opening uses
 * {@code tryOpen} with one reused result per thread, from a direct buffer, as a server would.
 */
final class ReceiveScale {
    private static final int EVENT = 60;

    private ReceiveScale() {}

    static void report(int sessions, int rounds, int tasks, boolean nativeKeys) throws Exception {
        out("### Receiving state at scale");
        out("");
        out("| quantity | value |");
        out("|---|---|");
        byte[] event = new byte[EVENT];
        // 1. memory per idle session: the table's, then a whole peer's (table entry + sending session)
        SessionTable.create().close(); // load the classes before the first snapshot
        SessionScale.Snapshot before = SessionScale.Snapshot.take(nativeKeys);
        SessionTable table = SessionTable.create();
        addAll(table, sessions, 1);
        SessionScale.Snapshot afterTable = SessionScale.Snapshot.take(nativeKeys);
        try (ThreadLocalPool pool = ThreadLocalPool.builders(256)) {
            SealingSession[] senders = new SealingSession[sessions];
            SplittableRandom rnd = new SplittableRandom(99);
            byte[] key = new byte[32];
            for (int i = 0; i < sessions; i++) {
                fill(key, rnd);
                senders[i] = pool.newSession(key, (99L << 32) | i);
            }
            SessionScale.Snapshot afterBoth = SessionScale.Snapshot.take(nativeKeys);
            out("| sessions in the table | %,d |", table.size());
            out("| receive state per idle session (heap + direct; native keys not counted) | %,.0f B (heap %,.0f) |",
                    (afterTable.total() - before.total()) / (double) sessions,
                    (afterTable.heap - before.heap) / (double) sessions);
            out("| a whole peer: receive + send state per idle session | %,.0f B (target <= 4096 B) |",
                    (afterBoth.total() - before.total()) / (double) sessions);
            for (SealingSession s : senders) {
                s.close();
            }
        }
        table.close();

        // 2. add + remove
        double addNs = Double.MAX_VALUE;
        double removeNs = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
            try (SessionTable t = SessionTable.create()) {
                long t0 = System.nanoTime();
                addAll(t, sessions, 1000 + rep);
                long t1 = System.nanoTime();
                removeAll(t, sessions, 1000 + rep);
                long t2 = System.nanoTime();
                addNs = Math.min(addNs, (t1 - t0) / (double) sessions);
                removeNs = Math.min(removeNs, (t2 - t1) / (double) sessions);
            }
        }
        out("| add + remove per session | %,.2f us (add %,.2f, remove %,.2f; target <= 10 us) |",
                (addNs + removeNs) / 1000, addNs / 1000, removeNs / 1000);

        // 3. churn
        try (SessionTable t = SessionTable.create()) {
            SessionScale.Snapshot base = SessionScale.Snapshot.take(nativeKeys);
            StringBuilder growth = new StringBuilder();
            for (int r = 0; r < rounds; r++) {
                addAll(t, sessions, 10 + r);
                removeAll(t, sessions, 10 + r);
                SessionScale.Snapshot s = SessionScale.Snapshot.take(nativeKeys);
                growth.append(String.format(Locale.ROOT, "%s%+,d", r == 0 ? "" : ", ", s.total() - base.total()));
            }
            out("| churn, %d rounds of %,d adds and removes: growth after each round | %s B |", rounds, sessions,
                    growth);
        }

        // 4. opening round-robin vs one hot session
        try (SessionTable t = SessionTable.create(); ThreadLocalPool pool = ThreadLocalPool.builders(64)) {
            SealingSession[] senders = new SealingSession[sessions];
            SplittableRandom rnd = new SplittableRandom(3000); // keys no other part sealed with (a retired one is refused)
            byte[] key = new byte[32];
            for (int i = 0; i < sessions; i++) {
                fill(key, rnd);
                long id = (3000L << 32) | i;
                t.add(key, id);
                senders[i] = pool.newSession(key, id);
            }
            double rr = Double.MAX_VALUE;
            double hot = Double.MAX_VALUE;
            for (int rep = 0; rep < 3; rep++) {
                rr = Math.min(rr, openEach(t, seal(pool, senders, event, false)));
                hot = Math.min(hot, openEach(t, seal(pool, senders, event, true)));
            }
            out("| open 64 B, one packet per session round-robin over %,d | %,.0f ns/packet |", sessions, rr);
            out("| open 64 B, the same count on one hot session | %,.0f ns/packet |", hot);
            out("| round-robin / hot (open) | %.2fx (target <= 1.3x) |", rr / hot);

            // 5. virtual threads opening
            Method vt = SessionScale.virtualExecutorFactory();
            if (vt == null) {
                out("| virtual threads (open) | not measured: Java %s has none (run on 21+) |", Runtime.version());
            } else {
                int platformThreads = Runtime.getRuntime().availableProcessors();
                double platformMs = Double.MAX_VALUE;
                double virtualMs = Double.MAX_VALUE;
                long platformBuffers = 0;
                long virtualBuffers = 0;
                for (int rep = 0; rep < 3; rep++) {
                    byte[][] a = seal(pool, senders, event, false, tasks);
                    long d0 = SessionScale.Snapshot.directCount();
                    platformMs = Math.min(platformMs, openTasks(Executors.newFixedThreadPool(platformThreads), t, a));
                    platformBuffers = Math.max(platformBuffers, SessionScale.Snapshot.directCount() - d0);
                    byte[][] b = seal(pool, senders, event, false, tasks);
                    long d1 = SessionScale.Snapshot.directCount();
                    virtualMs = Math.min(virtualMs, openTasks((ExecutorService) vt.invoke(null), t, b));
                    virtualBuffers = Math.max(virtualBuffers, SessionScale.Snapshot.directCount() - d1);
                }
                out("| %,d opens, fixed pool of %d platform threads | %,.1f ms (%,.0f ns/task), direct buffers made: %d |",
                        tasks, platformThreads, platformMs, platformMs * 1e6 / tasks, platformBuffers);
                out("| %,d opens, a virtual thread each | %,.1f ms (%,.0f ns/task), direct buffers made: %d |",
                        tasks, virtualMs, virtualMs * 1e6 / tasks, virtualBuffers);
                out("| virtual / platform (open) | %.2fx (target <= 1.5x) |", virtualMs / platformMs);
            }
            for (SealingSession s : senders) {
                s.close();
            }
        }
        out("");
    }

    private static void fill(byte[] key, SplittableRandom rnd) {
        for (int j = 0; j < 32; j += 8) {
            long v = rnd.nextLong();
            for (int k = 0; k < 8; k++) {
                key[j + k] = (byte) (v >>> (8 * k));
            }
        }
    }

    private static void addAll(SessionTable t, int n, long generation) {
        SplittableRandom rnd = new SplittableRandom(generation);
        byte[] key = new byte[32];
        for (int i = 0; i < n; i++) {
            fill(key, rnd);
            t.add(key, (generation << 32) | i);
        }
    }

    private static void removeAll(SessionTable t, int n, long generation) {
        for (int i = 0; i < n; i++) {
            t.remove((generation << 32) | i);
        }
    }

    private static byte[][] seal(ThreadLocalPool pool, SealingSession[] s, byte[] event, boolean hot) {
        return seal(pool, s, event, hot, s.length);
    }

    /** {@code n} packets: one per session in turn, or all of s[0]. */
    private static byte[][] seal(ThreadLocalPool pool, SealingSession[] s, byte[] event, boolean hot, int n) {
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            try (PacketBuilder b = pool.get()) {
                ByteBuffer v = b.begin(hot ? s[0] : s[i % s.length], 1, i, 0).event(event).seal();
                out[i] = new byte[v.remaining()];
                v.get(out[i]);
            }
        }
        return out;
    }

    /** One thread opens every packet, copying each into one direct buffer first: ns per packet. */
    private static double openEach(SessionTable t, byte[][] packets) {
        ByteBuffer buf = ByteBuffer.allocateDirect(8192);
        OpenedPacket out = new OpenedPacket();
        long t0 = System.nanoTime();
        for (byte[] p : packets) {
            buf.clear();
            buf.put(p).flip();
            if (!t.tryOpen(buf, out)) {
                throw new IllegalStateException("refused: " + out.refusalDetail());
            }
        }
        return (System.nanoTime() - t0) / (double) packets.length;
    }

    private static double openTasks(ExecutorService exec, SessionTable t, byte[][] packets) throws Exception {
        long t0 = System.nanoTime();
        List<Future<Boolean>> done = new ArrayList<>(packets.length);
        for (byte[] p : packets) {
            done.add(exec.submit(() -> t.tryOpen(ByteBuffer.wrap(p), new OpenedPacket())));
        }
        for (Future<Boolean> f : done) {
            if (!f.get(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("a packet was refused");
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        exec.shutdown();
        exec.awaitTermination(60, TimeUnit.SECONDS);
        return ms;
    }
}
