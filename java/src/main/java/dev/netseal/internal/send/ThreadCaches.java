package dev.netseal.internal.send;

import dev.netseal.internal.LinePadding;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The thread caches of one {@link ThreadLocalPool}, held by the pool alone, and how a thread
 * finds its own: a table indexed by thread id, not a {@link ThreadLocal}.
 *
 * <p>Why not a ThreadLocal: its lookup walks the thread's map (map, table, entry, weak key) and,
 * since the thread must not hold a cache strongly (a cache leads to the pool, so a dropped pool
 * would stay reachable from every thread that used it), one more weak reference: about six
 * dependent loads and two weak-reference barriers on every acquire. Here the lookup is the table,
 * the slot and the cache's owner: three loads, and the threads hold nothing of the pool.
 *
 * <h2>The table</h2>
 * Open addressing, linear probing, slot {@code id mod length} first (thread ids are handed out in
 * order, so the live threads of a server mostly land in slots of their own). At most half full,
 * so a probe for a thread with no cache soon meets an empty slot. Copy-on-write: a table is never
 * changed once published; a new cache, or dropping the caches of ended threads, publishes a new
 * table (a volatile store after it is filled), and readers load the table once per lookup. A
 * reader holding an older table misses only a cache made after it, and a miss goes to
 * {@link #findOrAdd}, which looks again under the lock. A virtual thread never has a cache, so
 * its lookup misses; the pool tells it apart before taking the lock.
 *
 * <p>Every acquire on every thread reads the table's field and slots, and nothing on the warm
 * path writes them, so they must not share a cache line with what threads do write on every
 * packet (a builder's fields, a cache's count): the collector may copy such objects next to them.
 * The field is padded by the class hierarchy ({@link ThreadCachesTable} extends
 * {@link LinePadding}; this class declares the padding after it), the slots by
 * {@value #SLOT_PAD} unused slots at each end of the array.
 */
public final class ThreadCaches<B> extends ThreadCachesTable {

    /** Caches held before a new one first looks for the caches of ended threads. */
    public static final int PRUNE_MIN = 16;
    private static final int MIN_TABLE = 2 * PRUNE_MIN;
    /** Unused slots before and after the used ones: 128 bytes with compressed references, 256 without. */
    public static final int SLOT_PAD = 32;

    @SuppressWarnings("unused") // for their size: see the class comment
    private long r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15;
    /** Every cache in {@link #table}; guarded by this. */
    final List<LocalCache<B>> all = new ArrayList<>();
    /** Guarded by this: {@code all}'s size at which the next new cache first drops ended threads' caches. */
    private int pruneAt = PRUNE_MIN;
    /** Guarded by this: set by {@link #clearAll}; no cache is held after it. */
    private boolean cleared;

    /** {@code me}'s cache, or null if it has none: no lock, no store. */
    @SuppressWarnings("unchecked") // every cache in the table is one of this pool's, of B
    public @Nullable LocalCache<B> find(Thread me) {
        LocalCache<?>[] t = table;
        int mask = t.length - 2 * SLOT_PAD - 1;
        int i = slotOf(me, mask);
        for (int probes = 0; probes <= mask; probes++) {
            LocalCache<?> c = t[SLOT_PAD + i];
            if (c == null) {
                return null;
            }
            if (c.owner == me) {
                return (LocalCache<B>) c;
            }
            i = (i + 1) & mask;
        }
        return null; // a full table: never, it is at most half full
    }

    /**
     * {@code me}'s cache, made (with {@code keep} slots) if it has none. Before a new cache is
     * added, when the caches held have reached the mark, {@code dropIfEnded} is asked of each
     * (true: its thread has ended and its builders went back; it is dropped), and the mark moves
     * to twice what is left. After {@link #clearAll}, returns a new cache that is not held: the
     * pool is closed and refuses the work anyway.
     */
    public synchronized LocalCache<B> findOrAdd(Thread me, int keep, Predicate<LocalCache<B>> dropIfEnded) {
        LocalCache<B> found = find(me);
        if (found != null) {
            return found;
        }
        LocalCache<B> cache = new LocalCache<>(keep);
        if (cleared) {
            return cache;
        }
        if (all.size() >= pruneAt) {
            all.removeIf(dropIfEnded);
            pruneAt = Math.max(PRUNE_MIN, 2 * all.size());
        }
        all.add(cache);
        publish();
        return cache;
    }

    /** Empties every cache and drops them all (the pool is closing, already closed to new work). */
    public synchronized void clearAll() {
        cleared = true;
        for (LocalCache<B> c : all) {
            c.clearFromClose();
        }
        all.clear();
        publish();
    }

    /** A new table of every held cache, at most half full, then one volatile store. */
    private void publish() {
        table = tableOf(all);
    }

    /** A table of {@code caches}: a power of two of slots, at least twice as many, padded. */
    static LocalCache<?>[] tableOf(List<? extends LocalCache<?>> caches) {
        int length = Math.max(MIN_TABLE, Integer.highestOneBit(Math.max(1, 2 * caches.size() - 1)) << 1);
        LocalCache<?>[] t = new LocalCache<?>[SLOT_PAD + length + SLOT_PAD];
        int mask = length - 1;
        for (LocalCache<?> c : caches) {
            int i = slotOf(c.owner, mask);
            while (t[SLOT_PAD + i] != null) {
                i = (i + 1) & mask;
            }
            t[SLOT_PAD + i] = c;
        }
        return t;
    }

    @SuppressWarnings("deprecation") // getId(): threadId() is Java 19+, and the value is the same
    private static int slotOf(Thread t, int mask) {
        return (int) t.getId() & mask;
    }
}

/** The field {@link ThreadCaches#find} reads on every acquire, two cache lines from anything before it. */
abstract class ThreadCachesTable extends LinePadding {
    /** Never changed once published: see ThreadCaches. */
    volatile LocalCache<?>[] table = ThreadCaches.tableOf(List.of());
}
