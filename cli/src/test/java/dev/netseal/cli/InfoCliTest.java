package dev.netseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.Netseal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code info} says which backend seals and why, and reads CPU features robustly. */
class InfoCliTest {

    @Test
    void infoNamesTheBackendJavaCpuAndArch() {
        Cli.Result r = Cli.run("info");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("backend: " + Netseal.backendDescription() + "\n"), r.out());
        if (Netseal.isNativeActive()) {
            assertTrue(r.out().contains("backend: native (libsodium "), r.out());
        }
        if (Netseal.isNativeAvailable()) {
            assertTrue(r.out().contains("native: loaded"), r.out());
        } else {
            assertTrue(r.out().contains("native: unavailable: " + Netseal.unavailabilityCause().getMessage()), r.out());
        }
        assertTrue(r.out().contains("java: " + System.getProperty("java.version") + " ("
                + System.getProperty("java.vendor")), r.out());
        assertTrue(r.out().contains("os.arch: " + System.getProperty("os.arch")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("cpu features: ")), r.out());
    }

    @Test
    void cpuFeaturesFromAFlagsLine(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("cpuinfo");
        Files.writeString(f, "processor\t: 0\nflags\t\t: fpu sse4_1 ssse3 avx2 avx512fx\nflags\t: avx512f\n");
        // only the first flags line counts; "avx512fx" is not "avx512f"
        assertEquals("avx2 yes, avx512f no, sse4_1 yes, ssse3 yes", CpuFeatures.describe(f));
    }

    @Test
    void cpuFeaturesUnknownWhenUnreadableOrWithoutFlags(@TempDir Path dir) throws IOException {
        assertTrue(CpuFeatures.describe(dir.resolve("missing")).startsWith("unknown ("));
        Path arm = dir.resolve("arm");
        Files.writeString(arm, "processor\t: 0\nFeatures\t: fp asimd\n");
        assertTrue(CpuFeatures.describe(arm).startsWith("unknown (no flags line"));
        assertTrue(CpuFeatures.describe(dir).startsWith("unknown ("), "a directory is unreadable");
    }
}
