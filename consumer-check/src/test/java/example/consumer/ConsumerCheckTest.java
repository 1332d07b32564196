package example.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A user's application, started as a user starts it: the module {@code example.consumer} on the
 * module path beside {@code dev.netseal} and the classifier jar, and the same classes from the
 * class path; on the build's JDK (17) and on JDK 25 under {@code --illegal-native-access=deny}
 * with the flags README gives. Each run must load the native backend, reproduce and open every
 * golden vector, and print nothing at all on stderr (no JNI, Unsafe or module warnings).
 */
class ConsumerCheckTest {
    private static final boolean REQUIRE_NATIVE = Boolean.getBoolean("netseal.requireNative");
    private static final boolean REQUIRE_JDK25 = Boolean.getBoolean("netseal.requireJdk25");

    /** A JDK to start the consumer with: its home and its feature version. */
    record Jdk(Path home, int feature) {
        String java() {
            return home.resolve("bin").resolve("java").toString();
        }

        @Override
        public String toString() {
            return "JDK " + feature;
        }
    }

    record Result(int exit, String out, String err) {}

    static Stream<Jdk> jdks() throws Exception {
        List<Jdk> out = new ArrayList<>();
        out.add(new Jdk(Path.of(System.getProperty("java.home")), Runtime.version().feature()));
        Path jdk25 = Path.of(System.getProperty("netseal.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
        if (Files.isExecutable(jdk25.resolve("bin/java"))) {
            out.add(new Jdk(jdk25, 25));
        } else if (REQUIRE_JDK25) {
            throw new IllegalStateException("netseal.requireJdk25 is set but " + jdk25 + "/bin/java is missing");
        } else {
            System.out.println("[consumer check] NOT running on JDK 25: " + jdk25
                    + "/bin/java is missing (set -Dnetseal.jdk25=<home>)");
        }
        return out.stream();
    }

    private static List<String> runtimeJars() throws IOException {
        String cp = Files.readString(Path.of(System.getProperty("consumer.classpathFile")), StandardCharsets.UTF_8).trim();
        List<String> jars = new ArrayList<>(List.of(cp.split(File.pathSeparator)));
        jars.removeIf(String::isEmpty);
        return jars;
    }

    private static boolean nativeJarPresent() throws IOException {
        return runtimeJars().stream().anyMatch(j -> j.endsWith("-linux-x86_64.jar"));
    }

    /** The flags README gives for JDK 24 and later; none before. */
    private static List<String> nativeAccessFlags(Jdk jdk, String modules) {
        return jdk.feature() >= 24
                ? List.of("--enable-native-access=" + modules, "--illegal-native-access=deny")
                : List.of();
    }

    private static List<String> checkArgs(boolean expectNative) {
        List<String> args = new ArrayList<>(List.of(System.getProperty("golden")));
        if (expectNative) {
            args.add("--expect-native");
        }
        return args;
    }

    private static boolean expectNative() throws IOException {
        boolean present = nativeJarPresent();
        if (!present) {
            assertFalse(REQUIRE_NATIVE, "netseal.requireNative is set but no linux-x86_64 classifier jar was built");
            System.out.println("[consumer check] no linux-x86_64 classifier jar (libsodium-dev missing):"
                    + " checking the java backend only");
        }
        return present;
    }

    private static List<String> modulePathCommand(Jdk jdk, List<String> flags, boolean expectNative) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(jdk.java()));
        cmd.addAll(flags);
        List<String> path = new ArrayList<>();
        path.add(System.getProperty("consumer.classes"));
        path.addAll(runtimeJars());
        cmd.addAll(List.of("--module-path", String.join(File.pathSeparator, path)));
        if (expectNative) {
            cmd.addAll(List.of("--add-modules", "dev.netseal.linux.x86_64", "-Dnetseal.backend=native"));
        }
        cmd.addAll(List.of("-m", "example.consumer/example.consumer.ConsumerCheck"));
        cmd.addAll(checkArgs(expectNative));
        return cmd;
    }

    private static Result run(List<String> command) throws Exception {
        Path out = Files.createTempFile("consumer", ".out");
        Path err = Files.createTempFile("consumer", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the consumer did not finish in 120 s: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void assertClean(Result r, List<String> command) {
        String context = String.join(" ", command) + "\n--- stdout:\n" + r.out() + "--- stderr:\n" + r.err();
        assertEquals(0, r.exit(), context);
        assertEquals("", r.err(), "nothing may be printed on stderr\n" + context);
        assertTrue(r.out().contains("consumer check: OK"), context);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void modulePathConsumerNeverFallsBackNorWarns(Jdk jdk) throws Exception {
        boolean expectNative = expectNative();
        List<String> cmd = modulePathCommand(jdk, nativeAccessFlags(jdk, "dev.netseal,com.sun.jna"), expectNative);
        Result r = run(cmd);
        assertClean(r, cmd);
        assertTrue(r.out().contains("netseal loaded from: module path (module dev.netseal)"), r.out());
        if (expectNative) {
            assertTrue(r.out().contains("backend: native (libsodium"), r.out());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void classPathConsumerNeverFallsBackNorWarns(Jdk jdk) throws Exception {
        boolean expectNative = expectNative();
        List<String> path = new ArrayList<>();
        path.add(System.getProperty("consumer.classes"));
        path.addAll(runtimeJars());
        List<String> cmd = new ArrayList<>(List.of(jdk.java()));
        cmd.addAll(nativeAccessFlags(jdk, "ALL-UNNAMED"));
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, path)));
        if (expectNative) {
            cmd.add("-Dnetseal.backend=native");
        }
        cmd.add("example.consumer.ConsumerCheck");
        cmd.addAll(checkArgs(expectNative));
        Result r = run(cmd);
        assertClean(r, cmd);
        assertTrue(r.out().contains("netseal loaded from: class path"), r.out());
        if (expectNative) {
            assertTrue(r.out().contains("backend: native (libsodium"), r.out());
        }
    }

    /**
     * A fat jar made the way README says (every jar merged, bcprov's signature files and the
     * module descriptors left out, {@code Enable-Native-Access: ALL-UNNAMED} in the manifest)
     * starts with {@code java -jar} alone and loads native.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("jdks")
    void fatJarNeverFailsOnSignaturesNorWarns(Jdk jdk, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        boolean expectNative = expectNative();
        Path fat = dir.resolve("app.jar");
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        java.util.jar.Attributes main = manifest.getMainAttributes();
        main.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        main.put(java.util.jar.Attributes.Name.MAIN_CLASS, "example.consumer.ConsumerCheck");
        main.putValue("Multi-Release", "true");
        main.putValue("Enable-Native-Access", "ALL-UNNAMED");
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(fat), manifest)) {
            seen.add("META-INF/MANIFEST.MF");
            Path classes = Path.of(System.getProperty("consumer.classes"));
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    String name = classes.relativize(f).toString().replace(File.separatorChar, '/');
                    if (!name.equals("module-info.class") && seen.add(name)) {
                        out.putNextEntry(new java.util.jar.JarEntry(name));
                        out.write(Files.readAllBytes(f));
                    }
                }
            }
            for (String jar : runtimeJars()) {
                try (java.util.jar.JarFile in = new java.util.jar.JarFile(jar)) {
                    for (java.util.jar.JarEntry e : java.util.Collections.list(in.entries())) {
                        String name = e.getName();
                        boolean signature = name.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)");
                        boolean descriptor = name.equals("module-info.class")
                                || name.matches("META-INF/versions/\\d+/module-info.class");
                        if (e.isDirectory() || signature || descriptor || !seen.add(name)) {
                            continue;
                        }
                        out.putNextEntry(new java.util.jar.JarEntry(name));
                        try (java.io.InputStream is = in.getInputStream(e)) {
                            is.transferTo(out);
                        }
                    }
                }
            }
        }
        List<String> cmd = new ArrayList<>(List.of(jdk.java()));
        if (jdk.feature() >= 24) {
            cmd.add("--illegal-native-access=deny");
        }
        if (expectNative) {
            cmd.add("-Dnetseal.backend=native");
        }
        cmd.addAll(List.of("-jar", fat.toString()));
        cmd.addAll(checkArgs(expectNative));
        Result r = run(cmd);
        assertClean(r, cmd);
        if (expectNative) {
            assertTrue(r.out().contains("backend: native (libsodium"), r.out());
        }
    }

    /** The check above could fail: without the README's flag, JDK 25's deny mode stops the load. */
    @Test
    void jdk25DenyWithoutTheFlagNeverLoadsNativeQuietly() throws Exception {
        Jdk jdk25 = jdks().filter(j -> j.feature() >= 24).findFirst().orElse(null);
        assumeTrue(jdk25 != null, "no JDK 25 to run on (see the message above)");
        assumeTrue(expectNative(), "no classifier jar: nothing native to deny");
        List<String> cmd = modulePathCommand(jdk25, List.of("--illegal-native-access=deny"), true);
        Result r = run(cmd);
        assertNotEquals(0, r.exit(), r.out() + r.err());
        assertFalse(r.out().contains("consumer check: OK"), r.out());
        // ... and the error names the fix.
        assertTrue(r.err().contains("--enable-native-access=dev.netseal,com.sun.jna"), r.err());
    }
}
