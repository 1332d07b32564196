package dev.netseal;

import dev.netseal.internal.receive.ReplayWindow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The replay window's readers take no lock once its writers are done: a flood of replays is
 * refused from the header by plain reads, and never queues behind the window's monitor (held by
 * a commit, including one that refuses and changes nothing). Each test holds the monitor on
 * another thread for up to {@link #HOLD_SECONDS} seconds while this thread reads; a reader that
 * took the lock could only return after the holder let go, and the holder says when it did.
 */
class ReplayWindowReadersTest {

    private static final long HOLD_SECONDS = 20;

    /** Runs {@code read} while another thread holds {@code w}'s monitor; fails if it waited. */
    private static void readWhileLocked(ReplayWindow w, Consumer<ReplayWindow> read) throws Exception {
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean letGo = new AtomicBoolean();
        Thread holder = new Thread(() -> {
            synchronized (w) {
                locked.countDown();
                try {
                    done.await(HOLD_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                letGo.set(true);
            }
        }, "window-lock-holder");
        holder.start();
        assertTrue(locked.await(HOLD_SECONDS, TimeUnit.SECONDS), "the holder never took the lock");
        try {
            read.accept(w);
            assertFalse(letGo.get(), "a read waited for the window's lock although no write was under way");
        } finally {
            done.countDown();
            holder.join();
        }
    }

    @Test
    void readersNeverWaitForTheLockOfAFreshWindow() throws Exception {
        ReplayWindow w = new ReplayWindow(64);
        readWhileLocked(w, r -> {
            assertNull(r.check(5));
            assertEquals(-1L, r.highest());
        });
    }

    @Test
    void readersNeverWaitForTheLockAfterCommits() throws Exception {
        ReplayWindow w = new ReplayWindow(64);
        assertNull(w.commit(10));
        readWhileLocked(w, r -> { // after one write, and after each of those that follow
            assertEquals(Reason.REPLAYED, r.check(10));
            assertEquals(10L, r.highest());
        });
        assertNull(w.commit(7));
        readWhileLocked(w, r -> assertEquals(Reason.REPLAYED, r.check(7)));
        assertEquals(Reason.REPLAYED, w.commit(7)); // a refused commit changes nothing
        readWhileLocked(w, r -> {
            assertEquals(Reason.REPLAYED, r.check(10));
            assertEquals(Reason.REPLAYED, r.check(7));
            assertNull(r.check(8));
            assertNull(r.check(11));
            assertEquals(10L, r.highest());
        });
    }

    @Test
    void readersNeverWaitForTheLockAfterAJumpAndAForget() throws Exception {
        ReplayWindow w = new ReplayWindow(64);
        assertNull(w.commit(3));
        readWhileLocked(w, r -> assertEquals(3L, r.highest()));
        assertNull(w.commit(1_000));
        readWhileLocked(w, r -> {
            assertEquals(Reason.TOO_OLD, r.check(3));
            assertEquals(1_000L, r.highest());
        });
    }

    @Test
    void windowNeverHoldsMoreThanOneBitPerCounter() {
        for (int size : new int[] {ReplayWindow.MIN_SIZE, ReplayWindow.DEFAULT_SIZE, 1 << 16}) {
            // 100,000 sessions hold 2 windows each: the bitmap is most of a session's memory.
            assertEquals(size / 8, new ReplayWindow(size).bitmapBytes(), "bitmap bytes of a " + size + "-counter window");
        }
    }
}
