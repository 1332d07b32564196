package dev.netseal;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.NoiseCrypto;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The session lifetime rules (net-mesh's timers and key confirmation), driven by a test clock:
 * the endpoints' timers run only when the test ticks them, so minutes of protocol time take
 * milliseconds. Packets still travel over real UDP loopback.
 */
class SessionLifetimeTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final long SECOND = 1_000_000_000L;

    /** Two endpoints on one test clock: a responder and an initiator. */
    private static final class Pair implements AutoCloseable {
        final AtomicLong now = new AtomicLong(1_000 * SECOND);
        final X25519 dh;
        final AeadBackend backend;
        final Identity identity;
        final PresharedKey psk;
        final DatagramEndpoint server;
        final DatagramEndpoint client;
        final List<String> ended = new CopyOnWriteArrayList<>();
        final List<PeerSession> accepted = new CopyOnWriteArrayList<>();
        final AtomicLong serverPackets = new AtomicLong();
        final AtomicLong clientPackets = new AtomicLong();

        Pair(String backendName, SessionPolicy policy) throws Exception {
            backend = TestBackends.get(backendName);
            dh = Backends.x25519For(backend);
            identity = Identity.generate(dh);
            byte[] pskBytes = new byte[32];
            pskBytes[0] = 42;
            psk = PresharedKey.of(dh, pskBytes);
            DatagramEndpoint.SessionListener listener = new DatagramEndpoint.SessionListener() {
                @Override
                public void onSession(PeerSession s) {
                    if (!s.isInitiator()) {
                        accepted.add(s);
                    }
                }

                @Override
                public void onSessionEnded(PeerSession s, SessionEnd why) {
                    ended.add((s.isInitiator() ? "client " : "server ") + why);
                }
            };
            server = DatagramEndpoint.builderOnBackend(backend).bind(LOOPBACK).accept(identity, psk).policy(policy)
                    .onSession(listener).onPacket((s, pk) -> serverPackets.incrementAndGet())
                    .clock(now::get).start();
            client = DatagramEndpoint.builderOnBackend(backend).bind(LOOPBACK).policy(policy)
                    .onSession(listener).onPacket((s, pk) -> clientPackets.incrementAndGet())
                    .clock(now::get).start();
        }

        /** Moves the clock on by {@code nanos}, a step at a time, ticking both endpoints each step. */
        void advance(long nanos, long step) {
            for (long done = 0; done < nanos; done += step) {
                now.addAndGet(Math.min(step, nanos - done));
                server.tick();
                client.tick();
            }
        }

        /**
         * As {@link #advance}, with a pause of real time after each step, so that what one
         * endpoint sent (a heartbeat) is received before the other's clock moves on.
         */
        void advanceWithTraffic(long nanos, long step) throws InterruptedException {
            for (long done = 0; done < nanos; done += step) {
                now.addAndGet(Math.min(step, nanos - done));
                server.tick();
                client.tick();
                Thread.sleep(3);
            }
        }

        PeerSession connect() throws Exception {
            PeerSession s = client.connectAsync(server.localAddress(), identity.publicKey(), psk, new byte[0],
                    new byte[0]).get(10, TimeUnit.SECONDS);
            await("the server's session", () -> accepted.size() >= 1);
            return s;
        }

        @Override
        public void close() {
            client.close();
            server.close();
            psk.close();
            identity.close();
        }
    }

    /** Every handshake started (by either side) has completed at both: each counts one at each side. */
    private static boolean noHandshakeInFlight(Pair p) {
        return p.client.handshakesCompleted() + p.server.handshakesCompleted()
                == 2 * (p.client.handshakesStarted() + p.server.handshakesStarted());
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 10 * SECOND;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not after 10 s");
            }
            Thread.sleep(2);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aSilentPeerGetsEveryAttemptWithBackoffThenTheConnectFails(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults());
             java.nio.channels.DatagramChannel silent = java.nio.channels.DatagramChannel.open()) {
            silent.bind(LOOPBACK);
            silent.configureBlocking(false);
            CompletableFuture<PeerSession> f = p.client.connectAsync((InetSocketAddress) silent.getLocalAddress(),
                    p.identity.publicKey(), p.psk, new byte[0], new byte[0]);
            List<Long> sentAt = new ArrayList<>();
            long start = p.now.get();
            ByteBuffer in = ByteBuffer.allocate(256);
            for (int ms = 0; ms <= 16_000 && !f.isDone(); ms += 50) {
                Thread.sleep(0, 200_000);
                in.clear();
                while (silent.receive(in) != null) {
                    sentAt.add((p.now.get() - start) / 1_000_000);
                    in.clear();
                }
                p.advance(50_000_000L, 50_000_000L);
            }
            in.clear();
            while (silent.receive(in) != null) {
                sentAt.add(-1L);
                in.clear();
            }
            assertEquals(3, sentAt.size(), "message 1s sent: " + sentAt);
            // attempt 1 at once; attempt 2 after 5 s and 100 ms of backoff; attempt 3 after 5 s and 200 ms more
            assertTrue(sentAt.get(1) >= 5_100 && sentAt.get(1) <= 5_200, "second attempt at " + sentAt);
            assertTrue(sentAt.get(2) >= 10_300 && sentAt.get(2) <= 10_400, "third attempt at " + sentAt);
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof SocketTimeoutException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("after 3 attempt(s) of 5000 ms"), e.getCause().getMessage());
            assertTrue((p.now.get() - start) / 1_000_000 >= 15_300, "failed before the last attempt timed out");
            assertEquals(1, p.client.handshakesStarted());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aResponderSealsNothingUntilTheInitiatorsFirstPacket(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults())) {
            PeerSession toServer = p.connect();
            PeerSession atServer = p.accepted.get(0);
            assertTrue(toServer.isConfirmed());
            assertFalse(atServer.isConfirmed());
            IllegalStateException e = assertThrows(IllegalStateException.class, atServer::sealing);
            assertTrue(e.getMessage().contains("not confirmed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> p.server.send(atServer, 1, 1, ByteBuffer.allocate(1)));
            assertEquals(1, p.server.unconfirmedSessions());
            p.advance(4 * SECOND, 100_000_000L); // idle past nothing: no heartbeat from an unconfirmed session
            assertEquals(0, p.server.heartbeatsSent(), "an unconfirmed session sealed a heartbeat");
            p.client.send(toServer, 1, 0, ByteBuffer.wrap(new byte[] {1}));
            await("confirmed by the first packet", atServer::isConfirmed);
            assertEquals(0, p.server.unconfirmedSessions());
            p.server.send(atServer, 1, 0, ByteBuffer.wrap(new byte[] {2})); // now it may seal
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void anUnconfirmedSessionExpiresAfterTheHandshakeTimeout(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults())) {
            p.connect();
            PeerSession atServer = p.accepted.get(0);
            p.advance(4_900_000_000L, 100_000_000L);
            assertFalse(atServer.isClosed());
            p.advance(200_000_000L, 100_000_000L);
            assertTrue(atServer.isClosed(), "an unconfirmed session outlived the handshake timeout");
            assertEquals(1, p.server.sessionsEnded(SessionEnd.UNCONFIRMED_EXPIRED));
            assertTrue(p.ended.contains("server UNCONFIRMED_EXPIRED"), p.ended.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void anIdleSessionGetsHeartbeatsAndABusyOneNone(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults())) {
            PeerSession toServer = p.connect();
            PeerSession atServer = p.accepted.get(0);
            p.client.send(toServer, 1, 0, ByteBuffer.wrap(new byte[] {1}));
            await("confirmed", atServer::isConfirmed);
            // busy: the client sends every second for 20 s; it never needs a heartbeat
            for (int i = 1; i <= 20; i++) {
                p.client.send(toServer, 1, i, ByteBuffer.wrap(new byte[] {1}));
                p.advanceWithTraffic(SECOND, 250_000_000L);
            }
            assertEquals(0, p.client.heartbeatsSent(), "a busy session sealed heartbeats");
            // the server sent nothing for 20 s: a heartbeat every 5 s
            long serverBeats = p.server.heartbeatsSent();
            assertTrue(serverBeats >= 3 && serverBeats <= 4, "server heartbeats over 20 idle s: " + serverBeats);
            // now the client idles too: both send heartbeats, and the session stays alive past 30 s
            p.advanceWithTraffic(60 * SECOND, 250_000_000L);
            assertTrue(p.client.heartbeatsSent() >= 10, "client heartbeats: " + p.client.heartbeatsSent());
            assertFalse(toServer.isClosed());
            assertFalse(atServer.isClosed());
            assertEquals(List.of(), p.ended);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aSessionWithNoPacketForThirtySecondsIsRemovedAndWiped(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults())) {
            PeerSession toServer = p.connect();
            PeerSession atServer = p.accepted.get(0);
            p.client.send(toServer, 1, 0, ByteBuffer.wrap(new byte[] {1}));
            await("confirmed", atServer::isConfirmed);
            AeadKey clientTx = toServer.sealing().current().key;
            p.server.close(); // the peer goes away without a word
            long start = p.now.get();
            while (!toServer.isClosed() && p.now.get() - start < 40 * SECOND) {
                p.advance(100_000_000L, 100_000_000L);
            }
            long died = (p.now.get() - start) / 1_000_000;
            assertTrue(toServer.isClosed(), "the client kept a session whose peer is gone");
            assertTrue(died >= 30_000 && died <= 30_200, "removed after " + died + " ms");
            assertTrue(clientTx.isDestroyed(), "its key was not wiped");
            assertEquals(1, p.client.sessionsEnded(SessionEnd.TIMED_OUT));
            assertTrue(p.ended.contains("client TIMED_OUT"), p.ended.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aReHandshakeEveryTwoSecondsLosesAndRefusesNothing(String backendName) throws Exception {
        SessionPolicy policy = SessionPolicy.defaults().withKeyAges(Duration.ofSeconds(2), Duration.ofSeconds(3));
        try (Pair p = new Pair(backendName, policy)) {
            PeerSession toServer = p.connect();
            PeerSession atServerSession = p.accepted.get(0);
            p.client.send(toServer, 1, 0, ByteBuffer.wrap(new byte[] {1}));
            await("confirmed", atServerSession::isConfirmed);
            long firstId = toServer.sessionId();
            java.util.Set<Long> ids = new java.util.HashSet<>();
            long sent = 0;
            for (int step = 0; step < 600; step++) { // a minute of protocol time, 100 ms a step
                try {
                    p.client.send(toServer, 1, step + 1, ByteBuffer.wrap(new byte[] {1}));
                    p.server.send(atServerSession, 2, step, ByteBuffer.wrap(new byte[] {2}));
                } catch (IllegalStateException e) {
                    throw new AssertionError("step " + step + ", ended " + p.ended + ", started "
                            + p.client.handshakesStarted() + ", completed " + p.client.handshakesCompleted()
                            + "/" + p.server.handshakesCompleted(), e);
                }
                sent++;
                ids.add(toServer.sessionId());
                // Protocol time runs only once the network has caught up: a re-handshake in flight
                // completes and the packets sent have arrived, as they would on a network whose
                // round trip is far below a step. Without this, a loaded machine made the test
                // time out keys whose re-handshake was merely slow in real time.
                long expected = sent;
                await("step " + step + ": the packets sent arrived", () -> p.serverPackets.get() == expected + 1
                        && p.clientPackets.get() == expected);
                await("step " + step + ": the re-handshake in flight completed", () -> noHandshakeInFlight(p));
                p.advanceWithTraffic(100_000_000L, 100_000_000L);
            }
            assertTrue(ids.size() >= 25, "re-handshakes in a minute at 2 s: " + (ids.size() - 1));
            assertTrue(toServer.sessionId() != firstId);
            for (Reason r : Reason.values()) {
                assertEquals(0, p.server.dataRefusals(r), "the server refused packets: " + r);
                assertEquals(0, p.client.dataRefusals(r), "the client refused packets: " + r);
            }
            assertEquals(List.of(), p.ended, "a session ended during re-handshakes");
            assertEquals(1, p.server.sessions().size());
            assertEquals(1, p.client.sessions().size());
            assertEquals(sent + 1, p.serverPackets.get(), "packets lost on the way to the server");
            assertEquals(sent, p.clientPackets.get(), "packets lost on the way to the client");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void keysNeverSealAfterTheirRejectAge(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults())) {
            PeerSession toServer = p.connect();
            PeerSession atServer = p.accepted.get(0);
            p.client.send(toServer, 1, 0, ByteBuffer.wrap(new byte[] {1}));
            await("confirmed", atServer::isConfirmed);
            p.identity.close(); // the responder can no longer answer a re-handshake
            long start = p.now.get();
            while (!toServer.isClosed() && p.now.get() - start < 200 * SECOND) {
                p.client.send(toServer, 1, 1, ByteBuffer.wrap(new byte[] {1})); // busy: no idle timeout
                p.server.send(atServer, 1, 1, ByteBuffer.wrap(new byte[] {1}));
                p.advanceWithTraffic(SECOND, 500_000_000L);
            }
            long endedAt = (p.now.get() - start) / SECOND;
            assertTrue(toServer.isClosed(), "keys sealed past 180 s");
            assertTrue(endedAt >= 179 && endedAt <= 180, "ended at " + endedAt + " s");
            assertTrue(p.ended.contains("client KEYS_EXPIRED"), p.ended.toString());
            assertTrue(p.client.handshakesStarted() >= 2, "no re-handshake was tried");
            assertThrows(IllegalStateException.class, () -> p.client.send(toServer, 1, 2, ByteBuffer.allocate(1)));
        }
    }

    /** A valid message 1 for {@code p}'s server, made by hand: what an initiator that never finishes sends. */
    private static byte[] message1(Pair p) {
        AeadKey pskKey = p.psk.key.acquire("psk");
        try (HandshakeState s = HandshakeState.initiator(new NoiseCrypto(p.backend, 0), new byte[0], pskKey,
                p.identity.publicKey())) {
            byte[] m = new byte[HandshakeState.messageLength(0)];
            s.writeMessage(new byte[0], 0, 0, m, 0);
            return InsecureExplicitNonceCodec.handshake(m);
        } finally {
            p.psk.key.release();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void unconfirmedSessionsAreCappedTheOldestDroppedFirst(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults().withMaxUnconfirmed(2));
             java.nio.channels.DatagramChannel raw = java.nio.channels.DatagramChannel.open()) {
            for (int i = 0; i < 3; i++) {
                raw.send(ByteBuffer.wrap(message1(p)), p.server.localAddress());
                int want = i + 1;
                await("session " + want, () -> p.server.handshakesCompleted() == want);
            }
            assertEquals(2, p.server.unconfirmedSessions());
            assertEquals(2, p.server.sessions().size());
            assertEquals(1, p.server.sessionsEnded(SessionEnd.UNCONFIRMED_DROPPED));
            assertTrue(p.accepted.get(0).isClosed(), "the oldest unconfirmed session was not the one dropped");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aSourceGetsFiveHandshakesASecond(String backendName) throws Exception {
        try (Pair p = new Pair(backendName, SessionPolicy.defaults());
             java.nio.channels.DatagramChannel raw = java.nio.channels.DatagramChannel.open()) {
            for (int i = 0; i < 7; i++) {
                raw.send(ByteBuffer.wrap(message1(p)), p.server.localAddress());
            }
            await("seven message 1s read", () -> p.server.handshakesCompleted()
                    + p.server.handshakeRefusals(HandshakeRefusal.PACED) == 7);
            assertEquals(5, p.server.handshakesCompleted());
            assertEquals(2, p.server.handshakeRefusals(HandshakeRefusal.PACED));
            p.advance(SECOND, SECOND); // a new second: the source may go on
            raw.send(ByteBuffer.wrap(message1(p)), p.server.localAddress());
            await("one more", () -> p.server.handshakesCompleted() == 6);
            // and a paced source costs no other source anything
            try (java.nio.channels.DatagramChannel other = java.nio.channels.DatagramChannel.open()) {
                other.send(ByteBuffer.wrap(message1(p)), p.server.localAddress());
                await("another source", () -> p.server.handshakesCompleted() == 7);
            }
        }
    }
}
