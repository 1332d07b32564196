package dev.netseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * keygen, listen and connect as their contract states, between two netseal processes: sessions
 * made by handshake, every packet echoed and checked, refusals as exit status 1 with the reason.
 */
class HandshakeCliTest {
    private static final String PSK = "5a".repeat(32);
    private static final Pattern KEYGEN = Pattern.compile("private: ([0-9a-f]{64})\npublic: ([0-9a-f]{64})\n");

    @Test
    void keygenPrintsAFreshKeyPair() {
        Cli.Result a = Cli.run("keygen");
        Cli.Result b = Cli.run("keygen");
        assertEquals(0, a.code(), a.toString());
        assertTrue(KEYGEN.matcher(a.out()).matches(), a.out());
        assertNotEquals(a.out(), b.out(), "two keygens, two identities");
    }

    private static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void connectAndListenInTwoProcessesMakeASessionAndEchoEveryPacket() throws Exception {
        Matcher keys = KEYGEN.matcher(Cli.run("keygen").out());
        assertTrue(keys.matches());
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.netseal.cli.NetsealCli", "listen", "--port", String.valueOf(port), "--static-key", keys.group(1),
                "--psk", PSK, "--prologue", "0102", "--seconds", "30", "--session-timeout", "40", "--max-unconfirmed", "8"));
        File out = File.createTempFile("netseal-listen", ".out");
        File err = File.createTempFile("netseal-listen", ".err");
        Process listen = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(err.toPath()).contains("responder on")) {
                assertTrue(listen.isAlive(), "listen exited: " + Files.readString(err.toPath()));
                assertTrue(System.nanoTime() < deadline, "listen did not start in 30 s");
                Thread.sleep(50);
            }
            Cli.Result c = Cli.subprocess("connect", "--to", "127.0.0.1:" + port, "--peer-key", keys.group(2),
                    "--psk", PSK, "--prologue", "0102", "--packets", "500");
            assertEquals(0, c.code(), c.toString());
            Matcher session = Pattern.compile("session (\\d+)\necho(ed 500/500)\n").matcher(c.out());
            assertTrue(session.matches(), c.out());

            // R packets a second for S seconds, re-handshaking every second: every echo intact
            Cli.Result timed = Cli.subprocess("connect", "--to", "127.0.0.1:" + port, "--peer-key", keys.group(2),
                    "--psk", PSK, "--prologue", "0102", "--seconds", "4", "--rate", "100", "--rekey-after", "1");
            assertEquals(0, timed.code(), timed.toString());
            Matcher used = Pattern.compile("session (\\d+)\nsessions (\\d+)\necho(ed 400/400)\n").matcher(timed.out());
            assertTrue(used.matches(), timed.out());
            assertTrue(Integer.parseInt(used.group(2)) >= 3, "re-handshakes in 4 s at 1 s: " + timed.out());

            Cli.Result wrongPsk = Cli.run("connect", "--to", "127.0.0.1:" + port, "--peer-key", keys.group(2),
                    "--psk", "5b".repeat(32), "--prologue", "0102", "--packets", "1");
            assertEquals(1, wrongPsk.code(), wrongPsk.toString());
            assertTrue(wrongPsk.err().contains("handshake with 127.0.0.1:" + port + " failed: no handshake answer from 127.0.0.1:"),
                    wrongPsk.err());
            assertEquals("", wrongPsk.out());

            assertTrue(listen.waitFor(30, TimeUnit.SECONDS), "listen did not stop after --seconds");
            assertEquals(0, listen.exitValue(), Files.readString(err.toPath()));
            List<String> listened = Files.readAllLines(out.toPath());
            assertEquals(3, listened.size(), "two sessions (the wrong PSK made none), then the summary: " + listened);
            assertTrue(listened.get(0).startsWith("session " + session.group(1) + " 127.0.0.1:"), listened.get(0));
            assertTrue(listened.get(1).startsWith("session "), listened.get(1)); // the timed connect's first
            // the timed connect's re-handshakes complete too; the wrong PSK's three attempts are refused
            Matcher summary = Pattern.compile("handshakes: completed (\\d+) refused 3 paced 0 replayed 0")
                    .matcher(listened.get(2));
            assertTrue(summary.matches(), listened.get(2));
            assertTrue(Integer.parseInt(summary.group(1)) >= 4, listened.get(2));
        } finally {
            listen.destroyForcibly();
            Files.deleteIfExists(out.toPath());
            Files.deleteIfExists(err.toPath());
        }
    }

    @Test
    void badArgumentsAreUsageErrors() {
        Cli.Result r = Cli.run("connect", "--to", "nowhere", "--peer-key", "00".repeat(32), "--psk", PSK);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--to must be HOST:PORT"), r.err());
        r = Cli.run("listen", "--port", "9", "--static-key", "00".repeat(31), "--psk", PSK);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--static-key must be exactly 32 bytes"), r.err());
        r = Cli.run("listen", "--static-key", "00".repeat(32), "--psk", PSK);
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("missing --port"), r.err());
    }
}
