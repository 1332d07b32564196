package dev.netseal.internal.endpoint;

import dev.netseal.HandshakeRefusal;
import dev.netseal.NetV1;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The receive thread's part of the handshakes: a handshake packet checked, its message read as
 * the message 2 of a handshake of ours with that address, or else handed to the responder as a
 * message 1; what neither takes is dropped and counted.
 *
 * @param <S> the session the application holds
 * @param <T> the sealing state
 */
public final class HandshakeInbox<S, T> {
    private final EndpointCounters counters;
    private final Predicate<ByteBuffer> malformed;
    private final Initiators<S, T> initiators;
    /** Null for an endpoint that does not accept. */
    private final @Nullable Responder<S, T> responder;

    // The receive thread only.
    private final byte[] message = new byte[NetV1.MAX_HANDSHAKE_PAYLOAD];
    private final byte[] payload = new byte[NetV1.MAX_HANDSHAKE_PAYLOAD];

    /**
     * @param counters the endpoint's counters
     * @param malformed whether a handshake packet fails the header's checks
     * @param initiators the endpoint's handshakes as initiator
     * @param responder the endpoint's responder, or null when it does not accept
     */
    public HandshakeInbox(EndpointCounters counters, Predicate<ByteBuffer> malformed, Initiators<S, T> initiators,
                          @Nullable Responder<S, T> responder) {
        this.counters = counters;
        this.malformed = malformed;
        this.initiators = initiators;
        this.responder = responder;
    }

    /**
     * One handshake packet from {@code from}. Receive thread only.
     *
     * @param packet the packet's remaining bytes (its position is not moved)
     * @param from where it came from
     */
    public void receive(ByteBuffer packet, InetSocketAddress from) {
        if (malformed.test(packet)) {
            counters.refused(HandshakeRefusal.MALFORMED);
            return;
        }
        int length = packet.remaining() - NetV1.HEADER_SIZE;
        packet.get(packet.position() + NetV1.HEADER_SIZE, message, 0, length);
        HandshakeRefusal asMessage2 = initiators.onMessage2(from, message, length, payload);
        if (asMessage2 == null) {
            return;
        }
        if (responder == null) {
            // Both peers' messages have one shape: with no handshake of ours pending from there,
            // and no responder here, it is a message 2 nobody asked for (or a message 1 in vain).
            counters.refused(asMessage2);
            return;
        }
        responder.offer(from, message, length);
    }
}
