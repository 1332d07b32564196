package dev.netseal.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.jspecify.annotations.Nullable;

/**
 * Tells a virtual thread from a platform one without a compile-time dependency on Java 21: the
 * library targets Java 17, where {@code Thread.isVirtual()} does not exist and every thread is a
 * platform thread.
 *
 * <p>Why it matters: a per-thread cache pays off on a thread that lives long and does many
 * operations; a virtual thread usually runs one task and ends, so a cache per virtual thread would
 * be allocated, filled and thrown away per task (and keep memory alive while the task waits).
 * netseal keeps no per-virtual-thread state; virtual threads use the shared structures.
 */
public final class VirtualThreads {
    /** {@code Thread.isVirtual()} bound to nothing, or null before Java 21. */
    private static final @Nullable MethodHandle IS_VIRTUAL = lookUp();

    private VirtualThreads() {}

    /** True when the current thread is a virtual thread. */
    public static boolean current() {
        return is(Thread.currentThread());
    }

    /** True when {@code thread} is a virtual thread (always false before Java 21). */
    public static boolean is(Thread thread) {
        if (IS_VIRTUAL == null) {
            return false;
        }
        try {
            return (boolean) IS_VIRTUAL.invokeExact(thread);
        } catch (Throwable t) { // Thread.isVirtual() throws nothing
            throw new AssertionError(t);
        }
    }

    private static @Nullable MethodHandle lookUp() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
                    MethodType.methodType(boolean.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17-20: no virtual threads
        }
    }
}
