package dev.netseal.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The x86 CPU features that decide how fast ChaCha20 runs (libsodium picks its SSSE3, AVX2 or
 * AVX-512 code at run time), read from the {@code flags} line of {@code /proc/cpuinfo}.
 */
final class CpuFeatures {
    /** The features reported, in the order shown. */
    static final List<String> WATCHED = List.of("avx2", "avx512f", "sse4_1", "ssse3");

    private CpuFeatures() {}

    /**
     * One line such as {@code avx2 yes, avx512f no, sse4_1 yes, ssse3 yes}, or {@code unknown (...)}
     * when {@code cpuinfo} cannot be read or has no flags line (it is x86-only).
     */
    static String describe(Path cpuinfo) {
        Set<String> flags;
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            String line = lines.filter(l -> l.startsWith("flags")).findFirst().orElse(null);
            if (line == null || line.indexOf(':') < 0) {
                return "unknown (no flags line in " + cpuinfo + ")";
            }
            flags = new HashSet<>(Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split("\\s+")));
        } catch (IOException | RuntimeException e) { // UncheckedIOException from the stream too
            return "unknown (" + cpuinfo + " unreadable: " + e + ")";
        }
        List<String> parts = new ArrayList<>();
        for (String f : WATCHED) {
            parts.add(f + (flags.contains(f) ? " yes" : " no"));
        }
        return String.join(", ", parts);
    }
}
