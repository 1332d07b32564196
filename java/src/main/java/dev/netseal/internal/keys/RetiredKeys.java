package dev.netseal.internal.keys;

/**
 * Salted fingerprints of the keys this JVM stopped using, on one side (sealing or opening), so
 * that none of them comes back:
 * <ul>
 *   <li>{@link #SEALED}: a (key, nonce prefix) that sealed, in any pool or session now closed,
 *       rekeyed away from or collected. A new session on it would restart its counter at 0 and
 *       repeat every nonce it sealed.</li>
 *   <li>{@link #OPENED}: a (key, session id) whose replay window was dropped (a session removed
 *       from a table, a previous key dropped, a receiver closed). A new window would be empty and
 *       accept every old packet again.</li>
 * </ul>
 * The fingerprints are 64-bit salted SHA-256 values (the salt is random per JVM), never the keys.
 * A fresh random key is refused by mistake only if its fingerprint equals a retired one: about
 * one chance in 2^47 with the most entries kept.
 *
 * <h2>Bounded memory</h2>
 * Two generations of at most {@link #GENERATION} fingerprints each: when the newer is full it
 * becomes the older and the older is dropped. So the last 65,536 retirements of a side are always
 * remembered, and at most 131,072; each generation is an open-addressing table of longs at most
 * half full, grown on demand, so a side holds at most 2 MiB (2 x 131,072 slots x 8 bytes), and
 * nearly nothing until keys are retired. A pair retired longer ago than that may be forgotten; keys
 * that are never reused (a handshake makes fresh ones for every session) never meet this bound.
 *
 * <p>Thread-safe: every method holds this object's lock. Nothing here is on a per-packet path.
 */
public final class RetiredKeys {
    /** Fingerprints per generation. */
    public static final int GENERATION = 1 << 16;

    public static final RetiredKeys SEALED = new RetiredKeys();
    public static final RetiredKeys OPENED = new RetiredKeys();

    // Public for the test harness (TestIsolation, in dev.netseal), which starts each test with
    // nothing retired.
    public LongSet newer = new LongSet();
    public LongSet older = new LongSet();

    public synchronized boolean contains(long fingerprint) {
        long f = nonZero(fingerprint);
        return newer.contains(f) || older.contains(f);
    }

    public synchronized void add(long fingerprint) {
        long f = nonZero(fingerprint);
        if (newer.contains(f)) {
            return;
        }
        if (newer.size == GENERATION) {
            older = newer;
            newer = new LongSet();
        }
        newer.add(f);
    }

    /** Fingerprints remembered now (both generations). */
    public synchronized int size() {
        return newer.size + older.size;
    }

    /** 0 marks an empty slot. */
    private static long nonZero(long f) {
        return f == 0 ? 1 : f;
    }

    /**
     * Open addressing with linear probing; no removal (a generation is dropped whole). A
     * fingerprint's low bits are its home slot: fingerprints are salted SHA-256, uniform already,
     * and chosen by no peer.
     */
    public static final class LongSet {
        long[] slots = new long[64];
        int size;

        boolean contains(long f) {
            int mask = slots.length - 1;
            for (int i = (int) f & mask; ; i = (i + 1) & mask) {
                long s = slots[i];
                if (s == f) {
                    return true;
                }
                if (s == 0) {
                    return false;
                }
            }
        }

        void add(long f) {
            if (2 * (size + 1) > slots.length) {
                long[] old = slots;
                slots = new long[old.length * 2];
                size = 0;
                for (long s : old) {
                    if (s != 0) {
                        insert(s);
                    }
                }
            }
            insert(f);
        }

        private void insert(long f) {
            int mask = slots.length - 1;
            int i = (int) f & mask;
            while (slots[i] != 0) {
                i = (i + 1) & mask;
            }
            slots[i] = f;
            size++;
        }
    }
}
