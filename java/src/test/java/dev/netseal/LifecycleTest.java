package dev.netseal;

import dev.netseal.internal.send.PoolCores;
import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.internal.send.PoolCore;
import static dev.netseal.ThreadLocalPoolTest.copy;
import static dev.netseal.ThreadLocalPoolTest.counterOf;
import static dev.netseal.TestKeys.key;
import static dev.netseal.ThreadLocalPoolTest.seal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.NativeBackend;
import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pools end cleanly: nothing keeps a dropped pool alive, nothing seals after close, nothing leaks. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LifecycleTest {

    // ---- dropped pools ------------------------------------------------------------------------

    @Tag("slow") // GC and 100k-pool loops: left out of the mutation run (-Pmutation)
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void threadCachesNeverKeepADroppedPoolAlive(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        int threads = 4;
        int lifetimesPerThread = 500;
        // The threads stay alive while we check: their ThreadLocal maps still hold the caches.
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Object[]>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(exec.submit(() -> {
                    List<Object[]> refs = new ArrayList<>();
                    for (int i = 0; i < lifetimesPerThread; i++) {
                        refs.add(oneLifetime(backend, i, thread));
                    }
                    return refs;
                }));
            }
            List<WeakReference<ThreadLocalPool>> pools = new ArrayList<>();
            List<PoolCore> sampledCores = new ArrayList<>();
            for (Future<List<Object[]>> f : futures) {
                for (Object[] r : f.get(60, TimeUnit.SECONDS)) {
                    @SuppressWarnings("unchecked")
                    WeakReference<ThreadLocalPool> ref = (WeakReference<ThreadLocalPool>) r[0];
                    pools.add(ref);
                    if (r[1] != null) {
                        sampledCores.add((PoolCore) r[1]); // a core does not reference its pool
                    }
                }
            }
            assertEquals(threads * lifetimesPerThread, pools.size());
            boolean cleared = TestGc.until(() -> pools.stream().allMatch(r -> r.get() == null), 20_000);
            long alive = pools.stream().filter(r -> r.get() != null).count();
            assertTrue(cleared, alive + " of " + pools.size() + " dropped pools are still reachable");
            // The Cleaner then closes what the dropped pools left: the key is wiped.
            assertFalse(sampledCores.isEmpty());
            assertTrue(TestGc.until(() -> sampledCores.stream().allMatch(
                    c -> c.isClosed() && c.current().key.isDestroyed()), 20_000),
                    "a collected pool's key was not wiped by its Cleaner");
        } finally {
            exec.shutdownNow();
        }
    }

    /** One pool's life on the calling thread: acquire, seal, release, drop. */
    private static Object[] oneLifetime(AeadBackend backend, int i, int thread) {
        // A session of its own: a dropped pool holds its (key, session) until it is collected.
        long session = (1L << 40) + thread * 1_000_000L + i;
        ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 2, key(i), session, 0L, 1 + i % 3);
        PacketBuilder a = pool.acquire();
        PacketBuilder b = pool.acquire();
        seal(a, "x");
        pool.release(a);
        pool.release(b); // both sit in this thread's cache now
        if (i % 2 == 0) {
            pool.acquire().close(); // and through the guard
        }
        return new Object[] {new WeakReference<>(pool), i % 50 == 0 ? pool.core : null};
    }

    // ---- counter exhaustion -------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void exhaustedCounterNeverWrapsThreadLocalPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(60);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 2, k, 60L, 0L, 1)) {
            exhaust(backend, k, 60L, pool.core, pool::acquire);
            // setKey is the way out: a new key counts from 0 again.
            pool.setKey(key(61), 61L);
            PacketBuilder b = pool.acquire();
            assertEquals(0L, counterOf(seal(b, "fresh")));
            b.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void exhaustedCounterNeverWrapsPacketPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(62);
        try (PacketPool pool = PacketPool.onBackend(backend, 2, k, 62L, 0L)) {
            exhaust(backend, k, 62L, pool.core, pool::get);
        }
    }

    private static void exhaust(AeadBackend backend, byte[] k, long session, PoolCore<PacketBuilder> core,
                                java.util.function.Supplier<PacketBuilder> acquire) throws Exception {
        long limit = KeyEpoch.COUNTER_LIMIT;
        PoolCores.startCounterAt(core, limit - 5);
        PacketBuilder b = acquire.get();
        List<Long> counters = new ArrayList<>();
        List<byte[]> packets = new ArrayList<>();
        IllegalStateException refusal = null;
        for (int i = 0; i < 10 && refusal == null; i++) {
            try {
                ByteBuffer p = seal(b, "near the end");
                counters.add(counterOf(p));
                packets.add(copy(p));
            } catch (IllegalStateException e) {
                refusal = e;
            }
        }
        assertEquals(List.of(limit - 5, limit - 4, limit - 3, limit - 2, limit - 1), counters,
                "exactly the 5 counters below the limit are sealed");
        assertTrue(refusal != null, "sealing past the limit must refuse");
        assertTrue(refusal.getMessage().contains("exhausted"), refusal.getMessage());
        // Refusals keep refusing, on every builder and every kind of packet.
        for (int i = 0; i < 3; i++) {
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> seal(b, "again"));
            assertTrue(again.getMessage().contains("exhausted"), again.getMessage());
        }
        assertThrows(IllegalStateException.class, b::buildHeartbeat);
        PacketBuilder other = acquire.get();
        assertThrows(IllegalStateException.class, () -> seal(other, "other"));
        b.close();
        other.close();
        // What was sealed opens (without the replay window, which would find it too far ahead).
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, session)) {
            for (int i = 0; i < packets.size(); i++) {
                OpenedPacket o = Receivers.openWithoutReplayCheck(r, ByteBuffer.wrap(packets.get(i)));
                assertEquals(limit - 5 + i, o.counter());
            }
        }
        assertFalse(core.current().key.isDestroyed(), "exhaustion refuses; it does not wipe the key");
    }

    // ---- close ----------------------------------------------------------------------------------

    private static final int CLOSE_ROUNDS = 10;

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closeNeverLetsASealFinishWithAWipedKeyThreadLocalPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        for (int round = 0; round < CLOSE_ROUNDS; round++) { // the race is timing-dependent
            byte[] k = key(63 + round);
            ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, k, 63L, 0L, 2);
            closeWhileSealing(backend, k, 63L, pool, pool::acquire, pool.core);
            assertThrows(IllegalStateException.class, pool::acquire);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closeNeverLetsASealFinishWithAWipedKeyPacketPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        for (int round = 0; round < CLOSE_ROUNDS; round++) {
            byte[] k = key(164 + round);
            PacketPool pool = PacketPool.onBackend(backend, 4, k, 64L, 0L);
            closeWhileSealing(backend, k, 64L, pool, pool::get, pool.core);
            assertThrows(IllegalStateException.class, pool::get);
        }
    }

    /**
     * Four threads seal as fast as they can (two keep one builder, two acquire per packet) while
     * the main thread closes the pool. A seal that began after close() returned must not return
     * a packet; every packet that was returned must open with the real key; the only failure a
     * sealing thread may see is "pool is closed".
     */
    private static void closeWhileSealing(AeadBackend backend, byte[] k, long session, AutoCloseable pool,
                                          java.util.function.Supplier<PacketBuilder> acquire, PoolCore<PacketBuilder> core)
            throws Exception {
        int threads = 4;
        AtomicBoolean closeReturned = new AtomicBoolean();
        AtomicInteger sealed = new AtomicInteger();
        CountDownLatch warm = new CountDownLatch(threads);
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<byte[]>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                boolean keep = t % 2 == 0;
                futures.add(exec.submit(() -> {
                    List<byte[]> out = new ArrayList<>();
                    PacketBuilder kept = null;
                    try {
                        if (keep) {
                            kept = acquire.get();
                        }
                        for (int i = 0; ; i++) {
                            PacketBuilder b = keep ? kept : acquire.get();
                            boolean afterClose = closeReturned.get();
                            ByteBuffer p = seal(b, "c" + i);
                            if (afterClose) {
                                fail("a seal that began after close() returned gave a packet");
                            }
                            out.add(copy(p));
                            sealed.incrementAndGet();
                            if (!keep) {
                                b.close();
                            }
                            if (i == 1000) {
                                warm.countDown();
                            }
                        }
                    } catch (IllegalStateException e) {
                        assertEquals("pool is closed", e.getMessage());
                        if (kept != null) {
                            kept.close(); // releasing into a closed pool is fine
                        }
                        return out;
                    } finally {
                        warm.countDown(); // never leave the main thread waiting on a failed worker
                    }
                }));
            }
            assertTrue(warm.await(30, TimeUnit.SECONDS), "sealing threads did not get going");
            pool.close();
            closeReturned.set(true);
            assertTrue(core.current().key.isDestroyed(), "close wipes the key once in-flight seals are done");
            int total = 0;
            try (PacketReceiver r = PacketReceiver.onBackend(backend, k, session)) {
                for (Future<List<byte[]>> f : futures) {
                    for (byte[] p : f.get(30, TimeUnit.SECONDS)) {
                        try {
                            Receivers.openWithoutReplayCheck(r, ByteBuffer.wrap(p));
                        } catch (PacketException e) {
                            fail("a packet sealed around close() does not open (wiped key?): " + e.getMessage());
                        }
                        total++;
                    }
                }
            }
            assertEquals(sealed.get(), total);
            assertTrue(total >= threads * 1000, "only " + total + " packets sealed");
        } finally {
            exec.shutdownNow();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedPoolNeverSealsWithABuilderStillHeld(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        ThreadLocalPool tl = ThreadLocalPool.onBackend(backend, 2, key(65), 65L, 0L, 1);
        PacketPool pp = PacketPool.onBackend(backend, 2, key(66), 66L, 0L);
        PacketBuilder a = tl.acquire();
        PacketBuilder b = pp.get();
        seal(a, "before");
        seal(b, "before");
        PacketBuilder begunA = tl.acquire().begin(1, 1, 0).event(new byte[] {1, 2, 3});
        tl.close();
        pp.close();
        assertTrue(tl.core.current().key.isDestroyed(), "ThreadLocalPool.close wipes the key");
        assertTrue(pp.core.current().key.isDestroyed(), "PacketPool.close wipes the key");
        for (PacketBuilder x : List.of(a, b)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> seal(x, "after"));
            assertEquals("pool is closed", e.getMessage());
            e = assertThrows(IllegalStateException.class, x::buildHeartbeat);
            assertEquals("pool is closed", e.getMessage());
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, begunA::seal);
        assertEquals("pool is closed", e.getMessage());
        a.close();
        b.close();
        begunA.close();
    }

    // ---- native key handles -------------------------------------------------------------------

    /** The live handle count once it stops moving (Cleaners of earlier tests' pools). */
    private static int settledKeyHandles() throws InterruptedException {
        return (int) TestGc.settled(NativeBackend::liveKeyHandles);
    }

    @Tag("slow") // GC and 100k-pool loops: left out of the mutation run (-Pmutation)
    @Test
    void closedPoolsNeverLeakNativeKeyHandles() throws Exception {
        AeadBackend backend = TestBackends.get("native");
        int before = settledKeyHandles();
        for (int i = 0; i < 100_000; i++) {
            ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key(i), i, 0L, 1);
            if (i % 1000 == 0) {
                PacketBuilder b = pool.acquire();
                seal(b, "x");
                pool.setKey(key(i + 1), i + 1); // a retired epoch's handle must go too
                b.close();
            }
            pool.close();
        }
        for (int i = 0; i < 20_000; i++) {
            PacketPool pool = PacketPool.onBackend(backend, 1, key(200_000 + i), i, 0L); // keys the loop above never sealed with
            pool.close();
        }
        int after = NativeBackend.liveKeyHandles();
        // Not assertEquals: a Cleaner of an earlier test's pool may still lower the count.
        assertTrue(after <= before, "closed pools left " + (after - before) + " native key handles behind");
    }

    @Tag("slow") // GC and 100k-pool loops: left out of the mutation run (-Pmutation)
    @Test
    void droppedThreadLocalPoolsNeverLeakNativeKeyHandles() throws Exception {
        AeadBackend backend = TestBackends.get("native");
        int before = settledKeyHandles();
        int whileAlive = dropThreadLocalPools(backend, 1000);
        assertTrue(whileAlive > before, "the pools held handles while alive");
        assertTrue(TestGc.until(() -> NativeBackend.liveKeyHandles() <= before, 10_000),
                "dropped ThreadLocalPools still hold " + (NativeBackend.liveKeyHandles() - before)
                        + " native key handles after GC");
    }

    @Tag("slow") // GC and 100k-pool loops: left out of the mutation run (-Pmutation)
    @Test
    void droppedPacketPoolsNeverLeakNativeKeyHandles() throws Exception {
        AeadBackend backend = TestBackends.get("native");
        int before = settledKeyHandles();
        int whileAlive = dropPacketPools(backend, 1000);
        assertTrue(whileAlive > before, "the pools held handles while alive");
        assertTrue(TestGc.until(() -> NativeBackend.liveKeyHandles() <= before, 10_000),
                "dropped PacketPools still hold " + (NativeBackend.liveKeyHandles() - before)
                        + " native key handles after GC");
    }

    /** Makes and drops {@code n} pools; returns the live handle count while the last is alive. */
    private static int dropThreadLocalPools(AeadBackend backend, int n) {
        ThreadLocalPool pool = null;
        for (int i = 0; i < n; i++) {
            pool = ThreadLocalPool.onBackend(backend, 1, key(i), i, 0L, 1);
            pool.acquire().close();
        }
        int live = NativeBackend.liveKeyHandles();
        Reference.reachabilityFence(pool);
        return live;
    }

    private static int dropPacketPools(AeadBackend backend, int n) {
        PacketPool pool = null;
        for (int i = 0; i < n; i++) {
            pool = PacketPool.onBackend(backend, 1, key(i), i, 0L);
            pool.get().close();
        }
        int live = NativeBackend.liveKeyHandles();
        Reference.reachabilityFence(pool);
        return live;
    }
}
