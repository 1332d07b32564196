package dev.netseal;

import java.lang.ref.Reference;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/** Waiting on the garbage collector (and the Cleaners it wakes), for the leak tests. */
final class TestGc {
    private TestGc() {}

    /** Runs the collector until {@code done} holds or {@code timeoutMillis} pass. */
    static boolean until(BooleanSupplier done, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            System.gc();
            Thread.sleep(20);
        }
        return true;
    }

    /** True once {@code ref} is cleared, within {@code timeoutMillis}. */
    static boolean clears(Reference<?> ref, long timeoutMillis) throws InterruptedException {
        return until(() -> ref.get() == null, timeoutMillis);
    }

    /**
     * Collects until {@code value} reads the same three times running (earlier tests' Cleaners
     * done), at most 10 s, and returns it.
     */
    static long settled(LongSupplier value) throws InterruptedException {
        long last = value.getAsLong();
        int stable = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stable < 3 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
            long now = value.getAsLong();
            stable = now == last ? stable + 1 : 0;
            last = now;
        }
        return last;
    }
}
