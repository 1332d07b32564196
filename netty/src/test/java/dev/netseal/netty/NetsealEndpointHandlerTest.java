package dev.netseal.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.DatagramEndpoint;
import dev.netseal.Identity;
import dev.netseal.PeerSession;
import dev.netseal.PresharedKey;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Two Netty pipelines make a session by handshake through {@link NetsealEndpointHandler} and
 * exchange data both ways; Netty's leak detector (PARANOID) finds nothing.
 */
@ExtendWith(LeakWatch.class)
class NetsealEndpointHandlerTest {
    static {
        LeakWatch.install();
    }

    @ParameterizedTest
    @EnumSource(Transports.class)
    void twoPipelinesHandshakeAndExchangeData(Transports transport) throws Exception {
        transport.require();
        EventLoopGroup group = transport.group(2);
        byte[] pskBytes = new byte[32];
        pskBytes[0] = (byte) (17 + transport.ordinal());
        try (Identity identity = Identity.generate(); PresharedKey psk = PresharedKey.of(pskBytes)) {
            List<String> atServer = new CopyOnWriteArrayList<>();
            List<String> atClient = new CopyOnWriteArrayList<>();
            NetsealEndpointHandler[] server = new NetsealEndpointHandler[1];
            server[0] = new NetsealEndpointHandler(DatagramEndpoint.builder().accept(identity, psk)
                    .onPacket((peer, p) -> {
                        String text = new String(p.events().get(0));
                        atServer.add(text);
                        try { // echo, on the server's own tx key
                            server[0].endpoint().send(peer, p.streamId(), p.sequence(),
                                    ByteBuffer.wrap(("echo " + text).getBytes()));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }));
            NetsealEndpointHandler client = new NetsealEndpointHandler(DatagramEndpoint.builder()
                    .onPacket((peer, p) -> atClient.add(new String(p.events().get(0)))));
            Channel s = new Bootstrap().group(group).channel(transport.channel()).handler(server[0])
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            Channel c = new Bootstrap().group(group).channel(transport.channel()).handler(client)
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            try {
                PeerSession peer = client.connect((InetSocketAddress) s.localAddress(), identity.publicKey(), psk)
                        .get(10, TimeUnit.SECONDS);
                for (int i = 0; i < 100; i++) {
                    client.endpoint().send(peer, 1, i, ByteBuffer.wrap(("event " + i).getBytes()));
                    if (i % 20 == 19) {
                        Thread.sleep(2);
                    }
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (atClient.size() < 100 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(100, atServer.size(), "events at the server");
                assertEquals(100, atClient.size(), "echoes at the client");
                assertTrue(atClient.contains("echo event 42"));
                assertEquals(1, server[0].endpoint().sessions().size());
                assertEquals(1, server[0].endpoint().handshakesCompleted());
            } finally {
                c.close().sync();
                s.close().sync();
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
            assertTrue(client.endpoint().isClosed() && server[0].endpoint().isClosed(),
                    "closing the channel closes the endpoint");
        }
    }
}
