package dev.netseal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * What sends a {@link DatagramEndpoint}'s datagrams when the application carries them (a Netty
 * channel, say) instead of a socket of the endpoint's own: see
 * {@link DatagramEndpoint.Builder#transport}.
 */
@FunctionalInterface
public interface DatagramTransport {
    /**
     * Sends one datagram. Called from the endpoint's threads and the application's (whoever
     * sends); the bytes are valid only during the call: copy them if they go out later.
     *
     * @param datagram the datagram's remaining bytes
     * @param to where it goes
     * @throws IOException if it cannot be sent
     */
    void send(ByteBuffer datagram, InetSocketAddress to) throws IOException;
}
