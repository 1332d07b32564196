package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Virtual threads keep no per-thread state in a pool: 50,000 tasks, a virtual thread each, make
 * no more builders than the pool's size plus the carrier threads. Runs {@link VirtualThreadProbe}
 * in a child JVM on the Temurin 25 installed beside the default JDK (the library compiles for
 * Java 17, which has no virtual threads), or on this JVM if it is 21+.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class VirtualThreadPoolTest {

    static final Path JDK25 = Path.of(System.getProperty("netseal.jdk25",
            "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java");

    @Test
    void platformThreadsAreNeverTakenForVirtualOnes() {
        assertFalse(dev.netseal.internal.VirtualThreads.is(Thread.currentThread()));
    }

    @Test
    void virtualThreadTasksNeverGrowBuildersPastSizePlusCarriers() throws Exception {
        Path java = Runtime.version().feature() >= 21
                ? Path.of(System.getProperty("java.home"), "bin", "java") : JDK25;
        Assumptions.assumeTrue(Files.isExecutable(java), "no Java 21+ to run virtual threads on: neither this"
                + " JVM (" + Runtime.version() + ") nor " + JDK25 + " (set -Dnetseal.jdk25=<jdk home>)");
        int tasks = 50_000;
        int size = 16;
        int carriers = 2;
        Path out = Files.createTempFile("netseal-vt", ".txt");
        try {
            Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx512m",
                    "-Djdk.virtualThreadScheduler.parallelism=" + carriers,
                    "-cp", System.getProperty("java.class.path") + File.pathSeparator
                            + System.getProperty("netseal.extraClassPath", ""),
                    VirtualThreadProbe.class.getName(), String.valueOf(tasks), String.valueOf(size)))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            assertTrue(p.waitFor(150, TimeUnit.SECONDS), "the child JVM did not finish");
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            Map<String, String> kv = new HashMap<>();
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
            assertEquals("false", kv.get("virtual"), text);
            assertEquals(String.valueOf(size), kv.get("prefilled"), text);
            long made = Long.parseLong(kv.get("made"));
            assertTrue(made <= carriers, tasks + " virtual-thread tasks made " + made + " builders beyond the "
                    + size + " prefilled (bound: the " + carriers + " carriers)\n" + text);
            assertEquals(String.valueOf(size), kv.get("shared"), "the shared queue did not get every builder back\n"
                    + text);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
