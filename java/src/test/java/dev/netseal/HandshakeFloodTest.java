package dev.netseal;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.NoiseCrypto;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A responder under a flood of message 1s over real UDP loopback: 20,000 garbage ones and 2,000
 * with the right PSK whose initiators never go on, from 200 source ports. Its state stays within
 * its stated bounds, a real initiator still completes within 2 s, and an established session
 * keeps its traffic. The packets are bounded in number and all go to this machine's loopback.
 */
@Timeout(120)
class HandshakeFloodTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aFloodOfMessage1sLeavesStateBoundedAndRealPeersThrough(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        X25519 dh = Backends.x25519For(backend);
        SessionPolicy policy = SessionPolicy.defaults().withMaxUnconfirmed(256);
        byte[] pskBytes = new byte[32];
        pskBytes[0] = 7;
        AtomicLong dataAtServer = new AtomicLong();
        try (Identity id = Identity.generate(dh);
             PresharedKey psk = PresharedKey.of(dh, pskBytes);
             DatagramEndpoint server = DatagramEndpoint.builderOnBackend(backend).bind(LOOPBACK).accept(id, psk)
                     .policy(policy).onPacket((s, p) -> dataAtServer.incrementAndGet()).start();
             DatagramEndpoint busy = DatagramEndpoint.builderOnBackend(backend).bind(LOOPBACK).start();
             DatagramEndpoint late = DatagramEndpoint.builderOnBackend(backend).bind(LOOPBACK).start()) {
            // an established, confirmed session before the flood
            PeerSession established = busy.connect(server.localAddress(), id.publicKey(), psk);
            busy.send(established, 1, 0, ByteBuffer.wrap(new byte[] {1}));

            // the flood's packets, made before it starts
            SplittableRandom rnd = new SplittableRandom(TestSeeds.seed());
            List<byte[]> flood = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                byte[] garbage = new byte[48 + rnd.nextInt(64)];
                rnd.nextBytes(garbage);
                flood.add(InsecureExplicitNonceCodec.handshake(garbage));
            }
            AeadKey pskKey = dh.importSecret(pskBytes);
            NoiseCrypto crypto = new NoiseCrypto(backend, 0);
            for (int i = 0; i < 2_000; i++) {
                try (HandshakeState s = HandshakeState.initiator(crypto, new byte[0], pskKey, id.publicKey())) {
                    byte[] m = new byte[HandshakeState.messageLength(0)];
                    s.writeMessage(new byte[0], 0, 0, m, 0);
                    flood.add(10 * i, InsecureExplicitNonceCodec.handshake(m));
                }
            }
            pskKey.destroy();
            List<DatagramChannel> sources = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                DatagramChannel c = DatagramChannel.open();
                c.bind(LOOPBACK);
                sources.add(c);
            }
            long heapBefore = usedHeapAfterGc();
            Thread flooder = new Thread(() -> {
                try {
                    for (int i = 0; i < flood.size(); i++) {
                        sources.get(i % sources.size()).send(ByteBuffer.wrap(flood.get(i)), server.localAddress());
                        if (i % 500 == 499) {
                            Thread.sleep(1);
                        }
                    }
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, "flooder");
            flooder.start();
            Thread.sleep(20); // the flood is on
            long start = System.nanoTime();
            PeerSession real = late.connect(server.localAddress(), id.publicKey(), psk);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            for (int i = 1; i <= 200; i++) {
                busy.send(established, 1, i, ByteBuffer.wrap(new byte[] {1}));
                if (i % 20 == 0) {
                    Thread.sleep(1);
                }
            }
            flooder.join();
            for (DatagramChannel c : sources) {
                c.close();
            }
            Thread.sleep(500); // let the responder drain its socket
            assertTrue(tookMs < 2_000, "a real initiator took " + tookMs + " ms under the flood");
            assertTrue(real.sessionId() != 0);
            assertTrue(server.unconfirmedSessions() <= policy.maxUnconfirmed(),
                    "unconfirmed sessions " + server.unconfirmedSessions());
            assertTrue(server.sessions().size() <= policy.maxUnconfirmed() + 2, "sessions " + server.sessions().size());
            assertTrue(server.handshakeRefusals(HandshakeRefusal.PACED) > 0, "nothing was paced");
            assertTrue(server.handshakeRefusals(HandshakeRefusal.MESSAGE1_AUTH_FAILED)
                    + server.handshakeRefusals(HandshakeRefusal.WEAK_KEY) > 0, "no garbage reached a DH");
            assertTrue(dataAtServer.get() >= 190, "the established session lost its traffic: "
                    + dataAtServer.get() + " of 201 packets arrived");
            long heapGrowth = usedHeapAfterGc() - heapBefore;
            assertTrue(heapGrowth < 48L << 20, "heap grew by " + (heapGrowth >> 20) + " MiB");
            assertEquals(0, late.handshakeRefusals(HandshakeRefusal.MESSAGE2_AUTH_FAILED));
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(20);
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
