package dev.netseal.netty;

import dev.netseal.SealingSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.IllegalReferenceCountException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * What to seal and send: the peer's address, the peer's {@link SealingSession} (its key, counter
 * and ids), the stream, sequence and flags, and the events. {@link NetsealDatagramEncoder} turns it into one
 * sealed {@code DatagramPacket} (or several, if it may split).
 *
 * <p>Reference-counted: it owns one reference to each event buffer and releases them when it is
 * released (the encoder does that once it has sealed them).
 */
public final class OutboundEvents extends AbstractReferenceCounted {
    /** One reference to each event buffer, owned: releasing this message to zero releases them. */
    private final ByteBuf[] events;
    private final InetSocketAddress recipient;
    private final SealingSession session;
    private final long streamId;
    private final long sequence;
    private final int flags;

    private OutboundEvents(InetSocketAddress recipient, SealingSession session, long streamId, long sequence,
                           int flags, ByteBuf[] events) {
        this.events = events;
        this.recipient = Objects.requireNonNull(recipient, "recipient");
        this.session = Objects.requireNonNull(session, "session");
        this.streamId = streamId;
        this.sequence = sequence;
        this.flags = flags;
    }

    /**
     * Events to seal for {@code recipient} with {@code session}'s key and counter; the session must
     * belong to the pool of the encoder that seals them. Takes ownership
     * of the buffers (released once sealed, or when this is released).
     *
     * @param recipient the peer's address
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet (of each of its packets, if it is split)
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param events the events, each its remaining bytes (positions are not moved)
     * @return the message, owning the event buffers
     */
    public static OutboundEvents of(InetSocketAddress recipient, SealingSession session, long streamId,
                                    long sequence, int flags, ByteBuf... events) {
        for (ByteBuf e : events) {
            Objects.requireNonNull(e, "event");
        }
        return new OutboundEvents(recipient, session, streamId, sequence, flags, events.clone());
    }

    /**
     * One event to seal for {@code recipient} (the common case, with no array made for it); as
     * {@link #of(InetSocketAddress, SealingSession, long, long, int, ByteBuf...)} otherwise.
     *
     * @param recipient the peer's address
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param event the event, its readable bytes
     * @return the message, owning the event buffer
     */
    public static OutboundEvents of(InetSocketAddress recipient, SealingSession session, long streamId,
                                    long sequence, int flags, ByteBuf event) {
        return new OutboundEvents(recipient, session, streamId, sequence, flags,
                new ByteBuf[] {Objects.requireNonNull(event, "event")});
    }

    /**
     * The same from byte arrays (wrapped, not copied).
     *
     * @param recipient the peer's address
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet (of each of its packets, if it is split)
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param events the events, each its remaining bytes (positions are not moved)
     * @return the message, owning the event buffers
     */
    public static OutboundEvents of(InetSocketAddress recipient, SealingSession session, long streamId,
                                    long sequence, int flags, List<byte[]> events) {
        ByteBuf[] bufs = new ByteBuf[events.size()];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = Unpooled.wrappedBuffer(Objects.requireNonNull(events.get(i), "event"));
        }
        return new OutboundEvents(recipient, session, streamId, sequence, flags, bufs);
    }

    /**
     * Where the datagram goes.
     *
     * @return the recipient's address
     */
    public InetSocketAddress recipient() {
        return recipient;
    }

    /**
     * The session that seals it.
     *
     * @return the session
     */
    public SealingSession session() {
        return session;
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
     * sequence of the packet, and of every packet of it when a splitting encoder splits it (its
     * fragment fields tell those apart; see {@link NetsealDatagramEncoder}).
     *
     * @return the field's value
     */
    public long sequence() {
        return sequence;
    }

    /**
     * flags.
     *
     * @return the field's value
     */
    public int flags() {
        return flags;
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
     * Event {@code i}: not a copy, valid while this message is ({@code retain()} it to keep it).
     *
     * @param i the event's index, from 0
     * @return the event's buffer
     */
    public ByteBuf event(int i) {
        if (refCnt() == 0) {
            throw new IllegalReferenceCountException(0);
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
    public OutboundEvents touch(Object hint) {
        for (ByteBuf e : events) {
            e.touch(hint);
        }
        return this;
    }

    @Override
    public OutboundEvents touch() {
        touch(null);
        return this;
    }

    @Override
    public OutboundEvents retain() {
        super.retain();
        return this;
    }

    @Override
    public String toString() {
        return "OutboundEvents(to " + recipient + ", stream " + streamId + ", seq " + sequence + ", "
                + eventCount() + " event(s))";
    }
}
