package dev.netseal;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.receive.ReceiveSettings;
import java.time.Duration;

/**
 * The one receiver builder: the settings every receiver takes (window size, grace period), behind
 * {@link PacketReceiver.Builder} and {@link SessionTable.Builder}, which add only what they build.
 *
 * @param <B> the builder class, returned by its setters
 */
abstract class ReceiverBuilder<B extends ReceiverBuilder<B>> {
    final AeadBackend backend;
    ReceiveSettings settings = ReceiveSettings.DEFAULT;

    ReceiverBuilder(AeadBackend backend) {
        this.backend = backend;
    }

    /**
     * Counters tracked up to the highest accepted: a power of two from 64 to 2^24 (default
     * 8192). Packets reordered by more than this are refused {@code TOO_OLD}; each session
     * holds {@code size / 8} bytes of window per key.
     *
     * @param size the replay window, in counters
     * @return this builder
     * @throws IllegalArgumentException if {@code size} is not a power of two from 64 to 2^24
     */
    public B windowSize(int size) {
        settings = settings.withWindowSize(size);
        return self();
    }

    /**
     * How long the previous key stays usable after a rekey (default 30 s); {@link Duration#ZERO}
     * drops it at the rekey.
     *
     * @param grace how long; {@link java.time.Duration#ZERO} for none
     * @return this builder
     * @throws IllegalArgumentException if {@code grace} is negative
     */
    public B previousKeyGrace(Duration grace) {
        settings = settings.withPreviousKeyGrace(grace);
        return self();
    }

    abstract B self();
}
