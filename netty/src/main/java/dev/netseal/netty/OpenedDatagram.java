package dev.netseal.netty;

import dev.netseal.OpenedPacket;
import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
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
public final class OpenedDatagram extends AbstractReferenceCounted {
    private final InetSocketAddress sender;
    private final InetSocketAddress recipient;
    private final ByteBuf[] events;
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
        this.sender = sender;
        this.recipient = recipient;
        this.events = events;
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

    /**
     * Number of events.
     *
     * @return the number of events
     */
    public int eventCount() {
        return events.length;
    }

    /**
     * Event {@code i}: a read-only-by-convention slice of the datagram's buffer, valid while this is.
     *
     * @param i the event's index, from 0
     * @return a slice of the datagram's buffer
     */
    public ByteBuf event(int i) {
        if (refCnt() == 0) {
            throw new io.netty.util.IllegalReferenceCountException(0);
        }
        return events[Objects.checkIndex(i, events.length)];
    }

    @Override
    protected void deallocate() {
        for (ByteBuf e : events) {
            e.release();
        }
    }

    @Override
    public OpenedDatagram touch(Object hint) {
        for (ByteBuf e : events) {
            e.touch(hint);
        }
        return this;
    }

    @Override
    public OpenedDatagram touch() {
        return touch(null);
    }

    @Override
    public OpenedDatagram retain() {
        super.retain();
        return this;
    }

    @Override
    public String toString() {
        return "OpenedDatagram(from " + sender + ", session " + Long.toUnsignedString(sessionId) + ", stream "
                + streamId + ", seq " + sequence + ", " + events.length + " event(s))";
    }
}
