import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Reads PIT's mutations.xml (the mutation profile's report): the score per mutated class and
 * overall, then every mutant that lived. Given a second report, also compares the two mutant by
 * mutant and exits 1 if any mutant's verdict (killed or not) differs between them.
 *
 * <pre>
 * java bin/MutationReport.java java/target/pit-reports/mutations.xml [other-run/mutations.xml]
 * </pre>
 *
 * Either report may be gzipped ({@code .xml.gz}), as the runs kept in {@code docs/mutation/} are.
 *
 * Killed, timed out, memory error and run error count as killed (PIT's own score does the same).
 */
public final class MutationReport {

    private static final Set<String> KILLED = Set.of("KILLED", "TIMED_OUT", "MEMORY_ERROR", "RUN_ERROR");

    record Mutant(String cls, String method, int line, String mutator, String description, String status) {
        String key() {
            // javac numbers lambdas per compilation (lambda$name$1 in one build, $2 in another):
            // the line tells them apart, so the number is left out.
            String m = method.startsWith("lambda$") ? method.replaceFirst("\\$\\d+$", "") : method;
            String d = description.replaceAll("lambda\\$(\\w+)\\$\\d+", "lambda\\$$1");
            return cls + "#" + m + ":" + line + " " + mutator + " " + d;
        }

        boolean killed() {
            return KILLED.contains(status);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java bin/MutationReport.java REPORT.xml[.gz] [OTHER-REPORT.xml[.gz]]");
            System.exit(2);
        }
        List<Mutant> run = read(Path.of(args[0]));
        score(run);
        System.out.println();
        System.out.println("Lived:");
        for (Mutant m : run) {
            if (!m.killed()) {
                System.out.printf("  %s.%s line %d: %s (%s)%n", simple(m.cls), m.method, m.line, m.description, m.status);
            }
        }
        if (args.length == 2) {
            System.exit(compare(run, read(Path.of(args[1]))) ? 0 : 1);
        }
    }

    private static void score(List<Mutant> run) {
        Map<String, int[]> byClass = new TreeMap<>();
        int killed = 0;
        for (Mutant m : run) {
            int[] c = byClass.computeIfAbsent(simple(m.cls), k -> new int[2]);
            c[1]++;
            if (m.killed()) {
                c[0]++;
                killed++;
            }
        }
        for (Map.Entry<String, int[]> e : byClass.entrySet()) {
            int[] c = e.getValue();
            System.out.printf("%-32s %4d/%4d %6.1f%%%n", e.getKey(), c[0], c[1], 100.0 * c[0] / c[1]);
        }
        System.out.printf("%-32s %4d/%4d %6.1f%%%n", "all", killed, run.size(), 100.0 * killed / run.size());
    }

    /** True if both runs made the same mutants and gave each the same verdict. */
    private static boolean compare(List<Mutant> a, List<Mutant> b) {
        Map<String, List<Mutant>> first = index(a);
        Map<String, List<Mutant>> second = index(b);
        List<String> differ = new ArrayList<>();
        for (Map.Entry<String, List<Mutant>> e : first.entrySet()) {
            List<Mutant> other = second.get(e.getKey());
            if (other == null || other.size() != e.getValue().size()) {
                differ.add(e.getKey() + ": made in one run only");
                continue;
            }
            long killedA = e.getValue().stream().filter(Mutant::killed).count();
            long killedB = other.stream().filter(Mutant::killed).count();
            if (killedA != killedB) {
                differ.add(e.getKey() + ": " + e.getValue().get(0).status + " / " + other.get(0).status);
            }
        }
        for (String k : second.keySet()) {
            if (!first.containsKey(k)) {
                differ.add(k + ": made in one run only");
            }
        }
        System.out.println();
        if (differ.isEmpty()) {
            System.out.println("The two runs agree on every mutant (" + a.size() + ").");
            return true;
        }
        System.out.println("The runs disagree on " + differ.size() + " mutant(s):");
        differ.forEach(d -> System.out.println("  " + d));
        return false;
    }

    private static Map<String, List<Mutant>> index(List<Mutant> run) {
        Map<String, List<Mutant>> out = new LinkedHashMap<>();
        for (Mutant m : run) {
            out.computeIfAbsent(m.key(), k -> new ArrayList<>()).add(m);
        }
        return out;
    }

    private static List<Mutant> read(Path report) throws Exception {
        NodeList nodes;
        // A report kept in the repository is gzipped (docs/mutation/): ~30 KB instead of ~700 KB.
        try (InputStream in = report.toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(report)) : Files.newInputStream(report)) {
            nodes = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(in).getElementsByTagName("mutation");
        }
        List<Mutant> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element e = (Element) nodes.item(i);
            String cls = text(e, "mutatedClass");
            int nested = cls.indexOf('$');
            out.add(new Mutant(nested < 0 ? cls : cls.substring(0, nested), text(e, "mutatedMethod"),
                    Integer.parseInt(text(e, "lineNumber")), simple(text(e, "mutator")), text(e, "description"),
                    e.getAttribute("status")));
        }
        return out;
    }

    private static String text(Element e, String tag) {
        return e.getElementsByTagName(tag).item(0).getTextContent();
    }

    private static String simple(String name) {
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
