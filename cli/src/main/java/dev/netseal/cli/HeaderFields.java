package dev.netseal.cli;

import dev.netseal.NetV1;
import dev.netseal.internal.wire.HeaderLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Every field of a Net v1 header, read as it is on the wire, without any check: {@code inspect}
 * shows a broken header as faithfully as a good one. The JSON form has one member per WIRE.md
 * field, under its WIRE.md name; 64-bit fields are decimal strings (JSON numbers lose precision
 * past 2^53), the nonce is hex.
 *
 * @param magic          u16, 0x4E45 when the packet is Net
 * @param version        u8
 * @param flags          u8, the FLAG_ bits of {@link NetV1}
 * @param priority       u8
 * @param hopTtl         u8
 * @param hopCount       u8, not authenticated
 * @param fragFlags      u8
 * @param subprotocolId  u16
 * @param channelHash    u16
 * @param nonce          the 12 nonce bytes: prefix (4) then counter (8, little-endian)
 * @param sessionId      u64
 * @param streamId       u64
 * @param sequence       u64
 * @param originHash     u64
 * @param subnetId       u32, as a long
 * @param fragmentId     u16
 * @param fragmentOffset u16
 * @param payloadLen     u16, the plaintext length
 * @param eventCount     u16
 */
record HeaderFields(int magic, int version, int flags, int priority, int hopTtl, int hopCount,
                    int fragFlags, int subprotocolId, int channelHash, byte[] nonce, long sessionId,
                    long streamId, long sequence, long originHash, long subnetId, int fragmentId,
                    int fragmentOffset, int payloadLen, int eventCount) {

    /** Reads the header at the start of {@code packet}, which must hold at least 68 bytes. */
    static HeaderFields read(byte[] packet) {
        if (packet.length < NetV1.HEADER_SIZE) {
            throw new IllegalArgumentException(packet.length + " bytes, a header is " + NetV1.HEADER_SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN);
        return new HeaderFields(
                b.getShort(HeaderLayout.MAGIC) & 0xFFFF,
                b.get(HeaderLayout.VERSION) & 0xFF,
                b.get(HeaderLayout.FLAGS) & 0xFF,
                b.get(HeaderLayout.PRIORITY) & 0xFF,
                b.get(HeaderLayout.HOP_TTL) & 0xFF,
                b.get(HeaderLayout.HOP_COUNT) & 0xFF,
                b.get(HeaderLayout.FRAG_FLAGS) & 0xFF,
                b.getShort(HeaderLayout.SUBPROTOCOL_ID) & 0xFFFF,
                b.getShort(HeaderLayout.CHANNEL_HASH) & 0xFFFF,
                Arrays.copyOfRange(packet, HeaderLayout.NONCE, HeaderLayout.NONCE + NetV1.NONCE_SIZE),
                b.getLong(HeaderLayout.SESSION_ID),
                b.getLong(HeaderLayout.STREAM_ID),
                b.getLong(HeaderLayout.SEQUENCE),
                b.getLong(HeaderLayout.ORIGIN_HASH),
                b.getInt(HeaderLayout.SUBNET_ID) & 0xFFFFFFFFL,
                b.getShort(HeaderLayout.FRAGMENT_ID) & 0xFFFF,
                b.getShort(HeaderLayout.FRAGMENT_OFFSET) & 0xFFFF,
                b.getShort(HeaderLayout.PAYLOAD_LEN) & 0xFFFF,
                b.getShort(HeaderLayout.EVENT_COUNT) & 0xFFFF);
    }

    /** The nonce's first 4 bytes as a little-endian int: what the session id's prefix must equal. */
    int noncePrefix() {
        return ByteBuffer.wrap(nonce).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    /** The nonce's counter (unsigned 64-bit). */
    long nonceCounter() {
        return ByteBuffer.wrap(nonce).order(ByteOrder.LITTLE_ENDIAN).getLong(4);
    }

    /** True for a handshake, which travels in clear and has no tag. */
    boolean isHandshake() {
        return (flags & NetV1.FLAG_HANDSHAKE) != 0;
    }

    /** Writes the header as one JSON object. */
    void writeJson(JsonWriter w) {
        w.beginObject()
                .name("magic").value(magic)
                .name("version").value(version)
                .name("flags").value(flags)
                .name("priority").value(priority)
                .name("hop_ttl").value(hopTtl)
                .name("hop_count").value(hopCount)
                .name("frag_flags").value(fragFlags)
                .name("subprotocol_id").value(subprotocolId)
                .name("channel_hash").value(channelHash)
                .name("nonce").value(Hex.encode(nonce))
                .name("session_id").value(Long.toUnsignedString(sessionId))
                .name("stream_id").value(Long.toUnsignedString(streamId))
                .name("sequence").value(Long.toUnsignedString(sequence))
                .name("origin_hash").value(Long.toUnsignedString(originHash))
                .name("subnet_id").value(subnetId)
                .name("fragment_id").value(fragmentId)
                .name("fragment_offset").value(fragmentOffset)
                .name("payload_len").value(payloadLen)
                .name("event_count").value(eventCount)
                .endObject();
    }
}
