package dev.netseal;

import dev.netseal.internal.send.PoolCores;
import dev.netseal.internal.send.KeyEpoch;
import static dev.netseal.ThreadLocalPoolTest.copy;
import static dev.netseal.ThreadLocalPoolTest.counterOf;
import static dev.netseal.TestKeys.key;
import static dev.netseal.ThreadLocalPoolTest.openText;
import static dev.netseal.ThreadLocalPoolTest.refusal;
import static dev.netseal.ThreadLocalPoolTest.seal;
import static dev.netseal.ThreadLocalPoolTest.sessionOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The core pool properties, for the shared-queue-only {@link PacketPool}. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PacketPoolTest {

    static final long SESSION = 0x0A0B_0C0D_0E0F_1011L;

    static PacketPool pool(AeadBackend backend, int size, byte[] key, long session) {
        return PacketPool.onBackend(backend, size, key, session, 0L);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void basicGetBuildReleaseNeverMisreportsItsShape(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(31);
        try (PacketPool pool = pool(backend, 5, k, SESSION)) {
            assertEquals(5, pool.capacity());
            assertEquals(5, pool.available(), "the queue starts full");
            assertEquals(SESSION, pool.sessionId());
            PacketBuilder b = pool.get();
            assertEquals(4, pool.available());
            ByteBuffer p = seal(b, "pp");
            assertEquals(SESSION, sessionOf(p));
            assertEquals(0L, counterOf(p));
            byte[] bytes = copy(p);
            pool.release(b);
            assertEquals(5, pool.available());
            assertEquals("pp", openText(backend, k, SESSION, bytes));
        }
    }

    @Test
    void publicFactoriesNeverIgnoreTheirArguments() {
        try (PacketPool a = PacketPool.create(3, key(32), 9L);
             PacketPool b = PacketPool.withOrigin(7, key(32), 10L, 1234L)) {
            assertEquals(3, a.capacity());
            assertEquals(9L, a.sessionId());
            assertEquals(7, b.capacity());
            assertEquals(10L, b.sessionId());
        }
        assertThrows(IllegalArgumentException.class, () -> PacketPool.create(3, new byte[33], 1L));
        assertThrows(IllegalArgumentException.class, () -> PacketPool.create(0, key(32), 1L));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void getGuardNeverKeepsTheBuilderAfterTryWithResources(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(33);
        try (PacketPool pool = pool(backend, 4, k, SESSION)) {
            PacketBuilder seen;
            byte[] bytes;
            try (PacketBuilder b = pool.get()) {
                seen = b;
                assertEquals(3, pool.available());
                bytes = copy(seal(b, "guarded"));
            }
            assertEquals(4, pool.available(), "closing the guard gave the builder back");
            assertEquals("guarded", openText(backend, k, SESSION, bytes));
            assertThrows(IllegalStateException.class, () -> pool.release(seen));
            assertThrows(IllegalStateException.class, () -> seal(seen, "x"), "a released builder must not seal");
            assertEquals(4, pool.available());
        }
    }

    @Test
    void emptyPoolNeverRefusesAndNeverGrowsBeyondCapacity() {
        try (PacketPool pool = pool(TestBackends.get("java"), 3, key(34), SESSION)) {
            List<PacketBuilder> held = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                held.add(pool.get()); // 3 from the queue, 3 made on demand
            }
            assertEquals(0, pool.available());
            assertEquals(6, PoolCores.liveBuilders(pool.core));
            Set<PacketBuilder> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
            distinct.addAll(held);
            assertEquals(6, distinct.size());
            for (PacketBuilder b : held) {
                pool.release(b);
                assertTrue(pool.available() <= pool.capacity(),
                        "available " + pool.available() + " > capacity " + pool.capacity());
            }
            assertEquals(pool.capacity(), pool.available(), "a full queue drops the extra builders");
        }
    }

    /**
     * 200,000 tasks on 8 threads take and give back builders of one queue (some hold two at once,
     * so the queue runs empty and builders are made on demand). Once every builder is back, the
     * queue must hold its full capacity: a release into a queue that is not full never drops a
     * builder (JCTools' relaxedOffer may fail on such a queue, and did: 2 of 256 were left).
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void contendedUseNeverLeavesAvailableBelowCapacity(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        for (int capacity : new int[] {256, 100}) {
            try (PacketPool pool = pool(backend, capacity, key(40), SESSION + capacity)) {
                ExecutorService exec = Executors.newFixedThreadPool(8);
                try {
                    List<Future<?>> tasks = new ArrayList<>();
                    for (int i = 0; i < 200_000; i++) {
                        int n = i;
                        tasks.add(exec.submit(() -> {
                            PacketBuilder a = pool.get();
                            PacketBuilder b = n % 2 == 0 ? pool.get() : null;
                            if (n % 1000 == 0) {
                                a.buildHeartbeat();
                            }
                            pool.release(a);
                            if (b != null) {
                                pool.release(b);
                            }
                        }));
                    }
                    for (Future<?> f : tasks) {
                        f.get(30, TimeUnit.SECONDS);
                    }
                } finally {
                    exec.shutdownNow();
                }
                assertEquals(capacity, pool.available(),
                        "builders were dropped by releases into a queue that was not full");
                // The queue keeps exactly what it holds: taking capacity builders makes none.
                int before = PoolCores.liveBuilders(pool.core);
                List<PacketBuilder> held = new ArrayList<>();
                for (int i = 0; i < capacity; i++) {
                    held.add(pool.get());
                }
                assertEquals(0, pool.available());
                assertTrue(PoolCores.liveBuilders(pool.core) <= before, "taking what the queue held made new builders");
                held.forEach(pool::release);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void buildersNeverDrawTheSameCounter(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = pool(backend, 4, key(35), SESSION)) {
            PacketBuilder a = pool.get();
            PacketBuilder b = pool.get();
            for (int i = 0; i < 10; i++) {
                assertEquals(2L * i, counterOf(seal(a, "a")));
                assertEquals(2L * i + 1, counterOf(seal(b, "b")));
            }
            a.close();
            b.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void doubleReleaseNeverPutsABuilderInTheQueueTwice(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = pool(backend, 4, key(36), SESSION)) {
            PacketBuilder b = pool.get();
            seal(b, "x");
            pool.release(b);
            assertThrows(IllegalStateException.class, () -> pool.release(b));
            assertThrows(IllegalStateException.class, b::close);
            assertEquals(4, pool.available(), "the second release must not enqueue it again");
            Set<PacketBuilder> out = Collections.newSetFromMap(new IdentityHashMap<>());
            List<PacketBuilder> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                PacketBuilder x = pool.get();
                assertTrue(out.add(x), "the same builder came out twice");
                held.add(x);
            }
            held.forEach(pool::release);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void releaseIntoAnotherPoolNeverSucceeds(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool a = pool(backend, 4, key(37), SESSION);
             PacketPool b = pool(backend, 4, key(37), SESSION + 1);
             ThreadLocalPool t = ThreadLocalPool.onBackend(backend, 4, key(37), SESSION + 2, 0L, 2)) {
            PacketBuilder fromA = a.get();
            assertThrows(IllegalArgumentException.class, () -> b.release(fromA));
            assertThrows(IllegalArgumentException.class, () -> t.release(fromA));
            assertEquals(4, b.available());
            PacketBuilder fromT = t.acquire();
            assertThrows(IllegalArgumentException.class, () -> a.release(fromT));
            for (int i = 0; i < 10; i++) {
                PacketBuilder x = b.get();
                assertNotSame(fromA, x);
                b.release(x);
            }
            a.release(fromA); // still checked out of its own pool
            t.release(fromT);
            assertEquals(4, a.available());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void twoPoolsNeverShareBuildersOrKeys(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] keyA = key(38);
        byte[] keyB = key(39);
        try (PacketPool a = pool(backend, 4, keyA, SESSION);
             PacketPool b = pool(backend, 4, keyB, SESSION)) {
            ExecutorService exec = Executors.newFixedThreadPool(3);
            try {
                List<Future<List<Object[]>>> results = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    int id = t;
                    results.add(exec.submit(() -> {
                        List<Object[]> out = new ArrayList<>();
                        for (int i = 0; i < 100; i++) {
                            PacketPool p = (i + id) % 2 == 0 ? a : b;
                            try (PacketBuilder x = p.get()) {
                                String text = id + "/" + i;
                                out.add(new Object[] {p, x, copy(seal(x, text)), text});
                            }
                        }
                        return out;
                    }));
                }
                Set<PacketBuilder> fromA = Collections.newSetFromMap(new IdentityHashMap<>());
                Set<PacketBuilder> fromB = Collections.newSetFromMap(new IdentityHashMap<>());
                try (PacketReceiver ra = PacketReceiver.onBackend(backend, keyA, SESSION);
                     PacketReceiver rb = PacketReceiver.onBackend(backend, keyB, SESSION)) {
                    for (Future<List<Object[]>> f : results) {
                        for (Object[] row : f.get(30, TimeUnit.SECONDS)) {
                            boolean isA = row[0] == a;
                            (isA ? fromA : fromB).add((PacketBuilder) row[1]);
                            byte[] packet = (byte[]) row[2];
                            OpenedPacket o = Receivers.openWithoutReplayCheck(isA ? ra : rb, ByteBuffer.wrap(packet.clone()));
                            assertEquals(row[3], new String(o.events().get(0), StandardCharsets.UTF_8));
                            PacketException e = assertThrows(PacketException.class,
                                    () -> Receivers.openWithoutReplayCheck(isA ? rb : ra, ByteBuffer.wrap(packet.clone())));
                            assertEquals(Reason.AUTH_FAILED, e.reason());
                        }
                    }
                }
                assertFalse(fromA.isEmpty());
                assertFalse(fromB.isEmpty());
                for (PacketBuilder x : fromA) {
                    assertFalse(fromB.contains(x), "a builder came out of both pools");
                }
            } finally {
                exec.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedPoolNeverHandsOutOrKeepsBuilders(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        PacketPool pool = pool(backend, 4, key(40), SESSION);
        WeakReference<PacketBuilder> released = closeThenRelease(pool);
        assertTrue(TestGc.clears(released, 10_000), "a builder released after close is still referenced");
        assertEquals(0, pool.available());
    }

    private static WeakReference<PacketBuilder> closeThenRelease(PacketPool pool) {
        PacketBuilder held = pool.get();
        seal(held, "before");
        pool.close();
        pool.close();
        assertTrue(pool.core.current().key.isDestroyed(), "close wipes the key");
        IllegalStateException e = assertThrows(IllegalStateException.class, pool::get);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> pool.setKey(key(41), 2L));
        assertEquals(0, pool.available());
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> seal(held, "after"));
        assertEquals("pool is closed", s.getMessage());
        pool.release(held);
        assertEquals(0, pool.available(), "a closed pool keeps nothing");
        assertThrows(IllegalStateException.class, () -> pool.release(held));
        return new WeakReference<>(held);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverLeavesQueuedOrHeldBuildersOnTheOldKey(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k1 = key(42);
        byte[] k2 = key(43);
        try (PacketPool pool = pool(backend, 3, k1, 1L)) {
            PacketBuilder held = pool.get();
            List<PacketBuilder> queued = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                queued.add(pool.get());
            }
            for (PacketBuilder b : queued) {
                seal(b, "old");
            }
            seal(held, "old");
            queued.forEach(pool::release);
            assertEquals(2, pool.available());
            KeyEpoch old = pool.core.current();

            pool.setKey(k2, 2L);
            assertTrue(old.key.isDestroyed());
            assertEquals(2L, pool.sessionId());
            List<byte[]> packets = new ArrayList<>();
            packets.add(copy(seal(held, "new")));
            for (int i = 0; i < 2; i++) {
                PacketBuilder b = pool.get();
                assertTrue(queued.contains(b));
                packets.add(copy(seal(b, "new")));
                b.close();
            }
            held.close();
            long expected = 0;
            for (byte[] p : packets) {
                assertEquals(2L, sessionOf(ByteBuffer.wrap(p)));
                assertEquals(expected++, counterOf(ByteBuffer.wrap(p)));
                assertEquals(Reason.WRONG_SESSION, refusal(backend, k1, 1L, p));
                assertEquals(Reason.AUTH_FAILED, refusal(backend, k1, 2L, p));
            }
            try (PacketReceiver r = PacketReceiver.onBackend(backend, k2, 2L)) {
                for (byte[] p : packets) {
                    assertEquals("new", new String(r.open(ByteBuffer.wrap(p.clone())).events().get(0),
                            StandardCharsets.UTF_8));
                }
            }
        }
    }
}
