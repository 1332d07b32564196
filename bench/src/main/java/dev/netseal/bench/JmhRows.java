package dev.netseal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The single-implementation rows of a run for {@link Summarize}: JMH's result files and the raw C
 * program's, one {@link Row} per group, impl, size, threads and JDK, and the rows a run should
 * have had, as missing rows.
 */
final class JmhRows {
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

    final Map<String, Row> rows = new LinkedHashMap<>();
    final Map<String, String> jvms = new LinkedHashMap<>();

    /** Adds the rows of one JMH result file ({@code -rf json}), run on JDK {@code jdk}. */
    void read(Path file, String jdk) throws IOException {
        for (JsonNode run : Summarize.JSON.readTree(file.toFile())) {
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
                alloc = e.getKey().endsWith("gc.alloc.rate.norm") ? Summarize.number(e.getValue().path("score")) : alloc;
            }
            add(new Row(group, fill.apply(where[1]), size, run.path("threads").asInt(), Summarize.number(primary.path("score")),
                    alloc, jdk));
        }
    }

    void add(Row r) {
        rows.put(r.key(), r);
    }

    /** Every row a run of this mode should have, as a missing row where no result came. */
    void addMissing(List<Integer> sizes, boolean jdk25) {
        for (int size : sizes) {
            IMPLS.subList(0, 7).forEach(impl -> expect("seal", impl, size, 1, "17"));
            if (jdk25) {
                expect("seal", "jce", size, 1, "25");
            }
            IMPLS.subList(0, 2).forEach(impl -> expect("open", impl, size, 1, "17"));
        }
        for (int t = 1; t <= 2; t++) {
            int threads = t;
            IMPLS.subList(7, 12).forEach(impl -> expect("pool", impl, 0, threads, "17"));
            IMPLS.subList(7, 9).forEach(impl -> expect("e2e", impl, E2E_SIZE, threads, "17"));
        }
    }

    private void expect(String group, String impl, int size, int threads, String jdk) {
        rows.putIfAbsent(group + "|" + impl + "|" + size + "|" + threads + "|" + jdk,
                new Row(group, impl, size, threads, null, null, jdk));
    }

    static ObjectNode json(Row r) {
        ObjectNode o = Summarize.JSON.createObjectNode().put("group", r.group()).put("impl", r.impl()).put("size", r.size())
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

    static int rank(List<String> order, String x) {
        int i = order.indexOf(x);
        return i < 0 ? order.size() : i;
    }

    Double ns(String group, String impl, int size, int threads) {
        Row r = rows.get(new Row(group, impl, size, threads, null, null, "17").key());
        return r == null ? null : r.ns();
    }
}
