package dev.netseal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the paired harness's two worker threads run, sampled from {@code /proc/self/task} every
 * few milliseconds while a fork measures: how often the two were both runnable, and of those
 * samples how often they sat on different CPUs. A 2-thread verdict means something only when
 * its threads really ran side by side; on a 2-vCPU guest the host decides that (the guest's two
 * vCPUs may share a physical core, or be descheduled in turn), and a fork whose workers shared a
 * CPU measures no contention at all. Linux only; elsewhere it reports that it could not look.
 */
final class Placement implements AutoCloseable {
    private static final String WORKER = "paired-worker-";
    private final Thread sampler;
    private volatile boolean stop;
    private long bothRunnable;
    private long apart;
    private long samples;
    private String problem;

    Placement() {
        sampler = new Thread(this::sample, "paired-placement");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void sample() {
        try {
            List<Path> workers = new ArrayList<>();
            while (!stop) {
                if (workers.size() < 2) {
                    workers = find();
                } else {
                    String[] a = stat(workers.get(0));
                    String[] b = stat(workers.get(1));
                    samples++;
                    if (a != null && b != null && a[0].equals("R") && b[0].equals("R")) {
                        bothRunnable++;
                        if (!a[1].equals(b[1])) {
                            apart++;
                        }
                    }
                }
                Thread.sleep(3);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            problem = e.toString();
        }
    }

    /** The two workers' task directories, once both exist. */
    private static List<Path> find() throws IOException {
        List<Path> found = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).trim().startsWith(WORKER)) {
                        found.add(t);
                    }
                } catch (IOException gone) {
                    // a thread that ended meanwhile
                }
            }
        }
        return found;
    }

    /** {state, last CPU} of a task, or null if it is gone. */
    private static String[] stat(Path task) {
        try {
            String s = Files.readString(task.resolve("stat"));
            // the name is in parentheses and may hold spaces: the fields after it are fixed
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return new String[] {f[0], f[36]}; // state (field 3), processor (field 39)
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        sampler.join();
    }

    /**
     * The cost of moving one cache line between the two workers: they pass a counter back and
     * forth through one volatile field for about 50 ms; nanoseconds per hand-over. On a host
     * that gave the two vCPUs sibling threads of one core this is a few tens of ns; across cores
     * (or core complexes) it is several times that, and so is every line two threads share.
     */
    static String lineTransfer(java.util.concurrent.ExecutorService[] workers) throws Exception {
        java.util.concurrent.atomic.AtomicLong ball = new java.util.concurrent.atomic.AtomicLong();
        long rounds = 200_000;
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.Future<Long> ping = workers[0].submit(() -> {
            go.await();
            long t0 = System.nanoTime();
            for (long i = 0; i < rounds; i++) {
                while (ball.get() != 2 * i) {
                    Thread.onSpinWait();
                }
                ball.set(2 * i + 1);
            }
            return System.nanoTime() - t0;
        });
        java.util.concurrent.Future<Long> pong = workers[1].submit(() -> {
            go.await();
            for (long i = 0; i < rounds; i++) {
                while (ball.get() != 2 * i + 1) {
                    Thread.onSpinWait();
                }
                ball.set(2 * i + 2);
            }
            return 0L;
        });
        go.countDown();
        long ns = ping.get(30, java.util.concurrent.TimeUnit.SECONDS);
        pong.get(30, java.util.concurrent.TimeUnit.SECONDS);
        return String.format(java.util.Locale.ROOT, "line transfer between the workers: %.0f ns per hand-over",
                (double) ns / (2 * rounds));
    }

    /** One line for the fork's log. */
    String describe() {
        if (problem != null) {
            return "placement: could not sample (" + problem + ")";
        }
        if (bothRunnable == 0) {
            return "placement: " + samples + " samples, the two workers never both runnable in one";
        }
        return String.format(java.util.Locale.ROOT,
                "placement: workers both runnable in %d of %d samples, on different CPUs in %.0f%% of those",
                bothRunnable, samples, 100.0 * apart / bothRunnable);
    }
}
