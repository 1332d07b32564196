package dev.netseal.netty;

import dev.netseal.DatagramEndpoint;
import dev.netseal.PeerSession;
import dev.netseal.PresharedKey;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * Sessions from handshakes in a Netty UDP pipeline: a {@link DatagramEndpoint} whose datagrams
 * go through the channel. It answers message 1s (when its builder {@code accept}s), connects to
 * peers ({@link #connect}, a future), opens every data packet of its sessions and hands it to
 * the builder's packet handler, and keeps the sessions by the builder's policy (retries,
 * heartbeats, timeouts, re-handshakes), with the timer on the channel's event loop:
 * <pre>{@code
 * NetsealEndpointHandler sessions = new NetsealEndpointHandler(DatagramEndpoint.builder()
 *         .accept(identity, psk)
 *         .onPacket((peer, packet) -> handle(peer, packet)));
 * bootstrap.handler(sessions);        // or pipeline.addLast(sessions)
 * ...
 * PeerSession peer = sessions.connect(address, responderKey, psk).get();
 * sessions.endpoint().send(peer, streamId, sequence, event);
 * }</pre>
 *
 * <p>The event loop never waits on a key: a responder's DH runs on the endpoint's own thread,
 * and key import fails at once when key memory is full. Each datagram is copied once into the
 * endpoint's buffer and released here; what goes out is a copy in a new buffer. One handler per
 * channel; it closes its endpoint (and wipes every session's keys) when the channel closes.
 */
public final class NetsealEndpointHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final DatagramEndpoint.Builder builder;
    private volatile DatagramEndpoint endpoint;

    /**
     * A handler whose endpoint is made from {@code builder} when the channel registers (do not
     * give the builder a bind address or a transport: the channel is both).
     *
     * @param builder the endpoint's settings
     */
    public NetsealEndpointHandler(DatagramEndpoint.Builder builder) {
        super(DatagramPacket.class, true);
        this.builder = Objects.requireNonNull(builder, "builder");
    }

    /**
     * Makes the endpoint as the channel registers with its event loop: before a bind or connect
     * completes, so the endpoint is there as soon as the caller's future is.
     */
    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        Channel ch = ctx.channel();
        endpoint = builder
                .transport((datagram, to) -> ch.writeAndFlush(
                        new DatagramPacket(Unpooled.copiedBuffer(datagram.duplicate()), to)))
                .timer(ch.eventLoop())
                .start();
        super.channelRegistered(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        DatagramEndpoint e = endpoint;
        if (e != null && !e.isClosed()) {
            e.receive(packet.content().nioBuffer(), packet.sender());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        DatagramEndpoint e = endpoint;
        if (e != null) {
            e.close();
        }
        super.channelInactive(ctx);
    }

    /**
     * The endpoint, once the channel is registered: its sessions, counters and {@code send}.
     *
     * @return the endpoint
     * @throws IllegalStateException before the channel is registered
     */
    public DatagramEndpoint endpoint() {
        DatagramEndpoint e = endpoint;
        if (e == null) {
            throw new IllegalStateException("the channel is not registered yet");
        }
        return e;
    }

    /**
     * Runs a handshake as initiator through the channel, with an empty prologue and payload.
     *
     * @param to the responder's address
     * @param responderPublicKey its static public key (32 bytes)
     * @param psk the mesh's pre-shared key
     * @return the session, when the handshake completes (or the reason it failed)
     */
    public CompletableFuture<PeerSession> connect(InetSocketAddress to, byte[] responderPublicKey, PresharedKey psk) {
        return endpoint().connectAsync(to, responderPublicKey, psk, new byte[0], new byte[0]);
    }
}
