package dev.netseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The real {@code main} in its own JVM: exit statuses through System.exit, and the streams as a
 * shell sees them. A few cases only: each one starts a JVM.
 */
class SubprocessCliTest {
    private static final String KEY = "42".repeat(32);
    // The first golden vector (net-v1-golden.json): made by OpenSSL.
    private static final String PACKET = "454e01000000000000000000979b9f820000000000000000efcdab9078563412"
            + "01000000000000002a00000000000000000000000000000000000000000000000e0001003f8b6921d5fe2e7a01e922"
            + "2e107bdd9712442589d365be52441aec353c64";

    @Test
    void noArgumentsIsAUsageError() throws Exception {
        Cli.Result r = Cli.subprocess();
        assertEquals(2, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("netseal: no command given\nusage: netseal COMMAND"), r.err());
    }

    @Test
    void sealPrintsTheGoldenPacket() throws Exception {
        Cli.Result r = Cli.subprocess("seal", "--key", KEY, "--session", "1311768467294899695", "--counter", "0",
                "--stream", "1", "--seq", "42", "--event", "74657374206576656e74");
        assertEquals(0, r.code(), r.toString());
        assertEquals(PACKET + "\n", r.out());
    }

    @Test
    void openRefusesATamperedPacket() throws Exception {
        String tampered = PACKET.substring(0, PACKET.length() - 2) + "65";
        Cli.Result r = Cli.subprocess("open", "--key", KEY, "--session", "0x1234567890abcdef", tampered);
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out());
        // Only this line is the CLI's: without the native library the library also logs its fallback.
        assertTrue(r.err().endsWith("netseal: refused: AUTH_FAILED: tag did not verify (counter 0)\n"), r.err());

        r = Cli.subprocess("open", "--key", KEY, "--session", "0x1234567890abcdef", PACKET);
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().endsWith(",\"events\":[\"74657374206576656e74\"]}\n"), r.out());
    }

    @Test
    void infoAndAShortDemo() throws Exception {
        Cli.Result info = Cli.subprocess("info");
        assertEquals(0, info.code(), info.toString());
        assertTrue(info.out().startsWith("backend: "), info.out());

        Cli.Result demo = Cli.subprocess("demo", "--seconds", "1", "--threads", "1");
        assertEquals(0, demo.code(), demo.toString());
        assertTrue(demo.out().contains("\nrepeated nonces: 0\n"), demo.out());
        assertTrue(demo.out().contains("[   1 s] "), "one progress line per second, not rewritten: " + demo.out());
    }
}
