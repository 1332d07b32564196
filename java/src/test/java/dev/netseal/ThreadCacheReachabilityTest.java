package dev.netseal;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ThreadLocalPool holds every thread's cache itself (a thread holds nothing of the pool: no
 * ThreadLocal entry), and the builders in a cache keep their pool reference (see its class
 * comment). Every path a builder can take between the
 * caches, the shared queue and a caller's hands must leave a dropped pool collectable while the
 * threads live on.
 */
@Timeout(120)
class ThreadCacheReachabilityTest {


    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void noHandOffBetweenCachesKeepsADroppedPoolAlive(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        ExecutorService other = Executors.newSingleThreadExecutor(); // lives on, as a server's threads do
        try {
            List<WeakReference<ThreadLocalPool>> refs = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                // sessions of their own per backend: a collected pool's claim ends on the Cleaner's thread
                long session = ("native".equals(backendName) ? 8_000_000L : 7_000_000L) + i;
                refs.add(new WeakReference<>(exerciseAndDrop(backend, other, i, session)));
            }
            assertTrue(TestGc.until(() -> refs.stream().allMatch(r -> r.get() == null), 20_000),
                    refs.stream().filter(r -> r.get() != null).count() + " of " + refs.size()
                            + " dropped pools are still reachable");
        } finally {
            other.shutdownNow();
        }
    }

    /** Moves builders through every cache and hand-off, leaves some in each, drops the pool. */
    private static ThreadLocalPool exerciseAndDrop(AeadBackend backend, ExecutorService other, int i,
                                                   long session) throws Exception {
        ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 2, key(i), session, 0L, 1);
        // a cache for this thread and one for the executor's
        List<PacketBuilder> mine = new ArrayList<>();
        for (int n = 0; n < 5; n++) {
            mine.add(pool.acquire()); // refills, then makes new builders
        }
        List<PacketBuilder> theirs = other.submit(() -> {
            List<PacketBuilder> got = new ArrayList<>();
            for (int n = 0; n < 5; n++) {
                got.add(pool.acquire());
            }
            for (PacketBuilder b : mine) {
                pool.release(b); // this thread's builders into the other's cache, spilling
            }
            PacketBuilder held = pool.acquire();
            pool.release(held); // a stale slot must not keep the pool
            return got;
        }).get(10, TimeUnit.SECONDS);
        for (PacketBuilder b : theirs) {
            pool.release(b); // and theirs into this thread's cache, spilling
        }
        other.submit(() -> {
            PacketBuilder b = pool.acquire(); // a refill from the shared queue
            b.buildHeartbeat();
            b.close();
            pool.acquire(); // checked out and never given back: its old slot must not keep the pool
        }).get(10, TimeUnit.SECONDS);
        return pool;
    }
}
