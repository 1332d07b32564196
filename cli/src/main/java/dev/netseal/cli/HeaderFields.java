package dev.netseal.cli;

import dev.netseal.PacketHeader;

/**
 * The JSON form of a Net v1 header ({@link PacketHeader}, read without any check, so that
 * {@code inspect} shows a broken header as faithfully as a good one): one member per WIRE.md
 * field, under its WIRE.md name; 64-bit fields are decimal strings (JSON numbers lose precision
 * past 2^53), the nonce is hex.
 */
final class HeaderFields {
    private HeaderFields() {}

    /** Reads the header at the start of {@code packet}, which must hold at least 68 bytes. */
    static PacketHeader read(byte[] packet) {
        return PacketHeader.read(packet);
    }

    /** Writes {@code h} as one JSON object. */
    static void writeJson(PacketHeader h, JsonWriter w) {
        w.beginObject()
                .name("magic").value(h.magic())
                .name("version").value(h.version())
                .name("flags").value(h.flags())
                .name("priority").value(h.priority())
                .name("hop_ttl").value(h.hopTtl())
                .name("hop_count").value(h.hopCount())
                .name("frag_flags").value(h.fragFlags())
                .name("subprotocol_id").value(h.subprotocolId())
                .name("channel_hash").value(h.channelHash())
                .name("nonce").value(Hex.encode(h.nonce()))
                .name("session_id").value(Long.toUnsignedString(h.sessionId()))
                .name("stream_id").value(Long.toUnsignedString(h.streamId()))
                .name("sequence").value(Long.toUnsignedString(h.sequence()))
                .name("origin_hash").value(Long.toUnsignedString(h.originHash()))
                .name("subnet_id").value(h.subnetId())
                .name("fragment_id").value(h.fragmentId())
                .name("fragment_offset").value(h.fragmentOffset())
                .name("payload_len").value(h.payloadLength())
                .name("event_count").value(h.eventCount())
                .endObject();
    }
}
