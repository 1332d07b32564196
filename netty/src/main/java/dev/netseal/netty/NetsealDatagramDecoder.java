package dev.netseal.netty;

import dev.netseal.HandshakeReader;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketException;
import dev.netseal.SessionTable;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Opens each inbound {@link DatagramPacket} through a {@link SessionTable}, in place, and passes on
 * an {@link OpenedDatagram} that holds the datagram's buffer, its events slices of it. With epoll's
 * UDP_GRO and recvmmsg the channel reads many datagrams per call and passes each on as a slice of
 * one buffer: each is opened (or refused and counted) on its own.
 * Handshakes go on as {@link HandshakeDatagram}s for the application's key exchange. A refused
 * datagram is released and counted in {@link #refusals()}; it never reaches the next handler as an
 * exception and is never logged.
 *
 * <h2>Zero copy</h2>
 * A datagram whose content is one writable region (what Netty's NIO and epoll datagram channels
 * deliver, direct or heap) is decrypted where it lies. Only a read-only or composite content is
 * copied once, into a buffer from the channel's allocator.
 *
 * <h2>Threads</h2>
 * Add one decoder per channel (it keeps a reusable result, so it is not {@code @Sharable}); many
 * channels may share one {@link SessionTable} and one {@link RefusalCounters}.
 */
public final class NetsealDatagramDecoder extends MessageToMessageDecoder<DatagramPacket> {
    private final SessionTable sessions;
    private final RefusalCounters refusals;
    /** Reused for every datagram of this channel: opening allocates nothing. */
    private final OpenedPacket opened = new OpenedPacket();

    /**
     * A decoder that opens with {@code sessions} and counts refusals in a new counter object.
     *
     * @param sessions the session table that opens the datagrams
     */
    public NetsealDatagramDecoder(SessionTable sessions) {
        this(sessions, new RefusalCounters());
    }

    /**
     * A decoder that opens with {@code sessions} and counts refusals in {@code refusals}.
     *
     * @param sessions the session table that opens the datagrams
     * @param refusals where refusals are counted (may be shared by several decoders)
     */
    public NetsealDatagramDecoder(SessionTable sessions, RefusalCounters refusals) {
        super(DatagramPacket.class);
        if (sessions == null || refusals == null) {
            throw new NullPointerException(sessions == null ? "sessions" : "refusals");
        }
        this.sessions = sessions;
        this.refusals = refusals;
    }

    /**
     * The refusals of this decoder (and of any other decoder that shares the object).
     *
     * @return the counters
     */
    public RefusalCounters refusals() {
        return refusals;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket msg, List<Object> out) {
        ByteBuf content = msg.content();
        ByteBuf owned = null; // a copy made for a content that cannot be worked in
        try {
            ByteBuf data = content;
            if (content.nioBufferCount() != 1 || content.isReadOnly()) {
                owned = ctx.alloc().buffer(content.readableBytes());
                owned.writeBytes(content, content.readerIndex(), content.readableBytes());
                data = owned;
            }
            int start = data.readerIndex();
            // The buffer's own cached view, no new object: the segments of one GRO read are slices
            // of one buffer and share it, so the native side looks its address up once per read.
            ByteBuffer packet = data.internalNioBuffer(start, data.readableBytes());
            int base = packet.position();
            if (HandshakeReader.isHandshake(packet)) {
                handshake(msg, data, packet, base, out);
                return;
            }
            if (!sessions.tryOpen(packet, opened)) {
                refusals.count(opened.refusal());
                return;
            }
            ByteBuf held = owned != null ? owned : data.retain();
            owned = null; // the message owns it now
            // opened's offsets count from the view's index 0; the packet is at base there, at start in data
            out.add(new OpenedDatagram(msg.sender(), msg.recipient(), opened, held, start - base));
        } finally {
            if (owned != null) {
                owned.release();
            }
        }
    }

    private void handshake(DatagramPacket msg, ByteBuf data, ByteBuffer packet, int base, List<Object> out) {
        try {
            ByteBuffer payload = HandshakeReader.payload(packet);
            // the payload view starts at its own index 0: find it in the ByteBuf from the header size
            int from = data.readerIndex() + (packet.position() - base) + dev.netseal.NetV1.HEADER_SIZE;
            out.add(new HandshakeDatagram(msg.sender(), data.retainedSlice(from, payload.remaining())));
        } catch (PacketException e) {
            refusals.count(e.reason());
        }
    }
}
