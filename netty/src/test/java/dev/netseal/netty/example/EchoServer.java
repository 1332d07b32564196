package dev.netseal.netty.example;

import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import dev.netseal.netty.NetsealDatagramDecoder;
import dev.netseal.netty.NetsealDatagramEncoder;
import dev.netseal.netty.OpenedDatagram;
import dev.netseal.netty.OutboundEvents;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramChannel;
import java.net.InetSocketAddress;

/**
 * The example server: opens every datagram through a session table and echoes each event back to
 * its sender, sealed under the sender's session (one pool of builders serves every peer). Run it
 * with {@code bin/netty-example}, which starts a client beside it.
 */
public final class EchoServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel channel;
    final SessionTable sessions = SessionTable.create();
    final ThreadLocalPool builders = ThreadLocalPool.builders(256);
    final dev.netseal.netty.RefusalCounters refusals = new dev.netseal.netty.RefusalCounters();
    private final java.util.Map<Long, SealingSession> replies = new java.util.concurrent.ConcurrentHashMap<>();

    public EchoServer(InetSocketAddress bindTo) throws InterruptedException {
        group = Transport.best().group(1);
        NetsealDatagramEncoder encoder = new NetsealDatagramEncoder(builders);
        channel = new Bootstrap().group(group).channel(Transport.best().channel())
                .option(io.netty.channel.ChannelOption.SO_RCVBUF, 4 << 20)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new NetsealDatagramDecoder(sessions, refusals), encoder, new Echo());
                    }
                }).bind(bindTo).sync().channel();
    }

    /** Adds a peer: what it sends under {@code session} opens with {@code key}; replies go back under {@code replySession}. */
    public void addPeer(byte[] key, long session, byte[] replyKey, long replySession) {
        sessions.add(key, session);
        replies.put(session, builders.newSession(replyKey, replySession));
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    private final class Echo extends SimpleChannelInboundHandler<OpenedDatagram> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, OpenedDatagram msg) {
            SealingSession reply = replies.get(msg.sessionId());
            if (reply == null) {
                return;
            }
            io.netty.buffer.ByteBuf[] events = new io.netty.buffer.ByteBuf[msg.eventCount()];
            for (int i = 0; i < events.length; i++) {
                events[i] = msg.event(i).retain(); // the reply owns them; released once sealed
            }
            ctx.writeAndFlush(OutboundEvents.of(msg.sender(), reply, msg.streamId(), msg.sequence(), 0, events));
        }
    }

    @Override
    public void close() throws InterruptedException {
        channel.close().sync();
        group.shutdownGracefully().sync();
        replies.values().forEach(SealingSession::close);
        builders.close();
        sessions.close();
    }
}
