package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.Codecs;
import dev.netseal.internal.receive.PacketOpener;
import dev.netseal.internal.receive.ReceiveKey;
import dev.netseal.internal.receive.ReceiveSession;
import dev.netseal.internal.receive.ReplayWindow;
import dev.netseal.internal.wire.RefusalText;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.PacketReceiverTest.SESSION;
import static dev.netseal.PacketReceiverTest.frames;
import static dev.netseal.PacketReceiverTest.sealRaw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The receive path's invariants that only the numbers of a refusal, or a direct look at the
 * window, can show broken: written against mutants that survived the mutation run (-Pmutation).
 */
class ReceivePathInvariantTest {


    // ---- the replay window, directly ----------------------------------------------------------

    @Test
    void windowNeverCommitsACounterTwice() {
        ReplayWindow w = new ReplayWindow(64);
        assertEquals(64, w.size());
        assertEquals(-1L, w.highest(), "an empty window has no highest counter");
        assertNull(w.commit(5));
        assertEquals(Reason.REPLAYED, w.commit(5), "the window committed a counter it had accepted");
        assertEquals(5, w.highest());
        assertNull(w.commit(3));
        assertEquals(Reason.REPLAYED, w.commit(3));
        assertEquals(5, w.highest(), "a lower counter moved the highest");
        assertNull(w.commit(1000));
        assertEquals(1000, w.highest());
        assertEquals(Reason.TOO_OLD, w.commit(5));
        assertEquals(Reason.BAD_COUNTER, w.commit(-1L));
        assertEquals(1000, w.highest());
    }

    @Test
    void windowSizeNeverAcceptsOutsideItsBounds() {
        assertEquals(ReplayWindow.MIN_SIZE, new ReplayWindow(ReplayWindow.MIN_SIZE).size());
        assertEquals(ReplayWindow.MAX_SIZE, ReplayWindow.checkSize(ReplayWindow.MAX_SIZE));
        assertThrows(IllegalArgumentException.class, () -> ReplayWindow.checkSize(ReplayWindow.MIN_SIZE / 2));
        assertThrows(IllegalArgumentException.class, () -> ReplayWindow.checkSize(ReplayWindow.MAX_SIZE * 2));
        assertThrows(IllegalArgumentException.class, () -> ReplayWindow.checkSize(96));
    }

    @Test
    void aFarJumpNeverLeavesAStaleSlotThatRefusesAFreshCounter() {
        ReplayWindow w = new ReplayWindow(64);
        assertNull(w.commit(6));
        // A jump of 2^32 - 1: its low 32 bits read as -1, so only the bulk clear forgets slot 6.
        long far = 6 + (1L << 32) - 1;
        assertNull(w.commit(far));
        long sameSlotAsSix = far - 63; // inside the window, never seen, in old counter 6's slot
        assertEquals(6, (int) sameSlotAsSix & 63);
        assertNull(w.check(sameSlotAsSix), "a counter never seen was refused after a far jump");
        assertNull(w.commit(sameSlotAsSix));
    }

    // ---- the numbers a refusal carries ---------------------------------------------------------

    private static void refusedWith(PacketReceiver r, byte[] packet, Reason reason, long a, long b) {
        OpenedPacket out = new OpenedPacket();
        assertFalse(r.tryOpen(ByteBuffer.wrap(packet.clone()), out), "accepted a packet it must refuse");
        assertEquals(reason, out.refusal());
        String detail = out.refusalDetail();
        // Whole-string equality: "151 bytes after..." ends with "1 bytes after..." too.
        assertEquals(RefusalText.of(reason, a, b), detail, "the refusal's numbers");
        PacketException e = out.refusalException();
        assertEquals(reason, e.reason());
        assertEquals(reason + ": " + detail, e.getMessage());
    }

    /**
     * What OpenedPacket says a refusal leaves in the buffer: BAD_FRAMES, found after the tag, leaves
     * a writable buffer (heap or direct) holding the plaintext, header and tag unchanged, and its
     * counter spent; a read-only buffer is never changed; AUTH_FAILED leaves every kind as it was.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void badFramesLeaveThePlaintextInAWritableBufferAndNothingElse(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(2);
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        byte[] plaintext = frames(new int[] {3}, abc); // one event framed, two announced
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            long counter = 1;
            for (String kind : new String[] {"heap", "direct", "read-only"}) {
                byte[] sealed = sealRaw(backend, k, SESSION, counter++, 0, plaintext.length, 2, plaintext);
                byte[] forged = sealed.clone();
                forged[forged.length - 1] ^= 1;
                for (byte[] packet : new byte[][] {forged, sealed}) {
                    ByteBuffer buf = kind.equals("heap") ? ByteBuffer.wrap(packet.clone())
                            : ByteBuffer.allocateDirect(packet.length).put(packet.clone()).flip();
                    if (kind.equals("read-only")) {
                        buf = buf.asReadOnlyBuffer();
                    }
                    OpenedPacket out = new OpenedPacket();
                    assertFalse(r.tryOpen(buf, out));
                    byte[] after = new byte[packet.length];
                    buf.duplicate().get(after);
                    if (packet == forged) {
                        assertEquals(Reason.AUTH_FAILED, out.refusal());
                        assertTrue(java.util.Arrays.equals(forged, after), kind + ": AUTH_FAILED changed the buffer");
                        continue;
                    }
                    assertEquals(Reason.BAD_FRAMES, out.refusal());
                    byte[] expected = sealed.clone();
                    if (!kind.equals("read-only")) {
                        System.arraycopy(plaintext, 0, expected, NetV1.HEADER_SIZE, plaintext.length);
                    }
                    assertTrue(java.util.Arrays.equals(expected, after), kind + ": after BAD_FRAMES the buffer"
                            + (kind.equals("read-only") ? " changed" : " does not hold the plaintext,"
                            + " with header and tag unchanged"));
                    assertFalse(r.tryOpen(ByteBuffer.wrap(sealed.clone()), out));
                    assertEquals(Reason.REPLAYED, out.refusal(), kind + ": BAD_FRAMES did not spend the counter");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void badFramesNeverReportOtherNumbers(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1);
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            long counter = 1;
            // Two announced, one present: 0 bytes left where event 1's prefix should be.
            byte[] p = frames(new int[] {3}, abc);
            refusedWith(r, sealRaw(backend, k, SESSION, counter++, 0, p.length, 2, p), Reason.BAD_FRAMES, 1, 0);
            // A prefix cut short: 2 bytes left where event 1's 4-byte prefix should be.
            p = frames(new int[] {3}, abc, new byte[] {1, 2});
            refusedWith(r, sealRaw(backend, k, SESSION, counter++, 0, p.length, 2, p), Reason.BAD_FRAMES, 1, 2);
            // Claims 10 bytes, 3 left after its prefix (7 with it).
            p = frames(new int[] {10}, abc);
            refusedWith(r, sealRaw(backend, k, SESSION, counter++, 0, p.length, 1, p), Reason.BAD_FRAMES, 0, 7);
            // Claims 2^31 bytes (an authenticated frame with its top bit set: never negative).
            p = frames(new int[] {Integer.MIN_VALUE}, abc);
            refusedWith(r, sealRaw(backend, k, SESSION, counter++, 0, p.length, 1, p), Reason.BAD_FRAMES, 0, 7);
            // One byte after the last event.
            p = frames(new int[] {3}, abc, new byte[] {9});
            refusedWith(r, sealRaw(backend, k, SESSION, counter++, 0, p.length, 1, p), Reason.BAD_FRAMES,
                    RefusalText.AFTER_LAST_EVENT, 1);
            // Second event fits exactly: accepted, both events where they belong.
            p = frames(new int[] {3, 1}, abc, new byte[] {7});
            OpenedPacket ok = PacketReceiverTest.opens(r, sealRaw(backend, k, SESSION, counter, 0, p.length, 2, p));
            assertEquals(2, ok.eventCount());
            assertEquals(NetV1.HEADER_SIZE + 4, ok.eventOffset(0));
            assertEquals(NetV1.HEADER_SIZE + 4 + 3 + 4, ok.eventOffset(1));
            assertEquals(1, ok.eventLength(1));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void shapeAndCounterRefusalsNeverReportOtherNumbers(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(2);
        PacketReceiverTest.Sealer sealer = new PacketReceiverTest.Sealer(backend, k, SESSION);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            byte[] header = java.util.Arrays.copyOf(sealer.numbered(1), NetV1.HEADER_SIZE);
            // Exactly a header and no tag: truncated against the sealed length, not the header's.
            refusedWith(r, header, Reason.TRUNCATED, NetV1.HEADER_SIZE,
                    dev.netseal.internal.wire.Wire.sealedLength(
                            dev.netseal.internal.wire.Wire.u16(ByteBuffer.wrap(header),
                                    dev.netseal.internal.wire.HeaderLayout.PAYLOAD_LEN)));
            refusedWith(r, new byte[NetV1.HEADER_SIZE - 1], Reason.TRUNCATED, NetV1.HEADER_SIZE - 1,
                    NetV1.HEADER_SIZE);
            long far = 1L << 40; // far past any window size
            PacketReceiverTest.opens(r, sealer.numbered(far));
            refusedWith(r, sealer.numbered(far), Reason.REPLAYED, far, 0);
            refusedWith(r, sealer.numbered(1), Reason.TOO_OLD, 1, far);
        }
    }

    /**
     * A rekey onto the same session id with a new key: a packet the current key already accepted
     * does not verify under the previous key, and must be called a replay, not a forgery.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void replayAfterASameIdRekeyNeverReportsAForgery(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k1 = key(3);
        byte[] k2 = key(4);
        PacketReceiverTest.Sealer before = new PacketReceiverTest.Sealer(backend, k1, SESSION);
        PacketReceiverTest.Sealer after = new PacketReceiverTest.Sealer(backend, k2, SESSION);
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend)
                .previousKeyGrace(java.time.Duration.ofMinutes(5)).build(k1, SESSION)) {
            PacketReceiverTest.opens(r, before.numbered(1));
            r.rekey(k2, SESSION);
            byte[] fresh = after.numbered(1);
            PacketReceiverTest.opens(r, fresh);
            assertEquals(Reason.REPLAYED, PacketReceiverTest.refusal(r, fresh),
                    "a replay under the current key was reported as something else");
            PacketReceiverTest.opens(r, after.numbered(1L << 40)); // far past any window size
            assertEquals(Reason.TOO_OLD, PacketReceiverTest.refusal(r, after.numbered(2)));
            // The previous key still opens its own packets in its grace period.
            PacketReceiverTest.opens(r, before.numbered(2));
            assertEquals(Reason.REPLAYED, PacketReceiverTest.refusal(r, before.numbered(1)));
        }
    }

    /**
     * An opener that read the keys just before a rekey, drop or close retired one must be refused
     * by the key itself, and never run the AEAD with a key being wiped.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void retiredKeyNeverOpensEvenFromAStaleSnapshot(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(8);
        byte[] packet = new PacketReceiverTest.Sealer(backend, k, SESSION).numbered(1);
        ReceiveKey rk = new ReceiveKey(backend.importKey(k.clone()), SESSION, new ReplayWindow(64));
        ReceiveSession.KeySet stale = new ReceiveSession.KeySet(rk, null);
        rk.retire();
        OpenedPacket out = new OpenedPacket();
        ByteBuffer buf = ByteBuffer.wrap(packet.clone());
        assertFalse(PacketOpener.openWithKeys(backend, stale, buf, 0, packet.length, out, true),
                "a retired key opened a packet");
        assertEquals(Reason.WRONG_SESSION, out.refusal());
        assertEquals(-1L, rk.window.highest(), "a refused open moved the window");
    }

    /** The explicit-nonce codec has no window, but the last counter is never a valid nonce. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void explicitNonceOpenNeverAcceptsTheLastCounter(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(5);
        byte[] p = frames(new int[] {1}, new byte[] {42});
        byte[] last = sealRaw(backend, k, SESSION, -1L, 0, p.length, 1, p);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        PacketException e = assertThrows(PacketException.class, () -> codec.open(k, SESSION, last),
                "a packet under counter 2^64-1 was accepted");
        assertEquals(Reason.BAD_COUNTER, e.reason());
        byte[] fine = sealRaw(backend, k, SESSION, -2L, 0, p.length, 1, p);
        try {
            assertEquals(-2L, codec.open(k, SESSION, fine).counter());
        } catch (PacketException unexpected) {
            throw new AssertionError(unexpected);
        }
    }

    // ---- an OpenedPacket that holds no packet ---------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void refusedPacketNeverShowsFieldsNorEvents(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(6);
        PacketReceiverTest.Sealer sealer = new PacketReceiverTest.Sealer(backend, k, SESSION);
        OpenedPacket fresh = new OpenedPacket();
        assertFalse(fresh.isOpened());
        assertNull(fresh.refusal());
        assertNull(fresh.refusalDetail());
        assertNull(fresh.refusalException());
        assertEveryAccessorRefuses(fresh, "no packet was opened");
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            OpenedPacket out = new OpenedPacket();
            assertTrue(r.tryOpen(ByteBuffer.wrap(sealer.numbered(1)), out));
            assertTrue(out.isOpened());
            assertNull(out.refusal());
            assertNull(out.refusalException());
            assertFalse(r.tryOpen(ByteBuffer.wrap(sealer.numbered(1)), out)); // the same one again
            assertFalse(out.isOpened(), "a refused open still showed the packet before it");
            assertEquals(Reason.REPLAYED, out.refusal());
            assertEveryAccessorRefuses(out, "REPLAYED");
        }
    }

    private static void assertEveryAccessorRefuses(OpenedPacket p, String why) {
        List<Consumer<OpenedPacket>> accessors = List.of(
                OpenedPacket::buffer, OpenedPacket::packetOffset, OpenedPacket::packetLength,
                OpenedPacket::eventCount, x -> x.eventOffset(0), x -> x.eventLength(0), x -> x.event(0),
                OpenedPacket::events, OpenedPacket::flags, OpenedPacket::priority, OpenedPacket::hopTtl,
                OpenedPacket::hopCount, OpenedPacket::fragFlags, OpenedPacket::subprotocolId,
                OpenedPacket::channelHash, OpenedPacket::noncePrefix, OpenedPacket::counter,
                OpenedPacket::sessionId, OpenedPacket::streamId, OpenedPacket::sequence,
                OpenedPacket::originHash, OpenedPacket::subnetId, OpenedPacket::fragmentId,
                OpenedPacket::fragmentOffset, OpenedPacket::payloadLength);
        for (int i = 0; i < accessors.size(); i++) {
            Consumer<OpenedPacket> a = accessors.get(i);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.accept(p),
                    "accessor " + i + " read a packet that is not there");
            assertTrue(e.getMessage().contains(why), e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void manyEventsNeverOverflowTheEventTable(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(7);
        int count = NetV1.MAX_EVENTS_PER_PACKET; // every event empty: the most a packet may hold
        byte[] payload = frames(new int[count]);
        OpenedPacket out = new OpenedPacket();
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            for (int n : new int[] {5, 40, count}) { // grows the table more than once, reusing it
                byte[] p = java.util.Arrays.copyOf(payload, n * NetV1.EVENT_PREFIX_SIZE);
                byte[] packet = sealRaw(backend, k, SESSION, n, 0, p.length, n, p);
                assertTrue(r.tryOpen(ByteBuffer.wrap(packet), out), String.valueOf(out.refusalDetail()));
                assertEquals(n, out.eventCount());
                assertEquals(NetV1.HEADER_SIZE + (n - 1) * NetV1.EVENT_PREFIX_SIZE + NetV1.EVENT_PREFIX_SIZE,
                        out.eventOffset(n - 1));
                assertEquals(0, out.eventLength(n - 1));
            }
        }
    }
}
