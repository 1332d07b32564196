package dev.netseal.bench;

import dev.netseal.NetV1;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import dev.netseal.netty.NetsealDatagramDecoder;
import dev.netseal.netty.NetsealDatagramEncoder;
import dev.netseal.netty.OpenedDatagram;
import dev.netseal.netty.OutboundEvents;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Group "netty": packets per second through a Netty UDP pipeline on 127.0.0.1 (NIO, one event
 * loop each side), one event per packet, in three forms that differ only in their handlers:
 * <ul>
 *   <li>{@code netseal-netty}: {@link NetsealDatagramEncoder} on the client, {@link
 *       NetsealDatagramDecoder} with a {@link SessionTable} on the server;</li>
 *   <li>{@code netty-plain}: the same framing with no cryptography (what encryption costs);</li>
 *   <li>{@code netty-jdk-cipher}: the handlers a Netty user would write by hand with the JDK's
 *       {@code ChaCha20-Poly1305} {@link Cipher} (a Net v1 header, the AAD, a counter nonce, a new
 *       {@code init} per packet as the JDK requires, heap arrays), the peer.</li>
 * </ul>
 * The sender keeps at most {@value #IN_FLIGHT} packets ahead of what the server has counted, so
 * the socket never overflows and every packet sent is a packet delivered; one op is one packet.
 * The packets are written on the client's event loop, as a server's handlers write them.
 */
final class NettyPipeline {
    enum Kind { NETSEAL, PLAIN, JDK }

    static final int IN_FLIGHT = 256;
    static final int BATCH = 32;
    private static final long SESSION = 0x6e65_7474_7931_0001L;

    private final Kind kind;
    private final int eventSize;
    private final AtomicLong received = new AtomicLong();
    private EventLoopGroup group;
    private Channel server;
    private Channel client;
    private InetSocketAddress to;
    private SessionTable table;
    private ThreadLocalPool builders;
    private SealingSession session;
    private long sent;
    /** Written on the client's event loop only. */
    private long sequence;
    private ByteBuf event;
    private final Runnable writeBatch = this::writeBatch;

    NettyPipeline(Kind kind, int eventSize) {
        this.kind = kind;
        this.eventSize = eventSize;
    }

    void setUp() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        byte[] key = BenchSupport.key();
        ChannelHandler serverSide;
        ChannelHandler clientSide;
        switch (kind) {
            case NETSEAL:
                table = SessionTable.create();
                table.add(key, SESSION);
                builders = ThreadLocalPool.builders(64);
                session = builders.newSession(key, SESSION);
                serverSide = new NetsealDatagramDecoder(table);
                clientSide = new NetsealDatagramEncoder(builders);
                break;
            case PLAIN:
                serverSide = new PlainDecoder();
                clientSide = new PlainEncoder();
                break;
            default:
                serverSide = new JdkCipherDecoder(key);
                clientSide = new JdkCipherEncoder(key);
        }
        ChannelHandler count = new Count();
        server = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(serverSide, count);
                    }
                }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        to = (InetSocketAddress) server.localAddress();
        client = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(clientSide)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        event = Unpooled.unreleasableBuffer(Unpooled.directBuffer(eventSize).writeZero(eventSize));
    }

    /**
     * Sends packets until {@code stop}; returns how many (each delivered: see the class comment).
     * The writes run on the client's event loop, {@value #BATCH} per task and one flush, as a
     * server's handlers write: the harness thread only hands batches over and keeps the window.
     */
    long run(PairedSide.Control stop) {
        long n = 0;
        do {
            while (sent - received.get() > IN_FLIGHT - BATCH) {
                LockSupport.parkNanos(20_000);
            }
            client.eventLoop().execute(writeBatch);
            sent += BATCH;
            n += BATCH;
        } while (!stop.stop);
        return n;
    }

    /** Writes one batch and flushes; runs on the client's event loop only. */
    private void writeBatch() {
        for (int i = 0; i < BATCH; i++) {
            ByteBuf e = event.duplicate(); // a view of an unreleasable buffer: the handlers' release is harmless
            long seq = sequence++;
            client.write(kind == Kind.NETSEAL ? OutboundEvents.of(to, session, 1, seq, 0, e) : new Outbound(to, e));
        }
        client.flush();
    }

    void tearDown() throws InterruptedException {
        client.close().sync();
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (kind == Kind.NETSEAL) {
            session.close();
            builders.close();
            table.close();
        }
    }

    /** The server's sink: counts each packet's events, releases the message. */
    @ChannelHandler.Sharable
    private final class Count extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            received.incrementAndGet();
            ReferenceCountUtil.release(msg);
        }
    }

    /** What the plain and JDK-cipher forms send: one event to one address. */
    static final class Outbound {
        final InetSocketAddress to;
        final ByteBuf event;

        Outbound(InetSocketAddress to, ByteBuf event) {
            this.to = to;
            this.event = event;
        }
    }

    /** No cryptography: the header and the framed event into a pooled direct buffer. */
    @ChannelHandler.Sharable
    static final class PlainEncoder extends MessageToMessageEncoder<Outbound> {
        @Override
        protected void encode(ChannelHandlerContext ctx, Outbound msg, List<Object> out) {
            int len = msg.event.readableBytes();
            ByteBuf b = ctx.alloc().directBuffer(NetV1.HEADER_SIZE + 4 + len + NetV1.TAG_SIZE);
            b.writeZero(NetV1.HEADER_SIZE).writeIntLE(len).writeBytes(msg.event, msg.event.readerIndex(), len)
                    .writeZero(NetV1.TAG_SIZE);
            out.add(new DatagramPacket(b, msg.to));
        }
    }

    /** No cryptography: passes a slice of each event on. */
    static final class PlainDecoder extends MessageToMessageDecoder<DatagramPacket> {
        @Override
        protected void decode(ChannelHandlerContext ctx, DatagramPacket msg, List<Object> out) {
            ByteBuf c = msg.content();
            int len = c.getIntLE(c.readerIndex() + NetV1.HEADER_SIZE);
            out.add(c.retainedSlice(c.readerIndex() + NetV1.HEADER_SIZE + 4, len));
        }
    }

    /**
     * The handler a Netty user would write with the JDK's Cipher: a Net v1 header, the 56-byte
     * AAD, a nonce from a counter, {@code init} per packet (the JDK refuses to reuse a key and
     * nonce pair, so there is no way around it), encryption from a heap copy of the plaintext.
     */
    static final class JdkCipherEncoder extends MessageToMessageEncoder<Outbound> {
        private final SecretKeySpec key;
        private final Cipher cipher;
        private final byte[] header = new byte[NetV1.HEADER_SIZE];
        private final byte[] aad = new byte[NetV1.AAD_SIZE];
        private final byte[] nonce = new byte[NetV1.NONCE_SIZE];
        private long counter;

        JdkCipherEncoder(byte[] key) {
            this.key = new SecretKeySpec(key, "ChaCha20");
            try {
                this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, Outbound msg, List<Object> out) throws Exception {
            int len = msg.event.readableBytes();
            byte[] plain = new byte[4 + len];
            ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).putInt(len);
            msg.event.getBytes(msg.event.readerIndex(), plain, 4, len);
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
            h.putShort(0, (short) NetV1.MAGIC).put(2, (byte) NetV1.VERSION).putLong(24, SESSION)
                    .putShort(64, (short) plain.length).putShort(66, (short) 1);
            long c = counter++;
            ByteBuffer.wrap(nonce).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) SESSION ^ (int) (SESSION >>> 32))
                    .putLong(4, c);
            h.put(12, nonce);
            System.arraycopy(header, 0, aad, 0, 12);
            aad[6] = 0;
            System.arraycopy(header, 24, aad, 12, 44);
            cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce));
            cipher.updateAAD(aad);
            byte[] sealed = cipher.doFinal(plain);
            ByteBuf b = ctx.alloc().directBuffer(NetV1.HEADER_SIZE + sealed.length);
            b.writeBytes(header).writeBytes(sealed);
            out.add(new DatagramPacket(b, msg.to));
        }
    }

    /** The receiving half of the hand-written JDK-Cipher handler (no replay window: cheaper still). */
    static final class JdkCipherDecoder extends MessageToMessageDecoder<DatagramPacket> {
        private final SecretKeySpec key;
        private final Cipher cipher;
        private final byte[] aad = new byte[NetV1.AAD_SIZE];
        private final byte[] nonce = new byte[NetV1.NONCE_SIZE];

        JdkCipherDecoder(byte[] key) {
            this.key = new SecretKeySpec(key, "ChaCha20");
            try {
                this.cipher = Cipher.getInstance("ChaCha20-Poly1305");
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, DatagramPacket msg, List<Object> out) throws Exception {
            ByteBuf c = msg.content();
            int at = c.readerIndex();
            byte[] packet = new byte[c.readableBytes()];
            c.getBytes(at, packet);
            System.arraycopy(packet, 12, nonce, 0, 12);
            System.arraycopy(packet, 0, aad, 0, 12);
            aad[6] = 0;
            System.arraycopy(packet, 24, aad, 12, 44);
            cipher.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce));
            cipher.updateAAD(aad);
            byte[] plain = cipher.doFinal(packet, NetV1.HEADER_SIZE, packet.length - NetV1.HEADER_SIZE);
            int len = ByteBuffer.wrap(plain).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
            out.add(Unpooled.wrappedBuffer(plain, 4, len));
        }
    }
}
