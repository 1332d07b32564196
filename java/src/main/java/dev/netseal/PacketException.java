package dev.netseal;

/**
 * A packet was refused; {@link #reason()} says which check refused it. Carries no stack trace.
 * Servers that must refuse floods of bad packets at no cost use the non-throwing
 * {@code tryOpen} with a reused {@link OpenedPacket} instead, which allocates nothing.
 */
public final class PacketException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Every check a receiver (and the {@link HandshakeReader}) makes, in the order it makes them
     * (the project's WIRE.md, "What a receiver checks, in order").
     */
    public enum Reason {
        /** Shorter than its header, or than the length its header announces. */
        TRUNCATED,
        /** Not the Net magic bytes. */
        BAD_MAGIC,
        /** A version this library does not speak. */
        BAD_VERSION,
        /** A handshake packet: it is not sealed; read it with {@link HandshakeReader}. */
        NOT_SEALED,
        /** Given to the {@link HandshakeReader}, but its flags are not HANDSHAKE. */
        NOT_HANDSHAKE,
        /** A handshake whose other flags, session id or nonce are not zero. */
        BAD_HANDSHAKE,
        /** payload_len above the maximum, or a packet longer than its header announces. */
        BAD_LENGTH,
        /** event_count above the maximum a packet can hold. */
        TOO_MANY_EVENTS,
        /** A session id this receiver (or session table) has no key for. */
        WRONG_SESSION,
        /** A nonce prefix that does not belong to the session. */
        WRONG_NONCE_PREFIX,
        /** The counter 2^64-1, which no sender may use. */
        BAD_COUNTER,
        /** A counter already accepted. */
        REPLAYED,
        /** A counter a whole window or more behind the highest accepted: it cannot be told from a replay. */
        TOO_OLD,
        /** The tag did not verify: forged, corrupted, or another key. */
        AUTH_FAILED,
        /** The event frames do not exactly fill payload_len, or their number is not event_count. */
        BAD_FRAMES
    }

    /** Which check refused the packet. */
    private final Reason reason;

    /**
     * A refusal for {@code reason}; the message is {@code "REASON: detail"}.
     *
     * @param reason which check refused the packet
     * @param detail what was wrong, for people
     */
    public PacketException(Reason reason, String detail) {
        super(reason + ": " + detail, null, false, false);
        this.reason = reason;
    }

    /**
     * Which check refused the packet.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
