package dev.netseal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Turns one run's results into {@code summary.json} and {@code summary.md}: {@code paired.jsonl}
 * (the verdicts, judged against {@code bench/targets.json}), JMH's {@code jmh-17.json},
 * {@code jmh-17-stages.json} and {@code jmh-25.json}, {@code raw-c.jsonl}, and the logs (why a
 * row is missing).
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.netseal.bench.Summarize --results bench/results \
 *     --sizes 64,1024 --mode quick [--targets bench/targets.json] [--jdk25] [--paired-only]</pre>
 */
public final class Summarize {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int E2E_SIZE = E2eBench.EVENT_BYTES;
    static final List<String> GROUPS = List.of("seal", "open", "pool", "e2e");
    static final List<String> IMPLS = List.of("netseal-native", "netseal-java", "raw-c-libsodium", "lazysodium",
            "jce", "bouncycastle", "conscrypt", "netseal-threadlocal", "netseal-shared", "stormpot-tlt",
            "netty-recycler", "commons-pool2");
    /** JMH class to {group, impl}: {@code {x}} is the @Param x, {@code {method}} the benchmark method. */
    static final Map<String, String[]> ROWS = Map.of(
            "NetsealSealBench", new String[] {"seal", "netseal-{backend}"},
            "CipherSealBench", new String[] {"seal", "{impl}"},
            "LazysodiumSealBench", new String[] {"seal", "lazysodium"},
            "BouncyCastleSealBench", new String[] {"seal", "bouncycastle"},
            "NetsealOpenBench", new String[] {"open", "netseal-{backend}"},
            "PoolBench", new String[] {"pool", "{impl}"},
            "E2eBench", new String[] {"e2e", "{impl}"},
            "StagesBench", new String[] {"stages", "{method}"},
            "NetsealRefuseBench", new String[] {"refuse-{backend}", "{method}"});

    /** One JMH (or raw C) row; {@code ns} null when missing. */
    record Row(String group, String impl, int size, int threads, Double ns, Double alloc, String jdk) {
        String key() {
            return group + "|" + impl + "|" + size + "|" + threads + "|" + jdk;
        }
    }

    private final Path results;
    private final List<Integer> sizes;
    private final String mode;
    private final boolean jdk25;
    private final boolean pairedOnly;
    private final JsonNode targets;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final Map<String, String> jvms = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final List<ObjectNode> paired = new ArrayList<>();
    private JsonNode meta = JSON.createObjectNode();

    Summarize(Path results, List<Integer> sizes, String mode, boolean jdk25, boolean pairedOnly, Path targets)
            throws IOException {
        this.results = results;
        this.sizes = sizes;
        this.mode = mode;
        this.jdk25 = jdk25;
        this.pairedOnly = pairedOnly;
        this.targets = JSON.readTree(targets.toFile()).path("targets");
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> a = new LinkedHashMap<>(Map.of("--results", "bench/results", "--sizes", "64,256,1024,8108",
                "--mode", "full", "--targets", "bench/targets.json"));
        for (int i = 0; i < args.length; i++) {
            boolean flag = args[i].equals("--jdk25") || args[i].equals("--paired-only");
            if (!flag && (!a.containsKey(args[i]) || i + 1 == args.length)) {
                System.err.println("usage: Summarize [--results DIR] [--sizes 64,1024] [--mode smoke|quick|full]"
                        + " [--targets FILE] [--jdk25] [--paired-only]");
                System.exit(2);
            }
            a.put(args[i], flag ? "true" : args[++i]);
        }
        Path results = Path.of(a.get("--results"));
        Summarize s = new Summarize(results, Paired.parseSizes(a.get("--sizes")), a.get("--mode"),
                a.containsKey("--jdk25"), a.containsKey("--paired-only"), Path.of(a.get("--targets")));
        s.read();
        ArrayNode out = JSON.createArrayNode();
        s.ordered().forEach(r -> out.add(s.json(r)));
        s.paired.forEach(out::add);
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < out.size(); i++) { // one row per line, as before
            json.append("  ").append(JSON.writeValueAsString(out.get(i))).append(i + 1 < out.size() ? ",\n" : "\n");
        }
        Files.writeString(results.resolve("summary.json"), json.append("]\n"));
        Files.writeString(results.resolve("summary.md"), s.markdown());
        System.out.println("wrote " + results.resolve("summary.json") + " and summary.md: " + s.rows.size()
                + " rows, " + s.rows.values().stream().filter(r -> r.ns() == null).count() + " missing; "
                + s.paired.size() + " paired rows");
    }

    // ---- reading ------------------------------------------------------------------------------

    void read() throws IOException {
        Path file = results.resolve("paired.jsonl");
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                if (!line.isBlank()) {
                    ObjectNode m = (ObjectNode) JSON.readTree(line);
                    if (m.path("meta").asBoolean()) {
                        meta = m;
                    } else {
                        paired.add(m);
                    }
                }
            }
        } else {
            notes.add("`paired.jsonl` is missing: the paired run did not happen, so no target has a verdict.");
        }
        List<String> order = Pairs.pairs(sizes).stream().map(Pairs.Pair::id).toList();
        if (!pairedOnly) {
            Set<String> seen = new LinkedHashSet<>();
            paired.forEach(m -> seen.add(m.path("pair").asText()));
            Pairs.pairs(sizes).stream().filter(p -> !seen.contains(p.id()))
                    .forEach(p -> paired.add(Paired.row(p, null, null, null, null, 0, "no row in paired.jsonl")));
            readJmh("jmh-17.json", "17", true);
            readJmh("jmh-17-stages.json", "17", false);
            if (jdk25) {
                readJmh("jmh-25.json", "25", true);
            }
            readRawC();
            addMissing();
        }
        paired.sort(Comparator.comparingInt(m -> rank(order, m.path("pair").asText())));
        paired.forEach(this::judge);
        try (Stream<Path> logs = Files.isDirectory(results) ? Files.list(results) : Stream.empty()) {
            Set<String> seen = new LinkedHashSet<>();
            for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                for (String line : Files.readAllLines(log)) {
                    int at = line.indexOf("UNAVAILABLE:");
                    if (at >= 0 && !line.contains("\tat ")) {
                        seen.add(line.substring(at).trim() + " (" + log.getFileName() + ")");
                    }
                }
            }
            notes.addAll(seen);
        }
    }

    private void readJmh(String name, String jdk, boolean required) throws IOException {
        Path file = results.resolve(name);
        if (!Files.exists(file) || Files.size(file) == 0) {
            if (required) {
                notes.add("`" + name + "` is missing or empty: JMH did not finish on JDK " + jdk + ".");
            }
            return;
        }
        for (JsonNode run : JSON.readTree(file.toFile())) {
            String[] parts = run.path("benchmark").asText().split("\\.");
            String cls = parts[parts.length - 2];
            String method = parts[parts.length - 1];
            String[] where = ROWS.getOrDefault(cls, new String[] {"other", cls + "." + method});
            JsonNode params = run.path("params");
            Function<String, String> fill = t -> {
                String s = t.replace("{method}", method);
                for (var it = params.fields(); it.hasNext(); ) {
                    var e = it.next();
                    s = s.replace("{" + e.getKey() + "}", e.getValue().asText());
                }
                return s;
            };
            jvms.putIfAbsent(jdk, run.path("jdkVersion").asText() + " (" + run.path("vmName").asText() + " "
                    + run.path("vmVersion").asText() + ")");
            String group = fill.apply(where[0]);
            int size = group.equals("e2e") ? E2E_SIZE : params.path("size").asInt(0);
            JsonNode primary = run.path("primaryMetric");
            if (!primary.path("scoreUnit").asText().equals("ns/op")) {
                throw new IllegalStateException(run.path("benchmark").asText() + ": expected ns/op");
            }
            Double alloc = null;
            for (var it = run.path("secondaryMetrics").fields(); it.hasNext(); ) {
                var e = it.next(); // "gc.alloc.rate.norm", with or without JMH's "·" prefix
                alloc = e.getKey().endsWith("gc.alloc.rate.norm") ? number(e.getValue().path("score")) : alloc;
            }
            put(new Row(group, fill.apply(where[1]), size, run.path("threads").asInt(), number(primary.path("score")),
                    alloc, jdk));
        }
    }

    private void readRawC() throws IOException {
        Path file = results.resolve("raw-c.jsonl");
        if (!Files.exists(file)) {
            notes.add("`raw-c.jsonl` is missing: the raw C benchmark did not run.");
            return;
        }
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                JsonNode m = JSON.readTree(line);
                double mean = 0;
                for (JsonNode x : m.path("ns_per_op")) {
                    mean += x.asDouble() / m.path("ns_per_op").size();
                }
                put(new Row("seal", "raw-c-libsodium", m.path("size").asInt(), 1, m.path("ns_per_op").isEmpty() ? null
                        : mean, null, "17"));
            }
        }
    }

    private void put(Row r) {
        rows.put(r.key(), r);
    }

    /** Every row a run of this mode should have, as a missing row where no result came. */
    private void addMissing() {
        for (int size : sizes) {
            for (String impl : IMPLS.subList(0, 7)) {
                rows.putIfAbsent(new Row("seal", impl, size, 1, null, null, "17").key(),
                        new Row("seal", impl, size, 1, null, null, "17"));
            }
            if (jdk25) {
                rows.putIfAbsent(new Row("seal", "jce", size, 1, null, null, "25").key(),
                        new Row("seal", "jce", size, 1, null, null, "25"));
            }
            for (String impl : IMPLS.subList(0, 2)) {
                rows.putIfAbsent(new Row("open", impl, size, 1, null, null, "17").key(),
                        new Row("open", impl, size, 1, null, null, "17"));
            }
        }
        for (int t = 1; t <= 2; t++) {
            for (String impl : IMPLS.subList(7, 12)) {
                rows.putIfAbsent(new Row("pool", impl, 0, t, null, null, "17").key(), new Row("pool", impl, 0, t, null, null, "17"));
            }
            for (String impl : IMPLS.subList(7, 9)) {
                rows.putIfAbsent(new Row("e2e", impl, E2E_SIZE, t, null, null, "17").key(),
                        new Row("e2e", impl, E2E_SIZE, t, null, null, "17"));
            }
        }
    }

    /** Adds {@code target}, {@code verdict} and {@code spread} to a paired row with a target. */
    private void judge(ObjectNode m) {
        JsonNode t = targets.path(m.path("pair").asText());
        if (t.isMissingNode() || !"paired".equals(m.path("group").asText())) {
            return;
        }
        double limit = t.path("ratio").asDouble();
        boolean atMost = t.path("direction").asText().equals("≤");
        Double median = number(m.path("ratio_median"));
        Double min = number(m.path("ratio_min"));
        Double max = number(m.path("ratio_max"));
        m.put("target", t.path("direction").asText() + " " + String.format(Locale.ROOT, "%.2f", limit) + "×");
        if (median == null) {
            m.put("verdict", "MISS (no measurement" + (m.has("reason") ? ": " + m.path("reason").asText() : "") + ")");
            return;
        }
        m.put("verdict", (atMost ? median <= limit : median >= limit) ? "PASS" : "MISS");
        boolean allPass = atMost ? max <= limit : min >= limit;
        boolean allMiss = atMost ? min > limit : max < limit;
        m.put("spread", allPass ? "all rounds pass" : allMiss ? "all rounds miss" : "crosses the limit");
    }

    private static Double number(JsonNode n) {
        return n.isNumber() && Double.isFinite(n.asDouble()) ? n.asDouble() : null; // JMH writes "NaN" as a string
    }

    private ObjectNode json(Row r) {
        ObjectNode o = JSON.createObjectNode().put("group", r.group()).put("impl", r.impl()).put("size", r.size())
                .put("threads", r.threads()).put("ns_per_op", Paired.round3(r.ns()))
                .put("alloc_bytes_per_op", Paired.round3(r.alloc())).put("jdk", r.jdk());
        return r.ns() == null ? o.put("missing", true) : o;
    }

    /** Group, then size, then threads, then the impl order above, then JDK. */
    List<Row> ordered() {
        return rows.values().stream().sorted(Comparator.<Row>comparingInt(r -> rank(GROUPS, r.group()))
                .thenComparing(Row::group).thenComparingInt(Row::size).thenComparingInt(Row::threads)
                .thenComparingInt(r -> IMPLS.indexOf(r.impl())).thenComparing(Row::jdk)).toList();
    }

    private static int rank(List<String> order, String x) {
        int i = order.indexOf(x);
        return i < 0 ? order.size() : i;
    }

    private Double ns(String group, String impl, int size, int threads) {
        Row r = rows.get(new Row(group, impl, size, threads, null, null, "17").key());
        return r == null ? null : r.ns();
    }
    // ---- summary.md ---------------------------------------------------------------------------

    String markdown() {
        StringBuilder md = new StringBuilder("# netseal benchmarks\n\n");
        md.append(switch (mode) {
            case "smoke" -> "> **smoke run**: tiny rounds and one 100 ms iteration per row. It proves the pipeline; its"
                    + " numbers are not measurements and its verdicts mean nothing.\n\n";
            case "quick" -> "> quick run: JMH rows 1 fork, 2 × 0.5 s warm-up, 3 × 0.5 s measured; sizes " + sizes + ".\n\n";
            default -> "";
        });
        md.append(pairedOnly ? "> paired rows only (`bench/run.sh --paired-only`): no JMH or raw C rows.\n\n" : "");
        md.append("- machine: ").append(meta.path("cpus").asInt(Runtime.getRuntime().availableProcessors()))
                .append(" CPUs, ").append(meta.path("cpu").asText(Paired.cpuModel())).append("\n- date: ")
                .append(meta.path("date").asText("unknown")).append("\n- JDK (paired): ").append(meta.path("jdk").asText("–"));
        if (!pairedOnly) {
            md.append("\n- JDK 17: ").append(jvms.getOrDefault("17", "no JMH results")).append("\n- JDK 25: ")
                    .append(jdk25 ? jvms.getOrDefault("25", "no JMH results") : "not run (JDK absent)");
        }
        md.append("\n- mode: ").append(mode).append("; targets: `bench/targets.json`\n\n## Paired ratios: the verdicts\n\n")
                .append("Each pair ran in ").append(meta.path("forks").asText("?")).append(" forks, the two sides"
                + " alternating on the same threads: ").append(meta.path("warmup_rounds").asText("?"))
                .append(" warm-up rounds, a full collection, then ").append(meta.path("rounds").asText("?"))
                .append(" measured rounds of ").append(meta.path("round_ms").asText("?")).append(" ms per side, each in ")
                .append(meta.path("turns_per_round").asText("?")).append(" alternating turns. ratio = impl / baseline in ns"
                + " per op (throughput pairs: in packets per second, all threads), the median of the per-round ratios of"
                + " all forks, with their min and max; the ns columns are each side's median round. spread: whether"
                + " every round, not just the median, is on the verdict's side of the limit.\n\n")
                .append("| pair | impl | baseline | impl ns/op | baseline ns/op | ratio (median) | min – max | rounds"
                + " | fork medians | target | verdict | spread |\n|---|---|---|---:|---:|---:|---:|---:|---|---|---|---|\n");
        StringBuilder rates = new StringBuilder();
        for (JsonNode m : paired) {
            List<String> forks = new ArrayList<>();
            m.path("fork_medians").forEach(f -> forks.add(ratio(number(f))));
            md.append(cells(m.path("pair").asText(), m.path("impl").asText(), m.path("baseline").asText(),
                    ns(number(m.path("impl_ns_per_op"))), ns(number(m.path("baseline_ns_per_op"))),
                    ratio(number(m.path("ratio_median"))), ratio(number(m.path("ratio_min"))) + " – "
                    + ratio(number(m.path("ratio_max"))), m.path("rounds").asText(), forks.isEmpty() ? "–"
                    : String.join(" / ", forks), m.path("target").asText("–") + ("throughput".equals(m.path("metric")
                    .asText()) && m.has("target") ? " (throughput)" : ""), m.path("verdict").asText("–"),
                    m.path("spread").asText("–")));
            if (Pairs.HANDSHAKE.equals(m.path("op").asText())) {
                rates.append(cells(m.path("pair").asText(), m.path("side").asText(), m.path("backend").asText(),
                        rate(number(m.path("impl_handshakes_per_s_per_core"))),
                        rate(number(m.path("baseline_handshakes_per_s_per_core")))));
            }
            if (m.path("pair").asText().startsWith("calibration-floor-vs-floor") && number(m.path("ratio_min")) != null) {
                boolean quiet = m.path("ratio_min").asDouble() >= 0.97 && m.path("ratio_max").asDouble() <= 1.03;
                notes.add(0, "Calibration: the floor paired with itself gave " + ratio(number(m.path("ratio_median")))
                        + " [" + ratio(number(m.path("ratio_min"))) + " – " + ratio(number(m.path("ratio_max"))) + "]. "
                        + (quiet ? "Every round within 3 % of 1: the machine was quiet enough for the verdicts."
                        : "**Some rounds are more than 3 % from 1: the machine was not quiet; verdicts whose spread"
                        + " crosses the limit may flip on a rerun.**"));
            }
        }
        if (rates.length() > 0) {
            md.append("\nHandshakes per second per core (1e9 / the median round's ns per handshake):\n\n| pair | side |"
                    + " backend | netseal handshakes/s | X25519 alone, handshakes/s |\n|---|---|---|---:|---:|\n").append(rates);
        }
        if (!pairedOnly) {
            String group = null;
            for (Row r : ordered()) {
                if (!r.group().equals(group)) {
                    group = r.group();
                    md.append("\n## ").append(group).append(switch (group) {
                        case "seal" -> " (ns per packet; × raw-c-libsodium, unpaired)";
                        case "open" -> " (ns per packet, the copy into the socket buffer included; × seal, unpaired)";
                        case "pool" -> " (acquire + release of a warm object, ns per op per thread; × stormpot-tlt, unpaired)";
                        case "e2e" -> " (" + E2E_SIZE + "-byte events through one pool, native; packets/s, all threads)";
                        default -> "";
                    }).append("\n\n| impl | size | threads | JDK | ns/op | alloc B/op | × |\n|---|---:|---:|---|---:|---:|---:|\n");
                }
                Double ref = switch (group) {
                    case "seal" -> ns("seal", "raw-c-libsodium", r.size(), 1);
                    case "open" -> ns("seal", r.impl(), r.size(), 1);
                    case "pool" -> ns("pool", "stormpot-tlt", 0, r.threads());
                    default -> null;
                };
                String x = group.equals("e2e") ? rate(r.ns() == null ? null : r.threads() * 1e9 / r.ns())
                        : ratio(r.ns() == null || ref == null ? null : r.ns() / ref);
                md.append(cells(r.impl(), "" + r.size(), "" + r.threads(), r.jdk(), ns(r.ns()), alloc(r.alloc()), x));
            }
            stages(md);
            md.append("\n## Checks on single JMH rows\n\n| check | measured | result |\n|---|---:|---|\n");
            for (Row r : ordered()) {
                if ((r.group().equals("seal") || r.group().equals("open")) && r.impl().startsWith("netseal-")) {
                    md.append(cells("alloc < 1 B/op: " + r.group() + " " + r.impl() + " " + r.size() + " B",
                            r.alloc() == null ? "n/a" : alloc(r.alloc()) + " B", r.alloc() == null ? "MISS (no measurement)"
                            : r.alloc() < 1.0 ? "PASS" : "MISS"));
                }
            }
        }
        md.append("\n## Notes\n\n- What each row and pair measures: `bench/README.md` and each class's Javadoc.\n");
        notes.forEach(n -> md.append("- ").append(n).append('\n'));
        List<String> missing = ordered().stream().filter(r -> r.ns() == null).map(r -> r.group() + "/" + r.impl()
                + (r.size() > 0 ? " " + r.size() + " B" : "") + " t" + r.threads() + " JDK " + r.jdk()).toList();
        if (!missing.isEmpty()) {
            md.append("- **missing rows** (no result; see the logs): ").append(String.join(", ", missing)).append('\n');
        }
        return md.toString();
    }

    /** The stage rows added up: where the whole seal path's time goes, per size. */
    private void stages(StringBuilder md) {
        for (int size : rows.values().stream().filter(r -> r.group().equals("stages")).map(Row::size).distinct().sorted().toList()) {
            Double whole = ns("stages", "wholePath", size, 1);
            Double floor = ns("stages", "floor", size, 1);
            Double noop = ns("stages", "jniNoop", size, 1);
            Double pool = ns("stages", "pool", size, 1);
            Double header = ns("stages", "headerAndEvent", size, 1);
            Double draw = ns("stages", "counterDraw", size, 1);
            Double one = ns("stages", "jniSealOne", size, 1);
            if (Stream.of(whole, floor, noop, pool, header, draw).anyMatch(d -> d == null)) {
                continue;
            }
            double rest = whole - floor - noop - pool - header - draw;
            md.append("\nAt ").append(size).append(" B: whole path ").append(ns(whole)).append(" ns = AEAD ").append(ns(floor))
                    .append(" + JNI crossing ").append(ns(noop)).append(" (jniSealOne − floor: ")
                    .append(ns(one == null ? null : one - floor)).append(") + pool ").append(ns(pool))
                    .append(" + header, AAD and event ").append(ns(header)).append(" (event copy alone ")
                    .append(ns(ns("stages", "eventCopy", size, 1))).append(") + counter draw ").append(ns(draw))
                    .append(rest >= 0 ? " + the rest " + ns(rest) + " ns" : " ns (the pieces add up to " + ns(-rest)
                    + " ns more than the whole)").append("; whole / AEAD ").append(ratio(whole / floor))
                    .append(". Each piece is measured alone: the sum is a guide, not an identity.\n");
        }
    }

    private static String cells(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    private static String ns(Double ns) {
        return ns == null ? "missing" : String.format(Locale.ROOT, ns < 100 ? "%.2f" : "%.1f", ns);
    }

    private static String alloc(Double b) {
        return b == null ? "–" : String.format(Locale.ROOT, b < 10 ? "%.3f" : "%.0f", b);
    }

    private static String ratio(Double r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%.3f×", r);
    }

    private static String rate(Double r) {
        return r == null ? "–" : String.format(Locale.ROOT, "%,.0f", r);
    }
}
