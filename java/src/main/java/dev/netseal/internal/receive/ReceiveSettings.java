package dev.netseal.internal.receive;

import java.time.Duration;

/**
 * How a receiver or session table keeps its keys: the replay window's size and how long a
 * previous key stays usable after a rekey. Immutable; checked when made.
 */
public final class ReceiveSettings {
    /** Default grace of a previous key: long enough for packets in flight and queued at a rekey. */
    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(30);

    public static final ReceiveSettings DEFAULT = new ReceiveSettings(ReplayWindow.DEFAULT_SIZE, DEFAULT_GRACE);

    public final int windowSize;
    public final Duration previousKeyGrace;

    public ReceiveSettings(int windowSize, Duration previousKeyGrace) {
        this.windowSize = ReplayWindow.checkSize(windowSize);
        if (java.util.Objects.requireNonNull(previousKeyGrace, "previousKeyGrace").isNegative()) {
            throw new IllegalArgumentException("previousKeyGrace must not be negative, got " + previousKeyGrace);
        }
        this.previousKeyGrace = previousKeyGrace;
    }

    public ReceiveSettings withWindowSize(int size) {
        return new ReceiveSettings(size, previousKeyGrace);
    }

    public ReceiveSettings withPreviousKeyGrace(Duration grace) {
        return new ReceiveSettings(windowSize, grace);
    }
}
