package dev.netseal;

import dev.netseal.internal.keys.LiveKeysProbe;
import dev.netseal.internal.send.PoolCores;
import dev.netseal.interop.Codecs;
import dev.netseal.internal.keys.LiveKeys;
import dev.netseal.internal.receive.ReceiveKey;
import dev.netseal.internal.receive.ReplayWindow;
import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.TestKeys.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.BackendKind;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invariants that the rest of the suite exercised without ever noticing them broken: each test
 * here was written against a mutant that survived the mutation run (-Pmutation; README,
 * "Development"), and fails when the line it guards is changed.
 */
class BrokenInvariantTest {

    private static final long SESSION = 0x5EC0_17DA_7A11_0001L;

    // ---- key claims: a second close ----------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void secondCloseNeverReleasesANewerPoolsClaim(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1401);
        byte[] other = key(1405);
        PacketPool first = PacketPool.onBackend(backend, 1, k, SESSION, 0L);
        try (PacketBuilder b = first.get()) {
            b.buildHeartbeat(); // it sealed: its pair retires with it
        }
        first.close();
        try (PacketPool newer = PacketPool.onBackend(backend, 1, other, SESSION, 0L)) {
            first.close(); // a second close ends no claim: neither the retired one nor another pool's
            assertThrows(IllegalStateException.class, () -> PacketPool.onBackend(backend, 1, k, SESSION, 0L),
                    "a second close let a pool back in on a retired key and nonce prefix");
            assertThrows(IllegalStateException.class, () -> PacketPool.onBackend(backend, 1, other, SESSION, 0L),
                    "a third pool was let in on the key and nonce prefix a live pool seals with");
            assertFalse(newer.core.current().key.isDestroyed(), "a stale close wiped another pool's key");
        }
        ThreadLocalPool tl = ThreadLocalPool.onBackend(backend, 1, key(1406), SESSION, 0L, 1);
        try (PacketBuilder b = tl.get()) {
            b.buildHeartbeat();
        }
        tl.close();
        try (ThreadLocalPool newer = ThreadLocalPool.onBackend(backend, 1, key(1407), SESSION, 0L, 1)) {
            tl.close();
            assertThrows(IllegalStateException.class, () -> ThreadLocalPool.onBackend(backend, 1, key(1406), SESSION, 0L, 1));
            assertThrows(IllegalStateException.class, () -> ThreadLocalPool.onBackend(backend, 1, key(1407), SESSION, 0L, 1));
            assertFalse(newer.core.current().key.isDestroyed());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void secondSessionCloseNeverReleasesANewerSessionsClaim(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1402);
        byte[] other = key(1408);
        try (PacketPool pool = PacketPool.buildersOnBackend(backend, 1)) {
            SealingSession first = pool.newSession(k, SESSION);
            KeyEpoch firstEpoch = first.current();
            try (PacketBuilder b = pool.get()) {
                b.buildHeartbeat(first);
            }
            first.close();
            assertTrue(firstEpoch.key.isDestroyed(), "close() wiped nothing");
            assertEquals(0, pool.core.openSessions(), "a closed session stayed registered with its pool");
            try (SealingSession newer = pool.newSession(other, SESSION)) {
                first.close();
                assertThrows(IllegalStateException.class, () -> pool.newSession(k, SESSION),
                        "a second close() let a session back in on a retired key");
                assertThrows(IllegalStateException.class, () -> pool.newSession(other, SESSION),
                        "a second close() of a session ended the claim of another session");
                assertFalse(newer.current().key.isDestroyed());
                assertEquals(1, pool.core.openSessions());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverLeavesTheOldClaimHeldNorTheOldKeyUnwiped(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k1 = key(1403);
        byte[] k2 = key(1404);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, k1, SESSION, 0L)) {
            KeyEpoch old = pool.core.current();
            try (PacketBuilder b = pool.get()) {
                b.buildHeartbeat();
            }
            pool.setKey(k2, SESSION + 1);
            assertTrue(old.retired, "the old epoch was never marked retired");
            assertTrue(old.key.isDestroyed(), "rekey left the old key unwiped");
            assertFalse(LiveKeysProbe.claimedNow().contains(old.claim), "rekey left the old claim held");
            // The old (key, prefix) is retired for good: no pool, this one or another, seals with it.
            assertThrows(IllegalStateException.class, () -> PacketPool.onBackend(backend, 1, k1, SESSION, 0L));
            assertThrows(IllegalStateException.class, () -> pool.setKey(k1, SESSION),
                    "a pool rekeyed back onto a (key, prefix) it sealed under before");
        }
    }

    // ---- a key is never wiped under an open ---------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void retireNeverWipesAKeyUnderAnOpenInFlight(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        AeadKey key = backend.importKey(key(1405));
        ReceiveKey rk = new ReceiveKey(key, SESSION, new ReplayWindow(64));
        assertFalse(rk.isRetired());
        assertTrue(rk.enter(), "a live key refused an open");
        Thread retirer = new Thread(rk::retire, "retirer");
        retirer.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!rk.isRetired()) {
            assertTrue(System.nanoTime() < deadline, "retire() never began");
            Thread.onSpinWait();
        }
        assertFalse(rk.enter(), "an open started on a key being retired");
        retirer.join(200);
        assertTrue(retirer.isAlive(), "retire() returned while an open was still in flight");
        assertFalse(key.isDestroyed(), "the key was wiped under an open in flight");
        rk.exit();
        retirer.join(10_000);
        assertFalse(retirer.isAlive(), "retire() never returned once the open ended (a refused enter"
                + " left its count behind?)");
        assertTrue(key.isDestroyed(), "retire() left the key unwiped");
        rk.retire(); // idempotent: returns at once
        assertFalse(rk.enter());
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void receiverCloseNeverWipesAKeyUnderAnOpenInFlight(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1406);
        PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION);
        ReceiveKey current = r.session.keys().current;
        assertTrue(current.enter());
        Thread closer = new Thread(r::close, "closer");
        closer.start();
        closer.join(200);
        assertTrue(closer.isAlive(), "close() returned while an open was still in flight");
        assertFalse(current.key.isDestroyed(), "close() wiped the key under an open in flight");
        current.exit();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertTrue(current.key.isDestroyed(), "close() left the key unwiped");
        assertThrows(IllegalStateException.class, () -> r.open(ByteBuffer.allocate(100)),
                "a closed receiver opened");
    }

    // ---- builder bookkeeping ------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void pruningNeverForgetsALiveBuilder(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, key(1407), SESSION, 0L)) {
            List<PacketBuilder> held = new ArrayList<>();
            for (int i = 0; i < 300; i++) { // past the first pruning (64) and the next ones
                held.add(pool.get());
                assertEquals(held.size(), PoolCores.buildersMade(pool.core), "a held builder was not made afresh");
            }
            assertEquals(held.size(), PoolCores.liveBuilders(pool.core),
                    "pruning dropped live builders: rekey and close would no longer wait for them");
            for (PacketBuilder b : held) {
                b.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closeNeverLeavesBuildersInTheCacheOfALiveThread(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        int threads = 140; // past the pruning of the cache list (at 64 and 128)
        ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key(1418), SESSION, 0L, 1);
        java.util.concurrent.CountDownLatch parked = new java.util.concurrent.CountDownLatch(threads);
        java.util.concurrent.CountDownLatch end = new java.util.concurrent.CountDownLatch(1);
        List<java.lang.ref.WeakReference<PacketBuilder>> cached = java.util.Collections.synchronizedList(
                new ArrayList<>());
        List<Thread> alive = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    try {
                        PacketBuilder b = pool.acquire();
                        cached.add(new java.lang.ref.WeakReference<>(b));
                        b.close(); // into this thread's cache
                        b = null;
                        parked.countDown();
                        end.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                th.start();
                alive.add(th);
            }
            assertTrue(parked.await(60, java.util.concurrent.TimeUnit.SECONDS), "threads did not park");
            pool.close();
            // Every thread is alive and holds its cache: only close() emptying them frees the builders.
            assertTrue(TestGc.until(() -> cached.stream().allMatch(r -> r.get() == null), 10_000),
                    "close() left builders in the caches of live threads (a thread's cache was dropped"
                            + " from the pool's list while alive)");
        } finally {
            end.countDown();
            for (Thread th : alive) {
                th.join(10_000);
            }
            pool.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void releasedBuilderNeverTakesAChannelHash(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, key(1408), SESSION, 0L)) {
            PacketBuilder b = pool.get();
            assertEquals(b, b.setChannelHash(0x1234), "setChannelHash must return the builder");
            assertEquals(0x1234, b.channelHash());
            b.close();
            assertThrows(IllegalStateException.class, () -> b.setChannelHash(7),
                    "a released builder took a channel hash (another holder's packets would carry it)");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void builderNeverWritesOutsideABegunPacket(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1419);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, k, SESSION, 0L);
             PacketBuilder b = pool.get()) {
            for (Runnable misuse : List.<Runnable>of(() -> b.event(new byte[] {1}), b::seal, b::sealedLength,
                    () -> b.sealInto(ByteBuffer.allocate(8192)), b::remainingPayload)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, misuse::run);
                assertTrue(e.getMessage().contains("no packet begun"), e.getMessage());
            }
            // A subprotocol packet through the fluent form, then nothing more until the next begin.
            ByteBuffer sealed = b.begin(3, 4, 0, 0x0BAD).event(new byte[] {7, 7}).seal();
            OpenedPacket opened = Codecs.on(backend)
                    .open(k, SESSION, ThreadLocalPoolTest.copy(sealed));
            assertEquals(0x0BAD, opened.subprotocolId());
            assertEquals(3, opened.streamId());
            for (Runnable misuse : List.<Runnable>of(() -> b.event(new byte[] {1}), b::seal, b::sealedLength,
                    () -> b.sealInto(ByteBuffer.allocate(8192)))) {
                assertThrows(IllegalStateException.class, misuse::run, "a sealed packet took more writes");
            }
            assertEquals(Wire.sealedLength(4 + 2), b.begin(1, 1, 0).event(new byte[] {1, 2}).sealedLength());
            b.seal();
        }
    }

    // ---- construction that fails half-way -----------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void failedPrefillNeverKeepsTheKeyClaimedNorUnwiped(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1409);
        FailingBackend failing = new FailingBackend(backend, 3, false);
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class,
                () -> PacketPool.onBackend(failing, 8, k, SESSION, 0L));
        assertEquals(FailingBackend.MESSAGE, e.getMessage());
        assertEquals(1, failing.keys.size());
        assertTrue(failing.keys.get(0).isDestroyed(), "a pool that failed to fill kept its key unwiped");
        try (PacketPool again = PacketPool.onBackend(backend, 1, k, SESSION, 0L)) {
            assertEquals(SESSION, again.sessionId()); // the claim was released
        }
        FailingBackend failingTl = new FailingBackend(backend, 3, false);
        assertThrows(OutOfMemoryError.class, () -> ThreadLocalPool.onBackend(failingTl, 8, k, SESSION, 0L, 2));
        assertTrue(failingTl.keys.get(0).isDestroyed());
        try (ThreadLocalPool again = ThreadLocalPool.onBackend(backend, 1, k, SESSION, 0L, 1)) {
            assertEquals(SESSION, again.sessionId());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void failedKeyImportNeverKeepsTheKeyClaimed(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1410);
        FailingBackend failing = new FailingBackend(backend, Integer.MAX_VALUE, true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PacketPool.onBackend(failing, 1, k, SESSION, 0L));
        assertEquals(FailingBackend.MESSAGE, e.getMessage());
        try (PacketPool again = PacketPool.onBackend(backend, 1, k, SESSION, 0L)) {
            assertEquals(SESSION, again.sessionId(), "a failed key import left its (key, prefix) claimed");
        }
        // A rekey whose import fails: the session keeps its key, the new (key, prefix) stays free.
        FailingBackend later = new FailingBackend(backend, Integer.MAX_VALUE, false);
        byte[] k2 = key(1411);
        try (PacketPool pool = PacketPool.onBackend(later, 1, k, SESSION, 0L)) {
            later.failImport = true;
            assertThrows(IllegalStateException.class, () -> pool.setKey(k2, SESSION + 1));
            assertEquals(SESSION, pool.sessionId(), "a failed rekey moved the session anyway");
            assertFalse(pool.core.current().key.isDestroyed(), "a failed rekey wiped the key still in use");
            try (PacketPool other = PacketPool.onBackend(backend, 1, k2, SESSION + 1, 0L)) {
                assertEquals(SESSION + 1, other.sessionId(), "a failed rekey left the new (key, prefix) claimed");
            }
        }
    }

    // ---- the destroyed-key and closed-receiver guards, each on its own ----------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void destroyedKeyNeverSealsNorOpens(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadKey key = backend.importKey(key(1412));
        key.destroy();
        assertTrue(key.isDestroyed());
        AeadCipher cipher = backend.newCipher();
        ByteBuffer aad = backend.allocate(NetV1.AAD_SIZE);
        ByteBuffer buf = backend.allocate(64);
        IllegalStateException sealed = assertThrows(IllegalStateException.class,
                () -> cipher.seal(key, 1, 0, aad, 0, NetV1.AAD_SIZE, buf, 0, 16),
                "a destroyed (zeroed) key sealed: the packet would be readable by anyone");
        assertEquals("key was destroyed", sealed.getMessage());
        ByteBuffer dst = backend.allocate(64);
        assertThrows(IllegalStateException.class,
                () -> cipher.sealTo(key, 1, 0, aad, 0, NetV1.AAD_SIZE, buf, 0, 16, dst, 0));
        assertThrows(IllegalStateException.class,
                () -> cipher.open(key, 1, 0, aad, 0, NetV1.AAD_SIZE, buf, 0, 16));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedReceiverNeverAnswersWithARefusal(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1413);
        PacketReceiverTest.Sealer sealer = new PacketReceiverTest.Sealer(backend, k, SESSION);
        byte[] good = sealer.numbered(1);
        PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION);
        r.close();
        OpenedPacket into = new OpenedPacket();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> r.tryOpen(ByteBuffer.wrap(good.clone()), into),
                "a closed receiver reported a refusal instead of saying it is closed");
        assertEquals("receiver is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> r.open(ByteBuffer.wrap(good.clone())));
        r.close(); // idempotent
    }

    // ---- every header field reads back as sealed ---------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void openedHeaderFieldsNeverReadBackOtherThanSealed(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1414);
        byte[] payload = PacketReceiverTest.frames(new int[] {3, 2}, new byte[] {1, 2, 3}, new byte[] {4, 5});
        byte[] packet = sealWithEveryField(backend, k, 9, payload);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            assertEveryField(PacketReceiverTest.opens(r, packet), payload.length);
        }
        // The public factory, on the active backend (native when it is there).
        AeadBackend active = dev.netseal.internal.aead.Backends.active();
        byte[] k2 = key(1415);
        byte[] onActive = sealWithEveryField(active, k2, 10, payload);
        try (PacketReceiver r = PacketReceiver.create(k2, SESSION)) {
            assertEveryField(PacketReceiverTest.opens(r, onActive), payload.length);
            assertEquals(PacketException.Reason.REPLAYED, PacketReceiverTest.refusal(r, onActive));
        }
    }

    private static void assertEveryField(OpenedPacket p, int payloadLength) {
        assertTrue(p.isOpened());
        assertEquals(0xC1, p.priority(), "priority");
        assertEquals(0xD2, p.hopTtl(), "hop_ttl");
        assertEquals(0x05, p.hopCount(), "hop_count");
        assertEquals(0xE3, p.fragFlags(), "frag_flags");
        assertEquals(0xA55A, p.subprotocolId(), "subprotocol_id");
        assertEquals(0xBEEF, p.channelHash(), "channel_hash");
        assertEquals(SESSION, p.sessionId(), "session_id");
        assertEquals(0xF1F2F3F4F5F6F7F8L, p.streamId(), "stream_id");
        assertEquals(0x7172737475767778L, p.sequence(), "sequence");
        assertEquals(0x8182838485868788L, p.originHash(), "origin_hash");
        assertEquals(0x89ABCDEF, p.subnetId(), "subnet_id");
        assertEquals(0xF00D, p.fragmentId(), "fragment_id");
        assertEquals(0xCAFE, p.fragmentOffset(), "fragment_offset");
        assertEquals(payloadLength, p.payloadLength(), "payload_len");
        assertEquals(NetV1.FLAG_RELIABLE, p.flags(), "flags");
        assertEquals(2, p.eventCount());
        assertEquals(3, p.eventLength(0));
        assertEquals(2, p.eventLength(1));
        assertEquals(4, p.event(1).get(p.event(1).position()));
    }

    /** A data packet with every header field set to a distinct value, high bits included. */
    private static byte[] sealWithEveryField(AeadBackend backend, byte[] keyBytes, long counter, byte[] payload) {
        ByteBuffer buf = backend.allocate(NetV1.MAX_PACKET_SIZE + NetV1.AAD_SIZE);
        dev.netseal.internal.wire.Wire.writeHeaderStart(buf, 0, NetV1.FLAG_RELIABLE, 0xA55A, 0xBEEF, SESSION,
                0xF1F2F3F4F5F6F7F8L, 0x7172737475767778L, 0x8182838485868788L);
        ByteBuffer le = buf.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        le.put(dev.netseal.internal.wire.HeaderLayout.PRIORITY, (byte) 0xC1);
        le.put(dev.netseal.internal.wire.HeaderLayout.HOP_TTL, (byte) 0xD2);
        le.put(dev.netseal.internal.wire.HeaderLayout.FRAG_FLAGS, (byte) 0xE3);
        le.putInt(dev.netseal.internal.wire.HeaderLayout.SUBNET_ID, 0x89ABCDEF);
        le.putShort(dev.netseal.internal.wire.HeaderLayout.FRAGMENT_ID, (short) 0xF00D);
        le.putShort(dev.netseal.internal.wire.HeaderLayout.FRAGMENT_OFFSET, (short) 0xCAFE);
        le.putShort(dev.netseal.internal.wire.HeaderLayout.PAYLOAD_LEN, (short) payload.length);
        le.putShort(dev.netseal.internal.wire.HeaderLayout.EVENT_COUNT, (short) 2);
        int prefix = dev.netseal.internal.wire.Wire.noncePrefix(SESSION);
        dev.netseal.internal.wire.Wire.writeNonce(buf, 0, prefix, counter);
        buf.put(NetV1.HEADER_SIZE, payload);
        dev.netseal.internal.wire.Wire.writeAad(buf, 0, buf, NetV1.MAX_PACKET_SIZE);
        AeadKey key = backend.importKey(keyBytes.clone());
        try {
            backend.newCipher().seal(key, prefix, counter, buf, NetV1.MAX_PACKET_SIZE, NetV1.AAD_SIZE, buf,
                    NetV1.HEADER_SIZE, payload.length);
        } finally {
            key.destroy();
        }
        // hop_count is not authenticated (forwarders change it): set after sealing, still read back.
        le.put(dev.netseal.internal.wire.HeaderLayout.HOP_COUNT, (byte) 0x05);
        byte[] out = new byte[NetV1.HEADER_SIZE + payload.length + NetV1.TAG_SIZE];
        buf.get(0, out);
        return out;
    }

    // ---- the explicit-nonce codec's own limits; the fluent chain ------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void codecNeverSealsAnOversizedPayload(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        byte[] k = key(1416);
        byte[] tooBig = new byte[NetV1.MAX_PAYLOAD_SIZE - NetV1.EVENT_PREFIX_SIZE + 1];
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> codec.sealData(k, SESSION, 1, 1, 1, 0, 0L, 0, 0, List.of(tooBig)),
                "the codec sealed a payload larger than a packet holds");
        assertTrue(big.getMessage() != null && !big.getMessage().isEmpty());
        byte[] exact = new byte[NetV1.MAX_PAYLOAD_SIZE - NetV1.EVENT_PREFIX_SIZE];
        byte[] sealed = codec.sealData(k, SESSION, 1, 1, 1, 0, 0L, 0, 0, List.of(exact));
        assertEquals(NetV1.MAX_PACKET_SIZE, sealed.length, "the largest payload that fits was refused or resized");
        List<byte[]> tooMany = new ArrayList<>();
        for (int i = 0; i <= NetV1.MAX_EVENTS_PER_PACKET; i++) {
            tooMany.add(new byte[0]);
        }
        assertThrows(IllegalArgumentException.class,
                () -> codec.sealData(k, SESSION, 2, 1, 1, 0, 0L, 0, 0, tooMany),
                "the codec sealed more events than a packet may announce");
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void fluentEventChainNeverLosesTheBuilder(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1417);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, k, SESSION, 0L);
             PacketBuilder b = pool.get()) {
            ByteBuffer first = ByteBuffer.wrap(new byte[] {9, 8, 7});
            ByteBuffer packet = b.begin(5, 6, 0).event(first).event(ByteBuffer.wrap(new byte[] {6}))
                    .event(new byte[] {5, 4}).event(new byte[] {0, 3, 2, 0}, 1, 2).seal();
            assertEquals(0, first.position(), "event(ByteBuffer) moved the caller's position");
            OpenedPacket opened = Codecs.on(backend)
                    .open(k, SESSION, ThreadLocalPoolTest.copy(packet));
            assertEquals(4, opened.eventCount());
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {9, 8, 7}, opened.events().get(0));
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {6}, opened.events().get(1));
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {5, 4}, opened.events().get(2));
            org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {3, 2}, opened.events().get(3));
        }
    }

    /**
     * A backend that fails on purpose: its {@code allocate} throws after {@code allocationsLeft}
     * calls (as direct memory running out would), and its {@code importKey} throws when asked.
     * It remembers the keys it imported, to see whether they were wiped.
     */
    static final class FailingBackend implements AeadBackend {
        static final String MESSAGE = "test: refused on purpose";
        final AeadBackend delegate;
        final AtomicInteger allocationsLeft;
        volatile boolean failImport;
        final List<AeadKey> keys = new ArrayList<>();

        FailingBackend(AeadBackend delegate, int allocationsLeft, boolean failImport) {
            this.delegate = delegate;
            this.allocationsLeft = new AtomicInteger(allocationsLeft);
            this.failImport = failImport;
        }

        @Override
        public BackendKind kind() {
            return delegate.kind();
        }

        @Override
        public String description() {
            return "failing " + delegate.description();
        }

        @Override
        public synchronized AeadKey importKey(byte[] key) {
            if (failImport) {
                throw new IllegalStateException(MESSAGE);
            }
            AeadKey k = delegate.importKey(key);
            keys.add(k);
            return k;
        }

        @Override
        public ByteBuffer allocate(int capacity) {
            if (allocationsLeft.getAndDecrement() <= 0) {
                throw new OutOfMemoryError(MESSAGE);
            }
            return delegate.allocate(capacity);
        }

        @Override
        public AeadCipher newCipher() {
            return delegate.newCipher();
        }
    }
}
