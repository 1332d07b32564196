package dev.netseal;

import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/** Runs a step on a thread of its own and waits for it: for tests of what a second thread may do. */
final class OtherThread {
    private OtherThread() {}

    /**
     * Runs {@code step} on a new thread, waits for it (10 s at most) and returns what it threw,
     * or null if it returned normally.
     */
    static @Nullable Throwable run(Runnable step) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                step.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        t.start();
        t.join(10_000);
        if (t.isAlive()) {
            throw new AssertionError("the other thread's step did not end within 10 s");
        }
        return thrown.get();
    }
}
