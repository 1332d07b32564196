package dev.netseal.internal.send;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/** Thread ids that no thread class can forge: what a builder's claim holds for the thread writing it. */
public final class ThreadIds {
    /** {@code Thread.threadId()} on Java 19+, else null. */
    static final @Nullable MethodHandle FINAL_ID = finalId();
    static final ClassValue<Boolean> OVERRIDES_GET_ID = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                return type.getMethod("getId").getDeclaringClass() != Thread.class;
            } catch (NoSuchMethodException e) {
                return true;
            }
        }
    };
    private static final AtomicLong NEXT = new AtomicLong(1L << 62);
    static final ThreadLocal<Long> TOKEN = ThreadLocal.withInitial(NEXT::getAndIncrement);

    private static @Nullable MethodHandle finalId() {
        try {
            return MethodHandles.publicLookup().findVirtual(Thread.class, "threadId",
                    MethodType.methodType(long.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            return null; // Java 17 or 18
        }
    }

    private ThreadIds() {}

    /**
     * The calling thread's id: positive, and never another live or past thread's (what
     * a builder's claim holds), from nothing a thread's class can override. On Java 19+ that is
     * {@code Thread.threadId()}, which is final. On 17 and 18 {@code getId()} is not final: a
     * thread class that overrides it could return 0 (read as FREE, so two threads would share a
     * builder) or minus an epoch's serial (which retire would wait on for ever). So its value is
     * used only for threads whose class does not override it (looked up once per class); any
     * other thread gets a token of netseal's own, from 2^62 up (JDK ids count from 1), kept in
     * a thread-local.
     */
    public static long current() {
        Thread t = Thread.currentThread();
        if (FINAL_ID != null) {
            try {
                return (long) FINAL_ID.invokeExact(t);
            } catch (Throwable e) {
                throw new AssertionError("Thread.threadId() failed", e);
            }
        }
        Class<?> c = t.getClass();
        if (c == Thread.class || !OVERRIDES_GET_ID.get(c)) {
            @SuppressWarnings("deprecation") // the JDK's own getId(), not overridden: final in effect
            long id = t.getId();
            return id;
        }
        return TOKEN.get();
    }
}
