package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.internal.keys.KeyFingerprint;
import dev.netseal.internal.keys.LiveKeysProbe;
import dev.netseal.internal.receive.ReceiveSessions;
import dev.netseal.internal.keys.LiveKeys;
import dev.netseal.internal.receive.ReceiveKey;
import dev.netseal.internal.receive.ReceiveSession;
import dev.netseal.internal.receive.ReceiveSettings;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiverTest.Sealer;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the receive side keeps after a rekey, a drop or a close, and what it keeps of a key:
 * written against mutants that survived the mutation run (-Pmutation).
 */
class ReceiveSessionInvariantTest {

    private static final long A = 0x0A00_0000_0000_0001L;
    private static final long B = 0x0B00_0000_0000_0002L;
    private static final long C = 0x0C00_0000_0000_0003L;


    /**
     * A scheduled drop holds its session for the whole grace period: one left behind by a rekey,
     * a drop or a close would keep a closed session (and its keys' memory) reachable for that
     * long, for every session a server churns through.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void replacedOrClosedSessionNeverLeavesItsExpiryScheduled(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        PacketReceiver r = PacketReceiver.builderOnBackend(backend).previousKeyGrace(Duration.ofHours(1))
                .build(key(1), A);
        ReceiveSession s = r.session;
        assertNull(ReceiveSessions.scheduledExpiry(s), "no rekey yet, nothing to expire");
        r.rekey(key(2), B);
        ScheduledFuture<?> first = ReceiveSessions.scheduledExpiry(s);
        assertNotNull(first);
        r.rekey(key(3), C); // drops the oldest key now and schedules the next drop
        ScheduledFuture<?> second = ReceiveSessions.scheduledExpiry(s);
        assertTrue(first.isCancelled(), "a rekey left the drop it replaced scheduled");
        assertNotNull(second);
        assertTrue(r.dropPreviousKey());
        assertTrue(second.isCancelled(), "dropping the previous key left its scheduled drop");
        assertNull(ReceiveSessions.scheduledExpiry(s));
        r.rekey(key(4), A);
        ScheduledFuture<?> third = ReceiveSessions.scheduledExpiry(s);
        r.close();
        assertTrue(third.isCancelled(), "close() left a drop scheduled");
    }

    /**
     * With no grace period, a rekey drops the previous key before it returns, never later on the
     * expiry timer: the timer is kept busy meanwhile, so a drop left to it would still be pending.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void zeroGraceRekeyNeverLeavesThePreviousKeyToTheTimer(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ReceiveSession.Expiry.TIMER.execute(() -> {
            busy.countDown();
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).previousKeyGrace(Duration.ZERO).build(key(60), A)) {
            assertTrue(busy.await(60, java.util.concurrent.TimeUnit.SECONDS), "the expiry timer never ran the blocker");
            ReceiveKey old = r.session.keys().current;
            r.rekey(key(61), B);
            assertTrue(r.previousSessionId().isEmpty(), "the previous key outlived a zero-grace rekey");
            assertNull(r.session.keys().previous);
            assertNull(ReceiveSessions.scheduledExpiry(r.session), "a zero-grace rekey scheduled a drop");
            assertNotNull(old);
        } finally {
            release.countDown();
        }
    }

    /**
     * A double rekey drops the oldest id from the table's routing, and only an id that no key of
     * the session still uses: the ids of the current and previous keys stay routed.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverUnroutesAnIdInUseNorKeepsOneThatIsNot(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (SessionTable table = SessionTable.builderOnBackend(backend).previousKeyGrace(Duration.ofHours(1)).build()) {
            table.add(key(10), A);
            table.rekey(A, key(11), B); // current B, previous A
            table.rekey(B, key(12), C); // current C, previous B; A dropped
            assertFalse(table.contains(A), "the dropped key's id is still routed");
            assertTrue(table.contains(B));
            assertTrue(table.contains(C));

            // The same id kept across rekeys: never unrouted while a key uses it.
            table.add(key(20), 0x1000L);
            table.rekey(0x1000L, key(21), 0x1000L); // current (21, id), previous (20, id)
            table.rekey(0x1000L, key(22), 0x2000L); // (20, id) dropped; previous (21, id) keeps it
            assertTrue(table.contains(0x1000L), "an id the previous key still uses was unrouted");
            assertTrue(table.contains(0x2000L));
            table.rekey(0x2000L, key(23), 0x1000L); // (21, id) dropped; current uses the id again
            assertTrue(table.contains(0x1000L), "an id the current key uses was unrouted");
            assertTrue(table.contains(0x2000L));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void forgettingCountersIsTheOnlyWayAReplayOpensAgain(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        Sealer sealer = new Sealer(backend, key(30), A);
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).build(key(30), A)) {
            byte[] p = sealer.numbered(5);
            OpenedPacket out = new OpenedPacket();
            assertTrue(r.tryOpen(ByteBuffer.wrap(p.clone()), out));
            assertFalse(r.tryOpen(ByteBuffer.wrap(p.clone()), out));
            assertEquals(Reason.REPLAYED, out.refusal());
        }
    }

    /**
     * Only salted fingerprints of keys are kept: an unsalted hash in a heap dump would let anyone
     * confirm a guessed key offline.
     */
    @Test
    void keptFingerprintsNeverAreTheUnsaltedHashOfTheKey() throws Exception {
        byte[] k = key(40);
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(k);
        sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, A).array());
        long unsalted = ByteBuffer.wrap(sha.digest()).getLong();
        assertNotEquals(unsalted, KeyFingerprint.of(k, A));
        assertEquals(KeyFingerprint.of(k, A), KeyFingerprint.of(k.clone(), A), "not a function of its input");
        assertNotEquals(KeyFingerprint.of(k, A), KeyFingerprint.of(k, B));

        int prefix = Wire.noncePrefix(A);
        sha.reset();
        sha.update(k);
        sha.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, prefix).array());
        assertNotEquals(ByteBuffer.wrap(sha.digest()).getLong(), LiveKeys.fingerprint(k, prefix));
        assertEquals(LiveKeys.fingerprint(k, prefix), LiveKeys.fingerprint(k, A));
        assertNotEquals(LiveKeys.fingerprint(k, prefix), LiveKeys.fingerprint(key(41), prefix), "the key plays no part");
        assertNotEquals(KeyFingerprint.of(k, A), KeyFingerprint.of(key(41), A), "the key plays no part");
    }

    @Test
    void liveClaimsAreSeenUntilTheirPoolCloses() {
        byte[] k = key(50);
        long print = LiveKeys.fingerprint(k, A);
        assertFalse(LiveKeysProbe.claimedNow().contains(print));
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(TestBackends.get("java"), 2, k, A, 0L,
                ThreadLocalPool.DEFAULT_LOCAL_CAPACITY)) {
            assertTrue(LiveKeysProbe.claimedNow().contains(print), "a live pool's claim is not in the view");
        }
        assertFalse(LiveKeysProbe.claimedNow().contains(print), "a closed pool's claim is still in the view");
    }

    @Test
    void receiveSettingsNeverTakeANegativeOrMissingGrace() {
        NullPointerException npe = assertThrows(NullPointerException.class, () -> new ReceiveSettings(64, null));
        assertEquals("previousKeyGrace", npe.getMessage());
        IllegalArgumentException iae = assertThrows(IllegalArgumentException.class,
                () -> new ReceiveSettings(64, Duration.ofNanos(-1)));
        assertTrue(iae.getMessage().contains("must not be negative"), iae.getMessage());
        assertEquals(Duration.ZERO, new ReceiveSettings(64, Duration.ZERO).previousKeyGrace);
    }
}
