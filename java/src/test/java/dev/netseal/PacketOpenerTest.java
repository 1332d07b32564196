package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.internal.receive.PacketOpener;
import dev.netseal.internal.receive.ReceiveKey;
import dev.netseal.internal.receive.ReceiveSession;
import dev.netseal.internal.receive.ReplayWindow;
import dev.netseal.internal.wire.RefusalText;
import static dev.netseal.PacketReceiverTest.SESSION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiverTest.Sealer;
import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The receive path at the points a race or a failure reaches: the window's re-check after the
 * tag, a cipher that throws, the choice between two keys under one session id. Each is forced at
 * its exact point through {@link CountingBackend}, so nothing here depends on timing.
 */
class PacketOpenerTest {


    /**
     * An open whose counter another open of the same packet committed between this one's window
     * check and its commit (forced: the hook commits right after the tag verified) is refused by
     * the re-check, with the window's numbers, and never shows the packet.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void openThatLosesTheCommitRaceNeverOpens(String backendName) {
        AeadBackend real = TestBackends.get(backendName);
        CountingBackend backend = new CountingBackend(real);
        byte[] k = key(1);
        Sealer sealer = new Sealer(real, k, SESSION);
        ReceiveKey rk = new ReceiveKey(backend.importKey(k.clone()), SESSION, new ReplayWindow(64));
        ReceiveSession.KeySet keys = new ReceiveSession.KeySet(rk, null);
        try {
            OpenedPacket out = new OpenedPacket();
            byte[] nine = sealer.numbered(9);
            backend.afterOpen = c -> assertNull(rk.window.commit(c)); // the racing open commits first
            assertFalse(PacketOpener.openWithKeys(backend, keys, ByteBuffer.wrap(nine), 0, nine.length, out, true),
                    "two opens of one packet both opened it");
            assertEquals(Reason.REPLAYED, out.refusal());
            assertEquals(RefusalText.of(Reason.REPLAYED, 9, 0), out.refusalDetail());
            assertFalse(out.isOpened());

            byte[] ten = sealer.numbered(10);
            backend.afterOpen = c -> assertNull(rk.window.commit(c + 1000)); // the window moved far past it
            assertFalse(PacketOpener.openWithKeys(backend, keys, ByteBuffer.wrap(ten), 0, ten.length, out, true));
            assertEquals(Reason.TOO_OLD, out.refusal());
            assertEquals(RefusalText.of(Reason.TOO_OLD, 10, 1010), out.refusalDetail());

            backend.afterOpen = null;
            byte[] later = sealer.numbered(2000);
            assertTrue(PacketOpener.openWithKeys(backend, keys, ByteBuffer.wrap(later), 0, later.length, out, true),
                    String.valueOf(out.refusalDetail()));
            assertEquals(2000, out.counter());
        } finally {
            rk.retire();
        }
    }

    /**
     * A cipher that throws (a bug, or memory exhausted) must not leave the caller's result showing
     * the packet it held before, nor keep the workspace or the key it borrowed: the next open on
     * the same thread works.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void openThatThrowsNeverShowsThePreviousPacket(String backendName) {
        AeadBackend real = TestBackends.get(backendName);
        CountingBackend backend = new CountingBackend(real);
        byte[] k = key(2);
        Sealer sealer = new Sealer(real, k, SESSION);
        OpenedPacket out = new OpenedPacket();
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            assertTrue(r.tryOpen(ByteBuffer.wrap(sealer.numbered(1)), out));
            backend.afterOpen = c -> {
                throw new IllegalStateException("the cipher failed");
            };
            assertThrows(IllegalStateException.class, () -> r.tryOpen(ByteBuffer.wrap(sealer.numbered(2)), out));
            assertFalse(out.isOpened(), "a failed open left the previous packet showing");
            assertNull(out.refusal());
            backend.afterOpen = null;
            assertTrue(r.tryOpen(ByteBuffer.wrap(sealer.numbered(3)), out), "a failed open kept what it borrowed");
            assertEquals(3, out.counter());
        }
        TestIsolation.forgetRetiredKeys(); // the same packets through a table: as in another JVM
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            table.add(k, SESSION);
            assertTrue(table.tryOpen(ByteBuffer.wrap(sealer.numbered(1)), out));
            backend.afterOpen = c -> {
                throw new IllegalStateException("the cipher failed");
            };
            assertThrows(IllegalStateException.class, () -> table.tryOpen(ByteBuffer.wrap(sealer.numbered(2)), out));
            assertFalse(out.isOpened(), "a failed open left the previous packet showing");
            backend.afterOpen = null;
            assertTrue(table.tryOpen(ByteBuffer.wrap(sealer.numbered(3)), out));
        }
    }

    /**
     * After a rekey onto the same session id, a replay under the current key whose counter the
     * previous key never saw fails the previous key's tag: it is a replay, never reported as a
     * forgery; a packet neither key sealed stays a forgery.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void replayUnderTheCurrentKeyNeverReportsAForgery(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        Sealer before = new Sealer(backend, key(3), SESSION);
        Sealer after = new Sealer(backend, key(4), SESSION);
        Sealer stranger = new Sealer(backend, key(5), SESSION);
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend)
                .previousKeyGrace(Duration.ofMinutes(5)).build(key(3), SESSION)) {
            PacketReceiverTest.opens(r, before.numbered(1));
            r.rekey(key(4), SESSION);
            byte[] five = after.numbered(5);
            PacketReceiverTest.opens(r, five);
            OpenedPacket out = new OpenedPacket();
            assertFalse(r.tryOpen(ByteBuffer.wrap(five), out));
            assertEquals(Reason.REPLAYED, out.refusal(), "a replay was reported as " + out.refusal());
            assertEquals(RefusalText.of(Reason.REPLAYED, 5, 0), out.refusalDetail());
            assertFalse(r.tryOpen(ByteBuffer.wrap(stranger.numbered(6)), out));
            assertEquals(Reason.AUTH_FAILED, out.refusal(), "a forgery under fresh counter was reported otherwise");
        }
    }

    /**
     * Both keys under one session id: a packet the current key authenticated but whose frames are
     * bad is the current key's, and is refused BAD_FRAMES with its numbers, never called a
     * forgery because the previous key's tag then did not verify.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void authenticatedPacketWithBadFramesNeverReportedAsAForgery(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] abc = "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend)
                .previousKeyGrace(Duration.ofMinutes(5)).build(key(6), SESSION)) {
            r.rekey(key(7), SESSION);
            byte[] p = PacketReceiverTest.frames(new int[] {3}, abc, new byte[] {9});
            byte[] packet = PacketReceiverTest.sealRaw(backend, key(7), SESSION, 3, 0, p.length, 1, p);
            OpenedPacket out = new OpenedPacket();
            assertFalse(r.tryOpen(ByteBuffer.wrap(packet), out));
            assertEquals(Reason.BAD_FRAMES, out.refusal(), "bad frames under the current key reported as "
                    + out.refusal());
            assertEquals(RefusalText.of(Reason.BAD_FRAMES, RefusalText.AFTER_LAST_EVENT, 1), out.refusalDetail());
        }
    }

    /**
     * Both keys under one session id, the current one retired under a stale snapshot (a rekey or
     * a close raced the open): a packet the live previous key does not verify is a forgery; the
     * retired key's refusal is not the answer.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void packetNoLiveKeyVerifiesNeverReportedOtherwise(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        ReceiveKey current = new ReceiveKey(backend.importKey(key(8)), SESSION, new ReplayWindow(64));
        ReceiveKey previous = new ReceiveKey(backend.importKey(key(9)), SESSION, new ReplayWindow(64));
        current.retire();
        try {
            byte[] packet = new Sealer(backend, key(8), SESSION).numbered(4);
            OpenedPacket out = new OpenedPacket();
            assertFalse(PacketOpener.openWithKeys(backend, new ReceiveSession.KeySet(current, previous),
                    ByteBuffer.wrap(packet), 0, packet.length, out, true));
            assertEquals(Reason.AUTH_FAILED, out.refusal());
            assertEquals(RefusalText.of(Reason.AUTH_FAILED, 4, 0), out.refusalDetail());
            assertEquals(-1L, previous.window.highest(), "a refused packet moved the previous key's window");
        } finally {
            previous.retire();
        }
    }
}
