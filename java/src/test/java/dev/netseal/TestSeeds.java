package dev.netseal;

/**
 * Seeds for tests with random inputs: {@code -Dnetseal.test.seed=N} replays a failure, otherwise a
 * fresh seed. Every such test puts its seed in its failure messages.
 */
public final class TestSeeds {
    private TestSeeds() {}

    /** The seed to use: the property's value if set, else a fresh one. */
    public static long seed() {
        Long fixed = Long.getLong("netseal.test.seed");
        return fixed != null ? fixed : System.nanoTime();
    }
}
