package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Closing frees: a closed pool's builders are not held by threads that live on. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClosedPoolMemoryTest {

    /**
     * Worker threads fill their caches with a pool's builders and then wait, alive, never
     * touching the pool again; the pool is closed and kept reachable. Every builder it made must
     * become unreachable: no thread cache (nor the first thread's cache in the pool) pins them.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedPoolsBuildersAreNeverHeldByLiveThreads(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(backend, 8, 4);
        SealingSession session = pool.newSession(SharedBuildersTest.keyFor(1), 1);
        List<WeakReference<PacketBuilder>> made = new ArrayList<>();
        CountDownLatch filled = new CountDownLatch(3);
        CountDownLatch end = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            Thread w = new Thread(() -> {
                List<PacketBuilder> held = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    PacketBuilder b = pool.acquire();
                    b.buildHeartbeat(session);
                    held.add(b);
                }
                synchronized (made) {
                    held.forEach(b -> made.add(new WeakReference<>(b)));
                }
                held.forEach(pool::release); // into this thread's cache
                held.clear();
                filled.countDown();
                try {
                    end.await(); // alive, never touching the pool again
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            w.start();
            workers.add(w);
        }
        try {
            assertTrue(filled.await(30, TimeUnit.SECONDS));
            pool.close();
            assertTrue(session.isClosed());
            for (WeakReference<PacketBuilder> ref : made) {
                assertTrue(TestGc.clears(ref, 10_000),
                        "a closed pool's builder is still held while its thread lives on");
            }
            assertEquals(18, made.size());
        } finally {
            end.countDown();
            for (Thread w : workers) {
                w.join(10_000);
            }
        }
        // the pool stays reachable until here
        assertTrue(pool.core.isClosed());
    }
}
