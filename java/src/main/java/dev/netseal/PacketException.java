package dev.netseal;

/**
 * A packet was refused; {@link #reason()} says which check refused it. Carries no stack trace:
 * refusing a flood of bad packets must stay cheap.
 */
public final class PacketException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Every check a receiver makes, in the order it makes them (WIRE.md). */
    public enum Reason {
        /** Shorter than its header, or than the length its header announces. */
        TRUNCATED,
        /** Not the Net magic bytes. */
        BAD_MAGIC,
        /** A version this library does not speak. */
        BAD_VERSION,
        /** A handshake packet: it is not sealed, so a receiver does not open it. */
        NOT_SEALED,
        /** payload_len above the maximum, or a packet longer than its header announces. */
        BAD_LENGTH,
        /** event_count above the maximum a packet can hold. */
        TOO_MANY_EVENTS,
        /** Another session's id. */
        WRONG_SESSION,
        /** A nonce prefix that does not belong to the session. */
        WRONG_NONCE_PREFIX,
        /** The tag did not verify: forged, corrupted, or another key. */
        AUTH_FAILED,
        /** The counter 2^64-1, which no sender may use. */
        BAD_COUNTER,
        /** A counter already accepted. */
        REPLAYED,
        /** A counter too far behind the highest accepted to be told from a replay. */
        TOO_OLD,
        /** A counter more than the window ahead of the highest accepted. */
        TOO_FAR_AHEAD,
        /** The event frames do not exactly fill payload_len, or their number is not event_count. */
        BAD_FRAMES
    }

    private final Reason reason;

    public PacketException(Reason reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    /** Which check refused the packet. */
    public Reason reason() {
        return reason;
    }
}
