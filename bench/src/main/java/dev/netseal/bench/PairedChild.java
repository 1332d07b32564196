package dev.netseal.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netseal.bench.Pairs.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One fork of one pair (see {@link Paired}): both sides set up, warm-up rounds, a full
 * collection, measured rounds; prints the per-round figures as one {@value #RESULT_PREFIX} line
 * of JSON for the parent.
 */
final class PairedChild {
    private PairedChild() {}

    static final String RESULT_PREFIX = "PAIRED-RESULT ";

    static int run(Paired.Settings s) throws Exception {
        Pair p = null;
        for (Pair q : Pairs.pairs(s.sizes)) {
            if (q.id().equals(s.child)) {
                p = q;
            }
        }
        if (p == null) {
            System.err.println("unknown pair " + s.child);
            return 2;
        }
        PairedSide a = p.a().get();
        PairedSide b = p.b().get();
        // One thread per thread index, for the whole fork: a side's thread t always runs on the same
        // thread, so per-thread state (a pool's thread cache, a thread-local tap) is the same from
        // turn to turn. (A shared pool of two would hand a 1-thread side's turns to either thread,
        // and each fork would measure its own mix of a warm and a colder path.)
        ExecutorService[] workers = new ExecutorService[2];
        for (int i = 0; i < workers.length; i++) {
            String name = "paired-worker-" + i;
            workers[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
        Blackhole[] holes = new Blackhole[2];
        for (int i = 0; i < holes.length; i++) {
            holes[i] = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        }
        a.setUp();
        b.setUp();
        try {
            boolean time = p.metric().equals(Pairs.TIME);
            for (int r = 0; r < s.warmup; r++) {
                double[] m = round(a, b, r, workers, holes, s.roundMs, s.slices);
                System.out.printf(Locale.ROOT, "warm-up %2d: %s %s, %s %s%n", r + 1,
                        a.name, fmt(m[0]), b.name, fmt(m[2]));
            }
            // Everything set up, thread caches included, becomes old, as in a long-running server
            // (see the class comment).
            System.gc();
            double[] ratios = new double[s.rounds];
            double[] nsA = new double[s.rounds];
            double[] nsB = new double[s.rounds];
            // Where a 2-thread pair's workers ran: the host decides whether they ran side by side
            // (see Placement), and a verdict read without it can flip from fork to fork.
            Placement placement = a.threads > 1 || b.threads > 1 ? new Placement() : null;
            for (int r = 0; r < s.rounds; r++) {
                double[] m = round(a, b, r, workers, holes, s.roundMs, s.slices);
                nsA[r] = m[0];
                nsB[r] = m[2];
                ratios[r] = time ? m[0] / m[2] : m[1] / m[3];
                System.out.printf(Locale.ROOT, "round %2d: %s %s, %s %s: %.3f%n", r + 1,
                        a.name, fmt(m[0]), b.name, fmt(m[2]), ratios[r]);
            }
            if (placement != null) {
                placement.close();
                System.out.println(placement.describe());
                System.out.println("  " + Placement.lineTransfer(workers));
            }
            ObjectNode result = Paired.JSON.createObjectNode();
            result.set("round_ratios", array(ratios));
            result.set("round_impl_ns", array(nsA));
            result.set("round_baseline_ns", array(nsB));
            System.out.println(RESULT_PREFIX + Paired.JSON.writeValueAsString(result));
        } finally {
            a.tearDown();
            b.tearDown();
            for (ExecutorService w : workers) {
                w.shutdownNow();
            }
        }
        return 0;
    }

    private static String fmt(double ns) {
        return String.format(Locale.ROOT, ns < 100 ? "%.2f ns/op" : "%.1f ns/op", ns);
    }

    /**
     * One round: {@code slices} turns per side, alternating A and B (A first in even turns of even
     * rounds, and so on: the order flips every turn and every round), each turn
     * {@code roundMs / slices} long; each side's figures sum its turns. Returns {ns/op A, ops/s A,
     * ns/op B, ops/s B}.
     */
    private static double[] round(PairedSide a, PairedSide b, int r, ExecutorService[] workers, Blackhole[] holes,
                                  int roundMs, int slices) throws Exception {
        long[][] sumA = new long[a.threads][2];
        long[][] sumB = new long[b.threads][2];
        int sliceMs = Math.max(1, roundMs / slices);
        for (int k = 0; k < slices; k++) {
            if ((r + k) % 2 == 0) {
                timed(a, workers, holes, sliceMs, sumA);
                timed(b, workers, holes, sliceMs, sumB);
            } else {
                timed(b, workers, holes, sliceMs, sumB);
                timed(a, workers, holes, sliceMs, sumA);
            }
        }
        double[] out = new double[4];
        System.arraycopy(figures(sumA), 0, out, 0, 2);
        System.arraycopy(figures(sumB), 0, out, 2, 2);
        return out;
    }

    /** {mean ns per op per thread, ops per second over all threads} from per-thread {ops, ns}. */
    private static double[] figures(long[][] perThread) {
        double nsPerOp = 0;
        double opsPerSecond = 0;
        for (long[] t : perThread) {
            nsPerOp += (double) t[1] / t[0];
            opsPerSecond += t[0] * 1e9 / t[1];
        }
        return new double[] {nsPerOp / perThread.length, opsPerSecond};
    }

    /**
     * Runs {@code side} on its threads for {@code ms} and adds each thread's {ops, ns} to
     * {@code sum}. The threads start together; each times its own loop.
     */
    private static void timed(PairedSide side, ExecutorService[] workers, Blackhole[] holes, int ms, long[][] sum)
            throws Exception {
        PairedSide.Control control = new PairedSide.Control();
        CountDownLatch ready = new CountDownLatch(side.threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<long[]>> futures = new ArrayList<>();
        for (int t = 0; t < side.threads; t++) {
            int thread = t;
            futures.add(workers[t].submit(() -> {
                ready.countDown();
                go.await();
                long start = System.nanoTime();
                long ops = side.loop(control, holes[thread], thread);
                long untimed = side.untimedNanos; // a one-thread side's re-preparation, not the op
                side.untimedNanos = 0;
                return new long[] {ops, System.nanoTime() - start - untimed};
            }));
        }
        ready.await();
        go.countDown();
        TimeUnit.MILLISECONDS.sleep(ms);
        control.stop = true;
        for (int t = 0; t < side.threads; t++) {
            long[] r = futures.get(t).get();
            sum[t][0] += r[0];
            sum[t][1] += r[1];
        }
    }

    private static ArrayNode array(double[] xs) {
        ArrayNode a = Paired.JSON.createArrayNode();
        for (double x : xs) {
            a.add(x);
        }
        return a;
    }
}
