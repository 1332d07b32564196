package dev.netseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Bad arguments exit 2, print nothing on stdout, and print on stderr what is wrong (naming the
 * argument) followed by the usage.
 */
class UsageCliTest {
    static final String KEY = "42".repeat(32);

    /** Runs {@code args}, expects a usage error whose message contains every one of {@code words}. */
    private static void assertUsage(String[] args, String... words) {
        Cli.Result r = Cli.run(args);
        assertEquals(NetsealCli.USAGE, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertTrue(r.err().startsWith("netseal: "), r.toString());
        assertTrue(r.err().contains("usage: netseal COMMAND"), r.toString());
        String firstLine = r.err().lines().findFirst().orElseThrow();
        for (String w : words) {
            assertTrue(firstLine.contains(w), "'" + w + "' not in: " + firstLine);
        }
    }

    private static String[] seal(String... extra) {
        String[] base = {"seal", "--key", KEY, "--session", "1", "--counter", "0", "--stream", "1", "--seq", "2"};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    /** seal's arguments with {@code name}'s value replaced by {@code value}. */
    private static String[] sealWith(String name, String value) {
        String[] args = seal();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(name)) {
                args[i + 1] = value;
                return args;
            }
        }
        throw new AssertionError(name);
    }

    @Test
    void emptyArgumentsPrintUsage() {
        assertUsage(new String[0], "no command given");
    }

    @Test
    void unknownCommand() {
        assertUsage(new String[] {"frobnicate"}, "unknown command 'frobnicate'");
    }

    @Test
    void unknownOption() {
        assertUsage(seal("--bogus", "1"), "seal", "unknown option --bogus");
        assertUsage(new String[] {"info", "--verbose", "1"}, "info", "unknown option --verbose");
        assertUsage(new String[] {"demo", "--host", "127.0.0.1"}, "demo", "unknown option --host");
    }

    @Test
    void helpGoesToStdoutAndSucceeds() {
        Cli.Result r = Cli.run("help");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("usage: netseal COMMAND"));
        assertEquals("", r.err());
        assertEquals(r.out(), Cli.run("--help").out());
    }

    @Test
    void keyMustBeExactly32Bytes() {
        assertUsage(sealWith("--key", "42".repeat(31)), "--key", "exactly 32 bytes", "got 31 bytes");
        assertUsage(sealWith("--key", "42".repeat(33)), "--key", "got 33 bytes");
        assertUsage(sealWith("--key", ""), "--key", "got 0 bytes");
        assertUsage(new String[] {"heartbeat", "--key", "42".repeat(31), "--session", "1", "--counter", "0"},
                "heartbeat", "got 31 bytes");
        assertUsage(new String[] {"open", "--key", "42".repeat(31), "--session", "1", "00"}, "open", "got 31 bytes");
    }

    @Test
    void oddLengthOrNonHexIsRefused() {
        assertUsage(sealWith("--key", "4".repeat(63)), "--key", "odd number of hex digits");
        assertUsage(sealWith("--key", "zz" + "42".repeat(31)), "--key", "not hex", "position 0");
        assertUsage(seal("--event", "61", "--event", "abc"), "--event #2", "odd number of hex digits");
        assertUsage(new String[] {"handshake", "0g"}, "PAYLOAD_HEX", "not hex");
        assertUsage(new String[] {"inspect", "454"}, "PACKET_HEX", "odd number");
        assertUsage(new String[] {"open", "--key", KEY, "--session", "1", "xyz0"}, "PACKET_HEX", "not hex");
    }

    @Test
    void counterOutOfRangeIsRefused() {
        assertUsage(sealWith("--counter", "18446744073709551616"), "--counter", "out of range");
        assertUsage(sealWith("--counter", "0x10000000000000000"), "--counter", "out of range");
        assertUsage(sealWith("--counter", "-1"), "--counter", "negative");
        assertUsage(sealWith("--counter", "12abc"), "--counter", "not a number");
        assertUsage(sealWith("--counter", "1.5"), "--counter", "not a number");
        assertUsage(sealWith("--counter", "+1"), "--counter", "not a number");
        // 2^64-1 is in range but reserved: receivers never accept it.
        assertUsage(sealWith("--counter", "18446744073709551615"), "--counter", "never used");
        assertUsage(sealWith("--counter", "0xffffffffffffffff"), "--counter", "never used");
        assertUsage(new String[] {"heartbeat", "--key", KEY, "--session", "1", "--counter", "18446744073709551616"},
                "--counter", "out of range");
    }

    @Test
    void sixtyFourBitValuesTakeTheWholeUnsignedRange() {
        Cli.Result r = Cli.run(seal("--origin", "18446744073709551615", "--channel", "0xffff"));
        assertEquals(0, r.code(), r.toString());
        Cli.Result r2 = Cli.run(sealWith("--counter", "18446744073709551614"));
        assertEquals(0, r2.code(), r2.toString());
        assertEquals(NetsealCli.USAGE, Cli.run(sealWith("--session", "18446744073709551616")).code());
    }

    @Test
    void smallFieldsAreRangeChecked() {
        assertUsage(seal("--flags", "256"), "--flags", "out of range (0 to 255)");
        assertUsage(seal("--channel", "65536"), "--channel", "out of range (0 to 65535)");
        assertUsage(seal("--subprotocol", "0x10000"), "--subprotocol", "out of range");
        assertUsage(seal("--flags", "0x10"), "HANDSHAKE", "netseal handshake");
    }

    @Test
    void missingDuplicateOrValuelessOptions() {
        assertUsage(new String[] {"seal", "--key", KEY, "--session", "1", "--counter", "0", "--stream", "1"},
                "missing --seq");
        assertUsage(seal("--key", KEY), "--key given more than once");
        assertUsage(seal("--flags"), "--flags needs a value");
        assertUsage(new String[] {"seal", "--key", KEY, "--session", "--counter", "0"}, "--session needs a value");
        assertUsage(new String[] {"handshake"}, "missing PAYLOAD_HEX");
        assertUsage(new String[] {"inspect", "00", "11"}, "unexpected argument '11'");
        assertUsage(new String[] {"info", "extra"}, "unexpected argument 'extra'");
        assertUsage(new String[] {"open", "--key", KEY, "--session", "1"}, "missing PACKET_HEX");
    }

    @Test
    void equalsFormAndRepeatedEventsWork() {
        Cli.Result a = Cli.run(seal("--event", "61", "--event", "", "--event=6263"));
        Cli.Result b = Cli.run("seal", "--key=" + KEY, "--session=1", "--counter=0", "--stream=1", "--seq=2",
                "--event=61", "--event=", "--event", "6263");
        assertEquals(0, a.code(), a.toString());
        assertEquals(a.out(), b.out());
    }

    @Test
    void payloadTooLargeIsAUsageError() {
        // 8105 bytes + its 4-byte prefix is one byte past MAX_PAYLOAD_SIZE (8108).
        assertUsage(seal("--event", "00".repeat(8105)), "payload too large");
        assertUsage(new String[] {"handshake", "00".repeat(8109)}, "8109 bytes", "at most 8108");
        assertEquals(0, Cli.run(seal("--event", "00".repeat(8104))).code());
    }

    @Test
    void demoArgumentsAreChecked() {
        assertUsage(new String[] {"demo", "--threads", "0"}, "--threads", "out of range (1 to 64)");
        assertUsage(new String[] {"demo", "--seconds", "0"}, "--seconds", "out of range");
        assertUsage(new String[] {"demo", "--seconds", "601"}, "--seconds", "out of range");
        assertUsage(new String[] {"demo", "--seconds", "-1"}, "--seconds", "negative");
        assertUsage(new String[] {"demo", "--size", "8105"}, "--size", "out of range (0 to 8104)");
        assertUsage(new String[] {"demo", "--port", "65536"}, "--port", "out of range");
    }

    @Test
    void demoRefusesAnyAddressButLoopback() {
        assertUsage(new String[] {"demo", "--address", "10.1.2.3"}, "10.1.2.3", "not a loopback address");
        assertUsage(new String[] {"demo", "--address", "0.0.0.0"}, "not a loopback address");
        assertUsage(new String[] {"demo", "--address", "192.168.1.1"}, "not a loopback address");
        assertUsage(new String[] {"demo", "--address", "2001:db8::1"}, "not a loopback address");
        assertUsage(new String[] {"demo", "--address", "example.com"}, "not an IP address literal");
    }
}
