package dev.netseal;

import dev.netseal.internal.send.LocalCache;
import dev.netseal.internal.send.PoolCores;
import dev.netseal.internal.send.ThreadCaches;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * When a ThreadLocalPool's thread caches end. A thread that ended must not keep a cache, nor its
 * builders, for the pool's life (the pool, not the thread, holds the caches: see
 * ThreadCacheReachabilityTest for why a live thread never keeps a dropped pool alive). And a
 * closed ThreadLocalPool must never keep a thread's cache: not the builders in it (a release
 * racing close() can put one back after close() emptied it: the seam below puts it there
 * directly), not the cache of the thread that closes or releases, and closing must
 * never make a cache it then drops. And a virtual thread must never get a cache at all (on a
 * Java 21+ JVM; on Java 17 that test is skipped, saying so).
 */
@Timeout(60)
class ThreadCacheDropTest {

    private static ThreadLocalPool pool() {
        return ThreadLocalPool.buildersOnBackend(TestBackends.get("java"), 2, 1);
    }

    private static <T> T onOtherThread(ExecutorService thread, Callable<T> task) throws Exception {
        return thread.submit(task).get(10, TimeUnit.SECONDS);
    }

    /**
     * Short-lived threads, one after another, each taking and giving back a builder: the caches of
     * the threads that ended are dropped once their number doubles, and their builders go back to
     * the shared queue (or to the collector when it is full), so the pool never holds a cache, nor
     * a builder, per thread it ever saw.
     */
    @Test
    void endedThreadsNeverKeepTheirCachesOrBuilders() throws Exception {
        int size = 64; // room in the shared queue for what the ended threads' caches give back
        ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(TestBackends.get("java"), size, 1);
        pool.release(pool.acquire()); // this thread keeps its cache (and one builder) throughout
        int threads = 10 * ThreadCaches.PRUNE_MIN;
        for (int i = 0; i < threads; i++) {
            runAndEnd(() -> pool.release(pool.acquire()), "short-lived-" + i);
            // The caches are looked over when a new one finds PRUNE_MIN held: never more.
            assertTrue(PoolCores.heldCaches(pool.caches) <= ThreadCaches.PRUNE_MIN,
                    PoolCores.heldCaches(pool.caches) + " caches held after " + (i + 1) + " threads, all ended");
        }
        // Each thread took one builder from the shared queue and left it in its cache: unless the
        // ended threads' builders go back to the queue, it runs dry after `size` threads and every
        // later thread makes a builder.
        assertTrue(PoolCores.buildersMade(pool.core) <= size + ThreadCaches.PRUNE_MIN,
                PoolCores.buildersMade(pool.core) + " builders made for " + threads + " threads using one at a time"
                        + " (" + size + " prefilled): the ended threads' builders were not reused");
        // Held now: the shared queue, the first thread's cache (2) and the caches not yet dropped
        // (one builder each); a cache per thread ever seen would hold a builder per thread.
        int bound = size + 2 + ThreadCaches.PRUNE_MIN;
        assertTrue(TestGc.until(() -> PoolCores.liveBuilders(pool.core) <= bound, 20_000),
                PoolCores.liveBuilders(pool.core) + " builders still reachable after " + threads
                        + " threads that each used one at a time and ended (bound " + bound + ")");
        pool.close();
        assertEquals(0, PoolCores.heldCaches(pool.caches), "a closed pool still holds thread caches");
    }

    /**
     * Threads that live on keep their caches (and the builders in them) however many threads come
     * and go, and the caches are looked over only when their number has doubled since the last
     * look: with 12 live threads, the held caches grow to 24 before the ended ones are dropped,
     * never a scan on every new thread.
     */
    @Test
    void liveThreadsKeepTheirCachesAndTheLookIsAmortized() throws Exception {
        ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(TestBackends.get("java"), 64, 1);
        pool.release(pool.acquire()); // this thread's cache: live throughout
        int live = 12;
        ExecutorService lives = Executors.newFixedThreadPool(live);
        try {
            List<Future<PacketBuilder>> released = new ArrayList<>();
            CountDownLatch ready = new CountDownLatch(live);
            for (int t = 0; t < live; t++) {
                released.add(lives.submit(() -> {
                    PacketBuilder b = pool.acquire();
                    pool.release(b); // stays in this thread's cache
                    ready.countDown();
                    return b;
                }));
            }
            assertTrue(ready.await(10, TimeUnit.SECONDS));
            List<PacketBuilder> theirs = new ArrayList<>();
            for (Future<PacketBuilder> f : released) {
                theirs.add(f.get(10, TimeUnit.SECONDS));
            }
            assertEquals(live + 1, PoolCores.heldCaches(pool.caches));
            int most = 0;
            for (int i = 0; i < 4 * live; i++) {
                runAndEnd(() -> pool.release(pool.acquire()), "short-lived-" + i);
                most = Math.max(most, PoolCores.heldCaches(pool.caches));
                assertTrue(PoolCores.heldCaches(pool.caches) > live + 1, "a live thread's cache was dropped");
            }
            assertEquals(2 * (live + 1), most, "the caches were looked over before their number doubled");
            // Each live thread gets back the builder it left in its cache (a fixed pool of 12 runs
            // these 12 tasks on its 12 threads only when each waits for the others: the latch).
            CountDownLatch all = new CountDownLatch(live);
            List<Future<PacketBuilder>> again = new ArrayList<>();
            for (int t = 0; t < live; t++) {
                again.add(lives.submit(() -> {
                    all.countDown();
                    all.await(10, TimeUnit.SECONDS);
                    PacketBuilder b = pool.acquire();
                    pool.release(b);
                    return b;
                }));
            }
            Set<PacketBuilder> back = new HashSet<>();
            for (Future<PacketBuilder> f : again) {
                back.add(f.get(10, TimeUnit.SECONDS));
            }
            assertEquals(new HashSet<>(theirs), back, "a live thread's cache lost the builder it held");
        } finally {
            lives.shutdownNow();
        }
        pool.close();
    }

    /**
     * A builder a thread handed out before it ended still names that thread's cache as its home:
     * once the cache is dropped, that must not keep the builders the queue had no room for.
     */
    @Test
    void builderHandedOutByAnEndedThreadNeverKeepsItsOtherBuildersAlive() throws Exception {
        ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(TestBackends.get("java"), 1, 4);
        pool.release(pool.acquire()); // this thread's cache took the prefilled one
        PacketBuilder[] handed = new PacketBuilder[1];
        List<WeakReference<PacketBuilder>> left = new ArrayList<>();
        runAndEnd(() -> {
            PacketBuilder[] four = {pool.acquire(), pool.acquire(), pool.acquire(), pool.acquire()};
            for (int i = 1; i < 4; i++) {
                pool.release(four[i]); // three stay in this thread's cache
                left.add(new WeakReference<>(four[i]));
            }
            handed[0] = four[0]; // out, homed in this thread's cache
        }, "hands-out-and-ends");
        for (int i = 0; i < ThreadCaches.PRUNE_MIN; i++) { // the next new cache looks them over
            runAndEnd(() -> pool.release(pool.acquire()), "short-lived-" + i);
        }
        // The shared queue (capacity 1) took at most one of the three; the rest must go.
        assertTrue(TestGc.until(() -> left.stream().filter(r -> r.get() != null).count() <= 1, 20_000),
                left.stream().filter(r -> r.get() != null).count() + " of the ended thread's builders are still"
                        + " reachable through the builder it handed out");
        pool.release(handed[0]); // still works: into this thread's cache
        pool.close();
    }

    /** Runs {@code body} on a new thread and waits for it to end; rethrows what it threw. */
    private static void runAndEnd(Runnable body, String name) throws Exception {
        Throwable[] failed = new Throwable[1];
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failed[0] = e;
            }
        }, name);
        t.start();
        t.join(10_000);
        assertFalse(t.isAlive(), name + " did not end");
        if (failed[0] != null) {
            throw new AssertionError(name + " failed", failed[0]);
        }
    }

    @Test
    void closingThreadNeverKeepsItsCache() throws Exception {
        ThreadLocalPool pool = pool();
        pool.release(pool.acquire());
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            boolean[] had = onOtherThread(other, () -> {
                pool.release(pool.acquire());
                boolean before = PoolCores.hasCacheInThisThread(pool.caches);
                pool.close();
                return new boolean[] {before, PoolCores.hasCacheInThisThread(pool.caches)};
            });
            assertTrue(had[0], "the second thread has no cache after a release");
            assertFalse(had[1], "close() left the closing thread's cache");
            assertEquals(0, PoolCores.heldCaches(pool.caches), "a closed pool still holds thread caches");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void releaseAfterCloseNeverKeepsTheReleasingThreadsCache() throws Exception {
        ThreadLocalPool pool = pool();
        pool.release(pool.acquire());
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            PacketBuilder[] held = onOtherThread(other, () -> new PacketBuilder[] {pool.acquire(), pool.acquire()});
            LocalCache<PacketBuilder> theirs = held[0].home;
            assertEquals(2, PoolCores.heldCaches(pool.caches), "the second thread's cache is not held by the pool");
            pool.close(); // from this thread: empties their cache and drops it
            Object[] after = onOtherThread(other, () -> {
                theirs.push(held[1]); // as a release past its closed check would, after close()
                pool.release(held[0]);
                return new Object[] {theirs.pop(), PoolCores.hasCacheInThisThread(pool.caches)};
            });
            assertNull(after[0], "a closed pool's builder stayed in the releasing thread's cache");
            assertEquals(false, after[1], "a release after close made the thread a cache");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void releaseAfterCloseNeverKeepsTheClosingThreadsCache() {
        ThreadLocalPool pool = pool();
        PacketBuilder a = pool.acquire();
        PacketBuilder b = pool.acquire();
        LocalCache<PacketBuilder> mine = a.home;
        assertEquals(1, PoolCores.heldCaches(pool.caches), "the pool does not hold this thread's cache");
        pool.close();
        mine.push(b); // as a release past its closed check would, after close() emptied the cache
        pool.release(a);
        assertNull(mine.pop(), "a closed pool's builder stayed in the closing thread's cache");
    }

    @Test
    void closingAnUnusedPoolNeverMakesACache() throws Exception {
        ThreadLocalPool pool = pool();
        pool.close();
        assertEquals(0, PoolCores.heldCaches(pool.caches));
        assertFalse(PoolCores.hasCacheInThisThread(pool.caches), "close() made the closing thread a cache");
        ThreadLocalPool other = pool();
        PacketBuilder b = other.acquire();
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            other.close();
            boolean has = onOtherThread(thread, () -> {
                other.release(b); // a thread that never used the pool releases after close
                return PoolCores.hasCacheInThisThread(other.caches);
            });
            assertFalse(has, "a release after close made a cache for a thread that had none");
            assertEquals(0, PoolCores.heldCaches(other.caches));
        } finally {
            thread.shutdownNow();
        }
    }

    /** The first thread to use a pool finds its cache in the pool's field; no later thread takes that over. */
    @Test
    void firstThreadToUseThePoolKeepsTheFieldPath() throws Exception {
        ThreadLocalPool pool = pool();
        assertNull(pool.firstOwner, "a pool no thread used has a first owner");
        pool.release(pool.acquire());
        assertSame(Thread.currentThread(), pool.firstOwner);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            onOtherThread(other, () -> {
                pool.release(pool.acquire());
                return null;
            });
            assertSame(Thread.currentThread(), pool.firstOwner, "a second thread took the first's place");
            assertEquals(2, PoolCores.heldCaches(pool.caches), "the first thread's cache is not in the table too");
        } finally {
            other.shutdownNow();
        }
        pool.close();
    }

    @Test
    void releaseByAnotherThreadNeverTouchesTheTakingThreadsCache() throws Exception {
        ThreadLocalPool pool = pool();
        pool.release(pool.acquire());
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            PacketBuilder theirs = onOtherThread(other, pool::acquire);
            LocalCache<PacketBuilder> theirCache = theirs.home;
            pool.release(theirs); // their cache is theirs alone (plain fields): it goes into this thread's
            assertSame(Thread.currentThread(), theirs.home.owner);
            assertNull(onOtherThread(other, theirCache::pop), "another thread pushed into the taking thread's cache");
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void virtualThreadNeverGetsACache() throws Exception {
        Assumptions.assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21+; this JVM is "
                + Runtime.version() + " (VirtualThreadPoolTest covers them in a Java 25 child JVM)");
        ExecutorService virtual = (ExecutorService) Executors.class
                .getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        ThreadLocalPool pool = pool();
        PacketBuilder fromMain = pool.acquire(); // this platform thread gets a cache
        assertFalse(dev.netseal.internal.VirtualThreads.is(Thread.currentThread()));
        try {
            assertEquals(1, pool.sharedAvailable());
            Object[] seen = onOtherThread(virtual, () -> {
                boolean isVirtual = dev.netseal.internal.VirtualThreads.is(Thread.currentThread());
                PacketBuilder fromQueue = pool.acquire(); // the shared queue's last builder
                PacketBuilder made = pool.acquire(); // the queue is empty: a new one
                Object[] r = {isVirtual, fromQueue.home, made.home, fromQueue.owner, pool.sharedAvailable(),
                        PoolCores.buildersMade(pool.core), null, null, null};
                pool.release(fromQueue);
                pool.release(made);
                pool.release(fromMain); // another thread's builder: into the shared queue too
                r[6] = pool.sharedAvailable();
                r[7] = PoolCores.hasCacheInThisThread(pool.caches);
                r[8] = fromMain.home;
                return r;
            });
            assertEquals(true, seen[0], "a virtual thread taken for a platform thread");
            assertNull(seen[1], "a virtual thread's builder is homed in a cache");
            assertNull(seen[2]);
            assertSame(pool, seen[3], "an acquired builder must reference its pool");
            assertEquals(0, seen[4]);
            assertEquals(3L, seen[5], "the 2 prefilled and 1 made on demand");
            assertEquals(2, seen[6], "a virtual thread's release goes to the shared queue (capacity 2)");
            assertEquals(false, seen[7], "a virtual thread got a cache");
            assertNull(seen[8]);
            assertEquals(1, PoolCores.heldCaches(pool.caches), "only the platform thread's cache");

            // a virtual thread's builder (homed nowhere) released by this platform thread: into its cache
            PacketBuilder fromVirtual = onOtherThread(virtual, pool::acquire);
            assertNull(fromVirtual.home);
            pool.release(fromVirtual);
            assertSame(Thread.currentThread(), fromVirtual.home.owner);
            assertSame(fromVirtual, pool.acquire(), "this thread's cache hands back what it was given");

            PacketBuilder last = pool.acquire();
            pool.close();
            assertEquals(false, onOtherThread(virtual, () -> {
                pool.release(last); // after close, from a virtual thread: dropped, no cache made
                return PoolCores.hasCacheInThisThread(pool.caches);
            }));
        } finally {
            virtual.shutdownNow();
        }
    }
}
