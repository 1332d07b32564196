package dev.netseal.internal.wire;

import dev.netseal.NetV1;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;

import dev.netseal.PacketException.Reason;

/**
 * The sentence for a refusal, made from the reason and the two numbers the receive path recorded
 * (what each number means is written beside each case). Built only when someone asks: refusing
 * records numbers, never text.
 */
public final class RefusalText {
    /** BAD_LENGTH's second number when the first is a payload_len above the maximum. */
    public static final long PAYLOAD_TOO_LARGE = -1;
    /** BAD_FRAMES's first number when bytes are left after the last event. */
    public static final long AFTER_LAST_EVENT = -1;
    /** BAD_HANDSHAKE's first number: which field is not as a handshake's must be. */
    public static final long HANDSHAKE_FLAGS = 0;
    public static final long HANDSHAKE_SESSION = 1;
    public static final long HANDSHAKE_NONCE = 2;

    private RefusalText() {}

    /**
     * The sentence for {@code reason} and its numbers. A switch expression with no default: a new
     * {@link Reason} does not compile until its sentence is written here.
     */
    public static String of(Reason reason, long a, long b) {
        return switch (reason) {
            // a = bytes, b = bytes needed
            case TRUNCATED -> a + " bytes, " + (b == HEADER_SIZE ? "a header alone is " : "the header announces ") + b;
            // a = the u16
            case BAD_MAGIC -> String.format("magic 0x%04x, not 0x%04x", a, NetV1.MAGIC);
            case BAD_VERSION -> "version " + a + ", this library speaks " + NetV1.VERSION;
            case NOT_SEALED -> "a handshake packet is sent in clear: read it with HandshakeReader, not open()";
            // a = flags
            case NOT_HANDSHAKE -> String.format("flags 0x%02x lack HANDSHAKE (0x%02x): open() sealed packets", a,
                    NetV1.FLAG_HANDSHAKE);
            // a = which field, b = its value
            case BAD_HANDSHAKE -> a == HANDSHAKE_FLAGS
                    ? String.format("flags 0x%02x: a handshake carries HANDSHAKE alone", b)
                    : (a == HANDSHAKE_SESSION ? "session_id " + Long.toUnsignedString(b) : "nonce not zero")
                            + ": a handshake's session id and nonce are zero";
            // a = payload_len and b = PAYLOAD_TOO_LARGE, or a = bytes, b = bytes announced
            case BAD_LENGTH -> b == PAYLOAD_TOO_LARGE
                    ? "payload_len " + a + " is more than a packet can carry (" + MAX_PAYLOAD_SIZE
                            + " sealed, " + NetV1.MAX_HANDSHAKE_PAYLOAD + " in a handshake)"
                    : a + " bytes, the header announces " + b;
            case TOO_MANY_EVENTS -> "event_count " + a + " > " + MAX_EVENTS_PER_PACKET;
            case WRONG_SESSION -> "no key for session " + Long.toUnsignedString(a);
            // a = prefix, b = the session's
            case WRONG_NONCE_PREFIX -> String.format("nonce prefix 0x%08x, the session's is 0x%08x", (int) a, (int) b);
            case BAD_COUNTER -> "counter 2^64-1 is never used";
            case REPLAYED -> "counter " + Long.toUnsignedString(a) + " was already accepted";
            // a = counter, b = highest accepted
            case TOO_OLD -> "counter " + Long.toUnsignedString(a) + " is a whole window or more behind the highest"
                    + " accepted, " + Long.toUnsignedString(b);
            case AUTH_FAILED -> "tag did not verify (counter " + Long.toUnsignedString(a) + ")";
            // a = event index or AFTER_LAST_EVENT, b = bytes left
            case BAD_FRAMES -> a == AFTER_LAST_EVENT ? b + " bytes after the last event"
                    : "event " + a + " does not fit in the " + b + " payload bytes left";
        };
    }
}
