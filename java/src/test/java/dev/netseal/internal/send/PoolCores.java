package dev.netseal.internal.send;

/** Test access to a pool core's bookkeeping and counter (what the API never shows). */
public final class PoolCores {
    private PoolCores() {}

    /** Moves the current epoch's counter, as if that many packets had been sealed. */
    public static void startCounterAt(PoolCore<?> core, long next) {
        core.current().counter.set(next);
    }

    /** Builders made in all, the prefill included. */
    public static long buildersMade(PoolCore<?> core) {
        synchronized (core) {
            return core.made;
        }
    }

    /** Builders tracked now, collected ones not yet pruned included. */
    public static int trackedBuilders(PoolCore<?> core) {
        synchronized (core) {
            return core.builders.size();
        }
    }

    /** Builders still reachable. */
    public static int liveBuilders(PoolCore<?> core) {
        synchronized (core) {
            core.builders.removeIf(ref -> ref.get() == null);
            return core.builders.size();
        }
    }

    /** The thread caches a pool holds now. */
    public static int heldCaches(ThreadCaches<?> caches) {
        synchronized (caches) {
            return caches.all.size();
        }
    }

    /** True when the calling thread has a cache in {@code caches}. */
    public static boolean hasCacheInThisThread(ThreadCaches<?> caches) {
        return caches.find(Thread.currentThread()) != null;
    }
}
