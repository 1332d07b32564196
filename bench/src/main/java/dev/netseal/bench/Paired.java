package dev.netseal.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Paired measurements: two ops that a target compares run in the same JVM, in alternating timed
 * rounds, and each round gives one ratio; the result is the median of the per-round ratios with
 * their min and max. Machine drift that lasts longer than a round (another process, frequency
 * changes, a noisy neighbour) moves both sides of a round together and leaves the ratio alone,
 * which separate JMH forks minutes apart cannot do.
 *
 * <p>How a pair runs, in JMH's terms: {@code forks} forks (fresh JVMs, one after the other) per
 * pair, each with the pair's {@code -Dnetseal.backend} and JMH's compiler blackholes; in each,
 * both sides set up (they are the JMH rows' own {@code @State} classes, see {@link PairedSide}),
 * {@code warmup} rounds, a full collection, then {@code rounds} measured rounds. The result pools
 * the measured rounds of every fork: what the JIT made of the code differs from fork to fork, and
 * one fork's median would carry its fork's luck. The collection makes every object the sides set
 * up old before anything is measured, as in a long-running server, whether or not the fork
 * happened to collect during its warm-up (under G1 a reference stored into an old object costs
 * more than into a young one). In a round each side runs {@code roundMs} in all, on the same
 * worker threads, in {@code slices} alternating turns (A B, then B A, ...: neither side always
 * runs second), so that interference shorter than a round hits both sides alike too.
 * Each side's loop calls its op until a volatile stop flag is set, every result into a
 * {@link Blackhole}, as JMH's generated loops do. Time metric: ns per op per thread, ratio
 * A / B (lower is better for A). Throughput metric (e2e): ops per second over all threads,
 * ratio A / B (higher is better for A).
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.netseal.bench.Paired --mode quick \
 *     --jni bench/target/native-build/libnetseal_bench_jni.so --out bench/results/paired.jsonl \
 *     [--only REGEX] [--forks N] [--rounds N] [--warmup N] [--round-ms MS] [--slices N] [--sizes 64,1024]</pre>
 *
 * Writes one JSON line per pair (the summary.json "paired" row, plus the pair id, metric and
 * each side's median), after a first "meta" line (CPU, JDK, date, settings).
 */
public final class Paired {

    static final String TIME = "ns_per_op";
    static final String THROUGHPUT = "throughput";
    private static final String RESULT_PREFIX = "PAIRED-RESULT ";

    static final String HANDSHAKE = "handshake";

    /**
     * One pair: A is the impl held to the target, B its baseline. {@code side} says which end of
     * a handshake A runs (responder, or both for a whole handshake); null for other ops.
     */
    record Pair(String id, String backend, String op, int size, int threads, String metric,
                String impl, String baseline, Supplier<PairedSide> a, Supplier<PairedSide> b, String side) {
        Pair(String id, String backend, String op, int size, int threads, String metric,
             String impl, String baseline, Supplier<PairedSide> a, Supplier<PairedSide> b) {
            this(id, backend, op, size, threads, metric, impl, baseline, a, b, null);
        }
    }

    /** Session ids of the two sides (a pool refuses a second live key + session). */
    private static final long SESSION_A = BenchSupport.SESSION_ID + 1;
    private static final long SESSION_B = BenchSupport.SESSION_ID + 2;

    /** Every pair of a run, in the order they run: fixed by the sizes alone. */
    static List<Pair> pairs(List<Integer> sizes) {
        List<Pair> p = new ArrayList<>();
        // Calibration: the floor against itself. Any distance from 1.00 is the harness's and the
        // machine's, not the code's; no target.
        p.add(new Pair("calibration-floor-vs-floor-64", "native", "seal", 64, 1, TIME,
                "libsodium-floor-a", "libsodium-floor-b",
                () -> new PairedSide.Floor("libsodium-floor-a", 64),
                () -> new PairedSide.Floor("libsodium-floor-b", 64)));
        for (int size : sizes) {
            p.add(new Pair("seal-native-vs-floor-" + size, "native", "seal", size, 1, TIME,
                    "netseal-native", "libsodium-floor",
                    () -> new PairedSide.NetsealSeal("netseal-native", true, size, SESSION_A),
                    () -> new PairedSide.Floor("libsodium-floor", size)));
        }
        // Batches: 32 packets sealed together against 32 single seals, and against the floor's
        // 32 seals per native call.
        p.add(new Pair("seal-batch32-vs-singles-64", "native", "seal", 64, 1, TIME,
                "netseal-native-batch32", "netseal-native",
                () -> new PairedSide.BatchSeal("netseal-native-batch32", 64, SESSION_A),
                () -> new PairedSide.NetsealSeal("netseal-native", true, 64, SESSION_B)));
        p.add(new Pair("seal-batch32-vs-floor-64", "native", "seal", 64, 1, TIME,
                "netseal-native-batch32", "libsodium-floor",
                () -> new PairedSide.BatchSeal("netseal-native-batch32", 64, SESSION_A),
                () -> new PairedSide.Floor("libsodium-floor", 64)));
        // Many peers: 100,000 sessions round-robin against one hot session, sealing, then sealing
        // and opening (a SessionTable with every peer).
        p.add(new Pair("peers-seal-round-robin-100k-vs-hot-64", "native", "peers", 64, 1, TIME,
                "round-robin-100k", "hot-peer",
                () -> new PairedSide.Peers("round-robin-100k", 100_000, false, 0x5eed_0000_0000L),
                () -> new PairedSide.Peers("hot-peer", 1, false, 0x5eed_1000_0000L)));
        p.add(new Pair("peers-seal-open-round-robin-100k-vs-hot-64", "native", "peers", 64, 1, TIME,
                "round-robin-100k-open", "hot-peer-open",
                () -> new PairedSide.Peers("round-robin-100k-open", 100_000, true, 0x5eed_2000_0000L),
                () -> new PairedSide.Peers("hot-peer-open", 1, true, 0x5eed_3000_0000L)));
        for (int size : sizes) {
            p.add(new Pair("open-vs-seal-native-" + size, "native", "open", size, 1, TIME,
                    "netseal-native-open", "netseal-native-seal",
                    () -> new PairedSide.NetsealOpen("netseal-native-open", true, size, SESSION_A),
                    () -> new PairedSide.NetsealSeal("netseal-native-seal", true, size, SESSION_B)));
        }
        for (int size : sizes) {
            p.add(new Pair("seal-java-vs-bouncycastle-" + size, "java", "seal", size, 1, TIME,
                    "netseal-java", "bouncycastle",
                    () -> new PairedSide.NetsealSeal("netseal-java", false, size, SESSION_A),
                    () -> new PairedSide.BouncyCastle("bouncycastle", size)));
        }
        for (int size : sizes) {
            p.add(new Pair("open-vs-seal-java-" + size, "java", "open", size, 1, TIME,
                    "netseal-java-open", "netseal-java-seal",
                    () -> new PairedSide.NetsealOpen("netseal-java-open", false, size, SESSION_A),
                    () -> new PairedSide.NetsealSeal("netseal-java-seal", false, size, SESSION_B)));
        }
        for (int threads = 1; threads <= 2; threads++) {
            int t = threads;
            p.add(new Pair("pool-threadlocal-vs-stormpot-" + t + "t", "native", "pool", 0, t, TIME,
                    "netseal-threadlocal", "stormpot-tlt",
                    () -> new PairedSide.ThreadLocalAcquire("netseal-threadlocal", t),
                    () -> new PairedSide.StormpotAcquire("stormpot-tlt", t)));
        }
        // No target: a thread other than the pool's first finds its cache in the pool's table
        // rather than in a field; what each of a server's other threads pays.
        p.add(new Pair("pool-threadlocal-other-thread-vs-stormpot-1t", "native", "pool", 0, 1, TIME,
                "netseal-threadlocal-other-thread", "stormpot-tlt",
                () -> new PairedSide.ThreadLocalAcquire("netseal-threadlocal-other-thread", 1, true),
                () -> new PairedSide.StormpotAcquire("stormpot-tlt", 1)));
        int e2eSize = AbstractE2eBench.EVENT_BYTES;
        p.add(new Pair("e2e-threadlocal-vs-packetpool-2t", "native", "e2e", e2eSize, 2, THROUGHPUT,
                "netseal-threadlocal", "netseal-shared",
                () -> new PairedSide.E2eThreadLocal("netseal-threadlocal", 2, SESSION_A),
                () -> new PairedSide.E2ePacketPool("netseal-shared", 2, SESSION_B)));
        // Calibration of the machine's own 2-thread scaling: the floor, 2 threads sealing apart
        // against 1, sharing no written line. No target: the e2e scaling pair below cannot scale
        // better than this, and the gap between the two is what the shared counter costs.
        p.add(new Pair("calibration-floor-2t-vs-1t-64", "native", "e2e", 64, 2, THROUGHPUT,
                "libsodium-floor-2t", "libsodium-floor-1t",
                () -> new PairedSide.Floor("libsodium-floor-2t", 64, 2),
                () -> new PairedSide.Floor("libsodium-floor-1t", 64, 1)));
        p.add(new Pair("e2e-threadlocal-2t-vs-1t", "native", "e2e", e2eSize, 2, THROUGHPUT,
                "netseal-threadlocal-2t", "netseal-threadlocal-1t",
                () -> new PairedSide.E2eThreadLocal("netseal-threadlocal-2t", 2, SESSION_A),
                () -> new PairedSide.E2eThreadLocal("netseal-threadlocal-1t", 1, SESSION_B)));
        // Refusals: a replay or a too-old packet is refused from the header, as cheaply as a
        // packet of an unknown session (target at 8108 B: at most 1.5x).
        for (String backend : new String[] {"native", "java"}) {
            for (int size : new int[] {64, 8108}) {
                for (String reason : new String[] {"REPLAYED", "TOO_OLD"}) {
                    String impl = "netseal-" + backend + "-" + reason.toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                    String base = "netseal-" + backend + "-wrong-session";
                    p.add(new Pair("refuse-" + backend + "-" + reason.toLowerCase(java.util.Locale.ROOT) + "-" + size,
                            backend, "refuse", size, 1, TIME, impl, base,
                            () -> new PairedSide.Refuse(impl, backend.equals("native"), size, reason),
                            () -> new PairedSide.Refuse(base, backend.equals("native"), size, "WRONG_SESSION")));
                }
            }
        }
        // Netty: packets/s through a UDP loopback pipeline, against the hand-written JDK-Cipher
        // handler (target at 64 B: at least 2x) and against no sealing at all (what it costs).
        for (int size : new int[] {64, 1024}) {
            p.add(new Pair("netty-netseal-vs-jdk-cipher-" + size, "native", "netty", size, 1, THROUGHPUT,
                    "netseal-netty", "netty-jdk-cipher",
                    () -> new PairedSide.Netty("netseal-netty", NettyPipeline.Kind.NETSEAL, size),
                    () -> new PairedSide.Netty("netty-jdk-cipher", NettyPipeline.Kind.JDK, size)));
            p.add(new Pair("netty-netseal-epoll-batched-vs-nio-" + size, "native", "netty", size, 1, THROUGHPUT,
                    "netseal-netty-epoll-batched", "netseal-netty-nio",
                    () -> new PairedSide.Netty("netseal-netty-epoll-batched", NettyPipeline.Kind.NETSEAL,
                            NettyPipeline.Transport.EPOLL_BATCHED, size),
                    () -> new PairedSide.Netty("netseal-netty-nio", NettyPipeline.Kind.NETSEAL, size)));
            p.add(new Pair("netty-netseal-epoll-batched-vs-plain-epoll-batched-" + size, "native", "netty", size, 1,
                    THROUGHPUT, "netseal-netty-epoll-batched", "netty-plain-epoll-batched",
                    () -> new PairedSide.Netty("netseal-netty-epoll-batched", NettyPipeline.Kind.NETSEAL,
                            NettyPipeline.Transport.EPOLL_BATCHED, size),
                    () -> new PairedSide.Netty("netty-plain-epoll-batched", NettyPipeline.Kind.PLAIN,
                            NettyPipeline.Transport.EPOLL_BATCHED, size)));
            p.add(new Pair("netty-netseal-epoll-batched-vs-jdk-cipher-epoll-batched-" + size, "native", "netty", size,
                    1, THROUGHPUT, "netseal-netty-epoll-batched", "netty-jdk-cipher-epoll-batched",
                    () -> new PairedSide.Netty("netseal-netty-epoll-batched", NettyPipeline.Kind.NETSEAL,
                            NettyPipeline.Transport.EPOLL_BATCHED, size),
                    () -> new PairedSide.Netty("netty-jdk-cipher-epoll-batched", NettyPipeline.Kind.JDK,
                            NettyPipeline.Transport.EPOLL_BATCHED, size)));
            p.add(new Pair("netty-netseal-vs-plain-" + size, "native", "netty", size, 1, THROUGHPUT,
                    "netseal-netty", "netty-plain",
                    () -> new PairedSide.Netty("netseal-netty", NettyPipeline.Kind.NETSEAL, size),
                    () -> new PairedSide.Netty("netty-plain", NettyPipeline.Kind.PLAIN, size)));
        }
        // Handshakes against their X25519 work alone (target 1.15x): a responder's handshake
        // against one side's X25519 in C (1 base + 2 X25519), a whole handshake against twice that
        // (an initiator's alone cannot be timed, see HandshakeOps.full), and the responder on the
        // java backend against BouncyCastle's X25519 doing the same three.
        p.add(new Pair("handshake-responder-native-vs-x25519-floor", "native", HANDSHAKE, 0, 1, TIME,
                "netseal-native-responder", "libsodium-x25519-floor",
                () -> new PairedSide.HandshakeResponder("netseal-native-responder", true),
                () -> new PairedSide.X25519Floor("libsodium-x25519-floor", 1), "responder"));
        p.add(new Pair("handshake-full-native-vs-x25519-floor-x2", "native", HANDSHAKE, 0, 1, TIME,
                "netseal-native-full", "libsodium-x25519-floor-x2",
                () -> new PairedSide.HandshakeFull("netseal-native-full", true),
                () -> new PairedSide.X25519Floor("libsodium-x25519-floor-x2", 2), "both"));
        p.add(new Pair("handshake-responder-java-vs-bouncycastle-x25519", "java", HANDSHAKE, 0, 1, TIME,
                "netseal-java-responder", "bouncycastle-x25519",
                () -> new PairedSide.HandshakeResponder("netseal-java-responder", false),
                () -> new PairedSide.BouncyCastleX25519("bouncycastle-x25519"), "responder"));
        return p;
    }

    /** Run settings; the mode gives the defaults, flags override them. */
    static final class Settings {
        String mode = "quick";
        List<Integer> sizes;
        Integer forks;
        Integer warmup;
        Integer rounds;
        Integer roundMs;
        Integer slices;
        String only;
        String jni;
        Path out;
        String child;

        void defaults() {
            switch (mode) {
                case "full" -> fill(List.of(64, 256, 1024, 8108), 4, 5, 10, 200, 10);
                case "quick" -> fill(List.of(64, 1024), 3, 5, 8, 200, 10);
                case "smoke" -> fill(List.of(64), 1, 1, 2, 50, 2);
                default -> throw new IllegalArgumentException("mode must be full, quick or smoke: " + mode);
            }
        }

        private void fill(List<Integer> s, int f, int w, int r, int ms, int k) {
            sizes = sizes == null ? s : sizes;
            forks = forks == null ? f : forks;
            warmup = warmup == null ? w : warmup;
            rounds = rounds == null ? r : rounds;
            roundMs = roundMs == null ? ms : roundMs;
            slices = slices == null ? k : slices;
        }

        List<String> childArgs(String pairId) {
            return List.of("--child", pairId, "--mode", mode, "--sizes", join(sizes), "--forks", "1", "--warmup", "" + warmup,
                    "--rounds", "" + rounds, "--round-ms", "" + roundMs, "--slices", "" + slices);
        }
    }

    public static void main(String[] args) throws Exception {
        Settings s = new Settings();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mode" -> s.mode = args[++i];
                case "--sizes" -> s.sizes = parseSizes(args[++i]);
                case "--forks" -> s.forks = Integer.parseInt(args[++i]);
                case "--warmup" -> s.warmup = Integer.parseInt(args[++i]);
                case "--rounds" -> s.rounds = Integer.parseInt(args[++i]);
                case "--round-ms" -> s.roundMs = Integer.parseInt(args[++i]);
                case "--slices" -> s.slices = Integer.parseInt(args[++i]);
                case "--only" -> s.only = args[++i];
                case "--jni" -> s.jni = args[++i];
                case "--out" -> s.out = Path.of(args[++i]);
                case "--child" -> s.child = args[++i];
                default -> {
                    System.err.println("usage: Paired [--mode full|quick|smoke] [--sizes 64,1024] [--forks N] [--warmup N]"
                            + " [--rounds N] [--round-ms MS] [--slices N] [--only REGEX] --jni LIB --out FILE.jsonl");
                    System.exit(2);
                }
            }
        }
        s.defaults();
        if (s.forks < 1 || s.rounds < 1 || s.warmup < 0 || s.roundMs < 1 || s.slices < 1 || s.slices > s.roundMs) {
            throw new IllegalArgumentException("forks >= 1, rounds >= 1, warmup >= 0, round-ms >= 1,"
                    + " 1 <= slices <= round-ms");
        }
        if (s.child != null) {
            System.exit(runChild(s));
        }
        runParent(s);
    }

    // ---- the parent: one JVM per pair ----------------------------------------------------------

    private static void runParent(Settings s) throws IOException, InterruptedException {
        if (s.out == null) {
            throw new IllegalArgumentException("--out FILE.jsonl is required");
        }
        List<Pair> all = pairs(s.sizes);
        List<Pair> run = new ArrayList<>();
        for (Pair p : all) {
            if (s.only == null || Pattern.compile(s.only).matcher(p.id()).find()) {
                run.add(p);
            }
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        String jni = s.jni == null ? "" : Path.of(s.jni).toAbsolutePath().toString();
        List<String> lines = new ArrayList<>();
        lines.add(meta(s, run.size()));
        System.out.printf(Locale.ROOT, "[paired] %d pairs, %d forks each: %d warm-up + %d measured rounds of %d ms"
                + " per side (in %d alternating turns) per fork:%n", run.size(), s.forks, s.warmup, s.rounds,
                s.roundMs, s.slices);
        for (Pair p : run) {
            System.out.println("[paired]   " + p.id());
        }
        for (Pair p : run) {
            System.out.println();
            System.out.println("[paired] " + p.id() + ": " + p.impl() + " vs " + p.baseline()
                    + " (-Dnetseal.backend=" + p.backend() + ", " + s.forks + " forks)");
            List<Map<String, Object>> forks = new ArrayList<>();
            String missing = null;
            for (int f = 1; f <= s.forks && missing == null; f++) {
                System.out.println("[paired] " + p.id() + ": fork " + f + " of " + s.forks);
                ForkResult result = runFork(s, p, java, jni);
                if (result.figures() == null) {
                    missing = "fork " + f + " of " + s.forks + ": " + result.missing();
                } else {
                    forks.add(result.figures());
                }
            }
            if (missing != null) {
                System.out.println("[paired] NOTE: " + p.id() + " gave no result (" + missing + ")");
                lines.add(row(p, null, null, null, null, 0, missing));
            } else {
                lines.add(pooled(p, forks));
            }
        }
        Files.createDirectories(s.out.toAbsolutePath().getParent());
        Files.write(s.out, lines, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println("[paired] wrote " + s.out + " (" + run.size() + " pairs)");
    }

    /** A fork's per-round figures, as the child printed them, or why it gave none. */
    private record ForkResult(Map<String, Object> figures, String missing) {}

    /** Runs one fork of {@code p}. */
    @SuppressWarnings("unchecked") // the child prints one JSON object
    private static ForkResult runFork(Settings s, Pair p, String java, String jni) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        // What JMH gives a fork on JDK 17+: compiler blackholes.
        cmd.addAll(List.of("-XX:+UnlockDiagnosticVMOptions", "-XX:+UnlockExperimentalVMOptions",
                "-XX:CompileCommand=quiet",
                "-XX:CompileCommand=blackhole,org/openjdk/jmh/infra/Blackhole.consumeCompiler",
                "-XX:CompileCommand=inline,org/openjdk/jmh/infra/Blackhole.consume",
                "-XX:CompileCommand=dontinline,org/openjdk/jmh/infra/Blackhole.consumeFull",
                "-DcompilerBlackholesEnabled=true"));
        cmd.add("-Dnetseal.backend=" + p.backend());
        cmd.add("-D" + SodiumFloor.LIBRARY_PROPERTY + "=" + jni);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Paired.class.getName());
        cmd.addAll(s.childArgs(p.id()));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        // A fork that hangs must not hang the run: end it well past its expected length.
        long expectedMs = 2L * (s.warmup + s.rounds) * s.roundMs;
        long deadlineMs = 3 * expectedMs + 120_000;
        Thread watchdog = new Thread(() -> {
            try {
                if (!proc.waitFor(deadlineMs, TimeUnit.MILLISECONDS)) {
                    System.out.println("[paired] NOTE: " + p.id() + " ran past " + deadlineMs + " ms: ending it");
                    proc.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "paired-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String result = null;
        StringBuilder tail = new StringBuilder();
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(RESULT_PREFIX)) {
                    result = line.substring(RESULT_PREFIX.length());
                } else {
                    System.out.println("  " + line);
                    if (line.contains("UNAVAILABLE:") || line.contains("Exception")) {
                        tail.append(line.trim()).append(' ');
                    }
                }
            }
        }
        int rc = proc.waitFor();
        if (result == null || rc != 0) {
            return new ForkResult(null,
                    "fork exited with " + rc + (tail.length() > 0 ? ": " + tail.toString().trim() : ""));
        }
        return new ForkResult((Map<String, Object>) Summarize.Json.parse(result), null);
    }

    /**
     * The pair's row from its forks: the median, min and max of every measured round's ratio
     * over all forks, each side's median round, and each fork's own median (how far the forks
     * were apart).
     */
    static String pooled(Pair p, List<Map<String, Object>> forks) {
        List<Double> ratios = new ArrayList<>();
        List<Double> nsA = new ArrayList<>();
        List<Double> nsB = new ArrayList<>();
        double[] forkMedians = new double[forks.size()];
        for (int f = 0; f < forks.size(); f++) {
            Map<String, Object> m = forks.get(f);
            List<Double> r = numbers(m.get("round_ratios"));
            ratios.addAll(r);
            nsA.addAll(numbers(m.get("round_impl_ns")));
            nsB.addAll(numbers(m.get("round_baseline_ns")));
            forkMedians[f] = median(unbox(r));
        }
        double[] all = unbox(ratios);
        double[] sorted = all.clone();
        Arrays.sort(sorted);
        String row = row(p, median(all), sorted[0], sorted[sorted.length - 1],
                new double[] {median(unbox(nsA)), median(unbox(nsB))}, all.length, null);
        StringBuilder extra = new StringBuilder(", \"forks\": ").append(forks.size()).append(", \"fork_medians\": [");
        for (int f = 0; f < forkMedians.length; f++) {
            extra.append(f == 0 ? "" : ", ").append(Summarize.Json.number(forkMedians[f]));
        }
        extra.append("]}");
        return row.substring(0, row.length() - 1) + extra;
    }

    private static List<Double> numbers(Object list) {
        List<Double> out = new ArrayList<>();
        if (list instanceof List<?> l) {
            for (Object o : l) {
                out.add(((Number) o).doubleValue());
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("a fork's result has no rounds: " + list);
        }
        return out;
    }

    private static double[] unbox(List<Double> xs) {
        double[] out = new double[xs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = xs.get(i);
        }
        return out;
    }

    private static String meta(Settings s, int pairs) {
        return "{\"meta\": true, \"cpu\": " + Summarize.Json.quote(cpuModel())
                + ", \"cpus\": " + Runtime.getRuntime().availableProcessors()
                + ", \"jdk\": " + Summarize.Json.quote(System.getProperty("java.vm.name") + " "
                        + System.getProperty("java.runtime.version"))
                + ", \"date\": " + Summarize.Json.quote(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString())
                + ", \"mode\": " + Summarize.Json.quote(s.mode)
                + ", \"forks\": " + s.forks
                + ", \"warmup_rounds\": " + s.warmup + ", \"rounds\": " + s.rounds
                + ", \"round_ms\": " + s.roundMs + ", \"turns_per_round\": " + s.slices
                + ", \"pairs\": " + pairs + "}";
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }

    // ---- the child: one pair ------------------------------------------------------------------

    private static int runChild(Settings s) throws Exception {
        Pair p = null;
        for (Pair q : pairs(s.sizes)) {
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
            boolean time = p.metric().equals(TIME);
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
            System.out.println(RESULT_PREFIX + "{\"round_ratios\": " + array(ratios) + ", \"round_impl_ns\": "
                    + array(nsA) + ", \"round_baseline_ns\": " + array(nsB) + "}");
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
                return new long[] {ops, System.nanoTime() - start};
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

    private static String array(double[] xs) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < xs.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.6g", xs[i]));
        }
        return sb.append(']').toString();
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** A summary.json "paired" row (ratio null: the pair gave no result, for {@code reason}). */
    static String row(Pair p, Double median, Double min, Double max, double[] ns, int rounds, String reason) {
        StringBuilder sb = new StringBuilder("{\"group\": \"paired\"");
        sb.append(", \"impl\": ").append(Summarize.Json.quote(p.impl()))
                .append(", \"baseline\": ").append(Summarize.Json.quote(p.baseline()))
                .append(", \"op\": ").append(Summarize.Json.quote(p.op()))
                .append(", \"size\": ").append(p.size())
                .append(", \"threads\": ").append(p.threads())
                .append(", \"ratio_median\": ").append(Summarize.Json.number(median))
                .append(", \"ratio_min\": ").append(Summarize.Json.number(min))
                .append(", \"ratio_max\": ").append(Summarize.Json.number(max))
                .append(", \"rounds\": ").append(rounds)
                .append(", \"metric\": ").append(Summarize.Json.quote(p.metric()))
                .append(", \"impl_ns_per_op\": ").append(Summarize.Json.number(ns == null ? null : ns[0]))
                .append(", \"baseline_ns_per_op\": ").append(Summarize.Json.number(ns == null ? null : ns[1]))
                .append(", \"backend\": ").append(Summarize.Json.quote(p.backend()))
                .append(", \"pair\": ").append(Summarize.Json.quote(p.id()));
        if (p.side() != null) {
            sb.append(", \"side\": ").append(Summarize.Json.quote(p.side()));
        }
        if (p.op().equals(HANDSHAKE)) {
            // One thread, one core: a handshake per op, so per second per core = 1e9 / ns per op.
            sb.append(", \"impl_handshakes_per_s_per_core\": ")
                    .append(Summarize.Json.number(ns == null ? null : 1e9 / ns[0]))
                    .append(", \"baseline_handshakes_per_s_per_core\": ")
                    .append(Summarize.Json.number(ns == null ? null : 1e9 / ns[1]));
        }
        if (reason != null) {
            sb.append(", \"missing\": true, \"reason\": ").append(Summarize.Json.quote(reason));
        }
        return sb.append('}').toString();
    }

    private static List<Integer> parseSizes(String csv) {
        List<Integer> out = new ArrayList<>();
        for (String part : csv.split(",")) {
            out.add(Integer.parseInt(part.trim()));
        }
        return out;
    }

    private static String join(List<Integer> xs) {
        StringBuilder sb = new StringBuilder();
        for (int x : xs) {
            sb.append(sb.length() == 0 ? "" : ",").append(x);
        }
        return sb.toString();
    }
}
