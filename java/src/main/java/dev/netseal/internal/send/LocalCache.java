package dev.netseal.internal.send;

import dev.netseal.internal.LinePadding;
import java.util.Arrays;
import org.jctools.queues.MessagePassingQueue;
import org.jspecify.annotations.Nullable;

/**
 * One thread's cache of a ThreadLocalPool. Only its owner thread touches it (see the pool's class comment), so its fields
 * are plain. It is also the consumer the shared queue drains a refill into.
 */
public final class LocalCache<B> extends LocalCacheRightPadding
    implements MessagePassingQueue.Consumer<B> {
    public final Thread owner = Thread.currentThread();
    /**
     * Slots below {@code count} hold the cache's builders; the ones above may still hold a
     * builder taken since (never read again, and the pool holds the cache anyway): clearing
     * them would be one more reference store per acquire.
     */
    private final Object[] items;

    public LocalCache(int keep) {
        this.items = new Object[keep];
    }

    @SuppressWarnings("unchecked") // only push writes items, and only B
    public @Nullable B pop() {
        // count is read once: clearFromClose may zero it meanwhile, and a second read could
        // then index -1. A lost update leaves null slots, which pop returns as "empty".
        int c = count;
        if (c == 0) {
            return null;
        }
        B b = (B) items[--c];
        count = c;
        return b;
    }

    public boolean push(B b) {
        int c = count; // read once, as in pop
        if (c == items.length) {
            return false;
        }
        if (items[c] != b) {
            items[c] = b; // usually there already: the warm loop takes and gives back the same builder
        }
        count = c + 1;
        return true;
    }

    public void clear() {
        Arrays.fill(items, null);
        count = 0;
    }

    /**
     * Empties the cache from the thread closing the pool, while the owner thread may be
     * running: plain writes racing the owner's plain ones. That is safe because the pool is
     * closed first: the owner's next acquire is refused, and its next release of a builder
     * from this cache empties it again (clearHomeAfterClose). A release already past its
     * closed check may still put one builder back in a slot this clears, so a thread keeps
     * at most the builders it was releasing at that moment, and only while the pool itself
     * is reachable (the thread holds nothing of it).
     */
    public void clearFromClose() {
        // Opaque: stores that race the owner's on purpose, each whole and never reordered
        // with another store to the same slot. The owner's own accesses stay plain (its
        // per-packet path): it may see these stores late or not at all, which is harmless
        // for the reasons above; nothing it does depends on seeing them.
        for (int i = 0; i < items.length; i++) {
            ITEMS.setOpaque(items, i, (Object) null);
        }
        COUNT.setOpaque((LocalCacheCount) this, 0);
    }

    private static final java.lang.invoke.VarHandle ITEMS =
            java.lang.invoke.MethodHandles.arrayElementVarHandle(Object[].class);
    private static final java.lang.invoke.VarHandle COUNT;

    static {
        try {
            COUNT = java.lang.invoke.MethodHandles.lookup()
                    .findVarHandle(LocalCacheCount.class, "count", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    public void accept(B b) {
        push(b);
    }
}

/**
 * The one field of a thread cache that its thread writes on every acquire and release, two
 * cache lines (128 bytes) away from anything else: two threads' caches are small objects made at about
 * the same time, and the collector may copy them side by side, where each write would evict
 * the other thread's line.
 */
abstract class LocalCacheCount extends LinePadding {
    /** Builders in the cache (see LocalCache). */
    int count;
}

@SuppressWarnings("unused") // for their size
abstract class LocalCacheRightPadding extends LocalCacheCount {
    long r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15;
}
