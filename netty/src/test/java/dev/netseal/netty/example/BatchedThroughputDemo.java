package dev.netseal.netty.example;

import dev.netseal.Netseal;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import dev.netseal.netty.NetsealBatchEncoder;
import dev.netseal.netty.NetsealDatagramDecoder;
import dev.netseal.netty.OpenedDatagram;
import dev.netseal.netty.OutboundEvents;
import dev.netseal.netty.RefusalCounters;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Packets per second through a Netty server on epoll, sealed by a sender in another process:
 * {@code bin/netty-demo} starts both. The sender seals 64-byte events with a
 * {@link NetsealBatchEncoder} (GSO sends of up to 64 packets), the receiver reads with UDP GRO and
 * opens every datagram through a {@link NetsealDatagramDecoder} and a {@link SessionTable}. The
 * receiver prints packets received and opened per second, and a summary; it exits non-zero if it
 * opened nothing or refused anything.
 *
 * <p>The two processes share one raw key through a 0600 file, for the demo's sake: a deployment
 * makes its sessions by handshake ({@code DatagramEndpoint}, {@code NetsealEndpointHandler}).
 * <pre>
 *   receive PORT SECONDS KEYFILE
 *   send    PORT SECONDS KEYFILE
 * </pre>
 */
public final class BatchedThroughputDemo {
    private static final long SESSION = 0x6465_6d6f_0000_0001L;
    private static final int EVENT = 60; // a 64-byte payload: the event and its length prefix

    private BatchedThroughputDemo() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: BatchedThroughputDemo receive|send PORT SECONDS KEYFILE");
            System.exit(2);
        }
        int port = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        byte[] key = HexFormat.of().parseHex(Files.readString(Path.of(args[3])).trim());
        if (Transport.best() != Transport.EPOLL) {
            System.err.println("this demo needs Netty's epoll transport (Linux): " + Transport.best());
            System.exit(2);
        }
        boolean ok = args[0].equals("receive") ? receive(port, seconds, key) : send(port, seconds, key);
        System.exit(ok ? 0 : 1);
    }

    private static boolean receive(int port, int seconds, byte[] key) throws Exception {
        AtomicLong opened = new AtomicLong();
        RefusalCounters refusals = new RefusalCounters();
        EventLoopGroup group = Transport.EPOLL.group(1);
        try (SessionTable table = SessionTable.create()) {
            table.add(key, SESSION);
            Channel ch = new Bootstrap().group(group).channel(Transport.EPOLL.channel())
                    .option(ChannelOption.SO_RCVBUF, 16 << 20)
                    // GRO: one recvmsg takes a whole GSO send (Netty 4.2 reads GRO with recvmsg, a
                    // buffer of one 64 KiB slot), then passes its datagrams on one by one
                    .option(EpollChannelOption.UDP_GRO, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 65_535)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65_536))
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel c) {
                            c.pipeline().addLast(new NetsealDatagramDecoder(table, refusals),
                                    new SimpleChannelInboundHandler<OpenedDatagram>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, OpenedDatagram msg) {
                                            opened.incrementAndGet();
                                        }
                                    });
                        }
                    }).bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            System.out.println("[receiver] netseal " + Netseal.backendDescription() + "; epoll, UDP GRO, port " + port);
            long first = 0;
            long last = 0;
            long lastAt = System.nanoTime();
            long idleSince = lastAt;
            java.util.List<Long> rates = new java.util.ArrayList<>();
            long deadline = lastAt + TimeUnit.SECONDS.toNanos(seconds + 10L);
            while (System.nanoTime() < deadline) {
                Thread.sleep(1000);
                long now = System.nanoTime();
                long n = opened.get();
                if (n > last) {
                    if (first == 0) {
                        first = n;
                    }
                    long rate = (long) ((n - last) * 1e9 / (now - lastAt));
                    rates.add(rate);
                    System.out.printf("[receiver] %,d packets/s opened (%,d in all, %d refused)%n", rate, n,
                            refusals.total());
                    idleSince = now;
                } else if (first > 0 && now - idleSince > TimeUnit.SECONDS.toNanos(2)) {
                    break; // the sender is done
                }
                last = n;
                lastAt = now;
            }
            ch.close().sync();
            long n = opened.get();
            // the steady rate: the median second once the JIT has warmed up (the first 3 seconds
            // and the last, partial one left out)
            java.util.List<Long> steady = rates.size() > 4 ? new java.util.ArrayList<>(rates.subList(3, rates.size() - 1))
                    : new java.util.ArrayList<>(rates);
            java.util.Collections.sort(steady);
            long median = steady.isEmpty() ? 0 : steady.get(steady.size() / 2);
            System.out.printf("[receiver] result: %s, %,d packets opened, %,d packets/s steady (median second,"
                    + " 64-byte events), %s%n", n > 0 && refusals.total() == 0 ? "OK" : "FAILED", n, median,
                    refusals);
            return n > 0 && refusals.total() == 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static boolean send(int port, int seconds, byte[] key) throws Exception {
        EventLoopGroup group = Transport.EPOLL.group(1);
        try (ThreadLocalPool builders = ThreadLocalPool.builders(64);
             SealingSession session = builders.newSession(key, SESSION)) {
            NetsealBatchEncoder encoder = new NetsealBatchEncoder(builders);
            Channel ch = new Bootstrap().group(group).channel(Transport.EPOLL.channel())
                    .option(ChannelOption.SO_SNDBUF, 16 << 20).handler(encoder)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            System.out.println("[sender] " + encoder.modeReason());
            InetSocketAddress to = new InetSocketAddress("127.0.0.1", port);
            ByteBuf event = Unpooled.unreleasableBuffer(Unpooled.directBuffer(EVENT).writeZero(EVENT));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long sent = 0;
            // 64 packets a flush, written on the event loop, as a server's handlers write; the
            // next flush waits for the last (a bounded queue, no loss from a runaway writer)
            while (System.nanoTime() < end) {
                long seq = sent;
                ch.eventLoop().submit(() -> {
                    for (int i = 0; i < 64; i++) {
                        ch.write(OutboundEvents.of(to, session, 1, seq + i, 0, event.duplicate()), ch.voidPromise());
                    }
                    ch.flush();
                }).sync();
                sent += 64;
            }
            System.out.printf("[sender] %,d packets sealed and sent in %d s%n", sent, seconds);
            ch.close().sync();
            return true;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
