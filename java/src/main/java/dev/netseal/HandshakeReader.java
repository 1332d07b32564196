package dev.netseal;

import dev.netseal.internal.wire.RefusalText;
import static dev.netseal.NetV1.HEADER_SIZE;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * Reads handshake packets: the header (flags HANDSHAKE, session id and nonce zero, payload_len the
 * payload's length) followed by the payload in clear, with no tag (the project's WIRE.md,
 * "Handshake packets"). A receiver refuses these {@code NOT_SEALED}; route them here instead.
 *
 * <h2>Security guarantees</h2>
 * None beyond the format: a handshake is not encrypted nor authenticated, so its payload is
 * whatever the network delivered. Whatever runs the handshake (the key exchange) must authenticate
 * it. The reader checks the shape and never reads past the packet.
 */
public final class HandshakeReader {
    /** The largest handshake payload, 8108 bytes ({@link NetV1#MAX_HANDSHAKE_PAYLOAD}). */
    public static final int MAX_PAYLOAD = NetV1.MAX_HANDSHAKE_PAYLOAD;

    private HandshakeReader() {}

    /**
     * True when {@code packet}'s remaining bytes start like a handshake (long enough, flag set).
     *
     * @param packet the packet: its remaining bytes (position and limit are left as they are)
     * @return true when it starts like a handshake
     */
    public static boolean isHandshake(ByteBuffer packet) {
        int start = packet.position();
        return packet.remaining() >= HEADER_SIZE
                && (packet.get(start + HeaderLayout.FLAGS) & NetV1.FLAG_HANDSHAKE) != 0;
    }

    /**
     * Checks the handshake in {@code packet}'s remaining bytes and returns a read-only view of its
     * payload (no copy; {@code packet}'s position and limit are left as they are). Refusals, in
     * order: TRUNCATED, BAD_MAGIC, BAD_VERSION, NOT_HANDSHAKE (the flag is missing), BAD_HANDSHAKE
     * (other flags, a session id or a nonce that is not zero), BAD_LENGTH (payload_len above
     * {@link #MAX_PAYLOAD}, or a length other than 68 + payload_len), TRUNCATED (shorter than that).
     *
     * @param packet the packet: its remaining bytes (position and limit are left as they are)
     * @return the payload
     * @throws PacketException if a check refuses the packet, with its reason
     */
    public static ByteBuffer payload(ByteBuffer packet) throws PacketException {
        long[] detail = new long[2];
        Reason refusal = check(packet, detail);
        if (refusal != null) {
            throw new PacketException(refusal, RefusalText.of(refusal, detail[0], detail[1]));
        }
        int start = packet.position();
        return packet.slice(start + HEADER_SIZE, packet.remaining() - HEADER_SIZE).asReadOnlyBuffer();
    }

    /**
     * The allocation-free form of {@link #payload(ByteBuffer)} for servers that drop bad
     * handshakes and count them: the same checks in the same order, with no exception and no
     * text. When it returns null the payload is {@code packet}'s remaining bytes after the first
     * {@link NetV1#HEADER_SIZE}.
     *
     * @param packet the packet: its remaining bytes (position and limit are left as they are)
     * @return null when the packet is a well-formed handshake, else why it is not
     */
    @SuppressWarnings("exports") // @Nullable's module is for compilers only (requires static), not for users
    public static @Nullable Reason refusal(ByteBuffer packet) {
        return check(packet, null);
    }

    /** The checks, in order; {@code detail} (when not null) gets the refusal text's two numbers. */
    private static @Nullable Reason check(ByteBuffer packet, long @Nullable [] detail) {
        int start = packet.position();
        int length = packet.remaining();
        if (length < HEADER_SIZE) {
            return refused(Reason.TRUNCATED, length, HEADER_SIZE, detail);
        }
        int magic = Wire.u16(packet, start + HeaderLayout.MAGIC);
        if (magic != NetV1.MAGIC) {
            return refused(Reason.BAD_MAGIC, magic, 0, detail);
        }
        int version = packet.get(start + HeaderLayout.VERSION) & 0xFF;
        if (version != NetV1.VERSION) {
            return refused(Reason.BAD_VERSION, version, 0, detail);
        }
        int flags = packet.get(start + HeaderLayout.FLAGS) & 0xFF;
        if ((flags & NetV1.FLAG_HANDSHAKE) == 0) {
            return refused(Reason.NOT_HANDSHAKE, flags, 0, detail);
        }
        if (flags != NetV1.FLAG_HANDSHAKE) {
            return refused(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_FLAGS, flags, detail);
        }
        long session = Wire.i64(packet, start + HeaderLayout.SESSION_ID);
        if (session != 0) {
            return refused(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_SESSION, session, detail);
        }
        if (Wire.i32(packet, start + HeaderLayout.NONCE_PREFIX) != 0
                || Wire.i64(packet, start + HeaderLayout.NONCE_COUNTER) != 0) {
            return refused(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_NONCE, 0, detail);
        }
        int payloadLen = Wire.u16(packet, start + HeaderLayout.PAYLOAD_LEN);
        if (payloadLen > MAX_PAYLOAD) {
            return refused(Reason.BAD_LENGTH, payloadLen, RefusalText.PAYLOAD_TOO_LARGE, detail);
        }
        int expected = HEADER_SIZE + payloadLen;
        if (length != expected) {
            return refused(length < expected ? Reason.TRUNCATED : Reason.BAD_LENGTH, length, expected, detail);
        }
        return null;
    }

    private static Reason refused(Reason reason, long a, long b, long @Nullable [] detail) {
        if (detail != null) {
            detail[0] = a;
            detail[1] = b;
        }
        return reason;
    }

    /**
     * The payload of the handshake in {@code packet}, copied; see {@link #payload(ByteBuffer)}.
     *
     * @param packet the packet: its remaining bytes (position and limit are left as they are)
     * @return the payload
     * @throws PacketException if a check refuses the packet, with its reason
     */
    public static byte[] payload(byte[] packet) throws PacketException {
        ByteBuffer view = payload(ByteBuffer.wrap(packet));
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
