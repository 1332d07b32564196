package dev.netseal.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.net.InetSocketAddress;

/**
 * A handshake datagram that {@link NetsealDatagramDecoder} checked (shape only: a handshake is
 * neither encrypted nor authenticated) and passed on for the application's key exchange to read.
 * Its content is the payload: a retained slice of the datagram's buffer. Release it when done.
 */
public final class HandshakeDatagram extends DefaultByteBufHolder {
    private final InetSocketAddress sender;

    HandshakeDatagram(InetSocketAddress sender, ByteBuf payload) {
        super(payload);
        this.sender = sender;
    }

    /**
     * The datagram's source address.
     *
     * @return the sender's address
     */
    public InetSocketAddress sender() {
        return sender;
    }

    @Override
    public HandshakeDatagram replace(ByteBuf content) {
        return new HandshakeDatagram(sender, content);
    }

    @Override
    public String toString() {
        return "HandshakeDatagram(from " + sender + ", " + content().readableBytes() + " bytes)";
    }
}
