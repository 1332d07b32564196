package dev.netseal;

import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * Every field of a Net v1 header, read as it is on the wire without opening the packet and
 * without any check: a tool shows a broken header as faithfully as a good one. Nothing here is
 * authenticated until the packet opens; do not act on a header alone.
 *
 * @param magic          u16, {@link NetV1#MAGIC} when the packet is Net
 * @param version        u8
 * @param flags          u8, the {@code FLAG_} bits of {@link NetV1}
 * @param priority       u8
 * @param hopTtl         u8
 * @param hopCount       u8, not authenticated
 * @param fragFlags      u8
 * @param subprotocolId  u16
 * @param channelHash    u16
 * @param noncePrefix    the nonce's first 4 bytes, little-endian
 * @param nonceCounter   the nonce's counter, u64 (the last 8 bytes, little-endian)
 * @param sessionId      u64
 * @param streamId       u64
 * @param sequence       u64
 * @param originHash     u64
 * @param subnetId       u32, as a long
 * @param fragmentId     u16
 * @param fragmentOffset u16
 * @param payloadLength  u16, the plaintext length
 * @param eventCount     u16
 */
public record PacketHeader(int magic, int version, int flags, int priority, int hopTtl, int hopCount,
                           int fragFlags, int subprotocolId, int channelHash, int noncePrefix,
                           long nonceCounter, long sessionId, long streamId, long sequence, long originHash,
                           long subnetId, int fragmentId, int fragmentOffset, int payloadLength,
                           int eventCount) {

    /**
     * Reads the header at the start of {@code packet}.
     *
     * @param packet the packet, at least {@link NetV1#HEADER_SIZE} bytes
     * @return its header
     * @throws IllegalArgumentException if {@code packet} is shorter than a header
     */
    public static PacketHeader read(byte[] packet) {
        return read(ByteBuffer.wrap(Objects.requireNonNull(packet, "packet")));
    }

    /**
     * Reads the header at {@code packet}'s position; neither its position nor its limit moves.
     *
     * @param packet the packet: its remaining bytes, at least {@link NetV1#HEADER_SIZE}
     * @return its header
     * @throws IllegalArgumentException if fewer than {@link NetV1#HEADER_SIZE} bytes remain
     */
    public static PacketHeader read(ByteBuffer packet) {
        if (Objects.requireNonNull(packet, "packet").remaining() < NetV1.HEADER_SIZE) {
            throw new IllegalArgumentException(packet.remaining() + " bytes, a header is " + NetV1.HEADER_SIZE);
        }
        ByteBuffer b = packet.slice().order(ByteOrder.LITTLE_ENDIAN);
        return new PacketHeader(
                Wire.u16(b, HeaderLayout.MAGIC),
                b.get(HeaderLayout.VERSION) & 0xFF,
                b.get(HeaderLayout.FLAGS) & 0xFF,
                b.get(HeaderLayout.PRIORITY) & 0xFF,
                b.get(HeaderLayout.HOP_TTL) & 0xFF,
                b.get(HeaderLayout.HOP_COUNT) & 0xFF,
                b.get(HeaderLayout.FRAG_FLAGS) & 0xFF,
                Wire.u16(b, HeaderLayout.SUBPROTOCOL_ID),
                Wire.u16(b, HeaderLayout.CHANNEL_HASH),
                Wire.i32(b, HeaderLayout.NONCE_PREFIX),
                Wire.i64(b, HeaderLayout.NONCE_COUNTER),
                Wire.i64(b, HeaderLayout.SESSION_ID),
                Wire.i64(b, HeaderLayout.STREAM_ID),
                Wire.i64(b, HeaderLayout.SEQUENCE),
                Wire.i64(b, HeaderLayout.ORIGIN_HASH),
                Wire.i32(b, HeaderLayout.SUBNET_ID) & 0xFFFFFFFFL,
                Wire.u16(b, HeaderLayout.FRAGMENT_ID),
                Wire.u16(b, HeaderLayout.FRAGMENT_OFFSET),
                Wire.u16(b, HeaderLayout.PAYLOAD_LEN),
                Wire.u16(b, HeaderLayout.EVENT_COUNT));
    }

    /**
     * The nonce prefix a packet of {@code sessionId} must carry: the session id's two halves XORed.
     *
     * @param sessionId the session id
     * @return the prefix its packets carry
     */
    public static int noncePrefixOf(long sessionId) {
        return Wire.noncePrefix(sessionId);
    }

    /**
     * True for a handshake packet, which travels in clear and has no tag.
     *
     * @return whether {@link NetV1#FLAG_HANDSHAKE} is set
     */
    public boolean isHandshake() {
        return (flags & NetV1.FLAG_HANDSHAKE) != 0;
    }

    /**
     * The 12 nonce bytes as they are on the wire: the prefix, then the counter.
     *
     * @return a new array
     */
    public byte[] nonce() {
        return ByteBuffer.allocate(NetV1.NONCE_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(0, noncePrefix).putLong(4, nonceCounter).array();
    }
}
