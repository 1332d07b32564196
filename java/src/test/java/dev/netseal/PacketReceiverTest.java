package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.Codecs;
import dev.netseal.internal.receive.ReplayWindow;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What a receiver must refuse, why, and what it must still accept. */
class PacketReceiverTest {

    static final long SESSION = 0x1122334455667788L;
    static final long STREAM = 77L;
    static final long SEQUENCE = 5L;
    static final long ORIGIN = 0x0102030405060708L;
    static final int CHANNEL = 0xBEEF;


    /** Seals ordinary packets under explicit counters (the codec), for one key and session. */
    static final class Sealer {
        final AeadBackend backend;
        final InsecureExplicitNonceCodec codec;
        final byte[] key;
        final long session;

        Sealer(AeadBackend backend, byte[] key, long session) {
            this.backend = backend;
            this.codec = Codecs.on(backend);
            this.key = key;
            this.session = session;
        }

        byte[] data(long counter, byte[]... events) {
            return codec.sealData(key, session, counter, STREAM, SEQUENCE, NetV1.FLAG_RELIABLE, ORIGIN, CHANNEL, 3,
                    List.of(events));
        }

        /** A packet whose only event names its counter, so a mix-up cannot go unnoticed. */
        byte[] numbered(long counter) {
            return data(counter, ("event " + counter).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * Seals arbitrary plaintext under an arbitrary header, with the library's own internal pieces
     * (the codec refuses to make such packets): for refusals that need authenticated content.
     */
    static byte[] sealRaw(AeadBackend backend, byte[] keyBytes, long session, long counter, int flags,
                          int payloadLenField, int eventCountField, byte[] plaintext) {
        ByteBuffer buf = backend.allocate(MAX_PACKET_SIZE + AAD_SIZE);
        Wire.writeHeaderStart(buf, 0, flags, 0, CHANNEL, session, STREAM, SEQUENCE, ORIGIN);
        buf.putShort(HeaderLayout.PAYLOAD_LEN, (short) payloadLenField);
        buf.putShort(HeaderLayout.EVENT_COUNT, (short) eventCountField);
        int prefix = Wire.noncePrefix(session);
        Wire.writeNonce(buf, 0, prefix, counter);
        buf.put(HEADER_SIZE, plaintext);
        Wire.writeAad(buf, 0, buf, MAX_PACKET_SIZE);
        AeadKey key = backend.importKey(keyBytes.clone());
        try {
            backend.newCipher().seal(key, prefix, counter, buf, MAX_PACKET_SIZE, AAD_SIZE, buf, HEADER_SIZE,
                    plaintext.length);
        } finally {
            key.destroy();
        }
        byte[] out = new byte[HEADER_SIZE + plaintext.length + NetV1.TAG_SIZE];
        buf.get(0, out);
        return out;
    }

    /** Length-prefixed frames, as a payload. */
    static byte[] frames(int[] lengthFields, byte[]... bodies) {
        ByteBuffer b = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < lengthFields.length; i++) {
            b.putInt(lengthFields[i]);
            if (i < bodies.length) {
                b.put(bodies[i]);
            }
        }
        for (int i = lengthFields.length; i < bodies.length; i++) {
            b.put(bodies[i]); // trailing bytes without a prefix
        }
        byte[] out = new byte[b.position()];
        b.get(0, out);
        return out;
    }

    /** The reason {@code receiver} refuses {@code packet} with; fails on success or on another exception. */
    static Reason refusal(PacketReceiver receiver, byte[] packet) {
        try {
            OpenedPacket p = receiver.open(ByteBuffer.wrap(packet.clone()));
            fail("accepted a packet it must refuse (counter " + Long.toUnsignedString(p.counter()) + ")");
            return null;
        } catch (PacketException e) {
            return e.reason();
        }
    }

    static OpenedPacket opens(PacketReceiver receiver, byte[] packet) {
        try {
            return receiver.open(ByteBuffer.wrap(packet.clone()));
        } catch (PacketException e) {
            throw new AssertionError("refused a packet it must accept: " + e.getMessage(), e);
        }
    }

    static byte[] with(byte[] packet, int index, int value) {
        byte[] p = packet.clone();
        p[index] = (byte) value;
        return p;
    }

    static byte[] withShort(byte[] packet, int index, int value) {
        byte[] p = packet.clone();
        p[index] = (byte) value;
        p[index + 1] = (byte) (value >>> 8);
        return p;
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    // ---- every reason -------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void noReasonIsEverUnreachable(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        EnumSet<Reason> produced = EnumSet.noneOf(Reason.class);
        byte[] good = s.data(1, "hello".getBytes(StandardCharsets.US_ASCII));
        int payloadLen = good.length - HEADER_SIZE - NetV1.TAG_SIZE;

        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            // checks before the tag: the packet as sent, one field changed
            expect(produced, Reason.TRUNCATED, refusal(r, new byte[0]));
            expect(produced, Reason.TRUNCATED, refusal(r, java.util.Arrays.copyOf(good, HEADER_SIZE - 1)));
            expect(produced, Reason.TRUNCATED, refusal(r, java.util.Arrays.copyOf(good, good.length - 1)));
            expect(produced, Reason.TRUNCATED, refusal(r, java.util.Arrays.copyOf(good, HEADER_SIZE)));
            expect(produced, Reason.BAD_MAGIC, refusal(r, with(good, 0, 0x46)));
            expect(produced, Reason.BAD_MAGIC, refusal(r, with(good, 1, 0x45)));
            expect(produced, Reason.BAD_VERSION, refusal(r, with(good, HeaderLayout.VERSION, 2)));
            expect(produced, Reason.BAD_VERSION, refusal(r, with(good, HeaderLayout.VERSION, 0)));
            expect(produced, Reason.NOT_SEALED, refusal(r, with(good, HeaderLayout.FLAGS,
                    NetV1.FLAG_RELIABLE | NetV1.FLAG_HANDSHAKE)));
            expect(produced, Reason.NOT_SEALED, refusal(r, InsecureExplicitNonceCodec.handshake(new byte[20])));
            expect(produced, Reason.BAD_LENGTH, refusal(r, withShort(good, HeaderLayout.PAYLOAD_LEN,
                    NetV1.MAX_PAYLOAD_SIZE + 1)));
            expect(produced, Reason.BAD_LENGTH, refusal(r, withShort(good, HeaderLayout.PAYLOAD_LEN, 0xFFFF)));
            expect(produced, Reason.BAD_LENGTH, refusal(r, java.util.Arrays.copyOf(good, good.length + 1)));
            expect(produced, Reason.TOO_MANY_EVENTS, refusal(r, withShort(good, HeaderLayout.EVENT_COUNT,
                    NetV1.MAX_EVENTS_PER_PACKET + 1)));
            expect(produced, Reason.TOO_MANY_EVENTS, refusal(r, withShort(good, HeaderLayout.EVENT_COUNT, 0xFFFF)));
            expect(produced, Reason.WRONG_SESSION, refusal(r, with(good, HeaderLayout.SESSION_ID + 7, 0x12)));
            expect(produced, Reason.WRONG_NONCE_PREFIX, refusal(r, with(good, HeaderLayout.NONCE_PREFIX,
                    good[HeaderLayout.NONCE_PREFIX] ^ 1)));
            // the tag
            expect(produced, Reason.AUTH_FAILED, refusal(r, with(good, good.length - 1, good[good.length - 1] ^ 1)));
            expect(produced, Reason.AUTH_FAILED, refusal(r, with(good, HEADER_SIZE, good[HEADER_SIZE] ^ 1)));
            expect(produced, Reason.AUTH_FAILED, refusal(r, with(good, HeaderLayout.NONCE_COUNTER, 2)));
            // a header that lies about an authenticated event count: still refused before the tag
            byte[] emptyFrames = new byte[NetV1.MAX_PAYLOAD_SIZE]; // 2027 empty events
            expect(produced, Reason.TOO_MANY_EVENTS, refusal(r, sealRaw(backend, k, SESSION, 2, 0,
                    NetV1.MAX_PAYLOAD_SIZE, NetV1.MAX_EVENTS_PER_PACKET + 1, emptyFrames)));
            // authenticated, but the counter no sender may use
            byte[] one = frames(new int[] {3}, "abc".getBytes(StandardCharsets.US_ASCII));
            expect(produced, Reason.BAD_COUNTER, refusal(r, sealRaw(backend, k, SESSION, -1L, 0, one.length, 1, one)));
            // authenticated, but the frames lie
            expect(produced, Reason.BAD_FRAMES, refusal(r, sealRaw(backend, k, SESSION, 3, 0, one.length, 2, one)));
            // the window
            opens(r, good);
            expect(produced, Reason.REPLAYED, refusal(r, good));
            assertEquals(4 + 5, payloadLen);
        }
        TestIsolation.forgetRetiredKeys(); // the same packets, on a fresh receiver: as in another JVM
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            opens(r, s.numbered(ReplayWindow.DEFAULT_SIZE));
            expect(produced, Reason.TOO_OLD, refusal(r, s.numbered(0)));
        }
        // the handshake reader's own refusals
        byte[] handshake = InsecureExplicitNonceCodec.handshake(new byte[3]);
        expect(produced, Reason.NOT_HANDSHAKE, handshakeRefusal(good));
        expect(produced, Reason.BAD_HANDSHAKE, handshakeRefusal(with(handshake, HeaderLayout.SESSION_ID, 1)));
        try (PacketReceiver other = PacketReceiver.onBackend(backend, k, SESSION + 1)) {
            expect(produced, Reason.WRONG_SESSION, refusal(other, good));
        }
        assertEquals(EnumSet.allOf(Reason.class), produced,
                "reasons never produced: " + EnumSet.complementOf(produced));
    }

    static Reason handshakeRefusal(byte[] packet) {
        try {
            HandshakeReader.payload(packet);
            fail("read a handshake it must refuse");
            return null;
        } catch (PacketException e) {
            return e.reason();
        }
    }

    private static void expect(EnumSet<Reason> produced, Reason expected, Reason actual) {
        assertEquals(expected, actual);
        produced.add(actual);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void lyingFramesAreNeverAccepted(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        byte[][] plaintexts = {
                frames(new int[] {3}, abc),                               // 2 announced, 1 present
                frames(new int[] {10}, abc),                              // claims more than is left
                frames(new int[] {3}, abc, new byte[] {9}),               // a byte after the last event
                frames(new int[] {0}),                                    // 0 announced, 4 bytes present
                frames(new int[] {-1}, abc),                              // claims 2^32-1 bytes
                frames(new int[] {Integer.MIN_VALUE}, abc),               // claims 2^31 bytes
                new byte[] {1, 0},                                        // no room for a length
                frames(new int[] {3, 1}, abc),                            // second event cut short
        };
        int[] counts = {2, 1, 1, 0, 1, 1, 1, 2};
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            for (int i = 0; i < plaintexts.length; i++) {
                byte[] p = sealRaw(backend, k, SESSION, 10 + i, 0, plaintexts[i].length, counts[i], plaintexts[i]);
                assertEquals(Reason.BAD_FRAMES, refusal(r, p), "case " + i);
            }
            // the same crafting with honest frames opens: the refusals above are the frames' fault
            byte[] honest = frames(new int[] {3, 0, 1}, abc, new byte[0], new byte[] {7});
            OpenedPacket o = opens(r, sealRaw(backend, k, SESSION, 100, 0, honest.length, 3, honest));
            assertEquals(3, o.eventCount());
            assertEquals("abc", text(o.events().get(0)));
            assertEquals(0, o.eventLength(1));
            assertArrayEquals(new byte[] {7}, o.events().get(2));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void counterAllOnesIsNeverAcceptedNorSealed(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        byte[] one = frames(new int[] {3}, "abc".getBytes(StandardCharsets.US_ASCII));
        byte[] p = sealRaw(backend, k, SESSION, -1L, 0, one.length, 1, one);
        PacketException e = assertThrows(PacketException.class, () -> codec.open(k, SESSION, p));
        assertEquals(Reason.BAD_COUNTER, e.reason());
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            // even right after a counter close to it was accepted
            opens(r, sealRaw(backend, k, SESSION, 0, 0, one.length, 1, one));
            assertEquals(Reason.BAD_COUNTER, refusal(r, p));
        }
        assertThrows(IllegalArgumentException.class, () -> codec.sealData(k, SESSION, -1L, 0, 0, 0, 0, 0, 0,
                List.of()));
        assertThrows(IllegalArgumentException.class, () -> codec.sealHeartbeat(k, SESSION, -1L));
    }

    // ---- hop_count and every other byte -------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void hopCountChangeNeverPreventsOpening(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            for (int hops : new int[] {1, 7, 255}) {
                byte[] p = with(s.numbered(hops), HeaderLayout.HOP_COUNT, hops);
                OpenedPacket o = opens(r, p);
                assertEquals(hops, o.hopCount());
                assertEquals("event " + hops, text(o.events().get(0)));
                assertEquals(hops, o.counter());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void noSingleByteChangeOutsideHopCountIsEverAccepted(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        byte[] good = s.data(42, "hi!".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer work = backend.allocate(good.length + 1);
        EnumSet<Reason> seen = EnumSet.noneOf(Reason.class);
        int tried = 0;
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            for (int i = 0; i < good.length; i++) {
                if (i == HeaderLayout.HOP_COUNT) {
                    continue;
                }
                for (int v = 0; v < 256; v++) {
                    if ((byte) v == good[i]) {
                        continue;
                    }
                    work.clear();
                    work.put(0, good);
                    work.put(i, (byte) v);
                    work.limit(good.length);
                    try {
                        OpenedPacket o = r.open(work);
                        fail("byte " + i + " changed to " + v + " was accepted (counter " + o.counter() + ")");
                    } catch (PacketException e) {
                        seen.add(e.reason());
                    } catch (RuntimeException | Error e) {
                        throw new AssertionError("byte " + i + " changed to " + v + " threw " + e, e);
                    }
                    tried++;
                }
            }
            // shorter and longer: refused too
            for (int len = 0; len < good.length; len++) {
                Reason why = refusal(r, java.util.Arrays.copyOf(good, len)); // fails if accepted
                assertTrue(why == Reason.TRUNCATED, "cut to " + len + " bytes: " + why);
            }
            assertEquals(Reason.BAD_LENGTH, refusal(r, java.util.Arrays.copyOf(good, good.length + 1)));
            // the packet itself still opens: none of the above moved the window
            assertEquals("hi!", text(opens(r, good).events().get(0)));
        }
        assertEquals((good.length - 1) * 255, tried);
        assertTrue(seen.contains(Reason.AUTH_FAILED) && seen.contains(Reason.BAD_MAGIC)
                && seen.contains(Reason.WRONG_SESSION), "reasons seen: " + seen);
    }

    // ---- the replay window --------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void reorderedPacketsWithinTheWindowAreNeverAcceptedTwice(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        long seed = TestSeeds.seed();
        List<Long> counters = new ArrayList<>();
        for (long c = 100; c < 300; c++) {
            counters.add(c);
        }
        Collections.shuffle(counters, new Random(seed));
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            for (long c = 0; c < 100; c++) {
                OpenedPacket o = opens(r, s.numbered(c));
                assertEquals(c, o.counter());
                assertEquals("event " + c, text(o.events().get(0)));
            }
            for (long c : counters) {
                assertEquals(c, opens(r, s.numbered(c)).counter(), "seed " + seed);
            }
            for (long c = 0; c < 300; c++) {
                assertEquals(Reason.REPLAYED, refusal(r, s.numbered(c)), "counter " + c + ", seed " + seed);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void windowNeverAcceptsOutsideItsExactBounds(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        for (int w : new int[] {64, 1024, ReplayWindow.DEFAULT_SIZE}) {
            TestIsolation.forgetRetiredKeys(); // the same packets, on a fresh receiver: as in another JVM
            try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).windowSize(w).build(k, SESSION)) {
                assertEquals(w, r.windowSize());
                long highest = 3L * w + 17; // not word-aligned
                opens(r, s.numbered(highest - w / 2));
                opens(r, s.numbered(highest));
                assertEquals(Reason.TOO_OLD, refusal(r, s.numbered(highest - w)), "window " + w);
                assertEquals(Reason.TOO_OLD, refusal(r, s.numbered(0)), "window " + w);
                assertEquals(highest - w + 1, opens(r, s.numbered(highest - w + 1)).counter(), "window " + w);
                assertEquals(Reason.REPLAYED, refusal(r, s.numbered(highest - w + 1)));
                assertEquals(Reason.REPLAYED, refusal(r, s.numbered(highest - w / 2)));
                assertEquals(Reason.REPLAYED, refusal(r, s.numbered(highest)));
                // a move by less than a window forgets exactly the counters that fell out of it
                long next = highest + w - 1;
                opens(r, s.numbered(next));
                assertEquals(Reason.TOO_OLD, refusal(r, s.numbered(highest - w + 1)), "window " + w);
                assertEquals(Reason.REPLAYED, refusal(r, s.numbered(highest)), "window " + w);
                assertEquals(highest + 1, opens(r, s.numbered(highest + 1)).counter(), "window " + w);
                // the slot highest - w + 1 used (now next - w + ... ) is free for its new counter
                assertEquals(next - 1, opens(r, s.numbered(next - 1)).counter(), "window " + w);
                // any counter above the highest opens, however far ahead
                assertEquals(Long.MAX_VALUE, opens(r, s.numbered(Long.MAX_VALUE)).counter());
                assertEquals(Long.MIN_VALUE, opens(r, s.numbered(Long.MIN_VALUE)).counter()); // 2^63 unsigned
                assertEquals(Reason.TOO_OLD, refusal(r, s.numbered(next)));
                byte[] one = frames(new int[] {1}, new byte[1]);
                assertEquals(Reason.BAD_COUNTER, refusal(r, sealRaw(backend, k, SESSION, -1L, 0, one.length, 1, one)));
            }
        }
        // a fresh receiver accepts any first counter, and then keeps a window below it
        TestIsolation.forgetRetiredKeys(); // the same packets, on a fresh receiver: as in another JVM
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            assertEquals(1L << 50, opens(r, s.numbered(1L << 50)).counter());
            assertEquals(Reason.REPLAYED, refusal(r, s.numbered(1L << 50)));
            assertEquals((1L << 50) - 5, opens(r, s.numbered((1L << 50) - 5)).counter());
            assertEquals(Reason.TOO_OLD, refusal(r, s.numbered(0)));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void windowSizeThatIsNotAPowerOfTwoIsNeverAccepted(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        for (int w : new int[] {0, -8192, 32, 100, 8191, 1 << 25}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> PacketReceiver.builderOnBackend(backend).windowSize(w));
            assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void forgedPacketNeverMovesTheWindow(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        byte[] wrongKey = key();
        wrongKey[0] ^= 1;
        Sealer forger = new Sealer(backend, wrongKey, SESSION);
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).windowSize(1024).build(k, SESSION)) {
            opens(r, s.numbered(10));
            // a forgery with a fresh counter that would move the highest to 1034
            byte[] real1034 = s.numbered(1034);
            byte[] forged1034 = with(real1034, real1034.length - 1, real1034[real1034.length - 1] ^ 0x55);
            assertEquals(Reason.AUTH_FAILED, refusal(r, forged1034));
            assertEquals(Reason.AUTH_FAILED, refusal(r, forger.numbered(1034)));
            // had the window moved to 1034, 9 would be too old now
            assertEquals(9, opens(r, s.numbered(9)).counter());
            // a forgery never marks its counter: the real packet with that counter still opens
            assertEquals(Reason.AUTH_FAILED, refusal(r, forger.numbered(11)));
            assertEquals(11, opens(r, s.numbered(11)).counter());
            assertEquals(1034, opens(r, real1034).counter());
            // the window is checked before the tag: a forged replay is refused as a replay, for free;
            // a forged jump still needs the tag, and moves nothing
            assertEquals(Reason.REPLAYED, refusal(r, forger.numbered(11)));
            assertEquals(Reason.TOO_OLD, refusal(r, forger.numbered(10)));
            assertEquals(Reason.AUTH_FAILED, refusal(r, forger.numbered(1L << 40)));
            assertEquals(1035, opens(r, s.numbered(1035)).counter());
        }
    }

    // ---- buffers ------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void noKindOfBufferIsEverRefused(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        List<String> kinds = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        List<byte[]> originals = new ArrayList<>();
        long counter = 0;
        for (String kind : List.of("heap", "direct", "heap read-only", "direct read-only", "heap big-endian",
                "direct big-endian", "heap offset", "direct offset", "heap slice", "direct slice",
                "heap read-only big-endian offset", "backend")) {
            byte[] p = s.data(counter++, ("payload of " + kind).getBytes(StandardCharsets.US_ASCII),
                    new byte[0], new byte[] {1, 2, 3});
            originals.add(p);
            kinds.add(kind);
            boolean direct = kind.startsWith("direct");
            ByteBuffer b;
            if (kind.equals("backend")) {
                b = backend.allocate(p.length);
                b.put(0, p);
            } else if (kind.contains("offset")) {
                ByteBuffer big = direct ? ByteBuffer.allocateDirect(p.length + 150) : ByteBuffer.allocate(p.length + 150);
                for (int i = 0; i < big.capacity(); i++) {
                    big.put(i, (byte) 0xA5);
                }
                big.put(100, p);
                big.position(100).limit(100 + p.length);
                b = big;
            } else if (kind.contains("slice")) {
                ByteBuffer big = direct ? ByteBuffer.allocateDirect(p.length + 70) : ByteBuffer.allocate(p.length + 70);
                big.put(33, p);
                b = big.slice(33, p.length);
            } else {
                b = direct ? ByteBuffer.allocateDirect(p.length) : ByteBuffer.allocate(p.length);
                b.put(0, p);
            }
            if (kind.contains("big-endian")) {
                b.order(ByteOrder.BIG_ENDIAN);
            } else if (!kind.equals("backend")) {
                b.order(ByteOrder.LITTLE_ENDIAN);
            }
            if (kind.contains("read-only")) {
                b = b.asReadOnlyBuffer().order(b.order());
            }
            buffers.add(b);
        }
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            for (int i = 0; i < buffers.size(); i++) {
                ByteBuffer b = buffers.get(i);
                String at = kinds.get(i) + " on " + backendName;
                int pos = b.position();
                int lim = b.limit();
                OpenedPacket o = r.open(b);
                assertEquals(pos, b.position(), at + ": position moved");
                assertEquals(lim, b.limit(), at + ": limit moved");
                assertEquals(3, o.eventCount(), at);
                assertEquals("payload of " + kinds.get(i), text(o.events().get(0)), at);
                assertEquals(0, o.eventLength(1), at);
                assertArrayEquals(new byte[] {1, 2, 3}, o.events().get(2), at);
                ByteBuffer view = o.event(2);
                assertTrue(view.isReadOnly(), at);
                assertEquals(3, view.remaining(), at);
                assertEquals(2, view.get(view.position() + 1), at);
                assertEquals(i, o.counter(), at);
                assertEquals(SESSION, o.sessionId(), at);
                assertEquals(STREAM, o.streamId(), at);
                assertEquals(SEQUENCE, o.sequence(), at);
                assertEquals(ORIGIN, o.originHash(), at);
                assertEquals(CHANNEL, o.channelHash(), at);
                assertEquals(3, o.subprotocolId(), at);
                assertEquals(NetV1.FLAG_RELIABLE, o.flags(), at);
                assertEquals(Wire.noncePrefix(SESSION), o.noncePrefix(), at);
                if (b.isReadOnly()) {
                    byte[] now = new byte[lim - pos];
                    b.get(pos, now);
                    assertArrayEquals(originals.get(i), now, at + ": a read-only packet changed");
                }
                if (kinds.get(i).contains("offset")) {
                    ByteBuffer whole = b.duplicate().clear();
                    assertEquals((byte) 0xA5, whole.get(pos - 1), at + ": the byte before the packet changed");
                    assertEquals((byte) 0xA5, whole.get(lim), at + ": the byte after the packet changed");
                }
            }
            // a byte array with an offset
            byte[] p = s.data(counter, "array".getBytes(StandardCharsets.US_ASCII));
            byte[] arr = new byte[p.length + 20];
            System.arraycopy(p, 0, arr, 9, p.length);
            OpenedPacket o = r.open(arr, 9, p.length);
            assertEquals("array", text(o.events().get(0)));
            assertEquals(counter, o.counter());
        }
    }

    // ---- threads ------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void concurrentOpensNeverLoseNorDuplicateAPacket(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        int threads = 4;
        int perThread = 200;
        byte[][] packets = new byte[threads * perThread][];
        for (int i = 0; i < packets.length; i++) {
            packets[i] = s.numbered(i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            CyclicBarrier start = new CyclicBarrier(threads);
            CyclicBarrier done = new CyclicBarrier(threads);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    int ok = 0;
                    for (int i = id; i < packets.length; i += threads) { // interleaved counters
                        OpenedPacket o = r.open(ByteBuffer.wrap(packets[i].clone()));
                        if (o.counter() != i || !text(o.events().get(0)).equals("event " + i)) {
                            throw new AssertionError("packet " + i + " opened as " + o.counter());
                        }
                        ok++;
                    }
                    // once all are in, every thread replays the packets another thread opened
                    done.await(10, TimeUnit.SECONDS);
                    for (int i = (id + 1) % threads; i < packets.length; i += threads) {
                        try {
                            r.open(ByteBuffer.wrap(packets[i].clone()));
                            throw new AssertionError("replay of " + i + " accepted");
                        } catch (PacketException e) {
                            if (e.reason() != Reason.REPLAYED) {
                                throw new AssertionError("replay of " + i + ": " + e.reason());
                            }
                        }
                    }
                    return ok;
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(20, TimeUnit.SECONDS);
            }
            assertEquals(packets.length, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void racingThreadsNeverAcceptOnePacketTwice(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        int threads = 8;
        int rounds = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            CyclicBarrier barrier = new CyclicBarrier(threads);
            AtomicInteger[] successes = new AtomicInteger[rounds];
            AtomicInteger[] replays = new AtomicInteger[rounds];
            byte[][] packets = new byte[rounds][];
            for (int i = 0; i < rounds; i++) {
                successes[i] = new AtomicInteger();
                replays[i] = new AtomicInteger();
                packets[i] = s.numbered(i);
            }
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                fs.add(pool.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        ByteBuffer mine = ByteBuffer.wrap(packets[i].clone());
                        barrier.await(10, TimeUnit.SECONDS);
                        try {
                            r.open(mine);
                            successes[i].incrementAndGet();
                        } catch (PacketException e) {
                            if (e.reason() == Reason.REPLAYED) {
                                replays[i].incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get(30, TimeUnit.SECONDS);
            }
            for (int i = 0; i < rounds; i++) {
                assertEquals(1, successes[i].get(), "packet " + i + " accepted this many times");
                assertEquals(threads - 1, replays[i].get(), "packet " + i + " refused as a replay this many times");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedReceiverNeverOpens(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key();
        Sealer s = new Sealer(backend, k, SESSION);
        PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION);
        opens(r, s.numbered(0));
        r.close();
        byte[] p = s.numbered(1);
        assertThrows(IllegalStateException.class, () -> r.open(ByteBuffer.wrap(p)));
        assertThrows(IllegalStateException.class, () -> r.open(p, 0, p.length));
        // from a thread that never opened before, too
        Thread t = new Thread(() -> assertThrows(IllegalStateException.class, () -> r.open(ByteBuffer.wrap(p))));
        Throwable[] failure = new Throwable[1];
        t.setUncaughtExceptionHandler((th, e) -> failure[0] = e);
        t.start();
        assertDoesNotThrow(() -> t.join(10_000));
        assertFalse(t.isAlive(), "open on a closed receiver hung");
        assertEquals(null, failure[0]);
        assertDoesNotThrow(r::close, "close is idempotent");
        assertThrows(IllegalStateException.class, () -> r.open(ByteBuffer.wrap(p)));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void receiverNeverAcceptsABadKey(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        assertThrows(IllegalArgumentException.class, () -> PacketReceiver.onBackend(backend, new byte[31], SESSION));
        assertThrows(IllegalArgumentException.class, () -> PacketReceiver.onBackend(backend, new byte[33], SESSION));
        assertThrows(NullPointerException.class, () -> PacketReceiver.onBackend(backend, null, SESSION));
        PacketReceiver r = PacketReceiver.onBackend(backend, key(), SESSION);
        assertEquals(SESSION, r.sessionId());
        r.close();
        assertNotEquals(0, Wire.noncePrefix(SESSION));
    }

    /** A virtual thread's open() result is never another call's (no per-virtual-thread state, no sharing). */
    @org.junit.jupiter.api.Test
    void virtualThreadResultIsNeverShared() {
        OpenedPacket a = PacketReceiver.threadResult(true);
        OpenedPacket b = PacketReceiver.threadResult(true);
        assertTrue(a != b, "two opens on virtual threads would share one result");
        assertTrue(PacketReceiver.threadResult(false) == PacketReceiver.threadResult(false),
                "a platform thread's open() allocates a result per call");
        assertTrue(a != PacketReceiver.threadResult(false));
    }

    /** The receivers users make (create(), builder(), the active backend) open a packet once, and a replay never. */
    @org.junit.jupiter.api.Test
    void publicReceiverNeverOpensAPacketTwice() throws PacketException {
        byte[] k = key();
        byte[] p = new Sealer(TestBackends.get("java"), k, SESSION).numbered(11);
        try (PacketReceiver r = PacketReceiver.create(k, SESSION)) {
            assertEquals(11, r.open(ByteBuffer.wrap(p.clone())).counter());
            assertEquals(Reason.REPLAYED, refusal(r, p.clone()));
            // The test hook skips only the window: the same packet opens again through it.
            assertEquals(11, Receivers.openWithoutReplayCheck(r, ByteBuffer.wrap(p.clone())).counter());
        }
        TestIsolation.forgetRetiredKeys(); // the same packets, on a fresh receiver: as in another JVM
        try (PacketReceiver r = PacketReceiver.builder().windowSize(64).build(k, SESSION)) {
            assertEquals(11, r.open(ByteBuffer.wrap(p.clone())).counter());
            byte[] far = new Sealer(TestBackends.get("java"), k, SESSION).numbered(11 + 64);
            assertEquals(11 + 64, r.open(ByteBuffer.wrap(far)).counter());
            byte[] old = new Sealer(TestBackends.get("java"), k, SESSION).numbered(10);
            assertEquals(Reason.TOO_OLD, refusal(r, old), "the builder's window size was not the receiver's");
        }
    }
}
