package dev.netseal.netty;

import dev.netseal.NetV1;
import dev.netseal.OpenedPacket;
import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.IllegalReferenceCountException;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A datagram that {@link NetsealDatagramDecoder} opened: who sent it, its header fields, and its
 * events as slices of the datagram's own buffer (no copy: the plaintext was decrypted in place).
 *
 * <p>Reference-counted: it holds one reference to the datagram's buffer, and its events are plain
 * slices of that buffer, made when asked for ({@link #event(int)}), or read in place through
 * {@link #content()}, {@link #eventOffset(int)} and {@link #eventLength(int)} with no object made
 * at all. {@link #release()} (or {@code ReferenceCountUtil.release}) at the end of the pipeline
 * releases the buffer. Keep an event past that with {@code event(i).retain()} (a slice shares its
 * buffer's count).
 *
 * <p>A message that a {@link NetsealDatagramEncoder#splitting splitting encoder} sent in several
 * packets arrives as several of these, all with the message's {@link #sequence()}; netseal's
 * fragment fields tell them apart and order them (WIRE.md, "Messages split across packets"):
 * {@link #fragmentId()} is the packet's index in the message, {@link #fragmentOffset()} the index
 * in the message of its first event, and {@link #moreFragments()} is true on every packet but the
 * last. A message in one packet has all three zero and false. The decoder passes each packet on
 * as it opens; it neither waits for the others nor reassembles.
 */
public final class OpenedDatagram extends AbstractReferenceCounted {
    private final ByteBuf content;
    private final int eventCount;
    /** The first event's index in {@code content} and its length (most packets carry one event). */
    private final int firstOffset;
    private final int firstLength;
    /**
     * The other events: event i (from 1) at {@code content} index {@code more[2(i - 1)]},
     * {@code more[2(i - 1) + 1]} bytes long; null for a packet of at most one event.
     */
    private final int[] more;
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
    private final int fragFlags;
    private final int fragmentId;
    private final int fragmentOffset;

    /**
     * Takes ownership of one reference to {@code content}, whose index {@code contentIndex} is
     * where {@code p}'s packet starts.
     */
    OpenedDatagram(InetSocketAddress sender, InetSocketAddress recipient, OpenedPacket p, ByteBuf content,
                   int contentIndex) {
        this.content = content;
        int n = p.eventCount();
        this.eventCount = n;
        this.firstOffset = n == 0 ? 0 : contentIndex + p.eventOffset(0);
        this.firstLength = n == 0 ? 0 : p.eventLength(0);
        int[] rest = null;
        if (n > 1) {
            rest = new int[2 * (n - 1)];
            for (int i = 1; i < n; i++) {
                rest[2 * (i - 1)] = contentIndex + p.eventOffset(i);
                rest[2 * (i - 1) + 1] = p.eventLength(i);
            }
        }
        this.more = rest;
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
        this.fragFlags = p.fragFlags();
        this.fragmentId = p.fragmentId();
        this.fragmentOffset = p.fragmentOffset();
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
     * frag_flags (u8; {@code NetV1.FRAG_MORE} is netseal's "more packets of this message follow").
     *
     * @return the field's value
     */
    public int fragFlags() {
        return fragFlags;
    }

    /**
     * fragment_id (u16): the packet's index in its message (0 for a message in one packet).
     *
     * @return the field's value
     */
    public int fragmentId() {
        return fragmentId;
    }

    /**
     * fragment_offset (u16): the index in its message of the packet's first event (0 for a
     * message in one packet).
     *
     * @return the field's value
     */
    public int fragmentOffset() {
        return fragmentOffset;
    }

    /**
     * True when more packets of the same message follow this one: frag_flags has
     * {@code NetV1.FRAG_MORE}. False on a message's last packet, and on a message in one packet.
     *
     * @return whether more packets of the message follow
     */
    public boolean moreFragments() {
        return (fragFlags & NetV1.FRAG_MORE) != 0;
    }





    /**
     * Number of events.
     *
     * @return the number of events
     */
    public int eventCount() {
        return eventCount;
    }

    /**
     * Event {@code i}: a slice of the datagram's buffer (not a copy, not retained), valid while this
     * message is ({@code retain()} it to keep it).
     *
     * @param i the event's index, from 0
     * @return the event's bytes
     */
    public ByteBuf event(int i) {
        checkLive();
        return content.slice(eventOffset(i), eventLength(i));
    }

    /**
     * The datagram's buffer, where the events lie decrypted; valid while this message is.
     *
     * @return the buffer (not retained)
     */
    public ByteBuf content() {
        checkLive();
        return content;
    }

    /**
     * Where event {@code i} starts in {@link #content()} (a buffer index).
     *
     * @param i the event's index, from 0
     * @return its index in the content
     */
    public int eventOffset(int i) {
        Objects.checkIndex(i, eventCount);
        return i == 0 ? firstOffset : more[2 * (i - 1)];
    }

    /**
     * The length of event {@code i} in bytes.
     *
     * @param i the event's index, from 0
     * @return its length
     */
    public int eventLength(int i) {
        Objects.checkIndex(i, eventCount);
        return i == 0 ? firstLength : more[2 * (i - 1) + 1];
    }

    private void checkLive() {
        if (refCnt() == 0) {
            throw new IllegalReferenceCountException(0);
        }
    }

    @Override
    protected void deallocate() {
        content.release();
    }

    @Override
    public OpenedDatagram touch(Object hint) {
        content.touch(hint);
        return this;
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
                + streamId + ", seq " + sequence + (fragmentId != 0 || fragFlags != 0
                ? ", fragment " + fragmentId + " from event " + fragmentOffset + (moreFragments() ? ", more" : ", last")
                : "") + ", " + eventCount() + " event(s))";
    }
}
