package dev.netseal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
    private final Path results;
    private final List<Integer> sizes;
    private final String mode;
    private final boolean jdk25;
    private final boolean pairedOnly;
    private final JsonNode targets;
    private final JmhRows jmh = new JmhRows();
    private final List<String> notes = new ArrayList<>();
    private final List<ObjectNode> paired = new ArrayList<>();
    private JsonNode meta = JSON.createObjectNode();

    Summarize(Map<String, String> a) throws IOException {
        results = Path.of(a.get("--results"));
        sizes = Paired.parseSizes(a.get("--sizes"));
        mode = a.get("--mode");
        jdk25 = a.containsKey("--jdk25");
        pairedOnly = a.containsKey("--paired-only");
        targets = JSON.readTree(Path.of(a.get("--targets")).toFile()).path("targets");
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
        Summarize s = new Summarize(a);
        s.read();
        List<ObjectNode> out = new ArrayList<>(s.jmh.ordered().stream().map(JmhRows::json).toList());
        out.addAll(s.paired);
        List<String> lines = new ArrayList<>(); // one row per line, as before
        for (ObjectNode o : out) {
            lines.add("  " + JSON.writeValueAsString(o));
        }
        Files.writeString(s.results.resolve("summary.json"), "[\n" + String.join(",\n", lines) + "\n]\n");
        Files.writeString(s.results.resolve("summary.md"), s.markdown());
        System.out.println("wrote " + s.results.resolve("summary.json") + " and summary.md: " + s.jmh.ordered().size()
                + " rows, " + s.jmh.ordered().stream().filter(r -> r.ns() == null).count() + " missing; "
                + s.paired.size() + " paired rows");
    }

    // ---- reading ------------------------------------------------------------------------------

    void read() throws IOException {
        for (ObjectNode m : jsonLines("paired.jsonl", "the paired run did not happen, so no target has a verdict")) {
            if (m.path("meta").asBoolean()) {
                meta = m;
            } else {
                paired.add(m);
            }
        }
        List<String> order = Pairs.pairs(sizes).stream().map(Pairs.Pair::id).toList();
        if (!pairedOnly) {
            Set<String> seen = new LinkedHashSet<>();
            paired.forEach(m -> seen.add(m.path("pair").asText()));
            Pairs.pairs(sizes).stream().filter(p -> !seen.contains(p.id()))
                    .forEach(p -> paired.add(Paired.row(p, null, null, null, null, 0, "no row in paired.jsonl")));
            for (String f : jdk25 ? List.of("jmh-17.json", "jmh-17-stages.json", "jmh-25.json")
                    : List.of("jmh-17.json", "jmh-17-stages.json")) {
                Path file = results.resolve(f);
                if (Files.exists(file) && Files.size(file) > 0) {
                    jmh.read(file, f.startsWith("jmh-25") ? "25" : "17");
                } else if (!f.contains("stages")) {
                    notes.add("`" + f + "` is missing or empty: JMH did not finish there.");
                }
            }
            for (JsonNode m : jsonLines("raw-c.jsonl", "the raw C benchmark did not run")) { // mean of its iterations
                double mean = 0;
                for (JsonNode x : m.path("ns_per_op")) {
                    mean += x.asDouble() / m.path("ns_per_op").size();
                }
                jmh.add(new JmhRows.Row("seal", "raw-c-libsodium", m.path("size").asInt(), 1,
                        m.path("ns_per_op").isEmpty() ? null : mean, null, "17"));
            }
            jmh.addMissing(sizes, jdk25);
        }
        paired.sort(Comparator.comparingInt(m -> JmhRows.rank(order, m.path("pair").asText())));
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

    /** The objects of a JSON-lines file, or none (and a note saying why) if it is missing. */
    private List<ObjectNode> jsonLines(String name, String why) throws IOException {
        Path file = results.resolve(name);
        if (!Files.exists(file)) {
            notes.add("`" + name + "` is missing: " + why + ".");
            return List.of();
        }
        List<ObjectNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add((ObjectNode) JSON.readTree(line));
            }
        }
        return out;
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

    static Double number(JsonNode n) {
        return n.isNumber() && Double.isFinite(n.asDouble()) ? n.asDouble() : null; // JMH writes "NaN" as a string
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
            md.append("\n- JDK 17: ").append(jmh.jvms.getOrDefault("17", "no JMH results")).append("\n- JDK 25: ")
                    .append(jdk25 ? jmh.jvms.getOrDefault("25", "no JMH results") : "not run (JDK absent)");
        }
        md.append("\n- mode: ").append(mode).append("; targets: `bench/targets.json`\n\n## Paired ratios: the verdicts\n\n")
                .append(meta.path("forks").asText("?")).append(" forks per pair, ").append(meta.path("warmup_rounds")
                .asText("?")).append(" warm-up + ").append(meta.path("rounds").asText("?")).append(" measured rounds of ")
                .append(meta.path("round_ms").asText("?")).append(" ms per side in ").append(meta.path("turns_per_round")
                .asText("?")).append(" alternating turns (how: bench/README.md). ratio = impl / baseline in ns per op"
                + " (throughput pairs: packets per second), median of all rounds' ratios; ns: each side's median round;"
                + " spread: whether every round is on the verdict's side of the limit.\n\n")
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
            for (JmhRows.Row r : jmh.ordered()) {
                if (!r.group().equals(group)) {
                    group = r.group();
                    md.append("\n## ").append(group).append(switch (group) {
                        case "seal" -> " (ns per packet; × raw-c-libsodium, unpaired)";
                        case "open" -> " (ns per packet, the copy into the socket buffer included; × seal, unpaired)";
                        case "pool" -> " (acquire + release of a warm object, ns per op per thread; × stormpot-tlt, unpaired)";
                        case "e2e" -> " (" + JmhRows.E2E_SIZE + "-byte events through one pool, native; packets/s, all threads)";
                        default -> "";
                    }).append("\n\n| impl | size | threads | JDK | ns/op | alloc B/op | × |\n|---|---:|---:|---|---:|---:|---:|\n");
                }
                Double ref = switch (group) {
                    case "seal" -> jmh.ns("seal", "raw-c-libsodium", r.size(), 1);
                    case "open" -> jmh.ns("seal", r.impl(), r.size(), 1);
                    case "pool" -> jmh.ns("pool", "stormpot-tlt", 0, r.threads());
                    default -> null;
                };
                String x = group.equals("e2e") ? rate(r.ns() == null ? null : r.threads() * 1e9 / r.ns())
                        : ratio(r.ns() == null || ref == null ? null : r.ns() / ref);
                md.append(cells(r.impl(), "" + r.size(), "" + r.threads(), r.jdk(), ns(r.ns()), alloc(r.alloc()), x));
            }
            stages(md);
            md.append("\n## Checks on single JMH rows\n\n| check | measured | result |\n|---|---:|---|\n");
            for (JmhRows.Row r : jmh.ordered()) {
                if ((r.group().equals("seal") || r.group().equals("open")) && r.impl().startsWith("netseal-")) {
                    md.append(cells("alloc < 1 B/op: " + r.group() + " " + r.impl() + " " + r.size() + " B",
                            r.alloc() == null ? "n/a" : alloc(r.alloc()) + " B", r.alloc() == null ? "MISS (no measurement)"
                            : r.alloc() < 1.0 ? "PASS" : "MISS"));
                }
            }
        }
        md.append("\n## Notes\n\n- What each row and pair measures: `bench/README.md` and each class's Javadoc.\n");
        notes.forEach(n -> md.append("- ").append(n).append('\n'));
        List<String> missing = jmh.ordered().stream().filter(r -> r.ns() == null).map(r -> r.group() + "/" + r.impl()
                + (r.size() > 0 ? " " + r.size() + " B" : "") + " t" + r.threads() + " JDK " + r.jdk()).toList();
        if (!missing.isEmpty()) {
            md.append("- **missing rows** (no result; see the logs): ").append(String.join(", ", missing)).append('\n');
        }
        return md.toString();
    }

    /** The stage rows added up: where the whole seal path's time goes, per size. */
    private void stages(StringBuilder md) {
        for (int size : jmh.ordered().stream().filter(r -> r.group().equals("stages")).map(JmhRows.Row::size).distinct().sorted().toList()) {
            Double whole = jmh.ns("stages", "wholePath", size, 1);
            Double floor = jmh.ns("stages", "floor", size, 1);
            Double noop = jmh.ns("stages", "jniNoop", size, 1);
            Double pool = jmh.ns("stages", "pool", size, 1);
            Double header = jmh.ns("stages", "headerAndEvent", size, 1);
            Double draw = jmh.ns("stages", "counterDraw", size, 1);
            Double one = jmh.ns("stages", "jniSealOne", size, 1);
            if (Stream.of(whole, floor, noop, pool, header, draw).anyMatch(d -> d == null)) {
                continue;
            }
            double rest = whole - floor - noop - pool - header - draw;
            md.append("\nAt ").append(size).append(" B: whole path ").append(ns(whole)).append(" ns = AEAD ").append(ns(floor))
                    .append(" + JNI crossing ").append(ns(noop)).append(" (jniSealOne − floor: ")
                    .append(ns(one == null ? null : one - floor)).append(") + pool ").append(ns(pool))
                    .append(" + header, AAD and event ").append(ns(header)).append(" (event copy alone ")
                    .append(ns(jmh.ns("stages", "eventCopy", size, 1))).append(") + counter draw ").append(ns(draw))
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
