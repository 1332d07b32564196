package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.Codecs;
import dev.netseal.internal.keys.RetiredKeys;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A key that stopped being used never comes back in this JVM: a (key, nonce prefix) that sealed
 * never seals again from counter 0, and a (key, session id) whose replay window was dropped never
 * opens again with an empty window. Named for what must never happen.
 */
class RetiredKeysTest {
    private static final long SESSION = 0x5E5510AL;


    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aClosedSessionsKeyNeverSealsAgainFromCounterZero(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(backend, 4, 2)) {
            SealingSession first = pool.newSession(key(1), SESSION);
            try (PacketBuilder b = pool.get()) {
                b.begin(first, 1, 1, 0).event(new byte[] {1}).seal(); // counter 0 under (key 1, prefix)
            }
            first.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.newSession(key(1), SESSION));
            assertTrue(e.getMessage().contains("already sealed in this JVM"), e.getMessage());
            // nor in another pool, nor as a pool's own key, nor with another id folding to the same prefix
            assertThrows(IllegalStateException.class,
                    () -> ThreadLocalPool.onBackend(backend, 2, key(1), SESSION, 0, 1).close());
            assertThrows(IllegalStateException.class,
                    () -> PacketPool.onBackend(backend, 2, key(1), SESSION, 0).close());
            long samePrefix = SESSION ^ 0xFFFFFFFFL ^ (0xFFFFFFFFL << 32);
            assertThrows(IllegalStateException.class, () -> pool.newSession(key(1), samePrefix));
            pool.newSession(key(2), SESSION).close(); // a fresh key is fine
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aClosedPoolsKeyNeverSealsAgain(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool tl = ThreadLocalPool.onBackend(backend, 2, key(3), SESSION, 0, 1);
             PacketBuilder b = tl.get()) {
            b.build(1, 1, List.of(), 0);
        }
        assertThrows(IllegalStateException.class, () -> ThreadLocalPool.onBackend(backend, 2, key(3), SESSION, 0, 1));
        try (PacketPool p = PacketPool.onBackend(backend, 2, key(4), SESSION, 0)) {
            try (PacketBuilder b = p.get()) {
                b.build(1, 1, List.of(), 0);
            }
            p.setKey(key(5), SESSION); // rekeyed away from key 4
            assertThrows(IllegalStateException.class, () -> p.setKey(key(4), SESSION), "back onto a retired key");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aKeyThatNeverSealedIsFreeAgain(String backendName) {
        // A session closed unused, or a set-up that failed, drew no counter: nothing can repeat.
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(backend, 2, 1)) {
            pool.newSession(key(11), SESSION).close();
            SealingSession again = pool.newSession(key(11), SESSION);
            try (PacketBuilder b = pool.get()) {
                assertEquals(0L, Codecs.on(backend)
                        .open(key(11), SESSION, toArray(b.begin(again, 1, 1, 0).seal())).counter());
            } catch (PacketException e) {
                throw new AssertionError(e);
            }
            again.close();
            assertThrows(IllegalStateException.class, () -> pool.newSession(key(11), SESSION), "it sealed now");
        }
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            table.add(key(12), SESSION);
            table.remove(SESSION); // its window never accepted a packet: an empty window again loses nothing
            table.add(key(12), SESSION);
        }
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aRemovedSessionsKeyNeverOpensWithAnEmptyWindow(String backendName) throws PacketException {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] packet = Codecs.on(backend).sealData(key(6), SESSION, 0, 1, 1, 0, 0, 0, 0,
                List.of(new byte[] {9}));
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            table.add(key(6), SESSION);
            assertTrue(table.tryOpen(ByteBuffer.wrap(packet.clone()), new OpenedPacket()));
            table.remove(SESSION);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> table.add(key(6), SESSION));
            assertTrue(e.getMessage().contains("would accept their old packets again"), e.getMessage());
            OpenedPacket replay = new OpenedPacket();
            assertFalse(table.tryOpen(ByteBuffer.wrap(packet.clone()), replay), "the old packet never opens twice");

            // rekey away (after a packet opened), drop the previous key, then try to come back to it
            table.add(key(7), SESSION + 1);
            assertTrue(table.tryOpen(ByteBuffer.wrap(Codecs.on(backend).sealData(key(7),
                    SESSION + 1, 0, 1, 1, 0, 0, 0, 0, List.of(new byte[] {1}))), new OpenedPacket()));
            table.rekey(SESSION + 1, key(8), SESSION + 2);
            assertTrue(table.dropPreviousKey(SESSION + 2));
            assertThrows(IllegalStateException.class, () -> table.rekey(SESSION + 2, key(7), SESSION + 1));
        }
        PacketReceiver r = PacketReceiver.onBackend(backend, key(9), SESSION);
        assertTrue(r.tryOpen(ByteBuffer.wrap(Codecs.on(backend).sealData(key(9),
                SESSION, 0, 1, 1, 0, 0, 0, 0, List.of(new byte[] {1}))), new OpenedPacket()));
        r.close();
        assertThrows(IllegalStateException.class, () -> PacketReceiver.onBackend(backend, key(9), SESSION));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void threadsRacingToReopenOneKeyNeverGetTwoSessions(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        int threads = 4;
        int rounds = 200;
        try (ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(backend, 8, 2)) {
            for (int round = 0; round < rounds; round++) {
                byte[] k = key(10);
                k[1] = (byte) round;
                k[2] = (byte) (round >> 8);
                AtomicInteger opened = new AtomicInteger();
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Thread> ts = new ArrayList<>();
                List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Thread th = new Thread(() -> {
                        try {
                            start.await();
                            for (int i = 0; i < 3; i++) {
                                SealingSession s;
                                try {
                                    s = pool.newSession(k, SESSION);
                                } catch (IllegalStateException refused) {
                                    continue;
                                }
                                opened.incrementAndGet();
                                try (PacketBuilder b = pool.get()) {
                                    b.begin(s, 1, 1, 0).seal();
                                }
                                s.close();
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    });
                    ts.add(th);
                    th.start();
                }
                for (Thread th : ts) {
                    th.join(Duration.ofSeconds(30).toMillis());
                }
                assertEquals(List.of(), errors);
                assertEquals(1, opened.get(), "round " + round + ": one (key, prefix) opened more than once");
            }
        }
    }

    @Test
    void memoryIsBoundedAndTheLastGenerationIsAlwaysRemembered() {
        RetiredKeys r = new RetiredKeys();
        int n = 3 * RetiredKeys.GENERATION + 17;
        for (long i = 1; i <= n; i++) {
            r.add(i * 0x9E3779B97F4A7C15L);
        }
        assertTrue(r.size() <= 2 * RetiredKeys.GENERATION, "size " + r.size());
        for (long i = n - RetiredKeys.GENERATION + 1; i <= n; i++) {
            assertTrue(r.contains(i * 0x9E3779B97F4A7C15L), "retirement " + i + " forgotten");
        }
        assertFalse(r.contains(1 * 0x9E3779B97F4A7C15L), "the oldest generations are dropped");
        r.add(0);
        assertTrue(r.contains(0), "0 is a fingerprint like any other");
    }
}
