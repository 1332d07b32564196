package dev.netseal.internal.aead;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.Netseal;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backend is chosen once per JVM, so each case runs {@link Probe} in a fresh JVM with the
 * properties under test and reads what it reports.
 */
class BackendSelectionTest {

    /** Prints the backend a fresh JVM picked, or the error it gave. */
    public static final class Probe {
        public static void main(String[] args) {
            try {
                System.out.println("active=" + Backends.active().kind());
                System.out.println("description=" + Netseal.backendDescription());
                System.out.println("nativeAvailable=" + Netseal.isNativeAvailable());
                Throwable cause = Netseal.unavailabilityCause();
                System.out.println("cause=" + (cause == null ? "" : cause.getMessage()));
                try {
                    Netseal.ensureNativeAvailable();
                    System.out.println("ensure=ok");
                } catch (IllegalStateException e) {
                    System.out.println("ensure=" + e.getMessage());
                }
            } catch (Throwable t) {
                System.out.println("error=" + t);
            }
        }
    }

    private static String classPath(boolean withNative) {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> withNative || !e.endsWith("native-classes"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static String probe(boolean withNative, String... props) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(props));
        cmd.add("-cp");
        cmd.add(classPath(withNative));
        cmd.add(Probe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static boolean nativeBuilt() {
        return Backends.nativeOrNull() != null;
    }

    @Test
    void forcedJavaNeverLoadsNativeSealing() throws Exception {
        String out = probe(true, "-Dnetseal.backend=java");
        assertTrue(out.contains("active=JAVA"), out);
    }

    @Test
    void autoWithoutTheLibraryFallsBackToJavaAndSaysWhy() throws Exception {
        String out = probe(false);
        assertTrue(out.contains("active=JAVA"), out);
        assertTrue(out.contains("nativeAvailable=false"), out);
        assertTrue(out.contains("dev.netseal:netseal:<version>:linux-x86_64 (classifier jar"), "the cause names the fix: " + out);
        assertTrue(out.contains("native unavailable:"), "the description says why: " + out);
        assertTrue(out.contains("ensure=netseal native library unavailable: libnetseal.so was not found"), out);
    }

    @Test
    void forcedNativeWithoutTheLibraryIsAClearError() throws Exception {
        String out = probe(false, "-Dnetseal.backend=native");
        assertTrue(out.contains("error=java.lang.IllegalStateException: -Dnetseal.backend=native"), out);
        assertTrue(out.contains("classifier jar"), out);
    }

    @Test
    void aBogusNativePathFallsBackInAutoAndNamesThePath(@TempDir Path dir) throws Exception {
        Path bogus = dir.resolve("libnetseal.so");
        Files.writeString(bogus, "not an ELF file");
        String out = probe(true, "-Dnetseal.native.path=" + bogus);
        assertTrue(out.contains("active=JAVA"), out);
        assertTrue(out.contains("cause="), out);
        String missing = probe(true, "-Dnetseal.native.path=/nonexistent/libnetseal.so");
        assertTrue(missing.contains("netseal.native.path=/nonexistent/libnetseal.so is not an absolute path to an existing file"),
                missing);
    }

    @Test
    void anUnknownBackendNameIsRefused() throws Exception {
        String out = probe(true, "-Dnetseal.backend=fast");
        assertTrue(out.contains("is not one of auto, native, java"), out);
    }

    @Test
    void autoPicksNativeWhenTheClassifierResourceIsThere() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(nativeBuilt() || Boolean.getBoolean("netseal.requireNative"),
                "native library not built here (no libsodium-dev)");
        String out = probe(true);
        assertTrue(out.contains("active=NATIVE"), out);
        assertTrue(out.contains("libsodium 1."), out);
        assertTrue(out.contains("ensure=ok"), out);
        Path built = Path.of(System.getProperty("user.dir"), "target", "native-classes", "linux-x86-64");
        String explicit = probe(false, "-Dnetseal.native.path=" + built.resolve("libnetseal.so"));
        assertTrue(explicit.contains("active=NATIVE"), explicit);
        String searched = probe(false, "-Djna.library.path=/nonexistent" + File.pathSeparator + built);
        assertTrue(searched.contains("active=NATIVE") && searched.contains(built.toString()), searched);
    }

    @Test
    void nativeKeyHandlesAreFreed() {
        org.junit.jupiter.api.Assumptions.assumeTrue(nativeBuilt() || Boolean.getBoolean("netseal.requireNative"),
                "native library not built here (no libsodium-dev)");
        NativeBackend backend = Backends.nativeOrNull();
        int before = NativeBackend.liveKeyHandles();
        AeadKey key = backend.importKey(new byte[32]);
        assertEquals(before + 1, NativeBackend.liveKeyHandles());
        key.destroy();
        key.destroy(); // idempotent: never a double free
        assertEquals(before, NativeBackend.liveKeyHandles());
    }
}
