package dev.netseal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.netseal.bench.Pairs.Pair;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

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
    private Paired() {}

    static final ObjectMapper JSON = new ObjectMapper();

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
            System.exit(PairedChild.run(s));
        }
        runParent(s);
    }

    // ---- the parent: one JVM per pair ----------------------------------------------------------

    private static void runParent(Settings s) throws IOException, InterruptedException {
        if (s.out == null) {
            throw new IllegalArgumentException("--out FILE.jsonl is required");
        }
        List<Pair> all = Pairs.pairs(s.sizes);
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
            List<JsonNode> forks = new ArrayList<>();
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
                lines.add(JSON.writeValueAsString(row(p, null, null, null, null, 0, missing)));
            } else {
                lines.add(JSON.writeValueAsString(pooled(p, forks)));
            }
        }
        Files.createDirectories(s.out.toAbsolutePath().getParent());
        Files.write(s.out, lines, StandardCharsets.UTF_8);
        System.out.println();
        System.out.println("[paired] wrote " + s.out + " (" + run.size() + " pairs)");
    }

    /** A fork's per-round figures, as the child printed them, or why it gave none. */
    private record ForkResult(JsonNode figures, String missing) {}

    /** Runs one fork of {@code p}. */
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
                if (line.startsWith(PairedChild.RESULT_PREFIX)) {
                    result = line.substring(PairedChild.RESULT_PREFIX.length());
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
        return new ForkResult(JSON.readTree(result), null);
    }

    /**
     * The pair's row from its forks: the median, min and max of every measured round's ratio
     * over all forks, each side's median round, and each fork's own median (how far the forks
     * were apart).
     */
    static ObjectNode pooled(Pair p, List<JsonNode> forks) {
        List<Double> ratios = new ArrayList<>();
        List<Double> nsA = new ArrayList<>();
        List<Double> nsB = new ArrayList<>();
        ArrayNode forkMedians = JSON.createArrayNode();
        for (JsonNode fork : forks) {
            List<Double> r = numbers(fork.get("round_ratios"));
            ratios.addAll(r);
            nsA.addAll(numbers(fork.get("round_impl_ns")));
            nsB.addAll(numbers(fork.get("round_baseline_ns")));
            forkMedians.add(round3(median(r)));
        }
        List<Double> sorted = new ArrayList<>(ratios);
        sorted.sort(null);
        ObjectNode row = row(p, median(ratios), sorted.get(0), sorted.get(sorted.size() - 1),
                new double[] {median(nsA), median(nsB)}, ratios.size(), null);
        row.put("forks", forks.size());
        row.set("fork_medians", forkMedians);
        return row;
    }

    private static List<Double> numbers(JsonNode list) {
        List<Double> out = new ArrayList<>();
        if (list != null) {
            list.forEach(n -> out.add(n.asDouble()));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("a fork's result has no rounds: " + list);
        }
        return out;
    }

    static double median(List<Double> xs) {
        double[] s = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Three decimals, as the rows have always been written; null stays null. */
    static Double round3(Double d) {
        return d == null || !Double.isFinite(d) ? null : Math.round(d * 1000) / 1000.0;
    }

    private static String meta(Settings s, int pairs) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("meta", true);
        m.put("cpu", cpuModel());
        m.put("cpus", Runtime.getRuntime().availableProcessors());
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        m.put("mode", s.mode);
        m.put("forks", s.forks);
        m.put("warmup_rounds", s.warmup);
        m.put("rounds", s.rounds);
        m.put("round_ms", s.roundMs);
        m.put("turns_per_round", s.slices);
        m.put("pairs", pairs);
        return JSON.writeValueAsString(m);
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

    /** A summary.json "paired" row (ratio null: the pair gave no result, for {@code reason}). */
    static ObjectNode row(Pair p, Double median, Double min, Double max, double[] ns, int rounds, String reason) {
        ObjectNode r = JSON.createObjectNode();
        r.put("group", "paired");
        r.put("impl", p.impl());
        r.put("baseline", p.baseline());
        r.put("op", p.op());
        r.put("size", p.size());
        r.put("threads", p.threads());
        r.put("ratio_median", round3(median));
        r.put("ratio_min", round3(min));
        r.put("ratio_max", round3(max));
        r.put("rounds", rounds);
        r.put("metric", p.metric());
        r.put("impl_ns_per_op", round3(ns == null ? null : ns[0]));
        r.put("baseline_ns_per_op", round3(ns == null ? null : ns[1]));
        r.put("backend", p.backend());
        r.put("pair", p.id());
        if (p.side() != null) {
            r.put("side", p.side());
        }
        if (p.op().equals(Pairs.HANDSHAKE)) {
            // One thread, one core: a handshake per op, so per second per core = 1e9 / ns per op.
            r.put("impl_handshakes_per_s_per_core", round3(ns == null ? null : 1e9 / ns[0]));
            r.put("baseline_handshakes_per_s_per_core", round3(ns == null ? null : 1e9 / ns[1]));
        }
        if (reason != null) {
            r.put("missing", true);
            r.put("reason", reason);
        }
        return r;
    }

    static List<Integer> parseSizes(String csv) {
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
