package dev.netseal.internal.wire;

import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;

import dev.netseal.NetV1;

/**
 * The checks every writer of Net v1 packets makes before it writes a byte (the pools' builders and
 * the explicit-nonce codec alike), so each limit has one message that names it.
 */
public final class Limits {
    private Limits() {}

    /** Throws unless {@code events} events of {@code payloadBytes} framed bytes fit in one packet. */
    public static void checkFits(int events, long payloadBytes) {
        if (events > MAX_EVENTS_PER_PACKET) {
            throw new IllegalArgumentException("too many events: " + events + " > " + MAX_EVENTS_PER_PACKET);
        }
        if (payloadBytes > MAX_PAYLOAD_SIZE) {
            throw new IllegalArgumentException("payload too large: " + payloadBytes + " bytes > " + MAX_PAYLOAD_SIZE);
        }
    }

    /** Flags of a sealed packet: a byte, and not FLAG_HANDSHAKE (handshakes travel in clear). */
    public static void checkSealedFlags(int flags) {
        checkU8("flags", flags);
        if ((flags & NetV1.FLAG_HANDSHAKE) != 0) {
            throw new IllegalArgumentException("FLAG_HANDSHAKE packets are not sealed: build a handshake instead");
        }
    }

    /** Throws unless a handshake payload of {@code length} bytes fits after the header. */
    public static void checkHandshakePayload(int length) {
        int max = NetV1.MAX_HANDSHAKE_PAYLOAD;
        if (length > max) {
            throw new IllegalArgumentException("handshake payload too large: " + length + " bytes > " + max);
        }
    }

    public static void checkU8(String name, int value) {
        if ((value & ~0xFF) != 0) {
            throw new IllegalArgumentException(name + " must fit in 8 bits, got " + value);
        }
    }

    public static void checkU16(String name, int value) {
        if ((value & ~0xFFFF) != 0) {
            throw new IllegalArgumentException(name + " must fit in 16 bits, got " + value);
        }
    }
}
