package dev.netseal.cli;

import dev.netseal.Netseal;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code netseal info}: what this machine and JVM will seal with, and why: the backend (with the
 * libsodium version and where the library came from when native, or why native did not load),
 * the Java runtime, the CPU features ChaCha20 speed depends on, and the architecture. Exits 1
 * when the backend settings cannot be satisfied (after printing everything else).
 */
final class InfoCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("info");
    private final Path cpuinfo;

    /** Reads CPU features from {@code cpuinfo} (a parameter so that tests can point elsewhere). */
    InfoCommand(Path cpuinfo) {
        this.cpuinfo = cpuinfo;
    }

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        SPEC.parse(args);
        String wanted = System.getProperty("netseal.backend");
        int status = NetsealCli.OK;
        try {
            out.println("backend: " + Netseal.backendDescription());
        } catch (IllegalStateException e) {
            // Still print the rest: this is the command one runs to find out what is wrong.
            out.println("backend: none usable: " + e.getMessage());
            status = NetsealCli.FAILED;
        }
        out.println("backend choice: netseal.backend=" + (wanted == null ? "auto (default)" : wanted));
        if (Netseal.isNativeAvailable()) {
            out.println("native: loaded");
        } else {
            Throwable cause = Netseal.unavailabilityCause();
            out.println("native: unavailable: " + (cause == null ? "no cause recorded" : cause.getMessage()));
        }
        out.println("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
                + ", " + System.getProperty("java.vm.name") + ")");
        out.println("cpu features: " + CpuFeatures.describe(cpuinfo));
        out.println("os.arch: " + System.getProperty("os.arch"));
        return status;
    }
}
