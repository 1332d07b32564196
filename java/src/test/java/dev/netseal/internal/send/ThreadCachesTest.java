package dev.netseal.internal.send;

import dev.netseal.PacketBuilder;
import dev.netseal.TestBackends;
import dev.netseal.ThreadLocalPool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The table a ThreadLocalPool finds each thread's cache in: a lookup never makes a cache, each
 * thread finds its own (also when thread ids collide in the table and when it grows), and
 * nothing is found or held after clearAll.
 */
@Timeout(60)
class ThreadCachesTest {

    @SuppressWarnings("deprecation") // getId(): the table's own key
    private static long id(Thread t) {
        return t.getId();
    }

    @Test
    void lookupNeverMakesACacheAndFindsTheOneMade() {
        ThreadCaches<Object> caches = new ThreadCaches<>();
        Thread me = Thread.currentThread();
        assertNull(caches.find(me));
        assertEquals(0, caches.all.size(), "a lookup made a cache");
        LocalCache<Object> mine = caches.findOrAdd(me, 2, c -> false);
        assertSame(me, mine.owner);
        assertSame(mine, caches.find(me));
        assertSame(mine, caches.findOrAdd(me, 2, c -> false), "a second cache for one thread");
        assertEquals(1, caches.all.size());
    }

    /** Threads whose ids are equal mod the smallest table's size share a first slot. */
    @Test
    void everyThreadFindsItsOwnWhenIdsCollide() throws Exception {
        assertEveryThreadFindsItsOwn(4, 2 * ThreadCaches.PRUNE_MIN);
    }

    /** More caches than half the first table: it grows, and every lookup still finds its own. */
    @Test
    void everyThreadFindsItsOwnAfterTheTableGrows() throws Exception {
        assertEveryThreadFindsItsOwn(5 * ThreadCaches.PRUNE_MIN, 1);
    }

    /** Makes {@code n} live threads whose ids are equal mod {@code stride}, each with a cache. */
    private static void assertEveryThreadFindsItsOwn(int n, int stride) throws Exception {
        ThreadCaches<Object> caches = new ThreadCaches<>();
        CountDownLatch done = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<AtomicReference<LocalCache<Object>>> made = new ArrayList<>();
        long base = -1;
        try {
            while (threads.size() < n) {
                AtomicReference<LocalCache<Object>> mine = new AtomicReference<>();
                CountDownLatch ran = new CountDownLatch(1);
                Thread t = new Thread(() -> {
                    mine.set(caches.findOrAdd(Thread.currentThread(), 2, c -> false));
                    ran.countDown();
                    try {
                        done.await(); // alive until the checks are done
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "cache-owner");
                if (base < 0) {
                    base = id(t);
                }
                if ((id(t) - base) % stride != 0) {
                    continue; // never started: its id is not one of the stride
                }
                t.start();
                assertTrue(ran.await(10, TimeUnit.SECONDS));
                threads.add(t);
                made.add(mine);
            }
            assertEquals(n, caches.all.size());
            for (int i = 0; i < n; i++) {
                LocalCache<Object> c = made.get(i).get();
                assertSame(threads.get(i), c.owner);
                assertSame(c, caches.find(threads.get(i)), "thread " + i + " of " + n + " did not find its own cache");
                for (int j = 0; j < i; j++) {
                    assertNotSame(made.get(j).get(), c, "two threads share a cache");
                }
            }
            assertNull(caches.find(Thread.currentThread()), "a thread without a cache found one");
        } finally {
            done.countDown();
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    @Test
    void endedThreadsCachesAreDroppedOnlyAtTheMark() throws Exception {
        ThreadCaches<Object> caches = new ThreadCaches<>();
        caches.findOrAdd(Thread.currentThread(), 2, c -> false);
        List<LocalCache<Object>> asked = new ArrayList<>();
        for (int i = 1; i < ThreadCaches.PRUNE_MIN; i++) {
            Thread t = new Thread(() -> caches.findOrAdd(Thread.currentThread(), 2, c -> {
                asked.add(c);
                return !c.owner.isAlive();
            }));
            t.start();
            t.join();
        }
        assertEquals(ThreadCaches.PRUNE_MIN, caches.all.size());
        assertEquals(0, asked.size(), "caches looked over before the mark");
        Thread next = new Thread(() -> caches.findOrAdd(Thread.currentThread(), 2, c -> {
            asked.add(c);
            return !c.owner.isAlive();
        }));
        next.start();
        next.join();
        assertEquals(ThreadCaches.PRUNE_MIN, asked.size(), "every held cache is looked over at the mark");
        assertEquals(2, caches.all.size(), "this thread's and the new one's are left");
        assertTrue(caches.find(Thread.currentThread()) != null, "a live thread's cache was dropped");
    }

    @Test
    void nothingIsFoundNorHeldAfterClearAll() {
        ThreadCaches<Object> caches = new ThreadCaches<>();
        Thread me = Thread.currentThread();
        LocalCache<Object> mine = caches.findOrAdd(me, 2, c -> false);
        Object b = new Object();
        mine.push(b);
        caches.clearAll();
        assertNull(mine.pop(), "clearAll left a builder in a cache");
        assertNull(caches.find(me));
        assertEquals(0, caches.all.size());
        LocalCache<Object> after = caches.findOrAdd(me, 2, c -> false);
        assertNotNull(after, "a closed pool's thread got no cache to work with");
        assertSame(me, after.owner);
        assertNotSame(mine, after);
        assertEquals(0, caches.all.size(), "a cache made after clearAll is held");
        assertNull(caches.find(me), "a cache made after clearAll is found");
    }

    /** At most half full, and no bigger than that needs: the smallest power of two of slots, padded. */
    @Test
    void tableIsTheSmallestPowerOfTwoAtLeastTwiceItsCaches() {
        int[][] sizes = {{0, 32}, {1, 32}, {16, 32}, {17, 64}, {32, 64}, {33, 128}, {100, 256}};
        for (int[] c : sizes) {
            List<LocalCache<Object>> list = new ArrayList<>();
            for (int i = 0; i < c[0]; i++) {
                list.add(new LocalCache<>(1));
            }
            LocalCache<?>[] t = ThreadCaches.tableOf(list);
            assertEquals(c[1] + 2 * ThreadCaches.SLOT_PAD, t.length, "slots for " + c[0] + " caches");
            long used = java.util.Arrays.stream(t).filter(java.util.Objects::nonNull).count();
            assertEquals(c[0], used, "caches in the table");
            for (int i = 0; i < ThreadCaches.SLOT_PAD; i++) {
                assertNull(t[i], "a padding slot before the table is used");
                assertNull(t[t.length - 1 - i], "a padding slot after the table is used");
            }
        }
    }

    /** A thread's cache sits in the slot of its thread id when no other cache's id shares it. */
    @Test
    void aCacheSitsInItsThreadsOwnSlot() throws Exception {
        AtomicReference<LocalCache<Object>> made = new AtomicReference<>();
        Thread t;
        do { // an id that is not 0 mod the table's size, so that slot 0 would be a wrong answer
            t = new Thread(() -> made.set(new LocalCache<>(1)), "slotted");
        } while ((id(t) & 31) == 0);
        t.start();
        t.join();
        LocalCache<Object> c = made.get();
        LocalCache<?>[] table = ThreadCaches.tableOf(List.of(c));
        assertSame(c, table[ThreadCaches.SLOT_PAD + (int) (id(t) & 31)], "not in its thread's slot");
    }
}
