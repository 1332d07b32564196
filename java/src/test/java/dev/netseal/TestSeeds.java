package dev.netseal;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Seeds for tests with random inputs: {@code -Dnetseal.test.seed=N} replays a failure, otherwise a
 * fresh seed. Every such test puts its seed in its failure messages; on top of that
 * {@link TestIsolation} prints the seeds a failed test drew, with the property that replays them.
 */
public final class TestSeeds {
    private TestSeeds() {}

    /** Seeds handed out since the last {@link #drain()} (the current test's, in practice). */
    private static final List<Long> HANDED_OUT = new ArrayList<>();

    /**
     * The random keys of {@link #randomKey()}: one seeded stream per JVM (thread-safe), so a run
     * with {@code -Dnetseal.test.seed=N} draws the same keys in the same test order.
     */
    private static final long KEY_SEED = seed();
    private static final Random KEYS = new Random(KEY_SEED);
    private static volatile boolean keysUsed;

    /** The seed to use: the property's value if set, else a fresh one. */
    public static long seed() {
        Long fixed = Long.getLong("netseal.test.seed");
        long seed = fixed != null ? fixed : System.nanoTime();
        synchronized (HANDED_OUT) {
            HANDED_OUT.add(seed);
        }
        return seed;
    }

    /** A fresh 32-byte key from the JVM's seeded key stream (see {@link #KEYS}). */
    public static byte[] randomKey() {
        keysUsed = true;
        byte[] k = new byte[32];
        KEYS.nextBytes(k);
        return k;
    }

    /** The key stream's seed, once {@link #randomKey()} was used; else null. */
    static Long keySeedIfUsed() {
        return keysUsed ? KEY_SEED : null;
    }

    /** The seeds handed out since the last call, and forgets them. */
    static List<Long> drain() {
        synchronized (HANDED_OUT) {
            List<Long> seeds = List.copyOf(HANDED_OUT);
            HANDED_OUT.clear();
            return seeds;
        }
    }
}
