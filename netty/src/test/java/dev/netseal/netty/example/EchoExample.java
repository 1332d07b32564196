package dev.netseal.netty.example;

import dev.netseal.Netseal;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import dev.netseal.netty.NetsealDatagramDecoder;
import dev.netseal.netty.NetsealDatagramEncoder;
import dev.netseal.netty.OpenedDatagram;
import dev.netseal.netty.OutboundEvents;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The example client and server on 127.0.0.1: the client seals N messages with its session, the
 * server opens them and echoes each back sealed with the reply session, and the client opens the
 * echoes. Prints what happened; exits non-zero if an echo is missing or was refused.
 * {@code bin/netty-example [MESSAGES]}.
 */
public final class EchoExample {
    private EchoExample() {}

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        System.exit(run(messages) ? 0 : 1);
    }

    static boolean run(int messages) throws Exception {
        SecureRandom random = new SecureRandom();
        byte[] up = new byte[32];
        byte[] down = new byte[32];
        random.nextBytes(up);
        random.nextBytes(down);
        long upSession = random.nextLong();
        long downSession = random.nextLong();
        System.out.println("netseal backend: " + Netseal.backendDescription() + "; Netty transport: "
                + Transport.best());
        try (EchoServer server = new EchoServer(new InetSocketAddress("127.0.0.1", 0));
             SessionTable clientSessions = SessionTable.create();
             ThreadLocalPool clientBuilders = ThreadLocalPool.builders(64);
             SealingSession session = clientBuilders.newSession(up, upSession)) {
            server.addPeer(up, upSession, down, downSession);
            clientSessions.add(down, downSession);
            CountDownLatch echoed = new CountDownLatch(messages);
            AtomicLong wrong = new AtomicLong();
            EventLoopGroup group = Transport.best().group(1);
            NetsealDatagramDecoder decoder = new NetsealDatagramDecoder(clientSessions);
            try {
                Channel client = new Bootstrap().group(group).channel(Transport.best().channel())
                        .option(io.netty.channel.ChannelOption.SO_RCVBUF, 4 << 20)
                        .handler(new ChannelInitializer<DatagramChannel>() {
                            @Override
                            protected void initChannel(DatagramChannel ch) {
                                ch.pipeline().addLast(decoder, new NetsealDatagramEncoder(clientBuilders),
                                        new SimpleChannelInboundHandler<OpenedDatagram>() {
                                            @Override
                                            protected void channelRead0(ChannelHandlerContext ctx, OpenedDatagram m) {
                                                String text = m.event(0).toString(StandardCharsets.UTF_8);
                                                if (!text.equals("message " + m.sequence())) {
                                                    wrong.incrementAndGet();
                                                }
                                                echoed.countDown();
                                            }
                                        });
                            }
                        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
                long start = System.nanoTime();
                for (int i = 0; i < messages; i++) {
                    while (i - (messages - echoed.getCount()) > 64) { // a few in flight: no loss
                        java.util.concurrent.locks.LockSupport.parkNanos(10_000);
                    }
                    byte[] text = ("message " + i).getBytes(StandardCharsets.UTF_8);
                    client.writeAndFlush(OutboundEvents.of(server.address(), session, 1, i, 0,
                            Unpooled.wrappedBuffer(text)));
                }
                boolean all = echoed.await(30, TimeUnit.SECONDS);
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("sent %d, echoed %d, wrong %d, refused by the client %s, by the server %s%n",
                        messages, messages - echoed.getCount(), wrong.get(), decoder.refusals().snapshot(),
                        server.refusals.snapshot());
                System.out.printf("%.0f round trips/s over %.2f s%n", messages / seconds, seconds);
                client.close().sync();
                return all && wrong.get() == 0 && decoder.refusals().total() == 0 && server.refusals.total() == 0;
            } finally {
                group.shutdownGracefully().sync();
            }
        }
    }
}
