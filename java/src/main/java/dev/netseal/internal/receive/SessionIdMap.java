package dev.netseal.internal.receive;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A map from a 64-bit session id to a value, read by many threads on every received packet and
 * written rarely (a session is added, rekeyed or removed). Lookups take no lock, never block and
 * allocate nothing (the key stays a primitive); writers take one lock. Uses no
 * {@code sun.misc.Unsafe}: visibility comes from a volatile table reference and a {@link VarHandle}
 * on the value array.
 *
 * <h2>Layout</h2>
 * Open addressing with linear probing over two parallel arrays, keys and values, whose length is a
 * power of two. A slot is empty while its value is null; once a key is written into a slot it stays
 * there for the life of that table: removing an entry sets its value to a tombstone, and putting the
 * same key again reuses its slot. A key therefore has at most one slot per table, before the first
 * empty slot of its probe chain, and a reader can stop at the first slot holding its key. Tombstones
 * are dropped when the table is rebuilt, which happens when live entries and tombstones together
 * fill half the slots (growing or just cleaning) or when live entries fall below a sixteenth
 * (shrinking, so a table does not keep a peak's memory).
 *
 * <h2>Why a reader never sees a torn or missing entry</h2>
 * A writer stores the key first, then publishes the value with a volatile store; a reader loads
 * the value first (acquire), then the key, so a non-null value always comes with its own key (a
 * slot's key never changes while the table is in use). A rebuild fills a new table privately and
 * publishes it with one volatile store; the old table is never written again, so a reader still
 * probing it sees every entry that was live when it was replaced. A key present throughout is in
 * whichever table a reader holds.
 *
 * <h2>Why the keys are mixed with a seed</h2>
 * Session ids are chosen by peers. Taking their low bits as the slot would let a peer pick ids that
 * all land in one probe chain and make every lookup and insert linear. Each table draws a random
 * seed from {@link SecureRandom} and spreads {@code id ^ seed} with MurmurHash3's 64-bit finaliser,
 * so the slot of an id cannot be predicted from outside; a rebuild draws a new seed.
 *
 * <p>{@link #remove} compares values by identity. Values must not be null.
 *
 * @param <V> the value type
 */
public final class SessionIdMap<V> {

    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);
    /** The value of a removed entry; its slot keeps its key until the table is rebuilt. */
    private static final Object TOMBSTONE = new Object();
    private static final SecureRandom SEEDS = new SecureRandom();
    private static final int MIN_CAPACITY = 16;
    /** Half the slots may be used at most: 2^29 entries, far past what memory allows anyway. */
    private static final int MAX_CAPACITY = 1 << 30;

    /**
     * One generation of the map; the arrays are only written by a writer holding the lock.
     * Package-private, as is {@link #table}, so that this package's tests can check the table's
     * shape (its capacity and the slots used) where the thresholds lie.
     */
    static final class Table {
        final long seed;
        final int mask;
        final long[] keys;
        /** Null (empty), {@link #TOMBSTONE} (removed) or a value; read and written through SLOTS. */
        final Object[] values;
        /** Slots holding a key (live or tombstone); guarded by the map's lock. */
        int used;

        Table(int capacity) {
            this.seed = SEEDS.nextLong();
            this.mask = capacity - 1;
            this.keys = new long[capacity];
            this.values = new Object[capacity];
        }

        int home(long key) {
            return (int) mix(key ^ seed) & mask;
        }

        /** The slot holding {@code key}, or the empty slot where it would go; for writers, under the lock. */
        int slotOf(long key) {
            int i = home(key);
            while (values[i] != null && keys[i] != key) {
                i = (i + 1) & mask;
            }
            return i;
        }
    }

    private final Object lock = new Object();
    /** Replaced, never modified in place once replaced. */
    volatile Table table = new Table(MIN_CAPACITY);
    /** Live entries; written under the lock. */
    private volatile int size;

    /**
     * The value for {@code key}, or null. Never blocks, takes no lock, allocates nothing.
     *
     * @param key the key
     * @return the value, or null if none
     */
    @SuppressWarnings("unchecked") // values holds only Vs besides null and TOMBSTONE
    public @Nullable V get(long key) {
        Table t = table;
        long[] keys = t.keys;
        Object[] values = t.values;
        int mask = t.mask;
        for (int i = t.home(key); ; i = (i + 1) & mask) {
            // The value before the key: a non-null value is published after its key was stored.
            Object v = SLOTS.getAcquire(values, i);
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return v == TOMBSTONE ? null : (V) v;
            }
        }
    }

    /**
     * Maps {@code key} to {@code value} unless it is mapped already.
     *
     * @param key the key
     * @param value the value, not null
     * @return the value already mapped (left in place), or null if {@code value} was put
     */
    public @Nullable V putIfAbsent(long key, V value) {
        return store(key, value, false);
    }

    /**
     * Maps {@code key} to {@code value}, replacing what it mapped to.
     *
     * @param key the key
     * @param value the value, not null
     * @return the value replaced, or null if there was none
     */
    public @Nullable V put(long key, V value) {
        return store(key, value, true);
    }

    /** Both puts: one probe under the lock; a mapped key keeps its slot, and its value if not {@code replace}. */
    @SuppressWarnings("unchecked") // values holds only Vs besides null and TOMBSTONE
    private @Nullable V store(long key, V value, boolean replace) {
        Objects.requireNonNull(value, "value");
        synchronized (lock) {
            Table t = table;
            int i = t.slotOf(key);
            Object old = t.values[i];
            if (old != null && old != TOMBSTONE) {
                if (replace) {
                    SLOTS.setVolatile(t.values, i, value);
                }
                return (V) old;
            }
            if (old == null) {
                if (t.used + 1 > t.keys.length >>> 1) {
                    t = rebuild(size + 1);
                    i = t.slotOf(key);
                }
                t.keys[i] = key;
                t.used++;
            }
            // Volatile, not just release: SessionTable.add reads its closed flag after this store
            // while close() sets the flag and then iterates, and one of the two must see the other.
            SLOTS.setVolatile(t.values, i, value);
            size = size + 1;
            return null;
        }
    }

    /**
     * Unmaps {@code key} if it maps to {@code value} (the same object).
     *
     * @param key the key
     * @param value the value expected
     * @return true if it was unmapped
     */
    public boolean remove(long key, V value) {
        synchronized (lock) {
            Table t = table;
            int i = t.slotOf(key);
            if (t.values[i] != value || value == null) {
                return false;
            }
            SLOTS.setVolatile(t.values, i, TOMBSTONE);
            int left = size - 1;
            size = left;
            if (t.keys.length > MIN_CAPACITY && left < t.keys.length >>> 4) {
                rebuild(left);
            }
            return true;
        }
    }

    /**
     * The number of keys mapped.
     *
     * @return the number of keys mapped
     */
    public int size() {
        return size;
    }

    /**
     * Gives {@code action} every value mapped when the iteration reaches its slot, without a lock:
     * the action may remove entries (closing a session unmaps it). A value mapped throughout is
     * given at least once; one mapped under two keys is given once per key.
     *
     * @param action what to do with each value
     */
    @SuppressWarnings("unchecked") // values holds only Vs besides null and TOMBSTONE
    public void forEachValue(Consumer<? super V> action) {
        Table t = table;
        Object[] values = t.values;
        for (int i = 0; i < values.length; i++) {
            Object v = SLOTS.getVolatile(values, i);
            if (v != null && v != TOMBSTONE) {
                action.accept((V) v);
            }
        }
    }

    /**
     * Copies the live entries into a new table sized for {@code entries} (see {@link #capacityFor})
     * and publishes it. Called under the lock.
     */
    private Table rebuild(int entries) {
        Table old = table;
        Table next = new Table(capacityFor(entries));
        for (int j = 0; j < old.values.length; j++) {
            Object v = old.values[j];
            if (v != null && v != TOMBSTONE) {
                int i = next.slotOf(old.keys[j]);
                next.keys[i] = old.keys[j];
                next.values[i] = v;
                next.used++;
            }
        }
        table = next; // publishes the plain stores above
        return next;
    }

    /**
     * The capacity of a table built for {@code entries}: the smallest power of two that holds them
     * at a quarter load (so at least as many inserts as it holds come before the next rebuild), and
     * at least {@link #MIN_CAPACITY}.
     *
     * @throws IllegalStateException past 2^28 entries
     */
    static int capacityFor(int entries) {
        if (entries > MAX_CAPACITY >>> 2) {
            throw new IllegalStateException("too many session ids: " + entries);
        }
        return Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, entries * 4 - 1)) << 1);
    }

    /** MurmurHash3's fmix64: every input bit flips each output bit with probability about 1/2. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
