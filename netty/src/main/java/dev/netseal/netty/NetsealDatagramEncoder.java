package dev.netseal.netty;

import dev.netseal.NetV1;
import dev.netseal.PacketBuilder;
import dev.netseal.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Seals each {@link OutboundEvents} into a {@link DatagramPacket} whose content is a pooled direct
 * buffer from the channel's allocator, sealed in place: the events are copied once into a builder
 * of the encoder's pool, and encrypted from there, under the message's session, straight into the
 * datagram's buffer ({@link PacketBuilder#sealInto}). The builder comes from the pool's cache of
 * the event-loop thread and goes back before this returns. One pool of builders serves every peer:
 * <pre>{@code
 * ThreadLocalPool builders = ThreadLocalPool.builders(256);
 * SealingSession peer = builders.newSession(key, sessionId);
 * pipeline.addLast(new NetsealDatagramEncoder(builders));
 * channel.writeAndFlush(OutboundEvents.of(peerAddress, peer, streamId, seq, 0, event));
 * }</pre>
 *
 * <p>Events that do not fit one packet (8108 payload bytes, 4 per event for its length, at most
 * 2027 events) are an {@link EncoderException} that says so, unless the encoder was made with
 * {@link #splitting(ThreadLocalPool)}: then they go out in as many packets as they need, in order,
 * each a whole number of events. Every packet of the message carries the message's own sequence
 * (the encoder never uses a sequence number the caller did not give), and netseal's fragment
 * fields tell them apart (WIRE.md, "Messages split across packets"): fragment_id is the packet's
 * index in the message (0, 1, 2, …), fragment_offset the index in the message of the packet's
 * first event, and frag_flags has {@link NetV1#FRAG_MORE} on every packet but the last. A message
 * that fits one packet has the three fields zero, split or not. One event larger than a packet
 * can carry is always refused, and so is a message of more than {@link #MAX_SPLIT_EVENTS} events
 * (fragment_offset is a u16); both before any packet of it is sealed.
 *
 * <p>{@code @Sharable}: it keeps no state but its pool, so one instance may serve every channel.
 */
@ChannelHandler.Sharable
public final class NetsealDatagramEncoder extends MessageToMessageEncoder<OutboundEvents> {
    /** The largest event one packet can carry (its length prefix takes the rest). */
    public static final int MAX_EVENT_SIZE = NetV1.MAX_PAYLOAD_SIZE - NetV1.EVENT_PREFIX_SIZE;
    /**
     * The most events one message may carry through a splitting encoder: 65536, so that the index
     * of a packet's first event, its fragment_offset, fits 16 bits (and so does its fragment_id,
     * each packet carrying at least one event).
     */
    public static final int MAX_SPLIT_EVENTS = 0x1_0000;

    private final ThreadLocalPool builders;
    private final boolean split;

    /**
     * An encoder that seals with the builders of {@code builders} and refuses events that do not
     * fit one packet.
     *
     * @param builders the pool whose sessions the messages name
     */
    public NetsealDatagramEncoder(ThreadLocalPool builders) {
        this(builders, false);
    }

    private NetsealDatagramEncoder(ThreadLocalPool builders, boolean split) {
        super(OutboundEvents.class);
        if (builders == null) {
            throw new NullPointerException("builders");
        }
        this.builders = builders;
        this.split = split;
    }

    /**
     * An encoder that splits events that do not fit one packet into several packets, all with the
     * message's sequence, told apart by their fragment fields (see the class comment).
     *
     * @param builders the pool whose sessions the messages name
     * @return the encoder
     */
    public static NetsealDatagramEncoder splitting(ThreadLocalPool builders) {
        return new NetsealDatagramEncoder(builders, true);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, OutboundEvents msg, List<Object> out) {
        MessagePackets.check(msg, split);
        int n = msg.eventCount();
        int from = 0;
        int fragment = 0;
        do { // at least one packet: no events is an empty data packet
            int to = MessagePackets.packetEnd(msg, from);
            // The last packet has no FRAG_MORE; a message in one packet is fragment 0 at offset 0
            // with no flag: the three fields zero, as an unsplit packet's.
            int fragFlags = to < n ? NetV1.FRAG_MORE : 0;
            out.add(new DatagramPacket(seal(ctx, builders, msg, from, to, MessagePackets.payload(msg, from, to),
                    fragFlags, fragment), msg.recipient()));
            fragment++;
            from = to;
        } while (from < n);
    }

    private static ByteBuf seal(ChannelHandlerContext ctx, ThreadLocalPool builders, OutboundEvents msg, int from,
                                int to, int payload, int fragFlags, int fragment) {
        int length = NetV1.HEADER_SIZE + payload + NetV1.TAG_SIZE;
        ByteBuf datagram = ctx.alloc().directBuffer(length, length);
        boolean done = false;
        try (PacketBuilder b = builders.get()) {
            b.begin(msg.session(), msg.streamId(), msg.sequence(), msg.flags());
            if (fragment != 0 || fragFlags != 0) {
                b.fragment(fragFlags, fragment, from);
            }
            for (int i = from; i < to; i++) {
                ByteBuf e = msg.event(i);
                if (e.nioBufferCount() == 1) {
                    b.event(e.nioBuffer(e.readerIndex(), e.readableBytes()));
                } else { // a composite: gathered once
                    byte[] bytes = new byte[e.readableBytes()];
                    e.getBytes(e.readerIndex(), bytes);
                    b.event(bytes);
                }
            }
            ByteBuffer target = datagram.nioBuffer(0, length);
            b.sealInto(target);
            datagram.writerIndex(length);
            done = true;
            return datagram;
        } finally {
            if (!done) {
                datagram.release();
            }
        }
    }
}
