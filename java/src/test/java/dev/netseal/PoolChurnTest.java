package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.BackendKind;
import dev.netseal.internal.aead.NativeBackend;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * 100 000 pool lifetimes on 4 threads (half closed, half just dropped) leave nothing behind: no
 * pool reachable, direct memory back to where it was, native key handles all freed.
 */
@Timeout(300)
class PoolChurnTest {

    private static final int THREADS = 4;
    private static final int LIFETIMES = 100_000;

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void poolChurnNeverLeaksPoolsNorMemory(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        boolean nativeBackend = backend.kind() == BackendKind.NATIVE;
        long directBefore = TestGc.settled(PoolChurnTest::directBytes);
        long handlesBefore = nativeBackend ? TestGc.settled(NativeBackend::liveKeyHandles) : 0;
        long sessionBase = (nativeBackend ? 2L : 1L) << 48;

        ExecutorService exec = Executors.newFixedThreadPool(THREADS); // live on, with their caches
        List<WeakReference<Object>> sample = new ArrayList<>();
        try {
            List<Future<List<WeakReference<Object>>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(exec.submit(() -> {
                    List<WeakReference<Object>> refs = new ArrayList<>();
                    byte[] key = new byte[32];
                    for (int i = 0; i < LIFETIMES / THREADS; i++) {
                        key[0] = (byte) i;
                        key[1] = (byte) (i >>> 8);
                        key[2] = (byte) thread;
                        long session = sessionBase + (long) thread * LIFETIMES + i;
                        Object pool = oneLifetime(backend, key, session, i);
                        if (i % 250 == 0) {
                            refs.add(new WeakReference<>(pool));
                        }
                    }
                    return refs;
                }));
            }
            for (Future<List<WeakReference<Object>>> f : futures) {
                sample.addAll(f.get(240, TimeUnit.SECONDS));
            }
            assertTrue(TestGc.until(() -> sample.stream().allMatch(r -> r.get() == null), 30_000),
                    sample.stream().filter(r -> r.get() != null).count() + " of " + sample.size()
                            + " sampled pools are still reachable");
            // one builder's buffer is 8 KiB: a leak of even 1% of 100 000 pools would show as 8 MiB
            long slack = 2L << 20;
            assertTrue(TestGc.until(() -> directBytes() <= directBefore + slack, 30_000),
                    "direct memory grew by " + (directBytes() - directBefore) + " bytes");
            if (nativeBackend) {
                assertTrue(TestGc.until(() -> NativeBackend.liveKeyHandles() <= handlesBefore, 30_000),
                        (NativeBackend.liveKeyHandles() - handlesBefore) + " native key handles leaked");
            }
        } finally {
            exec.shutdownNow();
        }
    }

    private static Object oneLifetime(AeadBackend backend, byte[] key, long session, int i) {
        if (i % 2 == 0) {
            ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key, session, 0L, 1);
            try (PacketBuilder b = pool.get()) {
                b.buildHeartbeat();
            }
            if (i % 4 == 0) {
                pool.close();
            }
            return pool;
        }
        PacketPool pool = PacketPool.onBackend(backend, 1, key, session, 0L);
        try (PacketBuilder b = pool.get()) {
            b.buildHeartbeat();
        }
        if (i % 4 == 1) {
            pool.close();
        }
        return pool;
    }

    private static long directBytes() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        throw new AssertionError("no direct buffer pool bean");
    }
}
