package dev.netseal.netty;

import dev.netseal.NetV1;
import io.netty.handler.codec.EncoderException;

/**
 * How a message's events go into packets, the one plan both encoders follow: events in order,
 * each packet as many whole events as fit (payload bytes, event count), at least one packet. The
 * checks come first, so a message that cannot be sent is refused before any packet of it is sealed.
 */
final class MessagePackets {
    private MessagePackets() {}

    /**
     * Throws {@link EncoderException} naming what is wrong when {@code msg} cannot be sent: an event
     * larger than a packet carries, more events than a split message may have, or, when
     * {@code split} is false, events that do not fit one packet.
     */
    static void check(OutboundEvents msg, boolean split) {
        int n = msg.eventCount();
        long total = 0;
        for (int i = 0; i < n; i++) {
            int len = msg.event(i).readableBytes();
            if (len > NetsealDatagramEncoder.MAX_EVENT_SIZE) {
                throw new EncoderException("event " + i + " has " + len + " bytes; one packet carries at most "
                        + NetsealDatagramEncoder.MAX_EVENT_SIZE);
            }
            total += NetV1.EVENT_PREFIX_SIZE + len;
        }
        if (!split && (total > NetV1.MAX_PAYLOAD_SIZE || n > NetV1.MAX_EVENTS_PER_PACKET)) {
            throw new EncoderException(n + " events of " + total + " framed bytes do not fit one packet (at most "
                    + NetV1.MAX_PAYLOAD_SIZE + " bytes and " + NetV1.MAX_EVENTS_PER_PACKET
                    + " events): send fewer, or use NetsealDatagramEncoder.splitting()");
        }
        if (n > NetsealDatagramEncoder.MAX_SPLIT_EVENTS) {
            throw new EncoderException(n + " events in one message; a split message carries at most "
                    + NetsealDatagramEncoder.MAX_SPLIT_EVENTS
                    + " (its packets' fragment_offset is a u16): send them as several messages");
        }
    }

    /** The index after the last event of the packet whose first event is {@code from}. */
    static int packetEnd(OutboundEvents msg, int from) {
        int n = msg.eventCount();
        int to = from;
        long payload = 0;
        while (to < n && to - from < NetV1.MAX_EVENTS_PER_PACKET
                && payload + NetV1.EVENT_PREFIX_SIZE + msg.event(to).readableBytes() <= NetV1.MAX_PAYLOAD_SIZE) {
            payload += NetV1.EVENT_PREFIX_SIZE + msg.event(to).readableBytes();
            to++;
        }
        return to;
    }

    /** The payload bytes of the packet carrying events {@code from .. to - 1}. */
    static int payload(OutboundEvents msg, int from, int to) {
        int payload = 0;
        for (int i = from; i < to; i++) {
            payload += NetV1.EVENT_PREFIX_SIZE + msg.event(i).readableBytes();
        }
        return payload;
    }
}
