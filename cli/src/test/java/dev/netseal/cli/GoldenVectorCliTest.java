package dev.netseal.cli;

import dev.netseal.TestJson;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every packet of {@code net-v1-golden.json} (made by OpenSSL) comes out of {@code seal},
 * {@code heartbeat} and {@code handshake} byte for byte, opens back with {@code open} to what made
 * it, and passes {@code inspect} with no problem.
 */
class GoldenVectorCliTest {

    private static List<Map<String, Object>> vectors;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        try (InputStream in = GoldenVectorCliTest.class.getResourceAsStream("/net-v1-golden.json")) {
            List<Object> all = (List<Object>) TestJson.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            vectors = new ArrayList<>();
            for (Object v : all) {
                vectors.add((Map<String, Object>) v);
            }
        }
        assertFalse(vectors.isEmpty());
    }

    /** Decimal for even vectors, 0x-hex for odd ones: both notations reproduce the packets. */
    private static String num(int index, Object value) {
        BigInteger n = new BigInteger(value.toString());
        return index % 2 == 0 ? n.toString() : "0x" + n.toString(16);
    }

    private static String str(Map<String, Object> v, String field) {
        return (String) v.get(field);
    }

    /** The arguments of the command that made vector {@code i}. */
    @SuppressWarnings("unchecked")
    private static List<String> sealArgs(int i, Map<String, Object> v) {
        List<String> args = new ArrayList<>();
        switch (str(v, "kind")) {
            case "data":
                args.addAll(List.of("seal", "--key", str(v, "key"), "--session", num(i, v.get("session_id")),
                        "--counter", num(i, v.get("counter")), "--stream", num(i, v.get("stream_id")),
                        "--seq", num(i, v.get("sequence")), "--flags", num(i, v.get("flags")),
                        "--origin", num(i, v.get("origin_hash")), "--channel", num(i, v.get("channel_hash")),
                        "--subprotocol", num(i, v.get("subprotocol_id"))));
                for (Object e : (List<Object>) v.get("events")) {
                    args.add("--event");
                    args.add((String) e);
                }
                return args;
            case "heartbeat":
                return List.of("heartbeat", "--key", str(v, "key"), "--session", num(i, v.get("session_id")),
                        "--counter", num(i, v.get("counter")));
            case "handshake":
                return List.of("handshake", str(v, "payload"));
            default:
                throw new AssertionError("unknown kind " + v.get("kind"));
        }
    }

    @Test
    void everyKindIsCovered() {
        List<String> kinds = new ArrayList<>();
        vectors.forEach(v -> kinds.add(str(v, "kind")));
        assertTrue(kinds.containsAll(List.of("data", "heartbeat", "handshake")), kinds.toString());
    }

    @Test
    void sealHeartbeatAndHandshakeReproduceEveryPacket() {
        for (int i = 0; i < vectors.size(); i++) {
            Map<String, Object> v = vectors.get(i);
            Cli.Result r = Cli.run(sealArgs(i, v).toArray(String[]::new));
            assertEquals(0, r.code(), "vector " + i + ": " + r);
            assertEquals(str(v, "packet") + System.lineSeparator(), r.out(), "vector " + i);
            assertEquals("", r.err(), "vector " + i);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void openGivesBackWhatMadeEveryPacket() {
        for (int i = 0; i < vectors.size(); i++) {
            Map<String, Object> v = vectors.get(i);
            String kind = str(v, "kind");
            // A handshake is not sealed: open shows it whatever the key and session.
            String key = kind.equals("handshake") ? "00".repeat(32) : str(v, "key");
            String session = kind.equals("handshake") ? "7" : num(i, v.get("session_id"));
            Cli.Result r = Cli.run("open", "--key", key, "--session", session, str(v, "packet"));
            assertEquals(0, r.code(), "vector " + i + ": " + r);
            Map<String, Object> json = TestJson.object(r.out());
            Map<String, Object> h = (Map<String, Object>) json.get("header");
            assertEquals(0x4E45L, h.get("magic"));
            assertEquals(1L, h.get("version"));
            switch (kind) {
                case "data":
                    assertEquals(v.get("events"), json.get("events"), "vector " + i);
                    assertEquals(str(v, "session_id"), h.get("session_id"));
                    assertEquals(str(v, "stream_id"), h.get("stream_id"));
                    assertEquals(str(v, "sequence"), h.get("sequence"));
                    assertEquals(str(v, "origin_hash"), h.get("origin_hash"));
                    assertEquals(((Number) v.get("flags")).longValue(), h.get("flags"));
                    assertEquals(((Number) v.get("channel_hash")).longValue(), h.get("channel_hash"));
                    assertEquals(((Number) v.get("subprotocol_id")).longValue(), h.get("subprotocol_id"));
                    assertEquals((long) ((List<Object>) v.get("events")).size(), h.get("event_count"));
                    assertEquals(counterOf((String) h.get("nonce")), new BigInteger(str(v, "counter")));
                    break;
                case "heartbeat":
                    assertEquals(List.of(), json.get("events"));
                    assertEquals(0x20L, h.get("flags"));
                    assertEquals(str(v, "session_id"), h.get("session_id"));
                    assertEquals(counterOf((String) h.get("nonce")), new BigInteger(str(v, "counter")));
                    break;
                default:
                    assertEquals(str(v, "payload"), json.get("payload"));
                    assertEquals(0x10L, h.get("flags"));
                    assertEquals("000000000000000000000000", h.get("nonce"));
                    assertFalse(json.containsKey("events"));
            }
        }
    }

    @Test
    void inspectFindsNoProblemInAnyPacket() {
        for (int i = 0; i < vectors.size(); i++) {
            Cli.Result r = Cli.run("inspect", str(vectors.get(i), "packet"));
            assertEquals(0, r.code(), "vector " + i + ": " + r);
            assertEquals(List.of(), TestJson.object(r.out()).get("problems"), "vector " + i);
        }
    }

    /** The nonce's counter: its last 8 bytes, little-endian. */
    private static BigInteger counterOf(String nonceHex) {
        StringBuilder be = new StringBuilder();
        for (int i = 22; i >= 8; i -= 2) {
            be.append(nonceHex, i, i + 2);
        }
        return new BigInteger(be.toString(), 16);
    }
}
