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
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Real datagram channels over 127.0.0.1, NIO and epoll: clients seal through the encoder, the
 * server opens through the decoder and a session table. Every event arrives exactly once with its
 * bytes; forged, replayed, truncated and wrong-session datagrams are counted and never delivered;
 * sessions come and go under traffic; Netty's leak detector (PARANOID) finds nothing.
 */
@ExtendWith(LeakWatch.class)
class UdpPipelineTest {
    static final int CLIENTS = 4;
    static final int PER_CLIENT = 100_000;
    static final int EVENT_SIZE = 64;
    /** Packets a client may have in flight: keeps the receive buffer from overflowing (no loss). */
    static final int IN_FLIGHT = 512;

    static {
        LeakWatch.install();
    }

    /**
     * The test run's keys: fresh for each test (a key that sealed, or a window that opened, is
     * never used again in this JVM: the library refuses it), the same for every call in one test.
     */
    private static volatile int round;

    @org.junit.jupiter.api.BeforeEach
    void nextRound() {
        round++;
    }


    static long session(int client) {
        return 0x7000_0000_0000_0000L + client;
    }

    /** The server's side: what arrived, per client, and checks of every event's bytes. */
    static final class Collector extends SimpleChannelInboundHandler<OpenedDatagram> {
        final BitSet[] seen = new BitSet[CLIENTS + 2];
        final AtomicLongArray received = new AtomicLongArray(CLIENTS + 2);
        final AtomicLong duplicates = new AtomicLong();
        final AtomicLong corrupt = new AtomicLong();

        Collector() {
            for (int i = 0; i < seen.length; i++) {
                seen[i] = new BitSet();
            }
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, OpenedDatagram msg) {
            for (int e = 0; e < msg.eventCount(); e++) {
                ByteBuf ev = msg.event(e);
                int client = ev.getInt(ev.readerIndex());
                int n = ev.getInt(ev.readerIndex() + 4);
                if (ev.readableBytes() != EVENT_SIZE || client < 0 || client >= seen.length
                        || !bytesOf(client, n).equals(ev.nioBuffer())) {
                    corrupt.incrementAndGet();
                    continue;
                }
                synchronized (seen[client]) {
                    if (seen[client].get(n)) {
                        duplicates.incrementAndGet();
                    }
                    seen[client].set(n);
                }
                received.incrementAndGet(client);
            }
        }
    }

    /** Event {@code n} of {@code client}: its ids, then bytes that depend on both. */
    static ByteBuffer bytesOf(int client, int n) {
        ByteBuffer b = ByteBuffer.allocate(EVENT_SIZE);
        b.putInt(client).putInt(n);
        for (int i = 8; i < EVENT_SIZE; i++) {
            b.put((byte) (client * 31 + n * 7 + i));
        }
        return b.flip();
    }

    @ParameterizedTest
    @EnumSource(Transports.class)
    void everyEventArrivesExactlyOnceWithItsBytes(Transports transport) throws Exception {
        transport.require();
        EventLoopGroup serverGroup = transport.group(1);
        EventLoopGroup clientGroup = transport.group(2);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        RefusalCounters refusals = new RefusalCounters();
        Collector collector = new Collector();
        List<SealingSession> pools = new ArrayList<>();
        try (SessionTable table = SessionTable.create();
             ThreadLocalPool builders = ThreadLocalPool.builders(64)) { // one pool of builders, every peer
            for (int c = 0; c < CLIENTS; c++) {
                table.add(roundKey(c), session(c));
                pools.add(builders.newSession(roundKey(c), session(c)));
            }
            Channel server = new Bootstrap().group(serverGroup).channel(transport.channel())
                    .option(ChannelOption.SO_RCVBUF, 8 << 20)
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline().addLast(new NetsealDatagramDecoder(table, refusals), collector);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress to = (InetSocketAddress) server.localAddress();
            NetsealDatagramEncoder encoder = new NetsealDatagramEncoder(builders);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                SealingSession pool = pools.get(c);
                done.add(clients.submit(() -> {
                    Channel ch = new Bootstrap().group(clientGroup).channel(transport.channel())
                            .handler(encoder).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                    try {
                        for (int n = 0; n < PER_CLIENT; n++) {
                            while (n - collector.received.get(client) > IN_FLIGHT) {
                                LockSupport.parkNanos(20_000);
                            }
                            ByteBuf event = Unpooled.wrappedBuffer(bytesOf(client, n));
                            ch.write(OutboundEvents.of(to, pool, client, n, 0, event));
                            if ((n & 31) == 31) {
                                ch.flush();
                            }
                        }
                        ch.flush();
                    } finally {
                        ch.close().sync();
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (total(collector) < (long) CLIENTS * PER_CLIENT && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // hostile datagrams from a plain socket: counted by reason, never delivered
            // (a packet of client 0 far ahead of its counters, carrying an event of a spare slot)
            byte[] good = InsecureExplicitNonceCodec.create().sealData(roundKey(0), session(0), 1L << 40, 0, 0, 0, 0, 0,
                    0, List.of(bytesOf(CLIENTS + 1, 0).array()));
            byte[] forged = InsecureExplicitNonceCodec.create().sealData(roundKey(0), session(0), (1L << 40) + 1, 0, 0, 0,
                    0, 0, 0, List.of(bytesOf(CLIENTS + 1, 1).array()));
            forged[forged.length - 1] ^= 1; // a fresh counter, so the tag is what refuses it
            byte[] stranger = InsecureExplicitNonceCodec.create().sealData(roundKey(9), session(9), 1, 0, 0, 0, 0, 0, 0,
                    List.of(new byte[EVENT_SIZE]));
            try (java.nio.channels.DatagramChannel raw = java.nio.channels.DatagramChannel.open()) {
                for (byte[] p : new byte[][] {good, forged, good /* now a replay */,
                        java.util.Arrays.copyOf(good, 40), stranger}) {
                    raw.send(ByteBuffer.wrap(p), to);
                }
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (refusals.total() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            server.close().sync();
            for (int c = 0; c < CLIENTS; c++) {
                assertEquals(PER_CLIENT, collector.seen[c].cardinality(), "client " + c + "'s events that arrived");
            }
            assertEquals((long) CLIENTS * PER_CLIENT, total(collector));
            assertEquals(0, collector.duplicates.get(), "an event delivered twice");
            assertEquals(0, collector.corrupt.get(), "an event with other bytes");
            assertEquals(1, refusals.get(Reason.AUTH_FAILED), refusals.toString());
            assertEquals(1, refusals.get(Reason.REPLAYED), refusals.toString());
            assertEquals(1, refusals.get(Reason.TRUNCATED), refusals.toString());
            assertEquals(1, refusals.get(Reason.WRONG_SESSION), refusals.toString());
            assertEquals(4, refusals.total(), refusals.toString());
            assertEquals(1, collector.seen[CLIENTS + 1].cardinality(), "the one good hostile-round packet");
        } finally {
            clients.shutdownNow();
            for (SealingSession p : pools) {
                p.close();
            }
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    static long total(Collector c) {
        long n = 0;
        for (int i = 0; i < CLIENTS; i++) {
            n += c.received.get(i);
        }
        return n;
    }

    /**
     * A session removed while its client sends: nothing of it is delivered after the removal, and
     * its datagrams are counted WRONG_SESSION; a session added under traffic opens from then on.
     */
    @ParameterizedTest
    @EnumSource(Transports.class)
    void sessionAddedOrRemovedUnderTrafficNeverDeliversAStrangersPacket(Transports transport) throws Exception {
        transport.require();
        EventLoopGroup group = transport.group(2);
        RefusalCounters refusals = new RefusalCounters();
        Collector collector = new Collector();
        int leaving = CLIENTS; // uses the collector's spare slots
        int joining = CLIENTS + 1;
        try (SessionTable table = SessionTable.create();
             ThreadLocalPool builders = ThreadLocalPool.builders(16);
             SealingSession leavingPool = builders.newSession(roundKey(leaving), session(leaving));
             SealingSession joiningPool = builders.newSession(roundKey(joining), session(joining))) {
            table.add(roundKey(leaving), session(leaving));
            Channel server = new Bootstrap().group(group).channel(transport.channel())
                    .option(ChannelOption.SO_RCVBUF, 4 << 20)
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline().addLast(new NetsealDatagramDecoder(table, refusals), collector);
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            InetSocketAddress to = (InetSocketAddress) server.localAddress();
            Channel client = new Bootstrap().group(group).channel(transport.channel())
                    .handler(new NetsealDatagramEncoder(builders)).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int removedAt = -1;
            for (int n = 0; n < 6000; n++) {
                if (n == 2000) {
                    awaitReceived(collector, leaving, 2000);
                    table.remove(session(leaving));
                    removedAt = n;
                    table.add(roundKey(joining), session(joining));
                }
                client.writeAndFlush(OutboundEvents.of(to, leavingPool, 1, n, 0,
                        Unpooled.wrappedBuffer(bytesOf(leaving, n))));
                if (n >= 2000) {
                    client.writeAndFlush(OutboundEvents.of(to, joiningPool, 1, n, 0,
                            Unpooled.wrappedBuffer(bytesOf(joining, n))));
                }
                if ((n & 127) == 0) {
                    Thread.sleep(1); // stay well inside the receive buffer
                }
            }
            awaitReceived(collector, joining, 4000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (refusals.get(Reason.WRONG_SESSION) < 4000 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            client.close().sync();
            server.close().sync();
            assertEquals(removedAt, collector.seen[leaving].cardinality(), "delivered after its removal");
            assertEquals(-1, collector.seen[leaving].nextSetBit(removedAt), "an event sent after removal arrived");
            assertEquals(4000, collector.seen[joining].cardinality(), "the joining session's events");
            assertEquals(4000, refusals.get(Reason.WRONG_SESSION), refusals.toString());
            assertEquals(4000, refusals.total(), refusals.toString());
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    static void awaitReceived(Collector c, int client, long n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (c.received.get(client) < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(c.received.get(client) >= n, "client " + client + " received " + c.received.get(client) + " of " + n);
    }

    /** This round's key for {@code client}: a rerun in the same JVM must not reuse a retired key. */
    private static byte[] roundKey(int client) {
        return key(round * 1000 + client);
    }
}
