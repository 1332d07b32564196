package dev.netseal.cli;

import dev.netseal.TestJson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code open} refuses what a receiver refuses (exit 1, the reason on stderr) and prints every
 * header field; {@code inspect} names each problem of crafted bad packets.
 */
class OpenInspectCliTest {
    private static final String KEY = "42".repeat(32);
    private static final String SESSION = "0x1234567890abcdef";
    private static final HexFormat HEX = HexFormat.of();

    /** A valid data packet with two events, sealed by the CLI itself. */
    private static byte[] packet() {
        Cli.Result r = Cli.run("seal", "--key", KEY, "--session", SESSION, "--counter", "5", "--stream", "7",
                "--seq", "9", "--flags", "0x01", "--origin", "18446744073709551615", "--channel", "0xbeef",
                "--event", "68656c6c6f", "--event", "");
        assertEquals(0, r.code(), r.toString());
        return HEX.parseHex(r.out().trim());
    }

    private static Cli.Result open(byte[] packet) {
        return Cli.run("open", "--key", KEY, "--session", SESSION, HEX.formatHex(packet));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> header(Cli.Result r) {
        return (Map<String, Object>) TestJson.object(r.out()).get("header");
    }

    @Test
    void openPrintsEveryHeaderFieldAndTheEvents() {
        Cli.Result r = open(packet());
        assertEquals(0, r.code(), r.toString());
        assertEquals("", r.err());
        assertEquals(1, r.out().lines().count(), "one JSON object on one line");
        Map<String, Object> json = TestJson.object(r.out());
        assertEquals(List.of("header", "events"), List.copyOf(json.keySet()));
        assertEquals(List.of("68656c6c6f", ""), json.get("events"));
        Map<String, Object> h = header(r);
        assertEquals(List.of("magic", "version", "flags", "priority", "hop_ttl", "hop_count", "frag_flags",
                "subprotocol_id", "channel_hash", "nonce", "session_id", "stream_id", "sequence", "origin_hash",
                "subnet_id", "fragment_id", "fragment_offset", "payload_len", "event_count"), List.copyOf(h.keySet()));
        assertEquals(20037L, h.get("magic"));
        assertEquals(1L, h.get("flags"));
        assertEquals(0xbeefL, h.get("channel_hash"));
        assertEquals(Long.toUnsignedString(0x1234567890abcdefL), h.get("session_id"));
        assertEquals("7", h.get("stream_id"));
        assertEquals("9", h.get("sequence"));
        assertEquals("18446744073709551615", h.get("origin_hash"), "64-bit values are unsigned decimal strings");
        assertEquals(13L, h.get("payload_len"));
        assertEquals(2L, h.get("event_count"));
        // prefix = low32 ^ high32 of the session, little-endian; then counter 5 little-endian
        int prefix = 0x90abcdef ^ 0x12345678;
        String prefixHex = String.format("%02x%02x%02x%02x", prefix & 0xff, (prefix >>> 8) & 0xff,
                (prefix >>> 16) & 0xff, prefix >>> 24);
        assertEquals(prefixHex + "0500000000000000", h.get("nonce"));
    }

    @Test
    void hopCountMayChangeInTransit() {
        byte[] p = packet();
        p[6] = 3;
        Cli.Result r = open(p);
        assertEquals(0, r.code(), r.toString());
        assertEquals(3L, header(r).get("hop_count"));
    }

    @Test
    void openRefusesTamperedPacketsWithTheReason() {
        byte[] p = packet();
        p[p.length - 20] ^= 1; // a ciphertext byte
        assertRefused(p, "AUTH_FAILED");
        p = packet();
        p[40] ^= 1; // sequence: authenticated
        assertRefused(p, "AUTH_FAILED");
        p = packet();
        p[0] = 0;
        assertRefused(p, "BAD_MAGIC");
        assertRefused(java.util.Arrays.copyOf(packet(), 50), "TRUNCATED");
        assertRefused(java.util.Arrays.copyOf(packet(), packet().length + 1), "BAD_LENGTH");

        Cli.Result r = Cli.run("open", "--key", KEY, "--session", "1", HEX.formatHex(packet()));
        assertEquals(NetsealCli.FAILED, r.code());
        assertTrue(r.err().contains("WRONG_SESSION"), r.err());

        r = Cli.run("open", "--key", "43".repeat(32), "--session", SESSION, HEX.formatHex(packet()));
        assertEquals(NetsealCli.FAILED, r.code());
        assertTrue(r.err().contains("AUTH_FAILED"), r.err());
    }

    private static void assertRefused(byte[] packet, String reason) {
        Cli.Result r = open(packet);
        assertEquals(NetsealCli.FAILED, r.code(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("netseal: refused: " + reason), r.err());
    }

    @Test
    void openShowsAHandshakeWithoutOpeningItButChecksItsLength() {
        String hs = Cli.run("handshake", "0102").out().trim();
        Cli.Result r = Cli.run("open", "--key", KEY, "--session", SESSION, hs);
        assertEquals(0, r.code(), r.toString());
        assertEquals("0102", TestJson.object(r.out()).get("payload"));
        assertEquals(2L, header(r).get("payload_len"));

        r = Cli.run("open", "--key", KEY, "--session", SESSION, hs + "03");
        assertEquals(NetsealCli.FAILED, r.code());
        assertTrue(r.err().contains("refused: handshake packet: length 71 bytes"), r.err());
    }

    // ---- inspect ------------------------------------------------------------------------------

    /** Inspects {@code packet}: exit 1 and a problem containing {@code expected}. */
    @SuppressWarnings("unchecked")
    private static List<Object> assertProblem(byte[] packet, String expected) {
        Cli.Result r = Cli.run("inspect", HEX.formatHex(packet));
        assertEquals(NetsealCli.FAILED, r.code(), r.toString());
        List<Object> problems = (List<Object>) TestJson.object(r.out()).get("problems");
        assertTrue(problems.stream().anyMatch(p -> ((String) p).contains(expected)),
                "'" + expected + "' not in " + problems);
        assertTrue(r.err().contains("problem(s) found"), r.err());
        return problems;
    }

    private static byte[] withU16(byte[] p, int offset, int value) {
        p[offset] = (byte) value;
        p[offset + 1] = (byte) (value >>> 8);
        return p;
    }

    @Test
    void inspectShowsAGoodPacketWithNoProblem() {
        Cli.Result r = Cli.run("inspect", HEX.formatHex(packet()));
        assertEquals(0, r.code(), r.toString());
        Map<String, Object> json = TestJson.object(r.out());
        assertEquals(List.of(), json.get("problems"));
        assertEquals((long) packet().length, json.get("length"));
        assertEquals("7", header(r).get("stream_id"));
    }

    @Test
    void inspectFindsEachProblem() {
        Cli.Result shortOne = Cli.run("inspect", "454e01");
        assertEquals(NetsealCli.FAILED, shortOne.code());
        Map<String, Object> json = TestJson.object(shortOne.out());
        assertNull(json.get("header"));
        assertEquals(List.of("too short for a header: 3 bytes, a header is 68"), json.get("problems"));

        byte[] p = packet();
        p[0] = 0x46;
        assertProblem(p, "bad magic 0x4e46");

        p = packet();
        p[2] = 2;
        assertProblem(p, "bad version 2");

        assertProblem(withU16(packet(), 64, 8109), "payload_len 8109 > 8108");
        assertProblem(withU16(packet(), 66, 2028), "event_count 2028 > 2027");
        assertProblem(withU16(packet(), 66, 4), "event_count 4 needs at least 16 payload bytes");

        List<Object> problems = assertProblem(java.util.Arrays.copyOf(packet(), packet().length - 1),
                "length 96 bytes, but the header announces 97 (68 + payload_len 13 + tag 16)");
        assertEquals(1, problems.size(), problems.toString());

        p = packet();
        p[12] ^= 0x55;
        assertProblem(p, "nonce prefix");

        p = packet();
        java.util.Arrays.fill(p, 16, 24, (byte) 0xff);
        assertProblem(p, "nonce counter 2^64-1");

        p = packet();
        p[3] |= (byte) 0x80;
        assertProblem(p, "unknown flag bits 0x80");
    }

    @Test
    void inspectChecksHandshakesWithoutATag() {
        byte[] hs = HEX.parseHex(Cli.run("handshake", "abcd").out().trim());
        assertEquals(0, Cli.run("inspect", HEX.formatHex(hs)).code());
        assertProblem(java.util.Arrays.copyOf(hs, hs.length + 16),
                "length 86 bytes, but the header announces 70 (68 + payload_len 2, a handshake has no tag)");
        byte[] withSession = hs.clone();
        withSession[24] = 1;
        assertProblem(withSession, "a handshake carries session_id 0");
    }
}
