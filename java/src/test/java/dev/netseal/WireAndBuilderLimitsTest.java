package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The wire constants and helpers, and every limit a PacketBuilder enforces. */
class WireAndBuilderLimitsTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final long SESSION = 0xA1B2C3D4E5F60718L;
    private static final long ORIGIN = 0x0BADF00DCAFEL;


    private static ThreadLocalPool pool(AeadBackend backend) {
        return ThreadLocalPool.onBackend(backend, 1, key(), SESSION, ORIGIN, 1);
    }

    private static PacketReceiver receiver(AeadBackend backend) {
        return PacketReceiver.onBackend(backend, key(), SESSION);
    }

    private static List<ByteBuffer> empties(int n) {
        return Collections.nCopies(n, ByteBuffer.allocate(0));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static OpenedPacket open(PacketReceiver r, ByteBuffer sealed) throws PacketException {
        return r.open(ByteBuffer.wrap(bytes(sealed)));
    }

    // ---- constants and Wire -------------------------------------------------------------------

    @Test
    void wireConstantsNeverDriftFromTheFormat() {
        assertEquals(0x4E45, NetV1.MAGIC);
        assertEquals(1, NetV1.VERSION);
        assertEquals(68, HEADER_SIZE);
        assertEquals(16, NetV1.TAG_SIZE);
        assertEquals(12, NetV1.NONCE_SIZE);
        assertEquals(56, NetV1.AAD_SIZE);
        assertEquals(8192, MAX_PACKET_SIZE);
        assertEquals(8108, MAX_PAYLOAD_SIZE);
        assertEquals(2027, MAX_EVENTS_PER_PACKET);
        assertEquals(84, Wire.sealedLength(0));
        assertEquals(8192, Wire.sealedLength(MAX_PAYLOAD_SIZE));
        int[] flags = {NetV1.FLAG_RELIABLE, NetV1.FLAG_NACK, NetV1.FLAG_PRIORITY, NetV1.FLAG_FIN,
                NetV1.FLAG_HANDSHAKE, NetV1.FLAG_HEARTBEAT};
        int[] wire = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20};
        assertArrayEquals(wire, flags);
        int[] offsets = {HeaderLayout.MAGIC, HeaderLayout.VERSION, HeaderLayout.FLAGS, HeaderLayout.PRIORITY,
                HeaderLayout.HOP_TTL, HeaderLayout.HOP_COUNT, HeaderLayout.FRAG_FLAGS, HeaderLayout.SUBPROTOCOL_ID,
                HeaderLayout.CHANNEL_HASH, HeaderLayout.NONCE_PREFIX, HeaderLayout.NONCE_COUNTER,
                HeaderLayout.SESSION_ID, HeaderLayout.STREAM_ID, HeaderLayout.SEQUENCE, HeaderLayout.ORIGIN_HASH,
                HeaderLayout.SUBNET_ID, HeaderLayout.FRAGMENT_ID, HeaderLayout.FRAGMENT_OFFSET,
                HeaderLayout.PAYLOAD_LEN, HeaderLayout.EVENT_COUNT};
        int[] expected = {0, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 24, 32, 40, 48, 56, 60, 62, 64, 66};
        assertArrayEquals(expected, offsets);
    }

    @Test
    void noncePrefixNeverIgnoresEitherHalfOfTheSession() {
        assertEquals(0x55667788 ^ 0x11223344, Wire.noncePrefix(0x1122334455667788L));
        assertEquals(0, Wire.noncePrefix(0L));
        assertEquals(0x82_9f_9b_97, Wire.noncePrefix(1311768467294899695L)); // golden vector 0: 97 9b 9f 82
        assertEquals(0xDEADBEEF, Wire.noncePrefix(0xDEADBEEFL));
        assertEquals(0xDEADBEEF, Wire.noncePrefix(0xDEADBEEF00000000L));
        assertEquals(0, Wire.noncePrefix(0xDEADBEEFDEADBEEFL));
    }

    @Test
    void aadNeverIncludesTheNonceNorHopCount() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteBuffer header = ByteBuffer.allocate(HEADER_SIZE + 10).order(order);
            for (int i = 0; i < header.capacity(); i++) {
                header.put(i, (byte) (i + 1));
            }
            ByteBuffer aad = ByteBuffer.allocate(3 + NetV1.AAD_SIZE + 3).order(ByteOrder.LITTLE_ENDIAN);
            Wire.writeAad(header, 5, aad, 3);
            byte[] expected = new byte[NetV1.AAD_SIZE];
            for (int i = 0; i < 12; i++) {
                expected[i] = (byte) (5 + i + 1);
            }
            expected[HeaderLayout.HOP_COUNT] = 0;
            for (int i = 24; i < HEADER_SIZE; i++) {
                expected[i - 12] = (byte) (5 + i + 1);
            }
            byte[] got = new byte[NetV1.AAD_SIZE];
            aad.get(3, got);
            assertEquals(HEX.formatHex(expected), HEX.formatHex(got), order.toString());
            assertEquals(0, aad.get(2), "wrote before the AAD");
            assertEquals(0, aad.get(3 + NetV1.AAD_SIZE), "wrote after the AAD");
        }
    }

    @Test
    void wireReadersNeverDependOnBufferOrder() {
        byte[] raw = HEX.parseHex("0102030405060708");
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteBuffer b = ByteBuffer.wrap(raw).order(order);
            assertEquals(0x0201, Wire.u16(b, 0), order.toString());
            assertEquals(0x0807, Wire.u16(b, 6), order.toString());
            assertEquals(0x04030201, Wire.i32(b, 0), order.toString());
            assertEquals(0x0807060504030201L, Wire.i64(b, 0), order.toString());
        }
        ByteBuffer ff = ByteBuffer.wrap(new byte[] {(byte) 0xFF, (byte) 0xFF});
        assertEquals(0xFFFF, Wire.u16(ff, 0)); // unsigned
    }

    @Test
    void headerStartNeverLeavesStaleBytes() {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        Arrays.fill(b.array(), (byte) 0xEE);
        Wire.writeHeaderStart(b, 0, 0x05, 0x0102, 0x0304, 0x1111111111111111L, 0x2222222222222222L,
                0x3333333333333333L, 0x4444444444444444L);
        String hex = HEX.formatHex(b.array());
        // Bytes 12..24 (the nonce's place) hold the AAD's first 12 bytes until the nonce is written;
        // payload_len and event_count (64..68) are left for the seal.
        String first12 = "454e0105" + "00000000" + "0201" + "0403";
        assertEquals(first12 + first12 + "11".repeat(8) + "22".repeat(8)
                + "33".repeat(8) + "44".repeat(8) + "00".repeat(8) + "eeeeeeee", hex);
        // Big-endian buffers get the same little-endian bytes.
        ByteBuffer be = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
        Arrays.fill(be.array(), (byte) 0xEE);
        Wire.writeHeaderStart(be, 0, 0x05, 0x0102, 0x0304, 0x1111111111111111L, 0x2222222222222222L,
                0x3333333333333333L, 0x4444444444444444L);
        assertEquals(hex, HEX.formatHex(be.array()), "big-endian buffer");
    }

    @Test
    void lengthsAreOneLittleEndianStoreOfTwoU16s() {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + 2).order(order);
            Arrays.fill(b.array(), (byte) 0xEE);
            Wire.writeLengths(b, 1, 0x1FA2B, 0x3C4D); // payload_len truncated to its u16
            assertEquals("ee".repeat(65) + "2bfa" + "4d3c" + "ee", HEX.formatHex(b.array()), order.toString());
            assertEquals(0xFA2B, Wire.u16(b, 1 + HeaderLayout.PAYLOAD_LEN), order.toString());
            assertEquals(0x3C4D, Wire.u16(b, 1 + HeaderLayout.EVENT_COUNT), order.toString());
        }
    }

    // ---- event count limit --------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void eventLimitIsNeverExceeded(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend); PacketReceiver r = receiver(backend);
             PacketBuilder b = pool.acquire()) {
            assertTrue(b.wouldFit(empties(MAX_EVENTS_PER_PACKET)));
            assertFalse(b.wouldFit(empties(MAX_EVENTS_PER_PACKET + 1)));
            ByteBuffer full = b.build(1, 2, empties(MAX_EVENTS_PER_PACKET), 0);
            assertEquals(MAX_PACKET_SIZE, full.remaining());
            OpenedPacket o = open(r, full);
            assertEquals(MAX_EVENTS_PER_PACKET, o.eventCount());
            assertEquals(0, o.eventLength(MAX_EVENTS_PER_PACKET - 1));
            assertEquals(0L, o.counter());

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.build(1, 3, empties(MAX_EVENTS_PER_PACKET + 1), 0));
            assertTrue(e.getMessage().contains("2027") && e.getMessage().contains("events"), e.getMessage());

            // a refused build draws no counter
            assertEquals(1L, open(r, b.build(1, 4, List.of(), 0)).counter());

            // the allocation-free form refuses the 2028th event
            b.begin(1, 5, 0);
            for (int i = 0; i < MAX_EVENTS_PER_PACKET; i++) {
                b.event(new byte[0]);
            }
            assertEquals(0, b.remainingPayload());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> b.event(new byte[0]));
            assertTrue(e2.getMessage().contains("2027") && e2.getMessage().contains("events"), e2.getMessage());
            OpenedPacket o2 = open(r, b.seal()); // the refused event left the packet as it was
            assertEquals(MAX_EVENTS_PER_PACKET, o2.eventCount());
            assertEquals(2L, o2.counter());
        }
    }

    // ---- payload size limit -------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void payloadLimitIsNeverExceeded(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] big = new byte[MAX_PAYLOAD_SIZE - 4];
        new Random(1).nextBytes(big);
        try (ThreadLocalPool pool = pool(backend); PacketReceiver r = receiver(backend);
             PacketBuilder b = pool.acquire()) {
            assertTrue(b.wouldFit(List.of(ByteBuffer.wrap(big))));
            ByteBuffer full = b.build(1, 2, List.of(ByteBuffer.wrap(big)), 0);
            assertEquals(MAX_PACKET_SIZE, full.remaining());
            OpenedPacket o = open(r, full);
            assertEquals(1, o.eventCount());
            assertArrayEquals(big, o.events().get(0));
            assertEquals(MAX_PAYLOAD_SIZE, o.payloadLength());

            ByteBuffer tooBig = ByteBuffer.allocate(MAX_PAYLOAD_SIZE - 3);
            assertFalse(b.wouldFit(List.of(tooBig)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.build(1, 3, List.of(tooBig), 0));
            assertTrue(e.getMessage().contains("8108") && e.getMessage().contains("payload"), e.getMessage());

            // two events exactly filling the payload fit; one byte more does not
            List<ByteBuffer> two = List.of(ByteBuffer.allocate(4050), ByteBuffer.allocate(4050));
            assertTrue(b.wouldFit(two));
            assertEquals(MAX_PACKET_SIZE, b.build(1, 4, two, 0).remaining());
            List<ByteBuffer> twoPlus = List.of(ByteBuffer.allocate(4050), ByteBuffer.allocate(4051));
            assertFalse(b.wouldFit(twoPlus));
            assertThrows(IllegalArgumentException.class, () -> b.build(1, 5, twoPlus, 0));

            // the allocation-free form
            b.begin(1, 6, 0);
            assertEquals(MAX_PAYLOAD_SIZE, b.remainingPayload());
            b.event(new byte[10]);
            assertEquals(MAX_PAYLOAD_SIZE - 14, b.remainingPayload());
            IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class,
                    () -> b.event(new byte[MAX_PAYLOAD_SIZE - 14 - 3]));
            assertTrue(e2.getMessage().contains("8108") && e2.getMessage().contains("payload"), e2.getMessage());
            b.event(new byte[MAX_PAYLOAD_SIZE - 14 - 4]);
            assertEquals(0, b.remainingPayload());
            OpenedPacket o2 = open(r, b.seal());
            assertEquals(2, o2.eventCount());
            assertEquals(MAX_PAYLOAD_SIZE - 18, o2.eventLength(1));
        }
    }

    @Test
    void maxEventsForSizeNeverPromisesWhatDoesNotFit() {
        assertEquals(2027, PacketBuilder.maxEventsForSize(0));
        assertEquals(1621, PacketBuilder.maxEventsForSize(1));   // 8108 / 5
        assertEquals(1013, PacketBuilder.maxEventsForSize(4));   // 8108 / 8
        assertEquals(81, PacketBuilder.maxEventsForSize(96));    // 8108 / 100
        assertEquals(2, PacketBuilder.maxEventsForSize(4050));
        assertEquals(1, PacketBuilder.maxEventsForSize(4051));
        assertEquals(1, PacketBuilder.maxEventsForSize(8104));
        assertEquals(0, PacketBuilder.maxEventsForSize(8105));
        assertEquals(0, PacketBuilder.maxEventsForSize(Integer.MAX_VALUE));
        assertEquals(0, PacketBuilder.maxEventsForSize(Integer.MAX_VALUE - 3));
        assertThrows(IllegalArgumentException.class, () -> PacketBuilder.maxEventsForSize(-1));
        assertThrows(IllegalArgumentException.class, () -> PacketBuilder.maxEventsForSize(Integer.MIN_VALUE));
        for (int size = 0; size <= MAX_PAYLOAD_SIZE + 1; size += 7) {
            int n = PacketBuilder.maxEventsForSize(size);
            assertTrue((long) n * (4 + size) <= MAX_PAYLOAD_SIZE, "size " + size);
            assertTrue(n == MAX_EVENTS_PER_PACKET || (long) (n + 1) * (4 + size) > MAX_PAYLOAD_SIZE, "size " + size);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void wouldFitNeverDisagreesWithBuild(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        try (ThreadLocalPool pool = pool(backend); PacketBuilder b = pool.acquire()) {
            for (int round = 0; round < 200; round++) {
                int n = rnd.nextInt(4) == 0 ? MAX_EVENTS_PER_PACKET - 2 + rnd.nextInt(4) : rnd.nextInt(12);
                int avg = n > 100 ? 0 : rnd.nextInt(1500);
                List<ByteBuffer> events = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    events.add(ByteBuffer.allocate(avg == 0 ? 0 : rnd.nextInt(2 * avg)));
                }
                boolean fits = b.wouldFit(events);
                try {
                    b.build(0, round, events, 0);
                    assertTrue(fits, "built though wouldFit said no; seed " + seed + ", round " + round);
                } catch (IllegalArgumentException e) {
                    assertFalse(fits, "refused though wouldFit said yes (" + e.getMessage() + "); seed " + seed);
                }
            }
        }
    }

    // ---- field ranges -------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void outOfRangeFieldsAreNeverTruncatedIntoAPacket(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        List<ByteBuffer> one = List.of(ByteBuffer.wrap(new byte[] {1}));
        try (ThreadLocalPool pool = pool(backend); PacketReceiver r = receiver(backend);
             PacketBuilder b = pool.acquire()) {
            for (int bad : new int[] {-1, 0x100, 0x1FF, Integer.MIN_VALUE}) {
                assertThrows(IllegalArgumentException.class, () -> b.build(1, 1, one, bad), "flags " + bad);
                assertThrows(IllegalArgumentException.class, () -> b.begin(1, 1, bad), "flags " + bad);
            }
            for (int bad : new int[] {-1, 0x10000, 0x1FFFF, Integer.MAX_VALUE}) {
                assertThrows(IllegalArgumentException.class, () -> b.setChannelHash(bad), "channel " + bad);
                assertThrows(IllegalArgumentException.class, () -> b.buildSubprotocol(1, 1, one, 0, bad),
                        "subprotocol " + bad);
                assertThrows(IllegalArgumentException.class, () -> b.begin(1, 1, 0, bad), "subprotocol " + bad);
            }
            assertEquals(0, b.channelHash(), "a refused channel hash was kept");
            for (int f : new int[] {NetV1.FLAG_HANDSHAKE, NetV1.FLAG_HANDSHAKE | NetV1.FLAG_RELIABLE, 0xFF}) {
                assertThrows(IllegalArgumentException.class, () -> b.build(1, 1, one, f), "flags " + f);
                assertThrows(IllegalArgumentException.class, () -> b.begin(1, 1, f), "flags " + f);
                assertThrows(IllegalArgumentException.class, () -> b.buildSubprotocol(1, 1, one, f, 9), "flags " + f);
            }
            // the largest legal values go through intact
            b.setChannelHash(0xFFFF);
            OpenedPacket o = open(r, b.buildSubprotocol(-1L, -1L, one, 0xFF & ~NetV1.FLAG_HANDSHAKE, 0xFFFF));
            assertEquals(0xFFFF, o.channelHash());
            assertEquals(0xFFFF, o.subprotocolId());
            assertEquals(0xEF, o.flags());
            assertEquals(-1L, o.streamId());
            assertEquals(-1L, o.sequence());
            assertEquals(ORIGIN, o.originHash());
            assertEquals(0L, o.counter(), "refused calls drew counters");
        }
    }

    /**
     * {@code fragment} sets frag_flags, fragment_id and fragment_offset of the packet begun, and
     * nothing else: authenticated (changing one breaks the tag), every value of each range
     * through intact (sealInto's path too), refused out of range or outside a packet, and never
     * carried into the next packet.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void fragmentFieldsAreAuthenticatedAndNeverOutliveTheirPacket(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend); PacketReceiver r = receiver(backend);
             PacketBuilder b = pool.acquire()) {
            assertThrows(IllegalStateException.class, () -> b.fragment(0, 0, 0), "no packet begun");
            int[][] values = {{NetV1.FRAG_MORE, 1, 2027}, {0, 2, 4054}, {0xFF, 0xFFFF, 0xFFFF}, {0x80, 0x8000, 1}};
            for (int[] v : values) {
                b.begin(7, 42, NetV1.FLAG_RELIABLE).fragment(v[0], v[1], v[2]).event(new byte[] {9, 8});
                byte[] sealed = bytes(b.seal());
                // changed first: once the packet opened, its counter is REPLAYED before any tag check
                for (int at : new int[] {HeaderLayout.FRAG_FLAGS, HeaderLayout.FRAGMENT_ID, HeaderLayout.FRAGMENT_OFFSET + 1}) {
                    byte[] changed = sealed.clone();
                    changed[at] ^= 1;
                    PacketException e = assertThrows(PacketException.class, () -> r.open(ByteBuffer.wrap(changed)));
                    assertEquals(PacketException.Reason.AUTH_FAILED, e.reason(), "byte " + at + " is not authenticated");
                }
                OpenedPacket o = r.open(ByteBuffer.wrap(sealed.clone()));
                assertEquals(v[0], o.fragFlags());
                assertEquals(v[1], o.fragmentId());
                assertEquals(v[2], o.fragmentOffset());
                assertEquals(42, o.sequence());
                assertEquals(7, o.streamId());
                assertEquals(NetV1.FLAG_RELIABLE, o.flags());
                assertEquals(0, o.priority());
                assertEquals(0, o.hopTtl());
                assertEquals(0, o.subnetId());
                assertArrayEquals(new byte[] {9, 8}, o.events().get(0));
            }
            b.begin(1, 2, 0).fragment(NetV1.FRAG_MORE, 3, 4).event(new byte[1]);
            ByteBuffer direct = ByteBuffer.allocateDirect(NetV1.MAX_PACKET_SIZE);
            b.sealInto(direct);
            direct.flip();
            OpenedPacket viaSealInto = r.open(direct);
            assertEquals(NetV1.FRAG_MORE, viaSealInto.fragFlags());
            assertEquals(3, viaSealInto.fragmentId());
            assertEquals(4, viaSealInto.fragmentOffset());
            OpenedPacket next = open(r, b.begin(1, 3, 0).event(new byte[1]).seal());
            assertEquals(0, next.fragFlags(), "frag_flags outlived its packet");
            assertEquals(0, next.fragmentId(), "fragment_id outlived its packet");
            assertEquals(0, next.fragmentOffset(), "fragment_offset outlived its packet");
            b.begin(1, 4, 0);
            for (int bad : new int[] {-1, 0x100, Integer.MIN_VALUE}) {
                assertThrows(IllegalArgumentException.class, () -> b.fragment(bad, 0, 0), "frag_flags " + bad);
            }
            for (int bad : new int[] {-1, 0x10000, Integer.MAX_VALUE}) {
                assertThrows(IllegalArgumentException.class, () -> b.fragment(0, bad, 0), "fragment_id " + bad);
                assertThrows(IllegalArgumentException.class, () -> b.fragment(0, 0, bad), "fragment_offset " + bad);
            }
            OpenedPacket afterRefusals = open(r, b.seal());
            assertEquals(0, afterRefusals.fragFlags(), "a refused value was written");
            assertEquals(0, afterRefusals.fragmentId());
            assertEquals(0, afterRefusals.fragmentOffset());
        }
        assertEquals(0x01, NetV1.FRAG_MORE);
    }

    // ---- heartbeat and handshake --------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void heartbeatNeverCarriesEventsNorChannel(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend); PacketReceiver r = receiver(backend);
             PacketBuilder b = pool.acquire()) {
            b.setChannelHash(0x1234);
            b.build(7, 7, List.of(ByteBuffer.wrap(new byte[300])), NetV1.FLAG_FIN); // dirty the buffer
            ByteBuffer hb = b.buildHeartbeat();
            assertEquals(84, hb.remaining());
            byte[] raw = bytes(hb);
            OpenedPacket o = open(r, hb);
            assertEquals(0, o.eventCount());
            assertEquals(0, o.payloadLength());
            assertEquals(NetV1.FLAG_HEARTBEAT, o.flags());
            assertEquals(SESSION, o.sessionId());
            assertEquals(0L, o.streamId());
            assertEquals(0L, o.sequence());
            assertEquals(0, o.channelHash());
            assertEquals(1L, o.counter(), "a heartbeat draws a counter like any packet");
            byte[] expected = Codecs.on(backend).sealHeartbeat(key(), SESSION, 1);
            assertEquals(HEX.formatHex(expected), HEX.formatHex(raw));
            assertEquals(0x1234, b.channelHash(), "a heartbeat reset the builder's channel");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void handshakeIsNeverSealed(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] payload = "noise-ik-msg-1 and more".getBytes(StandardCharsets.US_ASCII);
        try (ThreadLocalPool pool = pool(backend); PacketReceiver r = receiver(backend);
             PacketBuilder b = pool.acquire()) {
            b.setChannelHash(0x4321);
            b.build(7, 7, List.of(ByteBuffer.wrap(new byte[300])), NetV1.FLAG_FIN); // counter 0, dirty buffer
            ByteBuffer hs = b.buildHandshake(payload);
            assertTrue(hs.isReadOnly());
            byte[] p = bytes(hs);
            assertEquals(HEADER_SIZE + payload.length, p.length);
            ByteBuffer h = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x45, p[0]);
            assertEquals(0x4E, p[1]);
            assertEquals(1, p[HeaderLayout.VERSION]);
            assertEquals(NetV1.FLAG_HANDSHAKE, p[HeaderLayout.FLAGS]);
            assertArrayEquals(new byte[12], Arrays.copyOfRange(p, HeaderLayout.NONCE, HeaderLayout.NONCE + 12),
                    "nonce not zero");
            assertEquals(0L, h.getLong(HeaderLayout.SESSION_ID), "session id not zero");
            assertEquals(payload.length, h.getShort(HeaderLayout.PAYLOAD_LEN));
            assertEquals(0, h.getShort(HeaderLayout.EVENT_COUNT));
            assertArrayEquals(payload, Arrays.copyOfRange(p, HEADER_SIZE, p.length), "payload not raw");
            assertArrayEquals(InsecureExplicitNonceCodec.handshake(payload), p);
            PacketException e = assertThrows(PacketException.class, () -> r.open(ByteBuffer.wrap(p)));
            assertEquals(PacketException.Reason.NOT_SEALED, e.reason());
            // a handshake draws no counter
            assertEquals(1L, open(r, b.build(1, 1, List.of(), 0)).counter());
            // size limits: a handshake payload is at most 8108 bytes, net-mesh's bound on payload_len
            // (a packet would have room for 8124: net-mesh refuses any above 8108)
            assertEquals(8108, NetV1.MAX_HANDSHAKE_PAYLOAD);
            assertEquals(HEADER_SIZE + 8108, b.buildHandshake(new byte[NetV1.MAX_HANDSHAKE_PAYLOAD]).remaining());
            assertThrows(IllegalArgumentException.class, () -> b.buildHandshake(new byte[NetV1.MAX_HANDSHAKE_PAYLOAD + 1]));
            assertThrows(IllegalArgumentException.class,
                    () -> InsecureExplicitNonceCodec.handshake(new byte[NetV1.MAX_HANDSHAKE_PAYLOAD + 1]));
            assertEquals(HEADER_SIZE, b.buildHandshake(new byte[0]).remaining());
        }
    }

    // ---- released builders --------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void releasedBuilderNeverBuilds(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        List<ByteBuffer> one = List.of(ByteBuffer.wrap(new byte[] {1}));
        try (ThreadLocalPool pool = pool(backend);
             ThreadLocalPool other = ThreadLocalPool.onBackend(backend, 1, key(), SESSION + 1, ORIGIN, 1)) {
            PacketBuilder b = pool.acquire();
            b.setChannelHash(77);
            b.close();
            assertThrows(IllegalStateException.class, () -> b.build(1, 1, one, 0));
            assertThrows(IllegalStateException.class, () -> b.buildSubprotocol(1, 1, one, 0, 1));
            assertThrows(IllegalStateException.class, () -> b.begin(1, 1, 0));
            assertThrows(IllegalStateException.class, () -> b.event(new byte[1]));
            assertThrows(IllegalStateException.class, b::seal);
            assertThrows(IllegalStateException.class, b::remainingPayload);
            assertThrows(IllegalStateException.class, b::buildHeartbeat);
            assertThrows(IllegalStateException.class, () -> b.buildHandshake(new byte[1]));
            assertThrows(IllegalStateException.class, b::close, "released twice");
            assertThrows(IllegalStateException.class, () -> pool.release(b), "released twice");
            // the same builder comes back clean
            PacketBuilder again = pool.acquire();
            assertSame(b, again, "the thread cache should hand back the builder just released");
            assertEquals(0, again.channelHash(), "channel hash survived the release");
            assertThrows(IllegalArgumentException.class, () -> other.release(again), "released to another pool");
            again.close();

            // a builder half-way through a packet loses it when released
            PacketBuilder c = pool.acquire();
            c.begin(1, 1, 0).event(new byte[3]);
            c.close();
            PacketBuilder d = pool.acquire();
            assertThrows(IllegalStateException.class, d::seal, "a packet begun before release survived it");
            assertThrows(IllegalStateException.class, () -> d.event(new byte[1]));
            d.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sealWithoutBeginNeverSeals(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend); PacketBuilder b = pool.acquire()) {
            assertThrows(IllegalStateException.class, b::seal);
            assertThrows(IllegalStateException.class, () -> b.event(new byte[1]));
            b.begin(1, 1, 0);
            b.seal();
            assertThrows(IllegalStateException.class, b::seal, "sealed twice");
            assertThrows(IllegalStateException.class, () -> b.event(new byte[1]), "event after seal");
            b.begin(1, 1, 0);
            b.buildHeartbeat();
            assertThrows(IllegalStateException.class, b::seal, "a heartbeat left a packet begun");
        }
    }

    // ---- the two forms agree ------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void allocationFreeFormNeverDiffersFromBuild(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        // Two live pools may not share a key and session (they would repeat nonces), so z seals
        // under its own session and each form is compared with the codec at the same counter.
        long sessionZ = SESSION + 1;
        try (ThreadLocalPool a = pool(backend);
             ThreadLocalPool z = ThreadLocalPool.onBackend(backend, 1, key(), sessionZ, ORIGIN, 1);
             PacketReceiver r = receiver(backend);
             PacketBuilder ba = a.acquire(); PacketBuilder bz = z.acquire()) {
            for (long counter = 0; counter < 40; counter++) {
                String at = "seed " + seed + ", counter " + counter + " on " + backendName;
                int n = rnd.nextInt(6);
                List<byte[]> events = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    byte[] e = new byte[rnd.nextInt(counter % 10 == 0 ? 2000 : 60)];
                    rnd.nextBytes(e);
                    events.add(e);
                }
                long stream = rnd.nextLong();
                long seq = rnd.nextLong();
                int flags = rnd.nextInt(256) & ~NetV1.FLAG_HANDSHAKE;
                int channel = rnd.nextInt(65536);
                int sub = rnd.nextBoolean() ? 0 : rnd.nextInt(65536);

                // one call, events given with a non-zero position inside bigger buffers
                List<ByteBuffer> wrapped = new ArrayList<>();
                for (byte[] e : events) {
                    ByteBuffer w = ByteBuffer.allocate(e.length + 6);
                    w.position(3);
                    w.put(e);
                    w.position(3).limit(3 + e.length);
                    wrapped.add(w);
                }
                ba.setChannelHash(channel);
                byte[] one = bytes(ba.buildSubprotocol(stream, seq, wrapped, flags, sub));
                for (ByteBuffer w : wrapped) {
                    assertEquals(3, w.position(), "build moved an event's position");
                }

                // begin / event / seal, mixing the event forms (array, slice of array, read-only, direct)
                bz.setChannelHash(channel);
                bz.begin(stream, seq, flags, sub);
                for (int i = 0; i < n; i++) {
                    byte[] e = events.get(i);
                    switch (i % 4) {
                        case 0:
                            bz.event(e);
                            break;
                        case 1: {
                            byte[] padded = new byte[e.length + 5];
                            System.arraycopy(e, 0, padded, 2, e.length);
                            bz.event(padded, 2, e.length);
                            break;
                        }
                        case 2: {
                            ByteBuffer ro = ByteBuffer.wrap(e).asReadOnlyBuffer();
                            bz.event(ro);
                            assertEquals(0, ro.position(), "event(ByteBuffer) moved the position");
                            break;
                        }
                        default: {
                            ByteBuffer d = ByteBuffer.allocateDirect(e.length + 4);
                            d.position(3);
                            d.put(e);
                            d.position(3).limit(3 + e.length);
                            bz.event(d);
                            assertEquals(3, d.position(), "event(ByteBuffer) moved the position");
                        }
                    }
                }
                byte[] two = bytes(bz.seal());
                byte[] referenceZ = codec.sealData(key(), sessionZ, counter, stream, seq, flags, ORIGIN, channel, sub,
                        events);
                assertEquals(HEX.formatHex(referenceZ), HEX.formatHex(two), "begin/event/seal differs: " + at);

                byte[] reference = codec.sealData(key(), SESSION, counter, stream, seq, flags, ORIGIN, channel, sub,
                        events);
                assertEquals(HEX.formatHex(reference), HEX.formatHex(one), "differs from the codec: " + at);
                OpenedPacket o = r.open(ByteBuffer.wrap(one));
                assertEquals(counter, o.counter(), at);
                assertEquals(n, o.eventCount(), at);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(events.get(i), o.events().get(i), at + ", event " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sealedViewIsNeverWritableNorMisplaced(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend); PacketBuilder b = pool.acquire()) {
            ByteBuffer p = b.build(1, 2, List.of(ByteBuffer.wrap(new byte[10])), 0);
            assertTrue(p.isReadOnly());
            assertEquals(0, p.position());
            assertEquals(HEADER_SIZE + 14 + 16, p.limit());
            assertEquals(ByteOrder.LITTLE_ENDIAN, p.order());
            assertEquals(NetV1.MAGIC, p.getShort(0) & 0xFFFF);
            assertThrows(java.nio.ReadOnlyBufferException.class, () -> p.put(0, (byte) 0));
            assertEquals(SESSION, b.sessionId());
            assertEquals(SESSION, pool.sessionId());
        }
    }
}
