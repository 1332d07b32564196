package dev.netseal.cli;

import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;
import static dev.netseal.NetV1.TAG_SIZE;

import dev.netseal.NetV1;
import dev.netseal.PacketHeader;
import java.util.ArrayList;
import java.util.List;

/**
 * What looks wrong in a packet without its key: the checks a receiver makes before the tag
 * (WIRE.md, "What a receiver checks, in order"), with the session id taken from the packet
 * itself, plus a few the format implies. Each problem is one sentence with the numbers involved. An empty list
 * does not mean the packet is authentic: only opening it with the key can say that.
 */
final class PacketProblems {
    /** The largest handshake payload: a handshake has no tag, so it may use those 16 bytes too. */
    static final int MAX_HANDSHAKE_PAYLOAD = NetV1.MAX_HANDSHAKE_PAYLOAD;
    /** Flag bits WIRE.md defines; any other bit set is suspicious. */
    static final int KNOWN_FLAGS = NetV1.FLAG_RELIABLE | NetV1.FLAG_NACK | NetV1.FLAG_PRIORITY
            | NetV1.FLAG_FIN | NetV1.FLAG_HANDSHAKE | NetV1.FLAG_HEARTBEAT;

    private PacketProblems() {}

    /** Every problem found in {@code packet}, in the order a receiver would meet them. */
    static List<String> find(byte[] packet) {
        List<String> problems = new ArrayList<>();
        if (packet.length < HEADER_SIZE) {
            problems.add("too short for a header: " + packet.length + " bytes, a header is " + HEADER_SIZE);
            return problems; // nothing else can be read
        }
        PacketHeader h = PacketHeader.read(packet);
        if (h.magic() != NetV1.MAGIC) {
            problems.add(String.format("bad magic 0x%04x: Net v1 is 0x%04x (bytes 45 4e)", h.magic(), NetV1.MAGIC));
        }
        if (h.version() != NetV1.VERSION) {
            problems.add("bad version " + h.version() + ": this library speaks " + NetV1.VERSION);
        }
        int unknownFlags = h.flags() & ~KNOWN_FLAGS;
        if (unknownFlags != 0) {
            problems.add(String.format("unknown flag bits 0x%02x", unknownFlags));
        }
        boolean handshake = h.isHandshake();
        int maxPayload = handshake ? MAX_HANDSHAKE_PAYLOAD : MAX_PAYLOAD_SIZE;
        if (h.payloadLength() > maxPayload) {
            problems.add("payload_len " + h.payloadLength() + " > " + maxPayload
                    + (handshake ? " (the largest handshake payload)" : " (MAX_PAYLOAD_SIZE)"));
        }
        if (h.eventCount() > MAX_EVENTS_PER_PACKET) {
            problems.add("event_count " + h.eventCount() + " > " + MAX_EVENTS_PER_PACKET
                    + " (MAX_EVENTS_PER_PACKET)");
        } else if ((long) h.eventCount() * NetV1.EVENT_PREFIX_SIZE > h.payloadLength()) {
            // Every event takes at least its 4-byte length prefix, so these frames cannot fit.
            problems.add("event_count " + h.eventCount() + " needs at least "
                    + h.eventCount() * NetV1.EVENT_PREFIX_SIZE + " payload bytes, payload_len is "
                    + h.payloadLength());
        }
        int expected = HEADER_SIZE + h.payloadLength() + (handshake ? 0 : TAG_SIZE);
        if (packet.length != expected) {
            problems.add("length " + packet.length + " bytes, but the header announces " + expected
                    + (handshake ? " (68 + payload_len " + h.payloadLength() + ", a handshake has no tag)"
                                 : " (68 + payload_len " + h.payloadLength() + " + tag 16)"));
        }
        int prefix = PacketHeader.noncePrefixOf(h.sessionId());
        if (h.noncePrefix() != prefix) {
            problems.add(String.format("nonce prefix %s does not match session_id %s, whose prefix is %s",
                    Hex.encode(java.util.Arrays.copyOf(h.nonce(), 4)), Long.toUnsignedString(h.sessionId()),
                    Hex.encode(littleEndian(prefix))));
        }
        if (h.nonceCounter() == -1L) {
            problems.add("nonce counter 2^64-1 (18446744073709551615), which no sender may use");
        }
        if (handshake) {
            if (h.sessionId() != 0 || h.nonceCounter() != 0) {
                problems.add("a handshake carries session_id 0 and an all-zero nonce");
            }
            if ((h.flags() & NetV1.FLAG_HEARTBEAT) != 0) {
                problems.add("both HANDSHAKE and HEARTBEAT flags set");
            }
        } else if ((h.flags() & NetV1.FLAG_HEARTBEAT) != 0 && (h.payloadLength() != 0 || h.eventCount() != 0)) {
            problems.add("a heartbeat with payload_len " + h.payloadLength() + " and event_count "
                    + h.eventCount() + " (both must be 0)");
        }
        return problems;
    }

    private static byte[] littleEndian(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }
}
