package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.internal.send.PoolCores;
import dev.netseal.interop.Codecs;
import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Ports of the Rust original's ThreadLocalPool tests, each named for what must never happen.
 * Every test that seals runs on every backend.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ThreadLocalPoolTest {

    static final long SESSION = 0x1122_3344_5566_7788L;

    // ---- helpers ------------------------------------------------------------------------------


    static byte[] randomKey() {
        return TestSeeds.randomKey(); // seeded: -Dnetseal.test.seed replays it
    }

    /** The nonce counter of a sealed packet (bytes 16..24, little-endian). */
    static long counterOf(ByteBuffer packet) {
        return packet.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(packet.position() + 16);
    }

    /** The session id of a sealed packet (bytes 24..32, little-endian). */
    static long sessionOf(ByteBuffer packet) {
        return packet.duplicate().order(ByteOrder.LITTLE_ENDIAN).getLong(packet.position() + 24);
    }

    static byte[] copy(ByteBuffer packet) {
        byte[] out = new byte[packet.remaining()];
        packet.duplicate().get(out);
        return out;
    }

    static ByteBuffer seal(PacketBuilder b, String text) {
        return b.build(7, 1, List.of(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8))), 0);
    }

    /**
     * Opens {@code packet} (a copy) with every check but a replay window (the explicit-nonce
     * codec: no history, so checking one packet never retires its key) and returns its single
     * event as text.
     */
    static String openText(AeadBackend backend, byte[] key, long session, byte[] packet) throws PacketException {
        OpenedPacket p = Codecs.on(backend).open(key, session, packet.clone());
        assertEquals(1, p.eventCount());
        return new String(p.events().get(0), StandardCharsets.UTF_8);
    }

    static Reason refusal(AeadBackend backend, byte[] key, long session, byte[] packet) {
        PacketException e = assertThrows(PacketException.class,
                () -> Codecs.on(backend).open(key, session, packet.clone()));
        return e.reason();
    }

    static <T> T on(ExecutorService thread, Callable<T> task) throws Exception {
        return thread.submit(task).get(30, TimeUnit.SECONDS);
    }

    static ThreadLocalPool pool(AeadBackend backend, int size, byte[] key, long session, int local) {
        return ThreadLocalPool.onBackend(backend, size, key, session, 0L, local);
    }

    // ---- basics -------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void basicAcquireBuildReleaseNeverMisreportsItsShape(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        assertEquals(8, ThreadLocalPool.DEFAULT_LOCAL_CAPACITY);
        byte[] k = key(1);
        try (ThreadLocalPool pool = pool(backend, 16, k, SESSION, ThreadLocalPool.DEFAULT_LOCAL_CAPACITY)) {
            assertEquals(16, pool.capacity());
            assertEquals(16, pool.sharedAvailable(), "the shared queue starts full");
            assertEquals(SESSION, pool.sessionId());
            assertEquals(8, pool.localCapacity());

            PacketBuilder b = pool.acquire();
            assertNotNull(b);
            assertEquals(SESSION, b.sessionId());
            ByteBuffer packet = seal(b, "hello");
            assertTrue(packet.isReadOnly(), "a sealed packet is a read-only view");
            assertEquals(SESSION, sessionOf(packet));
            assertEquals(0L, counterOf(packet), "the first packet of a key uses counter 0");
            byte[] bytes = copy(packet);
            pool.release(b);
            assertEquals("hello", openText(backend, k, SESSION, bytes));
        }
    }

    @Test
    void publicFactoriesNeverIgnoreTheirArguments() {
        byte[] k = key(2);
        try (ThreadLocalPool a = ThreadLocalPool.create(4, k, 5L);
             ThreadLocalPool b = ThreadLocalPool.withOrigin(6, k, 6L, 99L);
             ThreadLocalPool c = ThreadLocalPool.withLocalCapacity(10, k, 7L, 99L, 3)) {
            assertEquals(4, a.capacity());
            assertEquals(5L, a.sessionId());
            assertEquals(ThreadLocalPool.DEFAULT_LOCAL_CAPACITY, a.localCapacity());
            assertEquals(6, b.capacity());
            assertEquals(ThreadLocalPool.DEFAULT_LOCAL_CAPACITY, b.localCapacity());
            assertEquals(10, c.capacity());
            assertEquals(3, c.localCapacity());
        }
        assertThrows(IllegalArgumentException.class, () -> ThreadLocalPool.create(4, new byte[31], 1L));
        assertThrows(IllegalArgumentException.class, () -> ThreadLocalPool.create(0, k, 1L));
        assertThrows(IllegalArgumentException.class, () -> ThreadLocalPool.withLocalCapacity(4, k, 1L, 0L, 0));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void acquireAfterReleaseOnOneThreadNeverHandsOutAnotherBuilder(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend, 16, key(3), SESSION, 4)) {
            PacketBuilder first = pool.acquire();
            seal(first, "a");
            pool.release(first);
            for (int i = 0; i < 10; i++) {
                PacketBuilder again = pool.acquire();
                assertSame(first, again, "round " + i);
                seal(again, "b");
                pool.release(again);
            }
            assertEquals(12, pool.sharedAvailable(), "only the first acquire touched the shared queue");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void getGuardNeverKeepsTheBuilderAfterTryWithResources(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(4);
        try (ThreadLocalPool pool = pool(backend, 8, k, SESSION, 2)) {
            PacketBuilder seen;
            byte[] bytes;
            try (PacketBuilder b = pool.get()) {
                seen = b;
                bytes = copy(seal(b, "guarded"));
            }
            assertEquals("guarded", openText(backend, k, SESSION, bytes));
            // It went back: releasing it again is a double release, and the next acquire gets it.
            assertThrows(IllegalStateException.class, () -> pool.release(seen));
            assertThrows(IllegalStateException.class, () -> seal(seen, "after release"),
                    "a released builder must not seal");
            assertSame(seen, pool.acquire());
        }
    }

    // ---- the thread cache ---------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void firstAcquireOfAThreadNeverMovesOtherThanLocalCapacity(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        for (int local : new int[] {1, 3, ThreadLocalPool.DEFAULT_LOCAL_CAPACITY}) {
            try (ThreadLocalPool pool = pool(backend, 40, key(5), SESSION, local)) {
                int expectedShared = 40;
                ExecutorService[] threads = new ExecutorService[3];
                for (int t = 0; t < threads.length; t++) {
                    threads[t] = Executors.newSingleThreadExecutor();
                }
                try {
                    for (ExecutorService thread : threads) {
                        int before = pool.sharedAvailable();
                        assertEquals(expectedShared, before);
                        int after = on(thread, () -> {
                            PacketBuilder b = pool.acquire();
                            int s = pool.sharedAvailable();
                            pool.release(b);
                            return s;
                        });
                        assertEquals(before - local, after, "one refill moves exactly localCapacity=" + local);
                        assertEquals(after, pool.sharedAvailable(), "the release stays in the thread's cache");
                        expectedShared -= local;
                        // Further acquires on that thread come from its cache alone.
                        int later = on(thread, () -> {
                            List<PacketBuilder> held = new ArrayList<>();
                            for (int i = 0; i < local; i++) {
                                held.add(pool.acquire());
                            }
                            int s = pool.sharedAvailable();
                            held.forEach(pool::release);
                            return s;
                        });
                        assertEquals(after, later, "acquiring what the cache holds must not touch the shared queue");
                    }
                } finally {
                    for (ExecutorService thread : threads) {
                        thread.shutdownNow();
                    }
                }
            }
        }
    }

    @Test
    void refillFromASmallSharedQueueNeverFailsOrMakesBuildersNeedlessly() {
        try (ThreadLocalPool pool = pool(TestBackends.get("java"), 3, key(6), SESSION, 8)) {
            PacketBuilder b = pool.acquire();
            assertEquals(0, pool.sharedAvailable(), "a refill takes what there is, up to localCapacity");
            assertEquals(3, PoolCores.liveBuilders(pool.core));
            PacketBuilder c = pool.acquire();
            PacketBuilder d = pool.acquire();
            assertEquals(3, PoolCores.liveBuilders(pool.core), "cached builders are used before new ones are made");
            PacketBuilder e = pool.acquire();
            assertEquals(4, PoolCores.liveBuilders(pool.core), "an empty pool makes a new builder on demand");
            assertEquals(4, new HashSet<>(List.of(b, c, d, e)).size());
            List.of(b, c, d, e).forEach(pool::release);
        }
    }

    @Test
    void releasesBeyondTwiceLocalCapacityNeverStayInTheThreadCache() {
        int local = 4;
        try (ThreadLocalPool pool = pool(TestBackends.get("java"), 32, key(7), SESSION, local)) {
            List<PacketBuilder> held = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                held.add(pool.acquire());
            }
            assertEquals(32 - 12, pool.sharedAvailable(), "three refills of " + local);
            for (int i = 0; i < 2 * local; i++) {
                pool.release(held.get(i));
                assertEquals(20, pool.sharedAvailable(), "the cache keeps up to 2 x localCapacity (release " + i + ")");
            }
            pool.release(held.get(2 * local));
            // The class contract: a full cache moves a batch of localCapacity to the shared queue.
            assertEquals(20 + local, pool.sharedAvailable(), "a release into a full cache spills to shared");
            for (int i = 2 * local + 1; i < 12; i++) {
                pool.release(held.get(i));
            }
            assertEquals(24, pool.sharedAvailable());
            // Now the cache holds exactly 2 x localCapacity: that many acquires leave shared alone,
            // the next one refills.
            held.clear();
            for (int i = 0; i < 2 * local; i++) {
                held.add(pool.acquire());
                assertEquals(24, pool.sharedAvailable(), "acquire " + i + " must come from the cache");
            }
            held.add(pool.acquire());
            assertEquals(24 - local, pool.sharedAvailable());
            held.forEach(pool::release);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sharedQueueNeverHoldsMoreThanCapacity(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        // capacity 3 (not a power of two) with local capacity 1: spills go to the shared queue.
        try (ThreadLocalPool pool = pool(backend, 3, key(8), SESSION, 1)) {
            List<PacketBuilder> held = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                held.add(pool.acquire()); // 3 from the queue, then 9 made on demand
            }
            for (PacketBuilder b : held) {
                pool.release(b);
                assertTrue(pool.sharedAvailable() <= pool.capacity(),
                        "sharedAvailable " + pool.sharedAvailable() + " > capacity " + pool.capacity());
            }
        }
    }

    // ---- the shared counter -------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void twoBuildersNeverDrawTheSameCounter(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(9);
        try (ThreadLocalPool pool = pool(backend, 8, k, SESSION, 2);
             PacketReceiver receiver = PacketReceiver.onBackend(backend, k, SESSION)) {
            PacketBuilder a = pool.acquire();
            PacketBuilder b = pool.acquire();
            assertNotSame(a, b);
            List<Long> counters = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                PacketBuilder which = (i % 3 == 0) ? b : a; // an uneven interleaving
                ByteBuffer p = seal(which, "n" + i);
                counters.add(counterOf(p));
                OpenedPacket opened = receiver.open(ByteBuffer.wrap(copy(p)));
                assertEquals("n" + i, new String(opened.events().get(0), StandardCharsets.UTF_8));
            }
            for (int i = 0; i < 20; i++) {
                assertEquals((long) i, counters.get(i), "builders of one pool draw 0, 1, 2, ... from one counter");
            }
            ByteBuffer hb = a.buildHeartbeat();
            assertEquals(20L, counterOf(hb), "a heartbeat draws a counter like any packet");
            pool.release(a);
            pool.release(b);
        }
    }

    // ---- misuse -------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void doubleReleaseNeverPutsABuilderInThePoolTwice(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend, 8, key(10), SESSION, 2)) {
            PacketBuilder b = pool.acquire();
            seal(b, "x");
            pool.release(b);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.release(b));
            assertTrue(e.getMessage().contains("released"), e.getMessage());
            assertThrows(IllegalStateException.class, b::close, "close() is a release too");
            PacketBuilder x = pool.acquire();
            PacketBuilder y = pool.acquire();
            assertNotSame(x, y, "a builder released twice would come out twice");
            pool.release(x);
            pool.release(y);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void releaseIntoAnotherPoolNeverSucceeds(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool a = pool(backend, 8, key(11), SESSION, 2);
             ThreadLocalPool b = pool(backend, 8, key(11), SESSION + 1, 2);
             PacketPool c = PacketPool.onBackend(backend, 8, key(11), SESSION + 2, 0L)) {
            PacketBuilder fromA = a.acquire();
            int bShared = b.sharedAvailable();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.release(fromA));
            assertTrue(e.getMessage().contains("another pool"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.release(fromA));
            PacketBuilder fromC = c.get();
            assertThrows(IllegalArgumentException.class, () -> a.release(fromC));
            assertEquals(bShared, b.sharedAvailable());
            for (int i = 0; i < 20; i++) {
                PacketBuilder fromB = b.acquire();
                assertNotSame(fromA, fromB, "pool B must never hand out A's builder");
                b.release(fromB);
            }
            // The refused release left the builder checked out of its own pool.
            a.release(fromA);
            c.release(fromC);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void twoPoolsNeverShareBuildersOrKeysOnAnyThread(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] keyA = key(12);
        byte[] keyB = key(13);
        // The same session id, so only the key tells the packets apart.
        try (ThreadLocalPool a = pool(backend, 8, keyA, SESSION, 2);
             ThreadLocalPool b = pool(backend, 8, keyB, SESSION, 2)) {
            int threads = 4;
            ExecutorService exec = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<Object[]>>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    results.add(exec.submit(() -> {
                        List<Object[]> out = new ArrayList<>();
                        for (int i = 0; i < 100; i++) {
                            ThreadLocalPool p = ((i + id) % 2 == 0) ? a : b;
                            PacketBuilder x = p.acquire();
                            PacketBuilder y = ((i + id) % 2 == 0) ? b.acquire() : a.acquire();
                            String text = id + ":" + i;
                            out.add(new Object[] {p, x, copy(seal(x, text)), text});
                            ThreadLocalPool q = (p == a) ? b : a;
                            out.add(new Object[] {q, y, copy(seal(y, text)), text});
                            // Release in a varying order, sometimes holding on across iterations.
                            if (i % 2 == 0) {
                                q.release(y);
                                p.release(x);
                            } else {
                                p.release(x);
                                q.release(y);
                            }
                        }
                        return out;
                    }));
                }
                Set<PacketBuilder> buildersA = Collections.newSetFromMap(new IdentityHashMap<>());
                Set<PacketBuilder> buildersB = Collections.newSetFromMap(new IdentityHashMap<>());
                try (PacketReceiver ra = PacketReceiver.onBackend(backend, keyA, SESSION);
                     PacketReceiver rb = PacketReceiver.onBackend(backend, keyB, SESSION)) {
                    for (Future<List<Object[]>> f : results) {
                        for (Object[] row : f.get(30, TimeUnit.SECONDS)) {
                            boolean isA = row[0] == a;
                            (isA ? buildersA : buildersB).add((PacketBuilder) row[1]);
                            byte[] packet = (byte[]) row[2];
                            PacketReceiver own = isA ? ra : rb;
                            PacketReceiver other = isA ? rb : ra;
                            OpenedPacket opened = Receivers.openWithoutReplayCheck(own, ByteBuffer.wrap(packet.clone()));
                            assertEquals(row[3], new String(opened.events().get(0), StandardCharsets.UTF_8));
                            PacketException e = assertThrows(PacketException.class,
                                    () -> Receivers.openWithoutReplayCheck(other, ByteBuffer.wrap(packet.clone())));
                            assertEquals(Reason.AUTH_FAILED, e.reason());
                        }
                    }
                }
                assertFalse(buildersA.isEmpty());
                assertFalse(buildersB.isEmpty());
                for (PacketBuilder x : buildersA) {
                    assertFalse(buildersB.contains(x), "a builder came out of both pools");
                }
            } finally {
                exec.shutdownNow();
            }
        }
    }

    // ---- close --------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedPoolNeverHandsOutOrKeepsBuilders(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        ThreadLocalPool pool = pool(backend, 8, key(14), SESSION, 2);
        WeakReference<PacketBuilder> released = closeThenRelease(pool);
        // Dropped means not even this thread's cache keeps it: with the pool (and so its
        // ThreadLocal) still strongly reachable, the builder must be collectable.
        assertTrue(TestGc.clears(released, 10_000),
                "a builder released after close is still referenced (thread cache?)");
        assertEquals(0, pool.sharedAvailable());
        assertThrows(IllegalStateException.class, pool::acquire);
    }

    /** Kept out of the test method so that no local variable of the caller holds the builder. */
    private static WeakReference<PacketBuilder> closeThenRelease(ThreadLocalPool pool) {
        PacketBuilder held = pool.acquire();
        seal(held, "before close");
        pool.close();
        pool.close(); // idempotent
        IllegalStateException e = assertThrows(IllegalStateException.class, pool::acquire);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, pool::get);
        assertThrows(IllegalStateException.class, () -> pool.setKey(key(15), 1L));
        assertEquals(0, pool.sharedAvailable(), "a closed pool keeps nothing in its shared queue");

        pool.release(held); // accepted, and dropped
        assertEquals(0, pool.sharedAvailable());
        assertThrows(IllegalStateException.class, () -> pool.release(held), "still a double release");
        assertThrows(IllegalStateException.class, pool::acquire);
        return new WeakReference<>(held);
    }

    // ---- rekey --------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void acquireAfterRekeyNeverSealsWithTheOldKeyOrSession(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k1 = key(16);
        byte[] k2 = key(17);
        byte[] k3 = key(18);
        long s1 = 100L;
        long s2 = 200L;
        try (ThreadLocalPool pool = pool(backend, 4, k1, s1, 2)) {
            PacketBuilder held = pool.acquire(); // stays in the caller's hands across the rekey
            PacketBuilder cached = pool.acquire();
            byte[] old = copy(seal(cached, "old"));
            pool.release(cached);
            assertEquals("old", openText(backend, k1, s1, old));

            pool.setKey(k2, s2);
            assertEquals(s2, pool.sessionId());
            PacketBuilder again = pool.acquire();
            assertSame(cached, again, "the builder cached before the rekey");
            assertEquals(s2, again.sessionId());
            ByteBuffer p = seal(again, "new");
            assertEquals(s2, sessionOf(p));
            assertEquals(0L, counterOf(p), "a new key starts its counter at 0");
            byte[] fresh = copy(p);
            ByteBuffer q = seal(held, "held");
            assertEquals(s2, sessionOf(q));
            assertEquals(1L, counterOf(q));
            byte[] heldPacket = copy(q);
            pool.release(again);
            pool.release(held);

            assertEquals(Reason.WRONG_SESSION, refusal(backend, k1, s1, fresh));
            assertEquals(Reason.AUTH_FAILED, refusal(backend, k1, s2, fresh), "the old key must not open it");
            assertEquals(Reason.AUTH_FAILED, refusal(backend, k1, s2, heldPacket));
            assertEquals("new", openText(backend, k2, s2, fresh));
            assertEquals("held", openText(backend, k2, s2, heldPacket));

            // A rekey that keeps the session id still changes the key (epochs, not session ids).
            pool.setKey(k3, s2);
            PacketBuilder b = pool.acquire();
            byte[] same = copy(seal(b, "same session"));
            pool.release(b);
            assertEquals(s2, sessionOf(ByteBuffer.wrap(same)));
            assertEquals(0L, counterOf(ByteBuffer.wrap(same)));
            assertEquals(Reason.AUTH_FAILED, refusal(backend, k2, s2, same));
            assertEquals("same session", openText(backend, k3, s2, same));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverLeavesStaleBuildersInCachesOrTheSharedQueue(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k1 = key(19);
        byte[] k2 = key(20);
        long s1 = 1L;
        long s2 = 2L;
        int local = 2;
        int perWorker = 2 * local; // fits the worker's cache exactly
        try (ThreadLocalPool pool = pool(backend, 24, k1, s1, local)) {
            ExecutorService[] workers = new ExecutorService[3];
            for (int t = 0; t < workers.length; t++) {
                workers[t] = Executors.newSingleThreadExecutor();
            }
            try {
                // Every worker seals with perWorker builders under the old key, then caches them.
                List<Set<PacketBuilder>> cachedBy = new ArrayList<>();
                for (ExecutorService w : workers) {
                    cachedBy.add(on(w, () -> {
                        Set<PacketBuilder> mine = Collections.newSetFromMap(new IdentityHashMap<>());
                        List<PacketBuilder> held = new ArrayList<>();
                        for (int i = 0; i < perWorker; i++) {
                            PacketBuilder b = pool.acquire();
                            assertEquals(s1, sessionOf(seal(b, "old")));
                            held.add(b);
                            mine.add(b);
                        }
                        held.forEach(pool::release);
                        return mine;
                    }));
                }
                // The caller holds two builders; the rest of the pool sits in the shared queue.
                PacketBuilder h1 = pool.acquire();
                PacketBuilder h2 = pool.acquire();
                seal(h1, "old");
                seal(h2, "old");
                int inShared = pool.sharedAvailable();
                assertTrue(inShared > 0, "the test needs builders in the shared queue");
                int liveBefore = PoolCores.liveBuilders(pool.core);

                pool.setKey(k2, s2);

                List<byte[]> packets = new ArrayList<>();
                for (int t = 0; t < workers.length; t++) {
                    Set<PacketBuilder> mine = cachedBy.get(t);
                    packets.addAll(on(workers[t], () -> {
                        List<byte[]> out = new ArrayList<>();
                        List<PacketBuilder> held = new ArrayList<>();
                        for (int i = 0; i < perWorker; i++) {
                            PacketBuilder b = pool.acquire();
                            assertTrue(mine.contains(b), "expected a builder from this thread's cache");
                            out.add(copy(seal(b, "new")));
                            held.add(b);
                        }
                        held.forEach(pool::release);
                        return out;
                    }));
                }
                packets.add(copy(seal(h1, "new")));
                packets.add(copy(seal(h2, "new")));
                // Take, on this thread, every builder that was parked in the shared queue at the
                // rekey (this thread's cache was empty: h1 and h2 used up its one refill) and seal
                // with each.
                List<PacketBuilder> drained = new ArrayList<>();
                for (int i = 0; i < inShared; i++) {
                    drained.add(pool.acquire());
                }
                assertEquals(0, pool.sharedAvailable(), "all of the shared queue was taken");
                for (PacketBuilder b : drained) {
                    packets.add(copy(seal(b, "new")));
                }
                assertEquals(liveBefore, PoolCores.liveBuilders(pool.core),
                        "every post-rekey seal used a builder made before the rekey");
                drained.forEach(pool::release);
                pool.release(h1);
                pool.release(h2);

                Set<Long> counters = new HashSet<>();
                try (PacketReceiver newKey = PacketReceiver.onBackend(backend, k2, s2);
                     PacketReceiver oldKeyNewSession = PacketReceiver.onBackend(backend, k1, s2)) {
                    for (byte[] p : packets) {
                        ByteBuffer bb = ByteBuffer.wrap(p);
                        assertEquals(s2, sessionOf(bb));
                        assertTrue(counters.add(counterOf(bb)), "counter repeated: " + counterOf(bb));
                        assertEquals("new", new String(
                                Receivers.openWithoutReplayCheck(newKey, ByteBuffer.wrap(p.clone())).events().get(0),
                                StandardCharsets.UTF_8));
                        PacketException e = assertThrows(PacketException.class,
                                () -> Receivers.openWithoutReplayCheck(oldKeyNewSession, ByteBuffer.wrap(p.clone())));
                        assertEquals(Reason.AUTH_FAILED, e.reason());
                    }
                }
                assertEquals(packets.size(), counters.size());
                for (long c = 0; c < packets.size(); c++) {
                    assertTrue(counters.contains(c), "the new key counts from 0 without gaps; missing " + c);
                }
            } finally {
                for (ExecutorService w : workers) {
                    w.shutdownNow();
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverKeepsTheOldKeyAlive(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = pool(backend, 4, key(21), 1L, 2)) {
            KeyEpoch first = pool.core.current();
            PacketBuilder b = pool.acquire();
            seal(b, "x");
            pool.setKey(key(22), 2L);
            KeyEpoch second = pool.core.current();
            assertNotSame(first, second);
            assertTrue(first.key.isDestroyed(), "the old key is wiped once setKey returns");
            assertFalse(second.key.isDestroyed());
            assertEquals(2L, second.sessionId);
            assertNotEquals(first.sessionId, second.sessionId);
            assertEquals(2L, sessionOf(seal(b, "y")));
            pool.release(b);
            assertThrows(IllegalArgumentException.class, () -> pool.setKey(new byte[16], 3L));
            assertThrows(NullPointerException.class, () -> pool.setKey(null, 3L));
            assertSame(second, pool.core.current(), "a refused rekey changes nothing");
        }
    }
}
