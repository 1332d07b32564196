package dev.netseal;

import dev.netseal.internal.receive.ReplayWindow;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netseal.PacketException.Reason;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The window's lock-free {@link ReplayWindow#check} read while a writer commits: it must never
 * call a counter REPLAYED that was never accepted, nor TOO_OLD one that still could be. A read
 * that believed a bit left by an earlier lap, a bit cleared half-way, or a bit set by a commit
 * that moved the window after the read's load of the top would break one of the two.
 *
 * <p>The writer commits an irregular half of the counters in ascending order (which half is a
 * function of the counter), so every slot of the window alternates between set and clear from
 * lap to lap and a counter that was never accepted often shares its slot with one accepted a
 * lap earlier or a lap later. The readers ask about counters at the bottom of the window, whose
 * slots the next commits clear and set again. Since commits are in order, a counter {@code x}
 * was accepted exactly when it is in the half and at most the highest read after the check.
 */
class ReplayWindowRaceTest {

    private static final int SIZE = ReplayWindow.MIN_SIZE;
    private static final long RUN_NANOS = TimeUnit.MILLISECONDS.toNanos(1_500);

    /** Whether the writer commits {@code c}: about half the counters, with no period a lap shares. */
    static boolean inHalf(long c) {
        long z = c * 0x9E3779B97F4A7C15L;
        return ((z ^ (z >>> 29)) & 1) == 0;
    }

    @Test
    void lockFreeChecksNeverRefuseWrongWhileCommitsMoveTheWindow() throws Exception {
        ReplayWindow w = new ReplayWindow(SIZE);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong replays = new AtomicLong();
        AtomicLong tooOld = new AtomicLong();
        Thread writer = new Thread(() -> {
            try {
                for (long c = 0; !stop.get(); c++) {
                    if (inHalf(c)) {
                        Reason r = w.commit(c);
                        if (r != null) {
                            throw new AssertionError("commit of fresh counter " + c + " refused: " + r);
                        }
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "window-writer");
        Thread reader = new Thread(() -> {
            try {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    long top = w.highest();
                    if (top < 0) {
                        continue;
                    }
                    // the bottom of the window: the slots the next few commits clear and set again
                    long x = Math.max(0, top - (SIZE - 1) + random.nextInt(4));
                    Reason r = w.check(x);
                    long after = w.highest();
                    if (after < top) {
                        throw new AssertionError("the highest fell from " + top + " to " + after);
                    }
                    if (r == Reason.REPLAYED) {
                        replays.incrementAndGet();
                        if (!inHalf(x) || x > after) {
                            throw new AssertionError("counter " + x + " called REPLAYED but never accepted (top "
                                    + top + " then " + after + ")");
                        }
                    } else if (r == Reason.TOO_OLD) {
                        tooOld.incrementAndGet();
                        if (x + SIZE > after) {
                            throw new AssertionError("counter " + x + " called TOO_OLD inside the window of "
                                    + after);
                        }
                    } else if (r != null) {
                        throw new AssertionError("counter " + x + " refused as " + r);
                    }
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, "window-reader");
        writer.start();
        reader.start();
        long deadline = System.nanoTime() + RUN_NANOS;
        while (System.nanoTime() < deadline && failure.get() == null) {
            Thread.sleep(20);
        }
        stop.set(true);
        writer.join();
        reader.join();
        if (failure.get() != null) {
            fail(failure.get());
        }
        // the run asked enough questions whose answer was a refusal for the race to matter
        assertTrue(replays.get() > 1_000, "too few REPLAYED answers to prove anything: " + replays.get()
                + " (TOO_OLD: " + tooOld.get() + ")");
    }

    @Test
    void theHalfIsIrregularFromLapToLap() {
        // the race above needs slots that change state from one lap to the next
        int changed = 0;
        int inHalf = 0;
        for (long c = 0; c < 64L * SIZE; c++) {
            inHalf += inHalf(c) ? 1 : 0;
            changed += inHalf(c) != inHalf(c + SIZE) ? 1 : 0;
        }
        assertTrue(inHalf > 64 * SIZE / 3 && inHalf < 2 * 64 * SIZE / 3, "not about half: " + inHalf);
        assertTrue(changed > 64 * SIZE / 3, "slots too regular from lap to lap: " + changed);
    }
}
