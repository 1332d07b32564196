package dev.netseal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Puts the paired verdicts of two runs side by side: did every target get the same PASS/MISS
 * both times? Reads each run's {@code summary.json} (its paired rows carry their target and
 * verdict, see {@link Summarize}), writes a markdown table to stdout, and exits 1 when a verdict
 * differs (or a run lacks a row the other has).
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
        Set<String> keys = new LinkedHashSet<>(first.keySet());
        keys.addAll(second.keySet());
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

    /** Target name ("pair target") to {measured, verdict} for the paired rows with a target. */
    private static Map<String, String[]> verdicts(Path dir) throws IOException {
        Map<String, String[]> out = new LinkedHashMap<>();
        Path file = dir.resolve("summary.json");
        if (!Files.exists(file)) {
            System.err.println("no " + file);
            return out;
        }
        for (JsonNode m : Summarize.JSON.readTree(file.toFile())) {
            if (!"paired".equals(m.path("group").asText()) || !m.has("target")) {
                continue;
            }
            String name = m.path("pair").asText() + " " + m.path("target").asText();
            String verdict = m.path("verdict").asText().startsWith("PASS") ? "PASS" : "MISS";
            out.put(name, new String[] {m.path("ratio_median").isNumber()
                    ? String.format(Locale.ROOT, "%.3f× [%.3f – %.3f]", m.path("ratio_median").asDouble(),
                    m.path("ratio_min").asDouble(), m.path("ratio_max").asDouble()) : "no measurement", verdict});
        }
        return out;
    }
}
