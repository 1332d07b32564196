package dev.netseal;

import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;

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
    /** The largest handshake payload: a packet is at most 8192 bytes, the header takes 68. */
    public static final int MAX_PAYLOAD = MAX_PACKET_SIZE - HEADER_SIZE;

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
        int start = packet.position();
        int length = packet.remaining();
        if (length < HEADER_SIZE) {
            throw refusal(Reason.TRUNCATED, length, HEADER_SIZE);
        }
        int magic = Wire.u16(packet, start + HeaderLayout.MAGIC);
        if (magic != NetV1.MAGIC) {
            throw refusal(Reason.BAD_MAGIC, magic, 0);
        }
        int version = packet.get(start + HeaderLayout.VERSION) & 0xFF;
        if (version != NetV1.VERSION) {
            throw refusal(Reason.BAD_VERSION, version, 0);
        }
        int flags = packet.get(start + HeaderLayout.FLAGS) & 0xFF;
        if ((flags & NetV1.FLAG_HANDSHAKE) == 0) {
            throw refusal(Reason.NOT_HANDSHAKE, flags, 0);
        }
        if (flags != NetV1.FLAG_HANDSHAKE) {
            throw refusal(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_FLAGS, flags);
        }
        long session = Wire.i64(packet, start + HeaderLayout.SESSION_ID);
        if (session != 0) {
            throw refusal(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_SESSION, session);
        }
        if (Wire.i32(packet, start + HeaderLayout.NONCE_PREFIX) != 0
                || Wire.i64(packet, start + HeaderLayout.NONCE_COUNTER) != 0) {
            throw refusal(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_NONCE, 0);
        }
        int payloadLen = Wire.u16(packet, start + HeaderLayout.PAYLOAD_LEN);
        if (payloadLen > MAX_PAYLOAD) {
            throw refusal(Reason.BAD_LENGTH, payloadLen, RefusalText.PAYLOAD_TOO_LARGE);
        }
        int expected = HEADER_SIZE + payloadLen;
        if (length != expected) {
            throw refusal(length < expected ? Reason.TRUNCATED : Reason.BAD_LENGTH, length, expected);
        }
        return packet.slice(start + HEADER_SIZE, payloadLen).asReadOnlyBuffer();
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

    private static PacketException refusal(Reason reason, long a, long b) {
        return new PacketException(reason, RefusalText.of(reason, a, b));
    }
}
