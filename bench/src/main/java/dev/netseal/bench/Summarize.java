package dev.netseal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns one run's raw results into {@code summary.json} and {@code summary.md}. Reads, in the
 * results folder: {@code paired.jsonl} (the paired ratios from {@link Paired}: these carry the
 * verdicts), {@code jmh-17.json}, {@code jmh-17-stages.json} and {@code jmh-25.json} (JMH's
 * {@code -rf json}),
 * {@code raw-c.jsonl} (one {@code {"size":n,"ns_per_op":[...]}} line per size from
 * netseal_bench_raw) and the {@code *.log} files (for the reason a row is missing).
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.netseal.bench.Summarize \
 *     --results bench/results --sizes 64,1024 --mode quick [--jdk25] [--paired-only]</pre>
 *
 * Groups it does not know are kept, not dropped: a JMH class missing from {@link #CLASSES} lands
 * in group "other", a {@code paired.jsonl} row of another group is written to summary.json as it
 * came, and each unknown group gets a plain table in summary.md.
 *
 * No JSON library: JMH's output is regular, and {@link Json} reads it.
 */
public final class Summarize {

    static final String SEAL = "seal";
    static final String OPEN = "open";
    static final String POOL = "pool";
    static final String E2E = "e2e";

    static final List<String> SEAL_IMPLS = List.of("netseal-native", "netseal-java", "raw-c-libsodium",
            "lazysodium", "jce", "bouncycastle", "conscrypt");
    static final List<String> OPEN_IMPLS = List.of("netseal-native", "netseal-java");
    static final List<String> POOL_IMPLS = List.of("netseal-threadlocal", "netseal-shared", "stormpot-tlt",
            "netty-recycler", "commons-pool2");
    static final List<String> E2E_IMPLS = List.of("netseal-threadlocal", "netseal-shared");
    /** The e2e rows' size: bytes per event (payload 68). */
    static final int E2E_SIZE = AbstractE2eBench.EVENT_BYTES;

    /** Benchmark class (simple name) to {group, impl}. */
    static final Map<String, String[]> CLASSES = new LinkedHashMap<>();

    static {
        CLASSES.put("NetsealNativeSealBench", new String[] {SEAL, "netseal-native"});
        CLASSES.put("NetsealJavaSealBench", new String[] {SEAL, "netseal-java"});
        CLASSES.put("LazysodiumSealBench", new String[] {SEAL, "lazysodium"});
        CLASSES.put("JceSealBench", new String[] {SEAL, "jce"});
        CLASSES.put("BouncyCastleSealBench", new String[] {SEAL, "bouncycastle"});
        CLASSES.put("ConscryptSealBench", new String[] {SEAL, "conscrypt"});
        CLASSES.put("NetsealNativeOpenBench", new String[] {OPEN, "netseal-native"});
        CLASSES.put("NetsealJavaOpenBench", new String[] {OPEN, "netseal-java"});
        CLASSES.put("ThreadLocalPoolBench", new String[] {POOL, "netseal-threadlocal"});
        CLASSES.put("PacketPoolBench", new String[] {POOL, "netseal-shared"});
        CLASSES.put("StormpotBench", new String[] {POOL, "stormpot-tlt"});
        CLASSES.put("NettyRecyclerBench", new String[] {POOL, "netty-recycler"});
        CLASSES.put("CommonsPool2Bench", new String[] {POOL, "commons-pool2"});
        CLASSES.put("E2eThreadLocalPoolBench", new String[] {E2E, "netseal-threadlocal"});
        CLASSES.put("E2ePacketPoolBench", new String[] {E2E, "netseal-shared"});
        // One row per @Benchmark method: impl is the method's name.
        CLASSES.put("StagesBench", new String[] {"stages", null});
        // ns and B per refused packet, one row per reason (method); target 0 B/op.
        CLASSES.put("NetsealNativeRefuseBench", new String[] {"refuse-native", null});
        CLASSES.put("NetsealJavaRefuseBench", new String[] {"refuse-java", null});
    }

    /** Group of the JMH classes Summarize has no entry for (impl: Class.method). */
    static final String OTHER = "other";
    static final String PAIRED = "paired";

    /** One row of summary.json; {@code ns} is null when the row is missing. */
    record Row(String group, String impl, int size, int threads, Double ns, Double alloc, String jdk) {
        String key() {
            return key(group, impl, size, threads, jdk);
        }

        static String key(String group, String impl, int size, int threads, String jdk) {
            return group + "|" + impl + "|" + size + "|" + threads + "|" + jdk;
        }
    }

    private final Path results;
    private final List<Integer> sizes;
    private final String mode;
    private final boolean jdk25;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final Map<String, String> jvms = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    /** paired.jsonl's rows (group "paired", or any other group, kept as they came). */
    private final List<Map<String, Object>> pairedRows = new ArrayList<>();
    /** paired.jsonl's first line: CPU, JDK, date and the round settings; empty if none. */
    private Map<String, Object> pairedMeta = Map.of();
    private final boolean pairedOnly;

    Summarize(Path results, List<Integer> sizes, String mode, boolean jdk25) {
        this(results, sizes, mode, jdk25, false);
    }

    Summarize(Path results, List<Integer> sizes, String mode, boolean jdk25, boolean pairedOnly) {
        this.results = results;
        this.sizes = sizes;
        this.mode = mode;
        this.jdk25 = jdk25;
        this.pairedOnly = pairedOnly;
    }

    public static void main(String[] args) throws IOException {
        Path results = Path.of("bench/results");
        List<Integer> sizes = List.of(64, 256, 1024, 8108);
        String mode = "full";
        boolean jdk25 = false;
        boolean pairedOnly = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--results" -> results = Path.of(args[++i]);
                case "--sizes" -> {
                    List<Integer> s = new ArrayList<>();
                    for (String part : args[++i].split(",")) {
                        s.add(Integer.parseInt(part.trim()));
                    }
                    sizes = s;
                }
                case "--mode" -> mode = args[++i];
                case "--jdk25" -> jdk25 = true;
                case "--paired-only" -> pairedOnly = true;
                default -> {
                    System.err.println("usage: Summarize [--results DIR] [--sizes 64,1024] "
                            + "[--mode smoke|quick|full] [--jdk25] [--paired-only]");
                    System.exit(2);
                }
            }
        }
        Summarize s = new Summarize(results, sizes, mode, jdk25, pairedOnly);
        s.read();
        Files.writeString(results.resolve("summary.json"), s.json(), StandardCharsets.UTF_8);
        Files.writeString(results.resolve("summary.md"), s.markdown(), StandardCharsets.UTF_8);
        long missing = s.rows.values().stream().filter(r -> r.ns() == null).count();
        System.out.println("wrote " + results.resolve("summary.json") + " and summary.md: "
                + s.rows.size() + " rows, " + missing + " missing; " + s.pairedRows.size() + " paired rows");
    }

    // ---- reading --------------------------------------------------------------------------------

    void read() throws IOException {
        readPaired(results.resolve("paired.jsonl"));
        if (!pairedOnly) {
            addMissingPairs();
            readJmh(results.resolve("jmh-17.json"), "17");
            if (Files.exists(results.resolve("jmh-17-stages.json"))) {
                readJmh(results.resolve("jmh-17-stages.json"), "17");
            }
            if (jdk25) {
                readJmh(results.resolve("jmh-25.json"), "25");
            }
            readRawC(results.resolve("raw-c.jsonl"));
            addMissing();
        }
        readUnavailable();
    }

    /** Every pair of a whole run of these sizes that left no row, as a row without a result. */
    private void addMissingPairs() {
        Set<String> seen = new LinkedHashSet<>();
        for (Map<String, Object> m : pairedRows) {
            seen.add(String.valueOf(m.get("pair")));
        }
        for (Paired.Pair p : Paired.pairs(sizes)) {
            if (!seen.contains(p.id())) {
                @SuppressWarnings("unchecked")
                Map<String, Object> row = (Map<String, Object>) Json.parse(
                        Paired.row(p, null, null, null, null, 0, "no row in paired.jsonl"));
                pairedRows.add(row);
            }
        }
        // In the run's order; rows of pairs (or groups) this class does not know keep theirs, after.
        List<String> order = new ArrayList<>();
        for (Paired.Pair p : Paired.pairs(sizes)) {
            order.add(p.id());
        }
        pairedRows.sort((x, y) -> Integer.compare(rank(order, String.valueOf(x.get("pair"))),
                rank(order, String.valueOf(y.get("pair")))));
    }

    @SuppressWarnings("unchecked")
    private void readPaired(Path file) throws IOException {
        if (!Files.exists(file)) {
            notes.add("`paired.jsonl` is missing: the paired run did not happen, so no target has a verdict.");
            return;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> m = (Map<String, Object>) Json.parse(line);
            if (Boolean.TRUE.equals(m.get("meta"))) {
                pairedMeta = m;
            } else {
                pairedRows.add(m);
            }
        }
    }

    private void readJmh(Path file, String jdk) throws IOException {
        if (!Files.exists(file)) {
            notes.add("`" + file.getFileName() + "` is missing: JMH did not finish on JDK " + jdk + ".");
            return;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (text.isBlank()) {
            notes.add("`" + file.getFileName() + "` is empty.");
            return;
        }
        for (Object o : (List<?>) Json.parse(text)) {
            Map<?, ?> run = (Map<?, ?>) o;
            String benchmark = (String) run.get("benchmark");
            String[] parts = benchmark.split("\\.");
            String[] where = CLASSES.get(parts[parts.length - 2]);
            if (where == null) {
                // Kept, not dropped: a class added without an entry here still shows up.
                where = new String[] {OTHER, parts[parts.length - 2] + "." + parts[parts.length - 1]};
            } else if (where[1] == null) {
                where = new String[] {where[0], parts[parts.length - 1]};
            }
            jvms.putIfAbsent(jdk, run.get("jdkVersion") + " (" + run.get("vmName") + " " + run.get("vmVersion") + ")");
            int threads = ((Number) run.get("threads")).intValue();
            int size = 0;
            Map<?, ?> params = (Map<?, ?>) run.get("params");
            if (params != null && params.get("size") != null) {
                size = Integer.parseInt((String) params.get("size"));
            }
            if (where[0].equals(E2E)) {
                size = E2E_SIZE;
            }
            Map<?, ?> primary = (Map<?, ?>) run.get("primaryMetric");
            Double ns = number(primary.get("score"));
            if (!"ns/op".equals(primary.get("scoreUnit"))) {
                throw new IllegalStateException(benchmark + ": expected ns/op, got " + primary.get("scoreUnit"));
            }
            Double alloc = null;
            Map<?, ?> secondary = (Map<?, ?>) run.get("secondaryMetrics");
            if (secondary != null) {
                for (Map.Entry<?, ?> e : secondary.entrySet()) {
                    // "gc.alloc.rate.norm", with or without JMH's "·" prefix
                    if (((String) e.getKey()).endsWith("gc.alloc.rate.norm")) {
                        alloc = number(((Map<?, ?>) e.getValue()).get("score"));
                    }
                }
            }
            put(new Row(where[0], where[1], size, threads, ns, alloc, jdk));
        }
    }

    private void readRawC(Path file) throws IOException {
        if (!Files.exists(file)) {
            notes.add("`raw-c.jsonl` is missing: the raw C benchmark did not run.");
            return;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            Map<?, ?> m = (Map<?, ?>) Json.parse(line);
            int size = ((Number) m.get("size")).intValue();
            List<?> samples = (List<?>) m.get("ns_per_op");
            double sum = 0;
            for (Object x : samples) {
                sum += ((Number) x).doubleValue();
            }
            put(new Row(SEAL, "raw-c-libsodium", size, 1, samples.isEmpty() ? null : sum / samples.size(),
                    null, "17"));
        }
    }

    private void put(Row r) {
        rows.put(r.key(), r);
    }

    /** Every row a run of this mode should have, as a missing row where no result came. */
    private void addMissing() {
        List<Row> expected = new ArrayList<>();
        for (int size : sizes) {
            for (String impl : SEAL_IMPLS) {
                expected.add(new Row(SEAL, impl, size, 1, null, null, "17"));
            }
            if (jdk25) {
                expected.add(new Row(SEAL, "jce", size, 1, null, null, "25"));
            }
            for (String impl : OPEN_IMPLS) {
                expected.add(new Row(OPEN, impl, size, 1, null, null, "17"));
            }
        }
        for (int threads = 1; threads <= 2; threads++) {
            for (String impl : POOL_IMPLS) {
                expected.add(new Row(POOL, impl, 0, threads, null, null, "17"));
            }
            for (String impl : E2E_IMPLS) {
                expected.add(new Row(E2E, impl, E2E_SIZE, threads, null, null, "17"));
            }
        }
        for (Row r : expected) {
            rows.putIfAbsent(r.key(), r);
        }
    }

    /** Lines a benchmark's setup threw with "UNAVAILABLE:", from the run's logs. */
    private void readUnavailable() throws IOException {
        if (!Files.isDirectory(results)) {
            return;
        }
        Set<String> seen = new LinkedHashSet<>();
        try (Stream<Path> files = Files.list(results)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    int at = line.indexOf("UNAVAILABLE:");
                    if (at >= 0 && !line.contains("\tat ")) {
                        seen.add(line.substring(at).trim() + " (" + log.getFileName() + ")");
                    }
                }
            }
        }
        notes.addAll(seen);
    }

    private static Double number(Object o) {
        if (o instanceof Number n) {
            double d = n.doubleValue();
            return Double.isFinite(d) ? d : null;
        }
        return null; // "NaN" and friends, written as strings by JMH
    }

    // ---- lookups --------------------------------------------------------------------------------

    private Double ns(String group, String impl, int size, int threads, String jdk) {
        Row r = rows.get(Row.key(group, impl, size, threads, jdk));
        return r == null ? null : r.ns();
    }

    private Double ns(String group, String impl, int size, int threads) {
        return ns(group, impl, size, threads, "17");
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }

    // ---- summary.json ---------------------------------------------------------------------------

    String json() {
        StringBuilder sb = new StringBuilder("[\n");
        int i = 0;
        for (Row r : ordered()) {
            sb.append(i++ == 0 ? "  " : ",\n  ");
            sb.append("{\"group\": ").append(Json.quote(r.group()))
                    .append(", \"impl\": ").append(Json.quote(r.impl()))
                    .append(", \"size\": ").append(r.size())
                    .append(", \"threads\": ").append(r.threads())
                    .append(", \"ns_per_op\": ").append(Json.number(r.ns()))
                    .append(", \"alloc_bytes_per_op\": ").append(Json.number(r.alloc()))
                    .append(", \"jdk\": ").append(Json.quote(r.jdk()));
            if (r.ns() == null) {
                sb.append(", \"missing\": true");
            }
            sb.append('}');
        }
        // The paired rows, field for field as Paired wrote them (other groups included).
        for (Map<String, Object> m : pairedRows) {
            sb.append(i++ == 0 ? "  " : ",\n  ").append(Json.write(m));
        }
        return sb.append("\n]\n").toString();
    }

    /** Group, then size, then threads, then the impl order above, then JDK. */
    List<Row> ordered() {
        List<String> groups = List.of(SEAL, OPEN, POOL, E2E);
        List<String> order = new ArrayList<>(SEAL_IMPLS);
        order.addAll(POOL_IMPLS);
        List<Row> out = new ArrayList<>(rows.values());
        out.sort((a, b) -> {
            int c = Integer.compare(rank(groups, a.group()), rank(groups, b.group()));
            if (c == 0) {
                c = a.group().compareTo(b.group());
            }
            if (c == 0) {
                c = Integer.compare(a.size(), b.size());
            }
            if (c == 0) {
                c = Integer.compare(a.threads(), b.threads());
            }
            if (c == 0) {
                c = Integer.compare(order.indexOf(a.impl()), order.indexOf(b.impl()));
            }
            if (c == 0) {
                c = a.jdk().compareTo(b.jdk());
            }
            return c;
        });
        return out;
    }

    /** Position in {@code order}; what is not there comes after it. */
    private static int rank(List<String> order, String x) {
        int i = order.indexOf(x);
        return i < 0 ? order.size() : i;
    }

    // ---- summary.md -----------------------------------------------------------------------------

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# netseal benchmarks\n\n");
        if (mode.equals("smoke")) {
            md.append("> **smoke run**: one 100 ms iteration per row, no warmup. It proves the pipeline; "
                    + "its numbers are not measurements and its target results mean nothing.\n\n");
        } else if (mode.equals("quick")) {
            md.append("> quick run: paired rounds as below; JMH rows 1 fork, 2 × 0.5 s warmup, 3 × 0.5 s "
                    + "measurement; sizes ").append(sizes).append(" only.\n\n");
        }
        if (pairedOnly) {
            md.append("> paired rows only (`bench/run.sh --paired-only`): no JMH or raw C rows in this run.\n\n");
        }
        md.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc), ")
                .append(pairedMeta.getOrDefault("cpu", cpuModel())).append('\n');
        md.append("- date: ").append(pairedMeta.getOrDefault("date",
                ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replaceAll("\\.\\d+", "")))
                .append('\n');
        if (pairedMeta.get("jdk") != null) {
            md.append("- JDK (paired): ").append(pairedMeta.get("jdk")).append('\n');
        }
        if (!pairedOnly) {
            md.append("- JDK 17: ").append(jvms.getOrDefault("17", "no JMH results")).append('\n');
            md.append("- JDK 25: ").append(jdk25 ? jvms.getOrDefault("25", "no JMH results")
                    : "not run (JDK absent)").append('\n');
        }
        md.append("- mode: ").append(mode).append("; JMH rows: average time per op per thread (ns), allocation "
                + "from `-prof gc` (`gc.alloc.rate.norm`, bytes per op)\n\n");

        pairedSection(md);
        if (!pairedOnly) {
            sealTable(md);
            openTable(md);
            poolTable(md);
            e2eTable(md);
            otherGroups(md);
            targets(md);
        }

        md.append("\n## Notes\n\n");
        if (!pairedOnly) {
            md.append("- seal/open `size` = payload bytes: one event of size − 4 bytes plus its 4-byte length "
                    + "prefix; the peers encrypt `size` bytes with a 56-byte AAD. Each netseal seal op is the whole "
                    + "user path: `acquire()`, `begin(...).event(e).seal()`, `release(b)` on a ThreadLocalPool.\n");
            md.append("- raw-c-libsodium: `netseal_bench_raw` (no JVM), mean of its iterations; listed with the "
                    + "JDK 17 rows.\n");
            md.append("- open: each op copies the sealed packet into a reused direct ByteBuffer (as a socket "
                    + "read would) and opens it in place; the replay window is reset every 1024 packets.\n");
            md.append("- pool: acquire + release of a warm object, ns per op per thread; 2 threads share one "
                    + "pool. stormpot-tlt: `Pool.fromInline`, `Expiration.never()`, `getThreadLocalTap()`. "
                    + "netty-recycler: JMH threads are plain threads, so Netty's FastThreadLocal takes its "
                    + "slow path and (batchFastThreadLocalOnly=true by default) every recycle goes through "
                    + "the per-thread pool's MPSC queue. commons-pool2: GenericObjectPool, JMX off.\n");
            md.append("- e2e: ").append(E2E_SIZE).append("-byte events, native backend, one pool shared by all "
                    + "threads; `size` is the event size; packets/s = threads × 1e9 / ns_per_op.\n");
        }
        md.append("- paired (`dev.netseal.bench.Paired`): each side is the JMH row's own op and state; "
                + "libsodium-floor is `crypto_aead_chacha20poly1305_ietf_encrypt_detached` in a C loop, "
                + "32 in-place seals of `size` bytes with the 56-byte AAD per JNI call, inside the same JVM "
                + "(bench-only library `libnetseal_bench_jni.so`, same static libsodium as the shipped one). "
                + "e2e pairs compare packets per second over all threads.\n");
        md.append("- handshake pairs: Noise NKpsk0 through `HandshakeState` with empty payloads, a fresh state "
                + "and a random ephemeral per handshake, then `SessionKeys.derive`. responder = read message 1 + "
                + "write message 2; both = a whole handshake on one thread (an initiator alone cannot be timed: "
                + "message 2 depends on its random ephemeral). libsodium-x25519-floor: one side's X25519 work in C "
                + "(`crypto_scalarmult_curve25519_base` + 2 × `crypto_scalarmult_curve25519`), once per JNI call, "
                + "x2 for the whole handshake; bouncycastle-x25519: `X25519.scalarMultBase` + 2 × "
                + "`calculateAgreement`.\n");
        md.append("- stages (`StagesBench`, native, one fork): wholePath is the seal row's op; pool, "
                + "headerAndEvent (the AAD included), eventCopy, counterDraw, aad, jniNoop (a JNI call with the seal "
                + "entry's arguments that does nothing), jniSealOne (crossing + AEAD) and floor (AEAD alone) "
                + "are its pieces.\n");
        for (String n : notes) {
            md.append("- ").append(n).append('\n');
        }
        List<String> missing = new ArrayList<>();
        for (Row r : ordered()) {
            if (r.ns() == null) {
                missing.add(r.group() + "/" + r.impl() + (r.size() > 0 ? " " + r.size() + " B" : "")
                        + " t" + r.threads() + " JDK " + r.jdk());
            }
        }
        if (!missing.isEmpty()) {
            md.append("- **missing rows** (no result; see the logs in bench/results/): ")
                    .append(String.join(", ", missing)).append('\n');
        }
        return md.toString();
    }

    // ---- paired ---------------------------------------------------------------------------------

    /**
     * The target of a paired row: {limit, +1} for "ratio at most limit", {limit, -1} for "at
     * least", or null when the pair is informative only.
     */
    static double[] pairedTarget(String op, String impl, String baseline, int size, int threads) {
        String pair = op + "|" + impl + "|" + baseline;
        switch (pair) {
            case "seal|netseal-native|libsodium-floor":
                return size == 64 ? new double[] {1.10, 1} : size == 1024 || size == 8108 ? new double[] {1.05, 1} : null;
            case "seal|netseal-java|bouncycastle":
                return new double[] {1.10, 1};
            case "open|netseal-native-open|netseal-native-seal":
            case "open|netseal-java-open|netseal-java-seal":
                return new double[] {1.15, 1};
            case "pool|netseal-threadlocal|stormpot-tlt":
                return new double[] {1.0, 1};
            case "e2e|netseal-threadlocal|netseal-shared":
                return threads == 2 ? new double[] {1.15, -1} : null;
            case "e2e|netseal-threadlocal-2t|netseal-threadlocal-1t":
                return new double[] {1.85, -1};
            case "netty|netseal-netty|netty-jdk-cipher":
                return size == 64 ? new double[] {2.0, -1} : null;
            case "netty|netseal-netty-epoll-batched|netseal-netty-nio":
                return size == 64 ? new double[] {5.0, -1} : null;
            case "netty|netseal-netty-epoll-batched|netty-jdk-cipher-epoll-batched":
                return size == 64 ? new double[] {2.0, -1} : null;
            case "seal|netseal-native-batch32|netseal-native":
                return new double[] {0.85, 1};
            case "seal|netseal-native-batch32|libsodium-floor":
                return new double[] {1.05, 1};
            case "peers|round-robin-100k|hot-peer":
            case "peers|round-robin-100k-open|hot-peer-open":
                return new double[] {1.4, 1};
            case "refuse|netseal-native-replayed|netseal-native-wrong-session":
            case "refuse|netseal-native-too-old|netseal-native-wrong-session":
            case "refuse|netseal-java-replayed|netseal-java-wrong-session":
            case "refuse|netseal-java-too-old|netseal-java-wrong-session":
                return size == 8108 ? new double[] {1.5, 1} : null;
            case "handshake|netseal-native-responder|libsodium-x25519-floor":
            case "handshake|netseal-native-full|libsodium-x25519-floor-x2":
            case "handshake|netseal-java-responder|bouncycastle-x25519":
                return new double[] {1.15, 1};
            default:
                return null;
        }
    }

    private void pairedSection(StringBuilder md) {
        md.append("## Paired ratios: the verdicts\n\n");
        if (pairedRows.isEmpty()) {
            md.append("No paired rows (`paired.jsonl` missing or empty): no target has a verdict.\n\n");
            return;
        }
        Object forks = pairedMeta.get("forks");
        md.append("Each pair ran in ").append(forks == null ? "one JVM" : fmtInt(forks) + " forks (fresh JVMs, one "
                + "after the other)").append(", the two sides alternating on the same threads: ")
                .append(fmtInt(pairedMeta.get("warmup_rounds"))).append(" warm-up rounds, ")
                .append(forks == null ? "then " : "a full collection (every object set up is old, as in a "
                        + "long-running server), then ")
                .append(fmtInt(pairedMeta.get("rounds"))).append(" measured rounds of ")
                .append(fmtInt(pairedMeta.get("round_ms"))).append(" ms per side")
                .append(forks == null ? "" : " per fork").append(", each round made of ")
                .append(fmtInt(pairedMeta.get("turns_per_round"))).append(" alternating turns per side (A B, B A, "
                + "...). ratio = impl / baseline in ns per op (e2e: in packets per second, all threads); "
                + "the median of the per-round ratios of all forks, with their min and max. The ns columns are "
                + "each side's median round. \"spread\" says whether every round's ratio, not just the median, "
                + "is on the verdict's side of the limit; \"fork medians\" how far the forks were apart.\n\n");
        md.append("| op | size | threads | impl | baseline | impl ns/op | baseline ns/op | ratio (median) | min – max "
                + "| rounds | fork medians | target | verdict | spread |\n");
        md.append("|---|---:|---:|---|---|---:|---:|---:|---:|---:|---|---|---|---|\n");
        for (Map<String, Object> m : pairedRows) {
            String op = String.valueOf(m.get("op"));
            String impl = String.valueOf(m.get("impl"));
            String baseline = String.valueOf(m.get("baseline"));
            int size = intOf(m.get("size"));
            int threads = intOf(m.get("threads"));
            Double median = number(m.get("ratio_median"));
            Double min = number(m.get("ratio_min"));
            Double max = number(m.get("ratio_max"));
            boolean throughput = "throughput".equals(m.get("metric"));
            double[] t = PAIRED.equals(m.get("group")) ? pairedTarget(op, impl, baseline, size, threads) : null;
            String target = t == null ? "–" : (t[1] > 0 ? "≤ " : "≥ ") + fmtLimit(t[0]) + "×"
                    + (throughput ? " (throughput)" : "");
            String verdict;
            String spread;
            if (t == null) {
                verdict = "–";
                spread = "–";
            } else if (median == null) {
                verdict = "MISS (no measurement" + (m.get("reason") != null ? ": " + m.get("reason") : "") + ")";
                spread = "–";
            } else {
                boolean pass = t[1] > 0 ? median <= t[0] : median >= t[0];
                verdict = pass ? "PASS" : "MISS";
                boolean allPass = min != null && max != null && (t[1] > 0 ? max <= t[0] : min >= t[0]);
                boolean allMiss = min != null && max != null && (t[1] > 0 ? min > t[0] : max < t[0]);
                spread = allPass ? "all rounds pass" : allMiss ? "all rounds miss" : "crosses the limit";
            }
            md.append("| ").append(op).append(" | ").append(size > 0 ? size + " B" : "–").append(" | ")
                    .append(threads).append(" | ").append(impl).append(" | ").append(baseline).append(" | ")
                    .append(fmtNs(number(m.get("impl_ns_per_op")))).append(" | ")
                    .append(fmtNs(number(m.get("baseline_ns_per_op")))).append(" | ")
                    .append(fmtRatio(median)).append(" | ").append(fmtRatio(min)).append(" – ")
                    .append(fmtRatio(max)).append(" | ").append(intOf(m.get("rounds"))).append(" | ")
                    .append(forkMedians(m.get("fork_medians"))).append(" | ")
                    .append(target).append(" | ").append(verdict).append(" | ").append(spread).append(" |\n");
        }
        md.append('\n');
        handshakeRates(md);
        for (Map<String, Object> m : pairedRows) {
            if ("libsodium-floor-a".equals(m.get("impl")) && number(m.get("ratio_median")) != null) {
                double lo = number(m.get("ratio_min"));
                double hi = number(m.get("ratio_max"));
                boolean quiet = lo >= 0.97 && hi <= 1.03;
                md.append("Calibration: the floor paired with itself gave ").append(fmtRatio(number(m.get("ratio_median"))))
                        .append(" [").append(fmtRatio(lo)).append(" – ").append(fmtRatio(hi)).append("]. ")
                        .append(quiet ? "Every round within 3 % of 1: the machine was quiet enough for the "
                                + "verdicts above."
                                : "**Some rounds are more than 3 % from 1: the machine was not quiet; verdicts "
                                + "whose spread crosses the limit may flip on a rerun.**")
                        .append("\n\n");
            }
        }
    }

    /** The handshake pairs as handshakes per second per core: each side's median round, 1e9 / ns. */
    private void handshakeRates(StringBuilder md) {
        StringBuilder table = new StringBuilder();
        for (Map<String, Object> m : pairedRows) {
            if (PAIRED.equals(m.get("group")) && Paired.HANDSHAKE.equals(m.get("op"))) {
                table.append("| ").append(m.get("pair")).append(" | ").append(m.get("side")).append(" | ")
                        .append(m.get("backend")).append(" | ")
                        .append(fmtRate(number(m.get("impl_handshakes_per_s_per_core")))).append(" | ")
                        .append(fmtRate(number(m.get("baseline_handshakes_per_s_per_core")))).append(" |\n");
            }
        }
        if (table.length() == 0) {
            return;
        }
        md.append("Handshakes per second per core (one thread; 1e9 / the median round's ns per handshake). "
                + "side \"both\": the initiator and the responder of each handshake on the one core.\n\n");
        md.append("| pair | side | backend | netseal handshakes/s | X25519 alone, handshakes/s |\n");
        md.append("|---|---|---|---:|---:|\n");
        md.append(table).append('\n');
    }

    private static int intOf(Object o) {
        return o instanceof Number n ? n.intValue() : 0;
    }

    private static String fmtInt(Object o) {
        return o instanceof Number n ? Integer.toString(n.intValue()) : "?";
    }

    /** Rows of groups with no table of their own (e.g. stages, or a group added later). */
    private void otherGroups(StringBuilder md) {
        Set<String> known = Set.of(SEAL, OPEN, POOL, E2E);
        String current = null;
        for (Row r : ordered()) {
            if (known.contains(r.group())) {
                continue;
            }
            if (!r.group().equals(current)) {
                if (current != null) {
                    md.append('\n');
                }
                current = r.group();
                md.append("## ").append(current).append(current.equals("stages")
                        ? " (the native seal path piece by piece; see StagesBench's Javadoc)" : "").append("\n\n");
                md.append("| impl | size | threads | JDK | ns/op | alloc B/op |\n|---|---:|---:|---|---:|---:|\n");
            }
            md.append("| ").append(r.impl()).append(" | ").append(r.size()).append(" | ").append(r.threads())
                    .append(" | ").append(r.jdk()).append(" | ").append(fmtNs(r.ns())).append(" | ")
                    .append(fmtAlloc(r.alloc())).append(" |\n");
        }
        if (current != null) {
            md.append('\n');
        }
        stageBreakdown(md);
    }

    /** Each fork's median ratio, "a / b / c", or "–" for a row without them. */
    private static String forkMedians(Object list) {
        if (!(list instanceof List<?> l) || l.isEmpty()) {
            return "–";
        }
        StringBuilder sb = new StringBuilder();
        for (Object o : l) {
            sb.append(sb.length() == 0 ? "" : " / ").append(fmtRatio(number(o)));
        }
        return sb.toString();
    }

    /** The stage rows added up: where the whole path's time goes, per size. */
    private void stageBreakdown(StringBuilder md) {
        Set<Integer> stageSizes = new java.util.TreeSet<>();
        for (Row r : rows.values()) {
            if (r.group().equals("stages")) {
                stageSizes.add(r.size());
            }
        }
        for (int size : stageSizes) {
            Double whole = ns("stages", "wholePath", size, 1);
            Double floor = ns("stages", "floor", size, 1);
            Double one = ns("stages", "jniSealOne", size, 1);
            Double noop = ns("stages", "jniNoop", size, 1);
            Double pool = ns("stages", "pool", size, 1);
            Double header = ns("stages", "headerAndEvent", size, 1);
            Double copy = ns("stages", "eventCopy", size, 1);
            Double draw = ns("stages", "counterDraw", size, 1);
            if (whole == null || floor == null || noop == null || pool == null || header == null || draw == null) {
                continue;
            }
            // The crossing is measured directly (jniNoop); jniSealOne − floor, a difference of two
            // large rows, is only a cross-check.
            double rest = whole - floor - noop - pool - header - draw;
            md.append("At ").append(size).append(" B: whole path ").append(fmtNs(whole)).append(" ns = AEAD ")
                    .append(fmtNs(floor)).append(" + JNI crossing ").append(fmtNs(noop))
                    .append(" (jniNoop; jniSealOne − floor: ").append(fmtNs(one == null ? null : one - floor))
                    .append(") + pool ").append(fmtNs(pool)).append(" + header, AAD and event ")
                    .append(fmtNs(header)).append(" (event copy alone ").append(fmtNs(copy))
                    .append(") + counter draw ").append(fmtNs(draw))
                    .append(rest >= 0 ? " + the rest (checks, stores, view) " + fmtNs(rest) + " ns"
                            : " ns, and no rest to measure (the pieces, each alone, add up to " + fmtNs(-rest)
                            + " ns more than the whole)")
                    .append("; whole / AEAD ")
                    .append(fmtRatio(whole / floor)).append(". Each piece is measured alone, so the sum is a "
                    + "guide, not an identity.\n\n");
        }
    }

    private void sealTable(StringBuilder md) {
        md.append("## seal (ns per packet)\n\n");
        md.append("| size | impl | JDK | ns/op | alloc B/op | × raw-c-libsodium (unpaired: no verdict) |\n");
        md.append("|---:|---|---|---:|---:|---:|\n");
        for (Row r : ordered()) {
            if (!r.group().equals(SEAL)) {
                continue;
            }
            Double raw = ns(SEAL, "raw-c-libsodium", r.size(), 1);
            md.append("| ").append(r.size()).append(" | ").append(r.impl()).append(" | ").append(r.jdk())
                    .append(" | ").append(fmtNs(r.ns())).append(" | ").append(fmtAlloc(r.alloc()))
                    .append(" | ").append(fmtRatio(ratio(r.ns(), raw))).append(" |\n");
        }
        md.append("\nnetseal-java / bouncycastle: ");
        List<String> parts = new ArrayList<>();
        for (int size : sizes) {
            parts.add(size + " B " + fmtRatio(ratio(ns(SEAL, "netseal-java", size, 1),
                    ns(SEAL, "bouncycastle", size, 1))));
        }
        md.append(String.join(", ", parts)).append("\n\n");
    }

    private void openTable(StringBuilder md) {
        md.append("## open (ns per packet, copy into the socket buffer included)\n\n");
        md.append("| size | impl | ns/op | alloc B/op | open / seal, same backend (unpaired) |\n");
        md.append("|---:|---|---:|---:|---:|\n");
        for (Row r : ordered()) {
            if (!r.group().equals(OPEN)) {
                continue;
            }
            md.append("| ").append(r.size()).append(" | ").append(r.impl()).append(" | ")
                    .append(fmtNs(r.ns())).append(" | ").append(fmtAlloc(r.alloc())).append(" | ")
                    .append(fmtRatio(ratio(r.ns(), ns(SEAL, r.impl(), r.size(), 1)))).append(" |\n");
        }
        md.append('\n');
    }

    private void poolTable(StringBuilder md) {
        md.append("## pool (acquire + release of a warm object, ns per op per thread)\n\n");
        md.append("| threads | impl | ns/op | alloc B/op | × stormpot-tlt (unpaired) |\n");
        md.append("|---:|---|---:|---:|---:|\n");
        for (Row r : ordered()) {
            if (!r.group().equals(POOL)) {
                continue;
            }
            md.append("| ").append(r.threads()).append(" | ").append(r.impl()).append(" | ")
                    .append(fmtNs(r.ns())).append(" | ").append(fmtAlloc(r.alloc())).append(" | ")
                    .append(fmtRatio(ratio(r.ns(), ns(POOL, "stormpot-tlt", 0, r.threads())))).append(" |\n");
        }
        md.append('\n');
    }

    private void e2eTable(StringBuilder md) {
        md.append("## e2e (").append(E2E_SIZE).append("-byte events through one pool, native)\n\n");
        md.append("| threads | impl | ns/op per packet per thread | packets/s (all threads) | alloc B/op |\n");
        md.append("|---:|---|---:|---:|---:|\n");
        for (Row r : ordered()) {
            if (!r.group().equals(E2E)) {
                continue;
            }
            md.append("| ").append(r.threads()).append(" | ").append(r.impl()).append(" | ")
                    .append(fmtNs(r.ns())).append(" | ").append(fmtRate(throughput(r.ns(), r.threads())))
                    .append(" | ").append(fmtAlloc(r.alloc())).append(" |\n");
        }
        Double tl2 = throughput(ns(E2E, "netseal-threadlocal", E2E_SIZE, 2), 2);
        Double pp2 = throughput(ns(E2E, "netseal-shared", E2E_SIZE, 2), 2);
        Double tl1 = throughput(ns(E2E, "netseal-threadlocal", E2E_SIZE, 1), 1);
        md.append("\nThreadLocalPool / PacketPool throughput at 2 threads: ").append(fmtRatio(ratio(tl2, pp2)))
                .append("; netseal-threadlocal 2 threads / 1 thread: ").append(fmtRatio(ratio(tl2, tl1)))
                .append("\n\n");
    }

    private static Double throughput(Double nsPerOp, int threads) {
        return nsPerOp == null || nsPerOp == 0 ? null : threads * 1e9 / nsPerOp;
    }

    // ---- targets --------------------------------------------------------------------------------

    /**
     * Checks that hold per JMH row. The ratio targets are judged on the paired rows only (above):
     * ratios of JMH rows from different forks, minutes apart, are shown in the tables but decide
     * nothing.
     */
    private void targets(StringBuilder md) {
        md.append("## Checks on single JMH rows\n\n");
        md.append("| check | measured | result |\n|---|---:|---|\n");
        for (Row r : ordered()) {
            if ((r.group().equals(SEAL) || r.group().equals(OPEN)) && r.impl().startsWith("netseal-")) {
                String name = "alloc < 1 B/op: " + r.group() + " " + r.impl() + " " + r.size() + " B";
                if (r.alloc() == null) {
                    md.append("| ").append(name).append(" | n/a | MISS (no measurement) |\n");
                } else {
                    md.append("| ").append(name).append(" | ").append(fmtAlloc(r.alloc())).append(" B | ")
                            .append(r.alloc() < 1.0 ? "PASS" : "MISS").append(" |\n");
                }
            }
        }
    }

    // ---- formatting -----------------------------------------------------------------------------

    private static String fmtNs(Double ns) {
        return ns == null ? "missing" : String.format(Locale.ROOT, ns < 100 ? "%.2f" : "%.1f", ns);
    }

    private static String fmtAlloc(Double b) {
        return b == null ? "–" : String.format(Locale.ROOT, b < 10 ? "%.3f" : "%.0f", b);
    }

    private static String fmtRatio(Double r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%.3f×", r);
    }

    private static String fmtLimit(double l) {
        return String.format(Locale.ROOT, "%.2f", l);
    }

    private static String fmtRate(Double r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%,.0f", r);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "CPU model unknown (" + e.getMessage() + ")";
        }
        return "CPU model unknown";
    }

    // ---- a tiny JSON reader/writer --------------------------------------------------------------

    /**
     * Just enough JSON for JMH's result files: objects (insertion-ordered maps), arrays (lists),
     * strings, numbers (doubles), true/false/null, and the bare NaN / Infinity some writers emit.
     */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json p = new Json(text);
            Object v = p.value();
            p.ws();
            if (p.i != p.s.length()) {
                throw p.error("trailing characters");
            }
            return v;
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                default:
                    if (s.startsWith("true", i)) {
                        i += 4;
                        return Boolean.TRUE;
                    }
                    if (s.startsWith("false", i)) {
                        i += 5;
                        return Boolean.FALSE;
                    }
                    if (s.startsWith("null", i)) {
                        i += 4;
                        return null;
                    }
                    return number();
            }
        }

        private Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++; // {
            ws();
            if (peek() == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                String k = string();
                ws();
                expect(':');
                m.put(k, value());
                ws();
                if (peek() == ',') {
                    i++;
                } else {
                    expect('}');
                    return m;
                }
            }
        }

        private List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++; // [
            ws();
            if (peek() == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                ws();
                if (peek() == ',') {
                    i++;
                } else {
                    expect(']');
                    return l;
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e); // \" \\ \/
                }
            }
        }

        private Double number() {
            int start = i;
            while (i < s.length() && "+-0123456789.eEaNInfity".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
            if (start == i) {
                throw error("unexpected character '" + s.charAt(i) + "'");
            }
            String t = s.substring(start, i);
            return switch (t) {
                case "NaN" -> Double.NaN;
                case "Infinity", "+Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(t);
            };
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private char peek() {
            if (i >= s.length()) {
                throw error("unexpected end");
            }
            return s.charAt(i);
        }

        private void expect(char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("JSON: " + what + " at offset " + i);
        }

        static String quote(String v) {
            if (v == null) {
                return "null";
            }
            StringBuilder sb = new StringBuilder("\"");
            for (char c : v.toCharArray()) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            return sb.append('"').toString();
        }

        /** Writes a parsed value back: maps, lists, strings, numbers (3 decimals unless whole), booleans, null. */
        static String write(Object v) {
            if (v == null) {
                return "null";
            }
            if (v instanceof String str) {
                return quote(str);
            }
            if (v instanceof Boolean b) {
                return b.toString();
            }
            if (v instanceof Number n) {
                double d = n.doubleValue();
                return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : number(d);
            }
            StringBuilder sb = new StringBuilder();
            if (v instanceof Map<?, ?> m) {
                sb.append('{');
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(sb.length() == 1 ? "" : ", ").append(quote(String.valueOf(e.getKey())))
                            .append(": ").append(write(e.getValue()));
                }
                return sb.append('}').toString();
            }
            if (v instanceof List<?> l) {
                sb.append('[');
                for (Object x : l) {
                    sb.append(sb.length() == 1 ? "" : ", ").append(write(x));
                }
                return sb.append(']').toString();
            }
            return quote(v.toString());
        }

        static String number(Double d) {
            if (d == null || !Double.isFinite(d)) {
                return "null";
            }
            return String.format(Locale.ROOT, "%.3f", d);
        }
    }
}
