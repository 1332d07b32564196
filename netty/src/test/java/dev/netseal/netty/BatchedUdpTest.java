package dev.netseal.netty;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import dev.netseal.PacketException.Reason;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The batching encoder over real channels on 127.0.0.1: on epoll it sends with GSO and the server
 * reads with GRO and recvmmsg; on NIO it sends single datagrams. Every event arrives exactly
 * once, no (session, counter) arrives twice, a GRO read whose segments are partly corrupt opens
 * the good ones and counts the bad, a path that refuses GSO still gets every packet, and Netty's
 * leak detector (PARANOID) finds nothing.
 */
@ExtendWith(LeakWatch.class)
class BatchedUdpTest {
    static final int CLIENTS = 3;
    static final int PER_CLIENT = 20_000;
    static final int IN_FLIGHT = 512;

    static {
        LeakWatch.install();
    }

    private static final AtomicInteger ROUND = new AtomicInteger(40);
    private int round;

    @org.junit.jupiter.api.BeforeEach
    void nextRound() {
        round = ROUND.incrementAndGet();
    }


    static long session(int client) {
        return 0x6A7C_0000_0000_0000L + client;
    }

    /** Waits until at most {@code limit} of the client's events are in flight; fails after 20 s (loss). */
    static void awaitInFlight(UdpPipelineTest.Collector collector, int client, int sent, int limit,
                              RefusalCounters refusals) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (sent - collector.received.get(client) > limit) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("client " + client + ": " + collector.received.get(client) + " of " + sent
                        + " events arrived after 20 s; refusals " + refusals);
            }
            LockSupport.parkNanos(20_000);
        }
    }

    /** Records each packet's (session, counter) and passes it on. */
    static final class Counters extends ChannelInboundHandlerAdapter {
        final Set<String> seen = new HashSet<>();
        final AtomicLong repeated = new AtomicLong();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof OpenedDatagram) {
                OpenedDatagram o = (OpenedDatagram) msg;
                if (!seen.add(o.sessionId() + "/" + o.counter())) {
                    repeated.incrementAndGet();
                }
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** How an epoll server reads. */
    enum Read {
        /**
         * UDP_GRO: one recvmsg returns up to 64 KiB of one sender's datagrams, which Netty passes on
         * one by one. The read buffer must take a whole GRO read, and Netty 4.2 reads GRO with
         * recvmsg only (with a buffer of several such slots it uses recvmmsg, which cuts GRO reads
         * at the slot size).
         */
        GRO,
        /** recvmmsg: up to 32 datagrams of at most 2 KiB per system call, no GRO. */
        RECVMMSG
    }

    static Channel server(Transports transport, EventLoopGroup group, SessionTable table, RefusalCounters refusals,
                          Counters counters, UdpPipelineTest.Collector collector) throws InterruptedException {
        return server(transport, Read.GRO, group, table, refusals, counters, collector);
    }

    /** A server channel; on epoll it reads as {@code read} says. */
    static Channel server(Transports transport, Read read, EventLoopGroup group, SessionTable table,
                          RefusalCounters refusals, Counters counters, UdpPipelineTest.Collector collector)
            throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(transport.channel())
                .option(ChannelOption.SO_RCVBUF, 8 << 20)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new NetsealDatagramDecoder(table, refusals), counters, collector);
                    }
                });
        if (transport == Transports.EPOLL && read == Read.GRO) {
            b.option(EpollChannelOption.UDP_GRO, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 65_535)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536));
        } else if (transport == Transports.EPOLL) {
            b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 2048)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(32 * 2048));
        }
        return b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    @ParameterizedTest
    @EnumSource(Transports.class)
    void everyEventArrivesOnceThroughBatchesAndSegmentation(Transports transport) throws Exception {
        everyEventArrivesOnce(transport, Read.GRO);
    }

    /** The same traffic read with recvmmsg and no GRO (GSO sends arrive as single datagrams then). */
    @Test
    void everyEventArrivesOnceThroughRecvmmsg() throws Exception {
        everyEventArrivesOnce(Transports.EPOLL, Read.RECVMMSG);
    }

    private void everyEventArrivesOnce(Transports transport, Read read) throws Exception {
        transport.require();
        EventLoopGroup group = transport.group(2);
        RefusalCounters refusals = new RefusalCounters();
        UdpPipelineTest.Collector collector = new UdpPipelineTest.Collector();
        Counters counters = new Counters();
        List<SealingSession> sessions = new ArrayList<>();
        try (SessionTable table = SessionTable.create();
             ThreadLocalPool builders = ThreadLocalPool.builders(16)) {
            for (int c = 0; c < CLIENTS; c++) {
                table.add(roundKey(c), session(c));
                sessions.add(builders.newSession(roundKey(c), session(c)));
            }
            Channel server = server(transport, read, group, table, refusals, counters, collector);
            InetSocketAddress to = (InetSocketAddress) server.localAddress();
            NetsealBatchEncoder encoder = new NetsealBatchEncoder(builders);
            Channel client = new Bootstrap().group(group).channel(transport.channel()).handler(encoder)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            assertEquals(transport == Transports.EPOLL ? NetsealBatchEncoder.Mode.SEGMENTED
                    : NetsealBatchEncoder.Mode.SINGLE, encoder.mode(), encoder.modeReason());
            // the clients' messages interleave in each flush: one batch per session and flush
            for (int n = 0; n < PER_CLIENT; n++) {
                for (int c = 0; c < CLIENTS; c++) {
                    awaitInFlight(collector, c, n, IN_FLIGHT, refusals);
                    client.write(OutboundEvents.of(to, sessions.get(c), c, n, 0,
                            Unpooled.wrappedBuffer(UdpPipelineTest.bytesOf(c, n))));
                }
                if ((n & 63) == 63) {
                    client.flush();
                }
            }
            client.writeAndFlush(OutboundEvents.of(to, sessions.get(0), 0, PER_CLIENT, 0,
                    Unpooled.wrappedBuffer(UdpPipelineTest.bytesOf(0, PER_CLIENT)))).sync();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (UdpPipelineTest.total(collector) < (long) CLIENTS * PER_CLIENT + 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            client.close().sync();
            server.close().sync();
            assertEquals(PER_CLIENT + 1, collector.seen[0].cardinality(), "client 0's events that arrived");
            for (int c = 1; c < CLIENTS; c++) {
                assertEquals(PER_CLIENT, collector.seen[c].cardinality(), "client " + c + "'s events that arrived");
            }
            assertEquals(0, collector.duplicates.get(), "an event delivered twice");
            assertEquals(0, collector.corrupt.get(), "an event with other bytes");
            assertEquals(0, counters.repeated.get(), "a (session, counter) arrived twice");
            assertEquals(0, refusals.total(), refusals.toString());
        } finally {
            for (SealingSession s : sessions) {
                s.close();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Eight packets in one GSO send, two of them corrupt: the GRO read opens six, refuses two. */
    @Test
    void aGroReadWithCorruptSegmentsOpensTheGoodOnesAndCountsTheBad() throws Exception {
        Transports.EPOLL.require();
        EventLoopGroup group = Transports.EPOLL.group(1);
        RefusalCounters refusals = new RefusalCounters();
        UdpPipelineTest.Collector collector = new UdpPipelineTest.Collector();
        Counters counters = new Counters();
        try (SessionTable table = SessionTable.create()) {
            table.add(roundKey(0), session(0));
            Channel server = server(Transports.EPOLL, group, table, refusals, counters, collector);
            InetSocketAddress to = (InetSocketAddress) server.localAddress();
            Channel raw = new Bootstrap().group(group).channel(Transports.EPOLL.channel())
                    .handler(new ChannelInboundHandlerAdapter()).bind(new InetSocketAddress("127.0.0.1", 0))
                    .sync().channel();
            InsecureExplicitNonceCodec codec = InsecureExplicitNonceCodec.create();
            ByteBuf run = Unpooled.directBuffer();
            int size = 0;
            for (int n = 0; n < 8; n++) {
                byte[] p = codec.sealData(roundKey(0), session(0), n, 0, n, 0, 0, 0, 0,
                        List.of(UdpPipelineTest.bytesOf(0, n).array()));
                if (n == 2) {
                    p[p.length - 1] ^= 1; // the tag
                }
                if (n == 5) {
                    p[90] ^= 1; // the ciphertext
                }
                size = p.length;
                run.writeBytes(p);
            }
            raw.writeAndFlush(new SegmentedDatagramPacket(run, size, to)).sync();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((collector.received.get(0) < 6 || refusals.total() < 2) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            raw.close().sync();
            server.close().sync();
            assertEquals(6, collector.seen[0].cardinality(), "the good segments opened");
            for (int n : new int[] {0, 1, 3, 4, 6, 7}) {
                assertTrue(collector.seen[0].get(n), "segment " + n);
            }
            assertEquals(2, refusals.get(Reason.AUTH_FAILED), refusals.toString());
            assertEquals(2, refusals.total(), refusals.toString());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Fails every segmented send, as a path without checksum offload does (EIO). */
    static final class RefusesSegmentation extends ChannelDuplexHandler {
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger singles = new AtomicInteger();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof SegmentedDatagramPacket) {
                refused.incrementAndGet();
                ReferenceCountUtil.release(msg);
                promise.setFailure(new IOException("sendmsg(...) failed: Input/output error"));
                return;
            }
            singles.incrementAndGet();
            ctx.write(msg, promise);
        }
    }

    @Test
    void aPathThatRefusesSegmentationGetsEveryPacketAsSingleDatagrams() throws Exception {
        Transports.EPOLL.require();
        EventLoopGroup group = Transports.EPOLL.group(2);
        RefusalCounters refusals = new RefusalCounters();
        UdpPipelineTest.Collector collector = new UdpPipelineTest.Collector();
        Counters counters = new Counters();
        RefusesSegmentation path = new RefusesSegmentation();
        try (SessionTable table = SessionTable.create();
             ThreadLocalPool builders = ThreadLocalPool.builders(16);
             SealingSession session = builders.newSession(roundKey(0), session(0))) {
            table.add(roundKey(0), session(0));
            Channel server = server(Transports.EPOLL, group, table, refusals, counters, collector);
            InetSocketAddress to = (InetSocketAddress) server.localAddress();
            NetsealBatchEncoder encoder = new NetsealBatchEncoder(builders);
            Channel client = new Bootstrap().group(group).channel(Transports.EPOLL.channel())
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline().addLast(path, encoder);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int total = 640;
            for (int n = 0; n < total; n++) {
                client.write(OutboundEvents.of(to, session, 0, n, 0, Unpooled.wrappedBuffer(UdpPipelineTest.bytesOf(0, n))));
                if ((n & 63) == 63) {
                    client.flush();
                    awaitInFlight(collector, 0, n + 1, 128, refusals);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (collector.received.get(0) < total && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            client.close().sync();
            server.close().sync();
            assertEquals(total, collector.seen[0].cardinality(), "every packet arrived");
            assertEquals(1, path.refused.get(), "one refused GSO send, then single datagrams to that peer");
            assertEquals(total, path.singles.get(), "every packet went out once, as a single datagram");
            assertEquals(NetsealBatchEncoder.Mode.SEGMENTED, encoder.mode(), "other peers keep GSO");
            assertEquals(0, counters.repeated.get());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** This round's key for {@code client}: a rerun in the same JVM must not reuse a retired key. */
    private byte[] roundKey(int client) {
        return key(round * 1000 + client);
    }
}
