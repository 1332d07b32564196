package dev.netseal.internal.receive;

import dev.netseal.ReceiverOnRealNetworksTest;
import dev.netseal.TestSeeds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The session id map: a long-keyed map with lock-free lookups, alone and under racing writers. */
class SessionIdMapTest {

    /** A value that names its key, so a lookup that returned another key's value shows. */
    record Value(long key, int generation) {
    }

    private static final long[] EDGE_KEYS = {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1,
        Long.MAX_VALUE - 1, 0x8000_0000L, 0xFFFF_FFFFL, 1L << 32};

    /** put replaces what a key maps to, and never leaves the key mapped twice or to nothing. */
    @Test
    void putNeverLeavesTheOldValueNorASecondEntry() {
        SessionIdMap<String> map = new SessionIdMap<>();
        assertNull(map.put(7L, "a"));
        assertSame("a", map.put(7L, "b"), "put must return what it replaced");
        assertSame("b", map.get(7L));
        assertEquals(1, map.size(), "a replacing put counted a second entry");
        assertTrue(map.remove(7L, "b"));
        assertNull(map.get(7L));
        assertEquals(0, map.size());
        assertNull(map.put(7L, "c"), "a put after a remove found the removed value");
        for (long k = 0; k < 1000; k++) {
            map.put(k << 32, "k" + k); // grows the table under put
        }
        assertEquals(1001, map.size());
        assertSame("c", map.get(7L));
        assertThrows(NullPointerException.class, () -> map.put(1L, null));
    }

    @Test
    void putGetRemoveAndPutAgain() {
        SessionIdMap<Value> map = new SessionIdMap<>();
        assertNull(map.get(42));
        Value a = new Value(42, 0);
        assertNull(map.putIfAbsent(42, a));
        assertSame(a, map.get(42));
        assertEquals(1, map.size());

        Value b = new Value(42, 1);
        assertSame(a, map.putIfAbsent(42, b), "an id already mapped keeps its value");
        assertSame(a, map.get(42));
        assertFalse(map.remove(42, b), "only the value mapped is removed");
        assertFalse(map.remove(42, new Value(42, 0)), "by identity, not equals");
        assertFalse(map.remove(43, a));
        assertSame(a, map.get(42));

        assertTrue(map.remove(42, a));
        assertNull(map.get(42));
        assertEquals(0, map.size());
        assertFalse(map.remove(42, a), "removed once");

        assertNull(map.putIfAbsent(42, b), "a removed id can be mapped again (replaced)");
        assertSame(b, map.get(42));
        assertEquals(1, map.size());
        assertThrows(NullPointerException.class, () -> map.putIfAbsent(7, null));
        assertFalse(map.remove(7, null));
        assertEquals(1, map.size());
    }

    @Test
    void edgeKeysAreIndependentEntries() {
        SessionIdMap<Value> map = new SessionIdMap<>();
        // An empty slot's key is 0 in the array: an absent 0 must still read as absent.
        assertNull(map.get(0));
        for (long k : EDGE_KEYS) {
            assertNull(map.putIfAbsent(k, new Value(k, 0)));
        }
        assertEquals(EDGE_KEYS.length, map.size());
        for (long k : EDGE_KEYS) {
            assertEquals(k, map.get(k).key());
        }
        for (int i = 0; i < EDGE_KEYS.length; i += 2) {
            assertTrue(map.remove(EDGE_KEYS[i], map.get(EDGE_KEYS[i])));
        }
        for (int i = 0; i < EDGE_KEYS.length; i++) {
            Value v = map.get(EDGE_KEYS[i]);
            if (i % 2 == 0) {
                assertNull(v, Long.toHexString(EDGE_KEYS[i]));
            } else {
                assertEquals(EDGE_KEYS[i], v.key());
            }
        }
    }

    @Test
    void growsAndShrinksAcross200000Keys() {
        SessionIdMap<Value> map = new SessionIdMap<>();
        SplittableRandom rnd = new SplittableRandom(TestSeeds.seed());
        Map<Long, Value> model = new HashMap<>();
        while (model.size() < 200_000) {
            // half counting up from 0, half random: dense and sparse ids
            long k = model.size() % 2 == 0 ? model.size() : rnd.nextLong();
            Value v = new Value(k, 0);
            if (model.putIfAbsent(k, v) == null) {
                assertNull(map.putIfAbsent(k, v));
            }
        }
        assertEquals(model.size(), map.size());
        model.forEach((k, v) -> assertSame(v, map.get(k)));
        assertNull(map.get(-2));

        List<Long> keys = new ArrayList<>(model.keySet());
        for (int i = 0; i < keys.size(); i += 2) {
            assertTrue(map.remove(keys.get(i), model.remove(keys.get(i))));
        }
        assertEquals(model.size(), map.size());
        for (int i = 0; i < keys.size(); i++) {
            assertSame(model.get(keys.get(i)), map.get(keys.get(i)));
        }
        // down to a handful (shrinking on the way), then up again over the tombstones' ids
        for (int i = 1; i < keys.size() - 20; i += 2) {
            assertTrue(map.remove(keys.get(i), model.remove(keys.get(i))));
        }
        assertEquals(model.size(), map.size());
        model.forEach((k, v) -> assertSame(v, map.get(k)));
        for (long k : keys) {
            Value v = new Value(k, 1);
            if (model.putIfAbsent(k, v) == null) {
                assertNull(map.putIfAbsent(k, v));
            }
        }
        assertEquals(keys.size(), map.size());
        model.forEach((k, v) -> assertSame(v, map.get(k)));
    }

    /**
     * Ids whose low bits are all equal (only their high bits differ) would all share one probe chain
     * if the slot were the id's low bits: inserting and finding 200,000 of them would take some
     * 2 * 10^10 probes. Mixed, they spread, and the whole test takes milliseconds.
     */
    @Test
    void idsThatCollideAfterTruncationStillSpread() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            int n = 200_000;
            for (int shift : new int[] {32, 40, 20}) {
                SessionIdMap<Value> map = new SessionIdMap<>();
                for (long i = 0; i < n; i++) {
                    long k = (i << shift) | 0x5EED;
                    assertNull(map.putIfAbsent(k, new Value(k, 0)));
                }
                for (long i = 0; i < n; i++) {
                    long k = (i << shift) | 0x5EED;
                    assertEquals(k, map.get(k).key());
                    assertNull(map.get(k ^ 1));
                }
                assertEquals(n, map.size());
            }
        });
    }

    /**
     * The slot of an id is MurmurHash3's fmix64 of the id and the table's seed, exactly: the
     * values below are the published finaliser's, computed apart from this code.
     */
    @Test
    void theMixIsMurmurHash3sFinaliser() {
        long[][] known = {
            {0L, 0L},
            {1L, 0xb456bcfc34c2cb2cL},
            {2L, 0x3abf2a20650683e7L},
            {0x0123456789abcdefL, 0x87cbfbfe89022ceaL},
            {-1L, 0x64b5720b4b825f21L},
            {Long.MIN_VALUE, 0x8f780810af31a493L},
            {0xffffffffL, 0xcc71ecda2aa8bcc6L},
            {0xdeadbeef00000000L, 0xdea2cb5a87d0e287L},
        };
        for (long[] k : known) {
            assertEquals(k[1], SessionIdMap.mix(k[0]), Long.toHexString(k[0]));
        }
        SessionIdMap<Value> map = new SessionIdMap<>();
        SessionIdMap.Table t = map.table;
        assertEquals((int) SessionIdMap.mix(42 ^ t.seed) & (t.keys.length - 1), t.home(42));
    }

    /**
     * A table holds its entries at a quarter to a half of its slots: it is built for four slots per
     * entry (16 at least), grows when an insert would fill more than half (tombstones count: a
     * table of removed ids is rebuilt clean at the same size), and shrinks once live entries fall
     * below a sixteenth; a table at the least capacity is never rebuilt for removals. Past 2^28
     * entries it refuses.
     */
    @Test
    void tablesGrowAndShrinkExactlyAtTheirThresholds() {
        assertEquals(16, SessionIdMap.capacityFor(0));
        assertEquals(16, SessionIdMap.capacityFor(4));
        assertEquals(32, SessionIdMap.capacityFor(5));
        assertEquals(32, SessionIdMap.capacityFor(8));
        assertEquals(64, SessionIdMap.capacityFor(9));
        assertEquals(1 << 30, SessionIdMap.capacityFor(1 << 28));
        assertThrows(IllegalStateException.class, () -> SessionIdMap.capacityFor((1 << 28) + 1));

        SessionIdMap<Value> map = new SessionIdMap<>();
        List<Value> values = new ArrayList<>();
        for (long k = 0; k < 8; k++) {
            values.add(new Value(k * 1_000_003, 0));
            map.put(values.get((int) k).key(), values.get((int) k));
        }
        assertEquals(16, map.table.keys.length, "8 entries fill half of 16 slots, not more");
        assertEquals(8, map.table.used);
        values.add(new Value(8 * 1_000_003, 0));
        map.put(values.get(8).key(), values.get(8));
        assertEquals(64, map.table.keys.length, "the 9th grows the table, built for 9");
        assertEquals(9, map.table.used, "a rebuilt table counts the entries it copied");
        for (int left = 8; left >= 4; left--) {
            assertTrue(map.remove(values.get(left).key(), values.get(left)));
            assertEquals(64, map.table.keys.length, left + " entries left");
        }
        assertTrue(map.remove(values.get(3).key(), values.get(3)));
        assertEquals(16, map.table.keys.length, "3 entries, below 64 / 16: shrunk");
        assertEquals(3, map.table.used);
        for (int i = 0; i < 3; i++) {
            assertSame(values.get(i), map.get(values.get(i).key()));
        }
        SessionIdMap.Table smallest = map.table;
        for (int i = 0; i < 3; i++) {
            assertTrue(map.remove(values.get(i).key(), values.get(i)));
        }
        assertSame(smallest, map.table, "a table of the least capacity is not rebuilt for removals");

        SessionIdMap<Value> churn = new SessionIdMap<>();
        SessionIdMap.Table first = churn.table;
        for (long k = 0; k < 8; k++) {
            Value v = new Value(k, 0);
            churn.put(k, v);
            assertTrue(churn.remove(k, v));
        }
        assertSame(first, churn.table);
        assertEquals(8, first.used, "tombstones keep their slots");
        churn.put(100, new Value(100, 0));
        assertEquals(16, churn.table.keys.length, "rebuilt clean at the same size");
        assertEquals(1, churn.table.used, "without the tombstones");
        assertEquals(1, churn.size());
    }

    @Test
    void forEachValueGivesEveryValueAndLetsTheActionRemoveIt() {
        SessionIdMap<Value> map = new SessionIdMap<>();
        Map<Value, Boolean> seen = new IdentityHashMap<>();
        for (long k = 0; k < 1000; k++) {
            map.putIfAbsent(k * 977, new Value(k * 977, 0));
        }
        // as SessionTable.close() does: closing a session unmaps it, shrinking the map meanwhile
        map.forEachValue(v -> {
            assertTrue(seen.put(v, true) == null, "given twice: " + v);
            assertTrue(map.remove(v.key(), v));
        });
        assertEquals(1000, seen.size());
        assertEquals(0, map.size());
        for (long k = 0; k < 1000; k++) {
            assertNull(map.get(k * 977));
        }
    }

    @Test
    void aLookupAllocatesNothing() {
        SessionIdMap<Value> map = new SessionIdMap<>();
        for (long k = 0; k < 100_000; k++) {
            map.putIfAbsent(k * 0x9E37_79B9L, new Value(k, 0));
        }
        LongSupplier allocated = ReceiverOnRealNetworksTest.allocatedBytesOfThisThread();
        long found = 0;
        for (int warm = 0; warm < 200_000; warm++) {
            found += map.get(warm * 0x9E37_79B9L) != null ? 1 : 0;
        }
        long before = allocated.getAsLong();
        for (int i = 0; i < 1_000_000; i++) {
            found += map.get((i % 200_000) * 0x9E37_79B9L) != null ? 1 : 0;
        }
        long bytes = allocated.getAsLong() - before;
        assertEquals(100_000 + 500_000, found);
        // boxing the key, an iterator or an Optional would show as 16 MB or more
        assertTrue(bytes < 2048, "1,000,000 lookups allocated " + bytes + " bytes");
    }

    /**
     * Readers look up ids that stay mapped throughout while writers add and remove other ids,
     * growing and shrinking the table over and over: every lookup of a stable id finds its value,
     * a lookup of a churning id finds its own value or none (never another id's), and an iteration
     * meanwhile gives every stable value.
     */
    @Test
    void readersAlwaysFindStableIdsWhileWritersResize() throws Exception {
        SessionIdMap<Value> map = new SessionIdMap<>();
        long seed = TestSeeds.seed();
        SplittableRandom keys = new SplittableRandom(seed);
        int stableCount = 512;
        long[] stable = new long[stableCount];
        Value[] stableValues = new Value[stableCount];
        for (int i = 0; i < stableCount; i++) {
            stable[i] = i < EDGE_KEYS.length ? EDGE_KEYS[i] : keys.nextLong();
            stableValues[i] = new Value(stable[i], -1);
            if (map.putIfAbsent(stable[i], stableValues[i]) != null) {
                stableValues[i] = map.get(stable[i]); // a random duplicate: keep the first
            }
        }
        int stableSize = map.size();

        List<Throwable> failures = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong lookups = new AtomicLong();
        AtomicLong resizes = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            SplittableRandom rnd = new SplittableRandom(seed + 100 + r);
            threads.add(new Thread(() -> {
                long n = 0;
                try {
                    start.await();
                    while (!stop.get()) {
                        for (int i = 0; i < stableCount; i++) {
                            Value v = map.get(stable[i]);
                            if (v != stableValues[i]) {
                                throw new AssertionError("stable id " + stable[i] + " read as " + v);
                            }
                            long churn = churnKey(rnd.nextInt(2), rnd.nextInt(40_000));
                            Value c = map.get(churn);
                            if (c != null && c.key() != churn) {
                                throw new AssertionError("id " + churn + " read another id's value " + c);
                            }
                            n += 2;
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    lookups.addAndGet(n);
                }
            }, "reader-" + r));
        }
        for (int w = 0; w < 2; w++) {
            int writer = w;
            SplittableRandom rnd = new SplittableRandom(seed + 200 + w);
            threads.add(new Thread(() -> {
                try {
                    start.await();
                    int generation = 0;
                    while (!stop.get()) {
                        // Up to a few thousand or tens of thousands of ids, then all gone: the table
                        // grows through several doublings and shrinks back each round.
                        int count = 1 + rnd.nextInt(rnd.nextBoolean() ? 4_000 : 40_000);
                        Value[] mine = new Value[count];
                        for (int i = 0; i < count; i++) {
                            long k = churnKey(writer, i);
                            mine[i] = new Value(k, generation);
                            if (map.putIfAbsent(k, mine[i]) != null) {
                                throw new AssertionError("writer " + writer + "'s id " + k + " was mapped");
                            }
                        }
                        for (int i = 0; i < count; i++) {
                            long k = churnKey(writer, i);
                            if (map.get(k) != mine[i]) {
                                throw new AssertionError("writer " + writer + " lost its id " + k);
                            }
                            if (!map.remove(k, mine[i])) {
                                throw new AssertionError("writer " + writer + " could not remove " + k);
                            }
                        }
                        generation++;
                        resizes.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "writer-" + w));
        }
        threads.add(new Thread(() -> {
            try {
                start.await();
                while (!stop.get()) {
                    Map<Value, Boolean> seen = new IdentityHashMap<>();
                    map.forEachValue(v -> seen.put(v, true));
                    for (Value v : stableValues) {
                        if (!seen.containsKey(v)) {
                            throw new AssertionError("the iteration missed stable id " + v.key());
                        }
                    }
                }
            } catch (Throwable e) {
                failures.add(e);
            }
        }, "iterator"));
        for (Thread t : threads) {
            t.start();
        }
        start.countDown();
        Thread.sleep(2_500);
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive(), t.getName() + " is stuck");
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " thread(s) failed (seed " + seed + ")",
                    failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
        assertTrue(resizes.get() >= 2, "the writers finished only " + resizes.get() + " rounds");
        assertTrue(lookups.get() > 100_000, "the readers made only " + lookups.get() + " lookups");
        assertEquals(stableSize, map.size());
        for (int i = 0; i < stableCount; i++) {
            assertSame(stableValues[i], map.get(stable[i]));
        }
    }

    /** Writer {@code w}'s {@code i}-th id: disjoint per writer, and apart from the stable ids. */
    private static long churnKey(int w, int i) {
        return 0x7A00_0000_0000_0000L | ((long) w << 40) | i;
    }
}
