package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.internal.receive.ReceiveSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiverTest.Sealer;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** A rekey loses nothing in flight, accepts nothing forged, and wipes the old key once dropped. */
class ReceiverRekeyTest {

    static final long OLD_SESSION = 0x0A0A_0000_0000_0001L;
    static final long NEW_SESSION = 0x0B0B_0000_0000_0002L;

    static Iterable<Object[]> cases() {
        List<Object[]> out = new ArrayList<>();
        for (String backend : List.of("java", "native")) {
            out.add(new Object[] {backend, true});
            out.add(new Object[] {backend, false});
        }
        return out;
    }

    /**
     * 4 threads seal through one pool while it is rekeyed; the receiver is rekeyed at the same
     * time, and every packet is delivered after the receiver's rekey, old and new interleaved and
     * shuffled, with forgeries under both keys mixed in.
     */
    @ParameterizedTest(name = "{0}, new session id: {1}")
    @MethodSource("cases")
    void rekeyNeverLosesAPacketInFlightNorAcceptsAForgery(String backendName, boolean newSessionId) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] oldKey = key(10);
        byte[] newKey = key(11);
        long newSession = newSessionId ? NEW_SESSION : OLD_SESSION;
        ConcurrentLinkedQueue<byte[]> sent = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch someSealed = new CountDownLatch(4);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 16, oldKey, OLD_SESSION, 0L,
                ThreadLocalPool.DEFAULT_LOCAL_CAPACITY);
             PacketReceiver r = PacketReceiver.onBackend(backend, oldKey, OLD_SESSION);
             PacketReceiver oldKeyOnly = PacketReceiver.onBackend(backend, oldKey, OLD_SESSION)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    // At least 2000 packets, and 100 begun after the switch (stop is set once
                    // setKey returned): so both keys carry packets however the threads are
                    // scheduled around the switch.
                    int afterSwitch = 0;
                    for (int i = 0; i < 2000 || !stop.get() || afterSwitch < 100; i++) {
                        if (stop.get()) {
                            afterSwitch++;
                        }
                        try (PacketBuilder b = pool.get()) {
                            ByteBuffer v = b.begin(thread, i, 0)
                                    .event(("t" + thread + "#" + i).getBytes(StandardCharsets.US_ASCII)).seal();
                            byte[] copy = new byte[v.remaining()];
                            v.get(copy);
                            sent.add(copy);
                        }
                        if (i == 500) {
                            someSealed.countDown();
                        }
                    }
                }));
            }
            assertTrue(someSealed.await(30, TimeUnit.SECONDS));
            r.rekey(newKey, newSession);   // the receiver learns the new key first,
            pool.setKey(newKey, newSession); // then the sender switches; old packets are still in flight
            stop.set(true);
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            // in flight: each key's packets in counter order (a thread may be descheduled between
            // sealing and queueing, so the queue's order is not the counters'), old then new,
            // reordered within blocks smaller than the window: around the switch old-key packets
            // arrive after new-key ones
            List<byte[]> oldOnesInOrder = new ArrayList<>();
            List<byte[]> newOnesInOrder = new ArrayList<>();
            for (byte[] p : sent) {
                (isOld(oldKeyOnly, p) ? oldOnesInOrder : newOnesInOrder).add(p);
            }
            oldOnesInOrder.sort(java.util.Comparator.comparingLong(ReceiverOnRealNetworksTest::counterOf));
            newOnesInOrder.sort(java.util.Comparator.comparingLong(ReceiverOnRealNetworksTest::counterOf));
            List<byte[]> inOrder = new ArrayList<>(oldOnesInOrder);
            inOrder.addAll(newOnesInOrder);
            List<byte[]> packets = new ArrayList<>();
            long seed = TestSeeds.seed();
            Random rnd = new Random(seed);
            for (int from = 0; from < inOrder.size(); from += 2048) {
                List<byte[]> block = new ArrayList<>(inOrder.subList(from, Math.min(inOrder.size(), from + 2048)));
                Collections.shuffle(block, rnd);
                packets.addAll(block);
            }
            Set<String> events = new HashSet<>();
            OpenedPacket out = new OpenedPacket();
            Sealer oldForger = new Sealer(backend, key(12), OLD_SESSION);
            Sealer newForger = new Sealer(backend, key(13), newSession);
            int oldOnes = oldOnesInOrder.size();
            for (int i = 0; i < packets.size(); i++) {
                byte[] p = packets.get(i);
                assertTrue(r.tryOpen(ByteBuffer.wrap(p.clone()), out), "packet " + i + " refused: "
                        + out.refusalDetail() + " (seed " + seed + ")");
                String event = new String(out.events().get(0), StandardCharsets.US_ASCII);
                assertTrue(events.add(event), "delivered twice: " + event);
                if (i % 50 == 0) {
                    long c = 1_000_000 + i;
                    assertFalse(r.tryOpen(ByteBuffer.wrap(oldForger.numbered(c)), out), "forgery under the old id");
                    assertFalse(r.tryOpen(ByteBuffer.wrap(newForger.numbered(c)), out), "forgery under the new id");
                    assertEquals(Reason.AUTH_FAILED, out.refusal());
                }
                assertFalse(r.tryOpen(ByteBuffer.wrap(p.clone()), out), "a replay across the rekey opened");
            }
            assertEquals(packets.size(), events.size());
            assertTrue(oldOnes > 0 && oldOnes < packets.size(), "both keys carried packets: " + oldOnes);

            // dropping the previous key wipes it, and then its packets no longer open
            AeadKey previous = r.session.keys().previous.key;
            assertFalse(previous.isDestroyed());
            assertTrue(r.dropPreviousKey());
            assertTrue(previous.isDestroyed(), "the dropped key was not wiped");
            assertFalse(r.dropPreviousKey());
            byte[] lateOld = new Sealer(backend, oldKey, OLD_SESSION).numbered(999_999_999L);
            assertFalse(r.tryOpen(ByteBuffer.wrap(lateOld), out));
            assertEquals(newSessionId ? Reason.WRONG_SESSION : Reason.AUTH_FAILED, out.refusal());
        } finally {
            threads.shutdownNow();
        }
    }

    /** True when the old key opens {@code packet} (without a window: this only tells keys apart). */
    private static boolean isOld(PacketReceiver oldKeyOnly, byte[] packet) {
        try {
            Receivers.openWithoutReplayCheck(oldKeyOnly, ByteBuffer.wrap(packet.clone()));
            return true;
        } catch (PacketException e) {
            return false;
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void previousKeyNeverOutlivesItsGracePeriod(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] oldKey = key(20);
        byte[] newKey = key(21);
        Sealer oldSealer = new Sealer(backend, oldKey, OLD_SESSION);
        OpenedPacket out = new OpenedPacket();
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).previousKeyGrace(Duration.ofMillis(200))
                .build(oldKey, OLD_SESSION)) {
            assertEquals(Duration.ofMillis(200), r.previousKeyGrace());
            assertTrue(r.tryOpen(ByteBuffer.wrap(oldSealer.numbered(1)), out));
            r.rekey(newKey, NEW_SESSION);
            assertEquals(NEW_SESSION, r.sessionId());
            assertEquals(OLD_SESSION, r.previousSessionId().getAsLong());
            AeadKey previous = r.session.keys().previous.key;
            assertTrue(r.tryOpen(ByteBuffer.wrap(oldSealer.numbered(2)), out), "in its grace period");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!previous.isDestroyed() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(previous.isDestroyed(), "the previous key was still not wiped 10 s after a 200 ms grace");
            assertTrue(r.previousSessionId().isEmpty());
            assertFalse(r.tryOpen(ByteBuffer.wrap(oldSealer.numbered(3)), out));
            assertEquals(Reason.WRONG_SESSION, out.refusal());
        }
        // a grace of zero drops the previous key at the rekey
        TestIsolation.forgetRetiredKeys(); // the same keys, on a fresh receiver: as in another JVM
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).previousKeyGrace(Duration.ZERO)
                .build(oldKey, OLD_SESSION)) {
            r.rekey(newKey, NEW_SESSION);
            assertTrue(r.previousSessionId().isEmpty());
            assertFalse(r.tryOpen(ByteBuffer.wrap(oldSealer.numbered(1)), out));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyOntoAKeyInUseIsNeverAccepted(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] a = key(30);
        byte[] b = key(31);
        try (PacketReceiver r = PacketReceiver.onBackend(backend, a, OLD_SESSION)) {
            assertThrows(IllegalArgumentException.class, () -> r.rekey(a, OLD_SESSION));
            r.rekey(b, NEW_SESSION);
            assertThrows(IllegalArgumentException.class, () -> r.rekey(a, OLD_SESSION), "back onto the previous key");
            assertThrows(IllegalArgumentException.class, () -> r.rekey(b, NEW_SESSION));
            r.rekey(a, NEW_SESSION); // another prefix-and-key pair: a fresh window is safe
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedReceiverNeverKeepsAKeyNorOpens(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] a = key(40);
        PacketReceiver r = PacketReceiver.onBackend(backend, a, OLD_SESSION);
        r.rekey(key(41), NEW_SESSION);
        ReceiveSession.KeySet keys = r.session.keys();
        r.close();
        assertTrue(keys.current.key.isDestroyed());
        assertTrue(keys.previous.key.isDestroyed());
        byte[] packet = new Sealer(backend, a, OLD_SESSION).numbered(1);
        assertThrows(IllegalStateException.class, () -> r.tryOpen(ByteBuffer.wrap(packet), new OpenedPacket()));
        assertThrows(IllegalStateException.class, () -> r.rekey(a, 5));
        r.close(); // idempotent
    }
}
