package dev.netseal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Puts the paired verdicts of two runs side by side: did every target get the same PASS/MISS
 * both times? Reads each run's {@code summary.json}, writes a markdown table to stdout, and exits
 * 1 when a verdict differs (or a run lacks a row the other has).
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.netseal.bench.CompareRuns bench/results \
 *     bench/results/second-run</pre>
 */
public final class CompareRuns {
    private CompareRuns() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: CompareRuns RESULTS_DIR_1 RESULTS_DIR_2");
            System.exit(2);
        }
        Map<String, String[]> first = verdicts(Path.of(args[0]));
        Map<String, String[]> second = verdicts(Path.of(args[1]));
        List<String> keys = new ArrayList<>(first.keySet());
        for (String k : second.keySet()) {
            if (!keys.contains(k)) {
                keys.add(k);
            }
        }
        StringBuilder md = new StringBuilder("| target | run 1: median [min – max] | verdict | run 2: median [min – max] "
                + "| verdict | same |\n|---|---:|---|---:|---|---|\n");
        boolean allSame = true;
        for (String k : keys) {
            String[] a = first.getOrDefault(k, new String[] {"no row", "MISS"});
            String[] b = second.getOrDefault(k, new String[] {"no row", "MISS"});
            boolean same = a[1].equals(b[1]) && !a[0].equals("no row") && !b[0].equals("no row");
            allSame &= same;
            md.append("| ").append(k).append(" | ").append(a[0]).append(" | ").append(a[1]).append(" | ")
                    .append(b[0]).append(" | ").append(b[1]).append(" | ").append(same ? "yes" : "**no**")
                    .append(" |\n");
        }
        md.append('\n').append(allSame ? "Every target got the same verdict in both runs.\n"
                : "**At least one target's verdict differs between the runs.**\n");
        System.out.print(md);
        System.exit(allSame ? 0 : 1);
    }

    /** Target name to {measured, verdict} for the paired rows with a target. */
    @SuppressWarnings("unchecked")
    private static Map<String, String[]> verdicts(Path dir) throws IOException {
        Map<String, String[]> out = new LinkedHashMap<>();
        Path file = dir.resolve("summary.json");
        if (!Files.exists(file)) {
            System.err.println("no " + file);
            return out;
        }
        for (Object o : (List<Object>) Summarize.Json.parse(Files.readString(file, StandardCharsets.UTF_8))) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (!Summarize.PAIRED.equals(m.get("group"))) {
                continue;
            }
            String op = String.valueOf(m.get("op"));
            String impl = String.valueOf(m.get("impl"));
            String baseline = String.valueOf(m.get("baseline"));
            int size = ((Number) m.get("size")).intValue();
            int threads = ((Number) m.get("threads")).intValue();
            double[] t = Summarize.pairedTarget(op, impl, baseline, size, threads);
            if (t == null) {
                continue;
            }
            String name = String.format(Locale.ROOT, "%s %s %s %s × %s%s, %d thread(s)", op, impl,
                    t[1] > 0 ? "≤" : "≥", fmt(t[0]), baseline, size > 0 ? " at " + size + " B" : "", threads);
            Object median = m.get("ratio_median");
            if (!(median instanceof Number med)) {
                out.put(name, new String[] {"no measurement", "MISS"});
                continue;
            }
            double r = med.doubleValue();
            boolean pass = t[1] > 0 ? r <= t[0] : r >= t[0];
            out.put(name, new String[] {fmt(r) + "× [" + fmt(((Number) m.get("ratio_min")).doubleValue()) + " – "
                    + fmt(((Number) m.get("ratio_max")).doubleValue()) + "]", pass ? "PASS" : "MISS"});
        }
        return out;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
