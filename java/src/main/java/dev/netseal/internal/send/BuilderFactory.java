package dev.netseal.internal.send;

/**
 * How a pool's core makes and watches the builders it hands out, without knowing their class:
 * the builders are API objects, and the core is below the API. Implemented once, privately, by
 * the builder class.
 *
 * @param <B> the builder class
 */
public interface BuilderFactory<B> {
    /** A new builder sealing through {@code core}. */
    B newBuilder(PoolCore<B> core);

    /** True while {@code builder} is sealing under {@code epoch} (what a retire waits out). */
    boolean sealingUnder(B builder, KeyEpoch epoch);
}
