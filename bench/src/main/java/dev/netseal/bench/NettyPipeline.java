package dev.netseal.bench;

import dev.netseal.NetV1;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import dev.netseal.netty.NetsealBatchEncoder;
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
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.SegmentedDatagramPacket;
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
 * Two transports: {@link Transport#NIO}, one datagram per system call each way (today's
 * pipeline, the baseline), and {@link Transport#EPOLL_BATCHED}: epoll, every flush sent as UDP GSO
 * sends of up to 64 packets (netseal's {@link NetsealBatchEncoder}; the same segmented sends,
 * hand-written, for the plain and JDK forms), and the server reading with UDP GRO (one recvmsg
 * takes a whole GSO send), which Netty passes on packet by packet.
 *
 * <p>The sender keeps at most {@link Transport#inFlight} packets ahead of what the server has
 * counted, so the socket never overflows and every packet sent is a packet delivered; one op is
 * one packet. The packets are written on the client's event loop, {@link Transport#batch} per
 * task and one flush, as a server's handlers write them.
 */
public final class NettyPipeline {
    public enum Kind { NETSEAL, PLAIN, JDK }

    public enum Transport {
        NIO(256, 32), EPOLL_BATCHED(2048, 64);

        final int inFlight;
        final int batch;

        Transport(int inFlight, int batch) {
            this.inFlight = inFlight;
            this.batch = batch;
        }
    }

    private static final long SESSION = 0x6e65_7474_7931_0001L;

    private final Kind kind;
    private final Transport transport;
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
        this(kind, Transport.NIO, eventSize);
    }

    public NettyPipeline(Kind kind, Transport transport, int eventSize) {
        this.kind = kind;
        this.transport = transport;
        this.eventSize = eventSize;
    }

    public void setUp() throws InterruptedException {
        boolean batched = transport == Transport.EPOLL_BATCHED;
        group = new MultiThreadIoEventLoopGroup(2, batched ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends DatagramChannel> channel = batched ? EpollDatagramChannel.class : NioDatagramChannel.class;
        byte[] key = BenchSupport.key();
        ChannelHandler serverSide;
        ChannelHandler clientSide;
        switch (kind) {
            case NETSEAL:
                table = SessionTable.create();
                // a session id per transport: a pair runs both transports' pipelines in one JVM
                long sessionId = SESSION + transport.ordinal();
                table.add(key, sessionId);
                builders = ThreadLocalPool.builders(64);
                session = builders.newSession(key, sessionId);
                serverSide = new NetsealDatagramDecoder(table);
                clientSide = batched ? new NetsealBatchEncoder(builders) : new NetsealDatagramEncoder(builders);
                break;
            case PLAIN:
                serverSide = new PlainDecoder();
                clientSide = batched ? new Segmenting(new PlainEncoder()::writeInto) : new PlainEncoder();
                break;
            default:
                serverSide = new JdkCipherDecoder(key);
                JdkCipherEncoder jdk = new JdkCipherEncoder(key);
                clientSide = batched ? new Segmenting(jdk::writeInto) : jdk;
        }
        ChannelHandler count = new Count();
        Bootstrap serverBootstrap = new Bootstrap().group(group).channel(channel)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(serverSide, count);
                    }
                });
        if (batched) { // one recvmsg takes a whole GRO read (Netty 4.2 reads GRO with recvmsg only)
            serverBootstrap.option(EpollChannelOption.UDP_GRO, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 65_535)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536));
        }
        server = serverBootstrap.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        to = (InetSocketAddress) server.localAddress();
        client = new Bootstrap().group(group).channel(channel).handler(clientSide)
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        if (clientSide instanceof NetsealBatchEncoder
                && ((NetsealBatchEncoder) clientSide).mode() != NetsealBatchEncoder.Mode.SEGMENTED) {
            throw new IllegalStateException("the batched row needs GSO: " + ((NetsealBatchEncoder) clientSide).modeReason());
        }
        event = Unpooled.unreleasableBuffer(Unpooled.directBuffer(eventSize).writeZero(eventSize));
    }

    /**
     * Sends packets until {@code stop}; returns how many (each delivered: see the class comment).
     * The writes run on the client's event loop, {@link Transport#batch} per task and one flush, as a
     * server's handlers write: the harness thread only hands batches over and keeps the window.
     */
    long run(PairedSide.Control stop) {
        long n = 0;
        int batch = transport.batch;
        do {
            while (sent - received.get() > transport.inFlight - batch) {
                LockSupport.parkNanos(20_000);
            }
            client.eventLoop().execute(writeBatch);
            sent += batch;
            n += batch;
        } while (!stop.stop);
        return n;
    }

    /** Sends for {@code millis} (a timer thread stops it), waits for what is in flight; the packets sent. */
    public long runFor(long millis) throws InterruptedException {
        PairedSide.Control c = new PairedSide.Control();
        Thread timer = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            c.stop = true;
        });
        timer.start();
        long n = run(c);
        timer.join();
        drain();
        return n;
    }

    /** Waits until every packet sent has arrived (at most 5 s): a measured span ends with no packet in flight. */
    void drain() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (received.get() < sent && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    /** Writes one batch and flushes; runs on the client's event loop only. */
    private void writeBatch() {
        for (int i = 0, n = transport.batch; i < n; i++) {
            ByteBuf e = event.duplicate(); // a view of an unreleasable buffer: the handlers' release is harmless
            long seq = sequence++;
            client.write(kind == Kind.NETSEAL ? OutboundEvents.of(to, session, 1, seq, 0, e) : new Outbound(to, e));
        }
        client.flush();
    }

    public void tearDown() throws InterruptedException {
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

    /** Writes one packet for {@code msg} at {@code out}'s writer index. */
    interface PacketWriter {
        void writeInto(ByteBuf out, Outbound msg) throws Exception;
    }

    /**
     * The peers' batched sender, as a Netty user would write it for GSO: what one flush writes
     * goes into one pooled direct buffer, packet after packet, and out as segmented sends of up to
     * 64 packets (all of one size here: one event size per run), each under 65,000 bytes.
     */
    static final class Segmenting extends ChannelOutboundHandlerAdapter {
        private final PacketWriter writer;
        private ByteBuf pending;
        private InetSocketAddress to;
        private int segment;

        Segmenting(PacketWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            Outbound o = (Outbound) msg;
            try {
                if (pending == null) {
                    pending = ctx.alloc().directBuffer(64 * 1024);
                    to = o.to;
                }
                int before = pending.writerIndex();
                writer.writeInto(pending, o);
                segment = pending.writerIndex() - before;
            } finally {
                o.event.release();
            }
            promise.trySuccess();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            ByteBuf all = pending;
            pending = null;
            if (all != null) {
                int perSend = Math.min(64, 65_000 / segment) * segment;
                while (all.readableBytes() > perSend) {
                    ctx.write(new SegmentedDatagramPacket(all.readRetainedSlice(perSend), segment, to), ctx.voidPromise());
                }
                ctx.write(all.readableBytes() > segment ? new SegmentedDatagramPacket(all, segment, to)
                        : new DatagramPacket(all, to), ctx.voidPromise());
            }
            ctx.flush();
        }
    }

    /** No cryptography: the header and the framed event into a pooled direct buffer. */
    @ChannelHandler.Sharable
    static final class PlainEncoder extends MessageToMessageEncoder<Outbound> {
        @Override
        protected void encode(ChannelHandlerContext ctx, Outbound msg, List<Object> out) {
            int len = msg.event.readableBytes();
            ByteBuf b = ctx.alloc().directBuffer(NetV1.HEADER_SIZE + 4 + len + NetV1.TAG_SIZE);
            writeInto(b, msg);
            out.add(new DatagramPacket(b, msg.to));
        }

        void writeInto(ByteBuf b, Outbound msg) {
            int len = msg.event.readableBytes();
            b.writeZero(NetV1.HEADER_SIZE).writeIntLE(len).writeBytes(msg.event, msg.event.readerIndex(), len)
                    .writeZero(NetV1.TAG_SIZE);
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
            ByteBuf b = ctx.alloc().directBuffer(NetV1.HEADER_SIZE + 4 + msg.event.readableBytes() + NetV1.TAG_SIZE);
            try {
                writeInto(b, msg);
            } catch (Exception e) {
                b.release();
                throw e;
            }
            out.add(new DatagramPacket(b, msg.to));
        }

        void writeInto(ByteBuf b, Outbound msg) throws Exception {
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
            b.writeBytes(header).writeBytes(sealed);
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
