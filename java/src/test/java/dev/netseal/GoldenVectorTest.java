package dev.netseal;

import dev.netseal.internal.send.PoolCores;
import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packets of {@code net-v1-golden.json} (made by an independent implementation) must come out
 * of this library byte for byte, and open back to what made them, on every backend.
 */
class GoldenVectorTest {

    private static final HexFormat HEX = HexFormat.of();

    // ---- the vectors --------------------------------------------------------------------------

    /** One vector of the file; absent fields are null / empty. */
    static final class Vector {
        final int index;
        final String kind;
        final Map<String, Object> raw;

        Vector(int index, Map<String, Object> raw) {
            this.index = index;
            this.raw = raw;
            this.kind = (String) raw.get("kind");
        }

        byte[] hex(String field) {
            return HEX.parseHex((String) require(field));
        }

        /** A 64-bit field, written as a decimal string (unsigned). */
        long u64(String field) {
            return Long.parseUnsignedLong((String) require(field));
        }

        int intField(String field) {
            return ((Number) require(field)).intValue();
        }

        List<byte[]> events() {
            List<byte[]> out = new ArrayList<>();
            for (Object e : (List<?>) require("events")) {
                out.add(HEX.parseHex((String) e));
            }
            return out;
        }

        private Object require(String field) {
            Object v = raw.get(field);
            assertNotNull(v, "vector " + index + " (" + kind + ") has no field " + field);
            return v;
        }

        @Override
        public String toString() {
            return "vector " + index + " (" + kind + ")";
        }
    }

    static List<Vector> vectors() {
        String json;
        try (InputStream in = GoldenVectorTest.class.getResourceAsStream("/net-v1-golden.json")) {
            assertNotNull(in, "net-v1-golden.json is not on the test class path");
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Object root = TestJson.parse(json);
        List<?> list = root instanceof Map ? (List<?>) ((Map<?, ?>) root).get("vectors") : (List<?>) root;
        List<Vector> out = new ArrayList<>();
        for (Object o : list) {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) o;
            out.add(new Vector(out.size(), m));
        }
        return out;
    }

    private static List<Vector> ofKind(String kind) {
        List<Vector> out = new ArrayList<>();
        for (Vector v : vectors()) {
            if (kind.equals(v.kind)) {
                out.add(v);
            }
        }
        return out;
    }

    // ---- the file itself ----------------------------------------------------------------------

    @org.junit.jupiter.api.Test
    void theFileNeverLacksAVectorOfEachKind() {
        List<Vector> all = vectors();
        assertFalse(ofKind("data").isEmpty(), "no data vector");
        assertFalse(ofKind("heartbeat").isEmpty(), "no heartbeat vector");
        assertFalse(ofKind("handshake").isEmpty(), "no handshake vector");
        boolean counterZero = false;
        for (Vector v : ofKind("data")) {
            counterZero |= v.u64("counter") == 0;
        }
        assertTrue(counterZero, "no data vector with counter 0 (the pool check needs one)");
        for (Vector v : all) {
            assertTrue(List.of("data", "heartbeat", "handshake").contains(v.kind), "unknown kind in " + v);
        }
    }

    @org.junit.jupiter.api.Test
    void miniJsonNeverMisreadsEscapesOrNumbers() {
        Object o = TestJson.parse("{\"a\": [1, -2.5e1, true, false, null, \"x\\\"\\\\\\/\\n\\u0041\"], \"b\": {}}");
        Map<?, ?> m = (Map<?, ?>) o;
        List<?> a = (List<?>) m.get("a");
        assertEquals(1L, ((Number) a.get(0)).longValue());
        assertEquals(-25.0, ((Number) a.get(1)).doubleValue());
        assertEquals(Boolean.TRUE, a.get(2));
        assertEquals(Boolean.FALSE, a.get(3));
        assertEquals(null, a.get(4));
        assertEquals("x\"\\/\nA", a.get(5));
        assertEquals(Map.of(), m.get("b"));
        assertThrows(IllegalArgumentException.class, () -> TestJson.parse("[1,]"));
        assertThrows(IllegalArgumentException.class, () -> TestJson.parse("{} x"));
    }

    // ---- reproduce with the codec -------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void codecNeverDeviatesFromAnyGoldenPacket(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        for (Vector v : vectors()) {
            byte[] expected = v.hex("packet");
            byte[] actual;
            switch (v.kind) {
                case "data":
                    actual = codec.sealData(v.hex("key"), v.u64("session_id"), v.u64("counter"),
                            v.u64("stream_id"), v.u64("sequence"), v.intField("flags"), v.u64("origin_hash"),
                            v.intField("channel_hash"), v.intField("subprotocol_id"), v.events());
                    break;
                case "heartbeat":
                    actual = codec.sealHeartbeat(v.hex("key"), v.u64("session_id"), v.u64("counter"));
                    break;
                case "handshake":
                    actual = InsecureExplicitNonceCodec.handshake(v.hex("payload"));
                    break;
                default:
                    throw new AssertionError("unknown kind in " + v);
            }
            assertEquals(HEX.formatHex(expected), HEX.formatHex(actual), v + " on " + backendName);
        }
    }

    // ---- open back ----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void goldenDataPacketsNeverOpenToAnythingButTheirInputs(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        for (Vector v : ofKind("data")) {
            byte[] packet = v.hex("packet");
            long session = v.u64("session_id");
            OpenedPacket p = codec.open(v.hex("key"), session, packet);
            String at = v + " on " + backendName;
            List<byte[]> events = v.events();
            assertEquals(events.size(), p.eventCount(), at);
            List<byte[]> got = p.events();
            for (int i = 0; i < events.size(); i++) {
                assertArrayEquals(events.get(i), got.get(i), at + " event " + i);
                assertEquals(events.get(i).length, p.eventLength(i), at + " event " + i);
            }
            assertEquals(v.intField("flags"), p.flags(), at);
            assertEquals(v.intField("channel_hash"), p.channelHash(), at);
            assertEquals(v.intField("subprotocol_id"), p.subprotocolId(), at);
            assertEquals(session, p.sessionId(), at);
            assertEquals(v.u64("stream_id"), p.streamId(), at);
            assertEquals(v.u64("sequence"), p.sequence(), at);
            assertEquals(v.u64("origin_hash"), p.originHash(), at);
            assertEquals(v.u64("counter"), p.counter(), at);
            assertEquals((int) session ^ (int) (session >>> 32), p.noncePrefix(), at);
            assertEquals(0, p.hopCount(), at);
            assertEquals(0, p.priority(), at);
            assertEquals(0, p.hopTtl(), at);
            assertEquals(0, p.fragFlags(), at);
            assertEquals(0, p.subnetId(), at);
            assertEquals(0, p.fragmentId(), at);
            assertEquals(0, p.fragmentOffset(), at);
            int framed = 0;
            for (byte[] e : events) {
                framed += NetV1.EVENT_PREFIX_SIZE + e.length;
            }
            assertEquals(framed, p.payloadLength(), at);
            assertEquals(NetV1.HEADER_SIZE + framed + NetV1.TAG_SIZE, packet.length, at);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void goldenHeartbeatsNeverOpenToEvents(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        for (Vector v : ofKind("heartbeat")) {
            String at = v + " on " + backendName;
            byte[] packet = v.hex("packet");
            assertEquals(84, packet.length, at);
            OpenedPacket p = codec.open(v.hex("key"), v.u64("session_id"), packet);
            assertEquals(0, p.eventCount(), at);
            assertEquals(0, p.payloadLength(), at);
            assertEquals(NetV1.FLAG_HEARTBEAT, p.flags(), at);
            assertEquals(v.u64("session_id"), p.sessionId(), at);
            assertEquals(v.u64("counter"), p.counter(), at);
            assertEquals(0L, p.streamId(), at);
            assertEquals(0L, p.sequence(), at);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void goldenPacketsNeverOpenUnderAnotherKey(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        for (Vector v : vectors()) {
            if (v.kind.equals("handshake")) {
                continue;
            }
            byte[] key = v.hex("key");
            key[31] ^= 1;
            PacketException e = assertThrows(PacketException.class,
                    () -> codec.open(key, v.u64("session_id"), v.hex("packet")), v + " on " + backendName);
            assertEquals(PacketException.Reason.AUTH_FAILED, e.reason(), v + " on " + backendName);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void goldenHandshakeIsNeverOpenedAsSealed(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        for (Vector v : ofKind("handshake")) {
            byte[] packet = v.hex("packet");
            byte[] payload = v.hex("payload");
            assertEquals(NetV1.HEADER_SIZE + payload.length, packet.length, v.toString());
            assertArrayEquals(payload, java.util.Arrays.copyOfRange(packet, NetV1.HEADER_SIZE, packet.length));
            PacketException e = assertThrows(PacketException.class,
                    () -> codec.open(new byte[32], 0L, packet), v.toString());
            assertEquals(PacketException.Reason.NOT_SEALED, e.reason(), v.toString());
        }
    }

    // ---- reproduce through a real pool --------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void freshPoolNeverDrawsAnythingButCounterZeroFirst(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        int checked = 0;
        for (Vector v : ofKind("data")) {
            if (v.u64("counter") != 0) {
                continue;
            }
            ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 2, v.hex("key"), v.u64("session_id"),
                    v.u64("origin_hash"), 1);
            try (PacketBuilder b = pool.acquire()) {
                ByteBuffer sealed = b.setChannelHash(v.intField("channel_hash"))
                        .buildSubprotocol(v.u64("stream_id"), v.u64("sequence"), buffers(v.events()),
                                v.intField("flags"), v.intField("subprotocol_id"));
                assertEquals(HEX.formatHex(v.hex("packet")), HEX.formatHex(bytes(sealed)),
                        v + " through a ThreadLocalPool on " + backendName);
            } finally {
                pool.close();
            }
            TestIsolation.forgetRetiredKeys(); // the same vector through another pool: as in another JVM
            PacketPool plain = PacketPool.onBackend(backend, 2, v.hex("key"), v.u64("session_id"),
                    v.u64("origin_hash"));
            try (PacketBuilder b = plain.get()) {
                ByteBuffer sealed = b.setChannelHash(v.intField("channel_hash"))
                        .buildSubprotocol(v.u64("stream_id"), v.u64("sequence"), buffers(v.events()),
                                v.intField("flags"), v.intField("subprotocol_id"));
                assertEquals(HEX.formatHex(v.hex("packet")), HEX.formatHex(bytes(sealed)),
                        v + " through a PacketPool on " + backendName);
            } finally {
                plain.close();
            }
            checked++;
        }
        assertTrue(checked > 0, "no data vector with counter 0");
    }

    /** Every data and heartbeat vector through a pool whose counter is moved to the vector's. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void poolAtTheVectorsCounterNeverDeviatesFromIt(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        for (Vector v : vectors()) {
            String at = v + " through a pool on " + backendName;
            boolean handshake = v.kind.equals("handshake");
            byte[] key = handshake ? new byte[32] : v.hex("key");
            long session = handshake ? 7L : v.u64("session_id");
            long origin = v.kind.equals("data") ? v.u64("origin_hash") : 0x1234L;
            ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key, session, origin, 1);
            try (PacketBuilder b = pool.acquire()) {
                ByteBuffer sealed;
                switch (v.kind) {
                    case "data":
                        PoolCores.startCounterAt(pool.core, v.u64("counter"));
                        sealed = b.setChannelHash(v.intField("channel_hash"))
                                .buildSubprotocol(v.u64("stream_id"), v.u64("sequence"), buffers(v.events()),
                                        v.intField("flags"), v.intField("subprotocol_id"));
                        break;
                    case "heartbeat":
                        PoolCores.startCounterAt(pool.core, v.u64("counter"));
                        b.setChannelHash(0xABCD); // a heartbeat carries no channel
                        sealed = b.buildHeartbeat();
                        break;
                    default:
                        b.setChannelHash(0xABCD);
                        sealed = b.buildHandshake(v.hex("payload"));
                        break;
                }
                assertEquals(HEX.formatHex(v.hex("packet")), HEX.formatHex(bytes(sealed)), at);
            } finally {
                pool.close();
            }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static List<ByteBuffer> buffers(List<byte[]> events) {
        List<ByteBuffer> out = new ArrayList<>();
        for (byte[] e : events) {
            out.add(ByteBuffer.wrap(e));
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
