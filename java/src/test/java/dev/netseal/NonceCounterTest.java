package dev.netseal;

import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.internal.send.NonceCounter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/** The padded nonce counter: what it draws and what a retire's raise leaves behind. */
class NonceCounterTest {

    @Test
    void drawsStartAtZeroAndNeverRepeat() {
        NonceCounter c = new NonceCounter();
        for (long i = 0; i < 1000; i++) {
            assertEquals(i, c.getAndIncrement());
        }
        assertEquals(1000, c.get());
    }

    @Test
    void concurrentDrawsNeverRepeatAndLeaveNoGap() throws Exception {
        NonceCounter c = new NonceCounter();
        int threads = 4;
        int perThread = 50_000;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<long[]> drawn = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long[] mine = new long[perThread];
            drawn.add(mine);
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < perThread; i++) {
                    mine[i] = c.getAndIncrement();
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        BitSet seen = new BitSet(threads * perThread);
        for (long[] mine : drawn) {
            for (long v : mine) {
                assertTrue(v >= 0 && v < (long) threads * perThread, "drew " + v + ", outside the draws made");
                assertTrue(!seen.get((int) v), "counter " + v + " drawn twice");
                seen.set((int) v);
            }
        }
        assertEquals(threads * perThread, seen.cardinality());
        assertEquals(threads * perThread, c.get());
    }

    @Test
    void raiseNeverLowersAndLaterDrawsStartAtTheRaise() {
        NonceCounter c = new NonceCounter();
        c.set(10);
        c.raiseTo(KeyEpoch.COUNTER_LIMIT);
        assertEquals(KeyEpoch.COUNTER_LIMIT, c.getAndIncrement());
        c.raiseTo(5); // lower than where it is: stays
        assertEquals(KeyEpoch.COUNTER_LIMIT + 1, c.get());
        c.raiseTo(KeyEpoch.COUNTER_LIMIT + 1); // equal: stays
        assertEquals(KeyEpoch.COUNTER_LIMIT + 1, c.getAndIncrement());
    }
}
