package dev.netseal.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the CLI in-process or as a real {@code java} process, and captures what it did. */
final class Cli {
    private Cli() {}

    /**
     * What one run did.
     *
     * @param code the exit status
     * @param out  everything printed on stdout
     * @param err  everything printed on stderr
     */
    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** {@code NetsealCli.run(args, out, err)} with both streams captured. */
    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = NetsealCli.run(args, o, e);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * {@code stderr} without the lines the JVM itself prints when JAVA_TOOL_OPTIONS and the like
     * are set (as CI machines sometimes do): they are not the CLI's output.
     */
    private static String withoutJvmNotices(String stderr) {
        StringBuilder b = new StringBuilder();
        stderr.lines().filter(l -> !l.startsWith("Picked up ") && !l.startsWith("NOTE: Picked up "))
                .forEach(l -> b.append(l).append('\n'));
        return b.toString();
    }

    /**
     * {@code java -cp <this test's class path> dev.netseal.cli.NetsealCli args}: the real main, its
     * real exit status (System.exit), and its real streams.
     */
    static Result subprocess(String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.netseal.cli.NetsealCli"));
        command.addAll(List.of(args));
        File out = File.createTempFile("netseal-cli", ".out");
        File err = File.createTempFile("netseal-cli", ".err");
        try {
            // Files rather than pipes: nothing can block on a full pipe.
            Process p = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
            }
            assertTrue(done, "netseal " + String.join(" ", args) + " did not finish in 60 s");
            return new Result(p.exitValue(), Files.readString(out.toPath()), withoutJvmNotices(Files.readString(err.toPath())));
        } finally {
            Files.deleteIfExists(out.toPath());
            Files.deleteIfExists(err.toPath());
        }
    }
}
