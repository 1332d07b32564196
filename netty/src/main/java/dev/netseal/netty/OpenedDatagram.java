package dev.netseal.netty;

import dev.netseal.OpenedPacket;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A datagram that {@link NetsealDatagramDecoder} opened: who sent it, its header fields, and its
 * events as slices of the datagram's own buffer (no copy: the plaintext was decrypted in place).
 *
 * <p>Reference-counted: it holds one reference to the datagram's buffer, and each event slice is
 * retained with it; {@link #release()} (or {@code ReferenceCountUtil.release}) at the end of the
 * pipeline releases them all. Keep an event past that with {@code event(i).retain()}.
 */
public final class OpenedDatagram extends EventBuffers {
    private final InetSocketAddress sender;
    private final InetSocketAddress recipient;
    private final long sessionId;
    private final long streamId;
    private final long sequence;
    private final long counter;
    private final long originHash;
    private final int flags;
    private final int subprotocolId;
    private final int channelHash;

    /** Takes ownership of {@code events} (each retained once for this message). */
    OpenedDatagram(InetSocketAddress sender, InetSocketAddress recipient, OpenedPacket p, ByteBuf[] events) {
        super(events);
        this.sender = sender;
        this.recipient = recipient;
        this.sessionId = p.sessionId();
        this.streamId = p.streamId();
        this.sequence = p.sequence();
        this.counter = p.counter();
        this.originHash = p.originHash();
        this.flags = p.flags();
        this.subprotocolId = p.subprotocolId();
        this.channelHash = p.channelHash();
    }

    /**
     * The datagram's source address.
     *
     * @return the sender's address
     */
    public InetSocketAddress sender() {
        return sender;
    }

    /**
     * The local address it arrived on (may be null on some transports).
     *
     * @return the local address, or null
     */
    public InetSocketAddress recipient() {
        return recipient;
    }

    /**
     * The session whose key opened it (after a rekey, possibly the previous session's id).
     *
     * @return the field's value
     */
    public long sessionId() {
        return sessionId;
    }

    /**
     * stream_id.
     *
     * @return the field's value
     */
    public long streamId() {
        return streamId;
    }

    /**
     * sequence.
     *
     * @return the field's value
     */
    public long sequence() {
        return sequence;
    }

    /**
     * The nonce counter it was sealed under.
     *
     * @return the field's value
     */
    public long counter() {
        return counter;
    }

    /**
     * origin_hash.
     *
     * @return the field's value
     */
    public long originHash() {
        return originHash;
    }

    /**
     * flags (the {@code NetV1.FLAG_*} bits).
     *
     * @return the field's value
     */
    public int flags() {
        return flags;
    }

    /**
     * subprotocol_id.
     *
     * @return the field's value
     */
    public int subprotocolId() {
        return subprotocolId;
    }

    /**
     * channel_hash.
     *
     * @return the field's value
     */
    public int channelHash() {
        return channelHash;
    }





    @Override
    public OpenedDatagram touch() {
        touch(null);
        return this;
    }

    @Override
    public OpenedDatagram retain() {
        super.retain();
        return this;
    }

    @Override
    public String toString() {
        return "OpenedDatagram(from " + sender + ", session " + Long.toUnsignedString(sessionId) + ", stream "
                + streamId + ", seq " + sequence + ", " + eventCount() + " event(s))";
    }
}
