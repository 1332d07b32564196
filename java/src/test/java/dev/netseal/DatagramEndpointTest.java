package dev.netseal;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.NoiseCrypto;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sessions from handshakes over UDP loopback, through the public API, on each backend: data both
 * ways on one session id with one key per direction, and every bad handshake input dropped and
 * counted by its reason.
 */
class DatagramEndpointTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
    private static final Duration SHORT = Duration.ofMillis(400);

    private static byte[] bytes(int seed) {
        byte[] b = new byte[32];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i * 7);
        }
        return b;
    }

    /** One backend's identity, PSK and endpoints, closed together. */
    private static final class Fixture implements AutoCloseable {
        final AeadBackend backend;
        final X25519 dh;
        final List<AutoCloseable> open = new ArrayList<>();

        Fixture(String backendName) {
            backend = TestBackends.get(backendName);
            dh = Backends.x25519For(backend);
        }

        Identity identity() {
            Identity id = Identity.generate(dh);
            open.add(id);
            return id;
        }

        PresharedKey psk(int seed) {
            PresharedKey k = PresharedKey.of(dh, bytes(seed));
            open.add(k);
            return k;
        }

        DatagramEndpoint.Builder endpoint() {
            return DatagramEndpoint.builderOnBackend(backend).bind(LOOPBACK).handshakeTimeout(Duration.ofSeconds(5));
        }

        DatagramEndpoint start(DatagramEndpoint.Builder b) throws IOException {
            DatagramEndpoint e = b.start();
            open.add(0, e);
            return e;
        }

        @Override
        public void close() throws Exception {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
    }

    private static void await(String what, LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (value.getAsLong() < expected) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + value.getAsLong() + " after 10 s, expected " + expected);
            }
            Thread.sleep(2);
        }
        assertEquals(expected, value.getAsLong(), what);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aSessionCarriesDataBothWaysUnderOneIdWithOneKeyPerDirection(String backendName) throws Exception {
        try (Fixture f = new Fixture(backendName)) {
            Identity serverId = f.identity();
            PresharedKey psk = f.psk(1);
            ConcurrentLinkedQueue<String> atServer = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> atClient = new ConcurrentLinkedQueue<>();
            List<PeerSession> accepted = new CopyOnWriteArrayList<>();
            DatagramEndpoint[] server = new DatagramEndpoint[1];
            server[0] = f.start(f.endpoint().accept(serverId, psk).onSession(accepted::add)
                    .onPacket((peer, p) -> {
                        atServer.add(new String(p.events().get(0)));
                        try { // echo on the same session, sealed with the server's own tx key
                            server[0].send(peer, p.streamId(), p.sequence(), ByteBuffer.wrap(p.events().get(0)));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }));
            DatagramEndpoint client = f.start(f.endpoint()
                    .onPacket((peer, p) -> atClient.add(p.sequence() + ":" + new String(p.events().get(0)))));

            PeerSession toServer = client.connect(server[0].localAddress(), serverId.publicKey(), psk);
            await("sessions accepted", accepted::size, 1);
            PeerSession fromClient = accepted.get(0);
            assertTrue(toServer.isInitiator());
            assertFalse(fromClient.isInitiator());
            assertEquals(toServer.sessionId(), fromClient.sessionId(), "one session id for both directions");
            // Each side's keys, seen through what it seals and opens: its tx key is the other's rx
            // key and not its own (see probe). Both sides' first packets share one nonce (one
            // session id, so one prefix, and counter 0) and one header and event: only the keys
            // can make their ciphertexts differ.
            Probe probe = probe(client, toServer, server[0], fromClient);
            assertEquals(toServer.sessionId(), sessionIdOf(probe.up()), "the client seals under the session id");
            assertEquals(fromClient.sessionId(), sessionIdOf(probe.down()), "and so does the server");
            assertEquals(0, probe.upOpened().counter());
            assertEquals(probe.upOpened().noncePrefix(), probe.downOpened().noncePrefix());
            assertEquals(probe.upOpened().counter(), probe.downOpened().counter(), "both packets under one nonce");
            assertArrayEquals(Arrays.copyOf(probe.up(), NetV1.HEADER_SIZE), Arrays.copyOf(probe.down(), NetV1.HEADER_SIZE),
                    "and one header");
            assertFalse(Arrays.equals(ciphertext(probe.up()), ciphertext(probe.down())),
                    "the two directions never share a key");

            for (int i = 0; i < 20; i++) {
                client.send(toServer, 1, i, ByteBuffer.wrap(("event " + i).getBytes()));
            }
            await("echoes", atClient::size, 20);
            assertEquals(20, atServer.size());
            assertTrue(atClient.contains("7:event 7"));

            // The client's own packet reflected back to it does not open: its rx key is not its tx key.
            try (PacketBuilder b = client.pool().get()) {
                client.send(toServer, ByteBuffer.wrap(new byte[0])); // keep the counters moving
                ByteBuffer own = b.begin(toServer.sealing(), 9, 9, 0).event("mirror".getBytes()).seal();
                try (DatagramChannel mirror = DatagramChannel.open()) {
                    mirror.send(own, client.localAddress());
                }
            }
            await("reflected packets refused", () -> client.dataRefusals(Reason.AUTH_FAILED), 1);
            assertFalse(atClient.stream().anyMatch(s -> s.contains("mirror")));
            assertTrue(toServer.toString().contains(Long.toUnsignedString(toServer.sessionId())));

            toServer.close();
            assertTrue(toServer.isClosed());
            assertEquals(null, client.session(toServer.sessionId()));
            assertThrows(IllegalStateException.class, () -> client.send(toServer, 1, 99, ByteBuffer.allocate(1)));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aWrongPskAWrongResponderKeyAndAnotherPrologueAreRefusedAndCounted(String backendName) throws Exception {
        try (Fixture f = new Fixture(backendName)) {
            Identity serverId = f.identity();
            Identity someoneElse = f.identity();
            PresharedKey psk = f.psk(1);
            PresharedKey otherPsk = f.psk(2);
            DatagramEndpoint server = f.start(f.endpoint().accept(serverId, psk).prologue(new byte[] {1, 2, 3}));
            DatagramEndpoint client = f.start(f.endpoint()
                    .policy(SessionPolicy.defaults().withHandshakeTimeout(SHORT).withHandshakeAttempts(1)));
            InetSocketAddress to = server.localAddress();

            SocketTimeoutException wrongPsk = assertThrows(SocketTimeoutException.class,
                    () -> client.connect(to, serverId.publicKey(), otherPsk, new byte[] {1, 2, 3}, new byte[0]));
            assertTrue(wrongPsk.getMessage().contains("check its public key, the pre-shared key, the prologue"),
                    wrongPsk.getMessage());
            assertThrows(SocketTimeoutException.class,
                    () -> client.connect(to, someoneElse.publicKey(), psk, new byte[] {1, 2, 3}, new byte[0]));
            assertThrows(SocketTimeoutException.class,
                    () -> client.connect(to, serverId.publicKey(), psk, new byte[] {1, 2, 4}, new byte[0]));
            assertThrows(SocketTimeoutException.class, () -> client.connect(to, serverId.publicKey(), psk));
            assertEquals(4, server.handshakeRefusals(HandshakeRefusal.MESSAGE1_AUTH_FAILED),
                    "the responder cannot tell these apart: each fails message 1's tag");
            assertEquals(0, server.sessions().size());
            assertEquals(0, client.sessions().size());

            PeerSession ok = client.connect(to, serverId.publicKey(), psk, new byte[] {1, 2, 3}, "hi".getBytes());
            await("the session at the server", () -> server.sessions().size(), 1);
            assertArrayEquals("hi".getBytes(), server.session(ok.sessionId()).peerPayload());
        }
    }

    /** A data packet sealed with {@code peer}'s tx key on {@code on}'s builders (one event), copied out. */
    private static byte[] seal(DatagramEndpoint on, PeerSession peer) {
        try (PacketBuilder b = on.pool().get()) {
            ByteBuffer p = b.begin(peer.sealing(), 7, 0, 0).event("probe".getBytes()).seal();
            byte[] out = new byte[p.remaining()];
            p.get(out);
            return out;
        }
    }

    /** {@code packet} opened by {@code at} (a copy: opening is in place), or refused. */
    private static OpenedPacket openAt(DatagramEndpoint at, byte[] packet) {
        OpenedPacket into = new OpenedPacket();
        at.tryOpen(ByteBuffer.wrap(packet.clone()), into);
        return into;
    }

    /** The session id in a sealed packet's header: offset 24, little-endian u64 (WIRE.md, "Header"). */
    private static long sessionIdOf(byte[] packet) {
        return ByteBuffer.wrap(packet).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(24);
    }

    /** A sealed packet's encrypted events: between the header and the 16-byte tag. */
    private static byte[] ciphertext(byte[] packet) {
        return Arrays.copyOfRange(packet, NetV1.HEADER_SIZE, packet.length - 16);
    }

    /** A packet from each side of one session (as sealed), and each as its peer opened it. */
    private record Probe(byte[] up, OpenedPacket upOpened, byte[] down, OpenedPacket downOpened) {}

    /**
     * Shows, through the public API, that each side of one session seals with the other side's rx
     * key and not with its own: a packet each side seals opens at the other side (the first
     * confirms the responder's session), and the next one it seals is refused for its tag at its
     * own side, whose window has not seen that counter: only the key can refuse it. Each side
     * seals two packets.
     */
    private static Probe probe(DatagramEndpoint initiatorEnd, PeerSession initiator, DatagramEndpoint responderEnd,
                               PeerSession responder) {
        byte[] up = seal(initiatorEnd, initiator);
        OpenedPacket upOpened = openAt(responderEnd, up);
        assertTrue(upOpened.isOpened(), "the initiator's tx key is the responder's rx key: " + upOpened.refusal());
        assertEquals(initiator.sessionId(), upOpened.sessionId());
        byte[] down = seal(responderEnd, responder);
        OpenedPacket downOpened = openAt(initiatorEnd, down);
        assertTrue(downOpened.isOpened(), "and the other way round: " + downOpened.refusal());
        assertEquals(responder.sessionId(), downOpened.sessionId());
        assertEquals(Reason.AUTH_FAILED, openAt(initiatorEnd, seal(initiatorEnd, initiator)).refusal(),
                "the initiator's own packet does not open at the initiator: its rx key is not its tx key");
        assertEquals(Reason.AUTH_FAILED, openAt(responderEnd, seal(responderEnd, responder)).refusal(),
                "the responder's own packet does not open at the responder: its rx key is not its tx key");
        return new Probe(up, upOpened, down, downOpened);
    }

    /**
     * A check value of the key {@code peer} seals with: the tag it gives an empty message at nonce
     * 0; equal keys give equal values, and it says nothing of the key. No public accessor shows a
     * key, and no packet compares the keys of two sessions, so this one fact is read inside (the
     * session's current key, as SessionLifetimeTest reads it).
     */
    private static String keyCheck(AeadBackend backend, PeerSession peer) {
        ByteBuffer tag = backend.allocate(16);
        backend.newCipher().seal(peer.sealing().current().key, 0, 0L, tag, 0, 0, tag, 0, 0);
        byte[] out = new byte[16];
        tag.get(0, out);
        return java.util.HexFormat.of().formatHex(out);
    }

    /** A raw UDP socket that sends hand-made handshake packets. */
    private static void sendRaw(InetSocketAddress to, byte[] packet) throws IOException {
        try (DatagramChannel raw = DatagramChannel.open()) {
            raw.send(ByteBuffer.wrap(packet), to);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void malformedShortUnexpectedAndLowOrderMessagesAreDroppedAndCounted(String backendName) throws Exception {
        try (Fixture f = new Fixture(backendName)) {
            Identity serverId = f.identity();
            PresharedKey psk = f.psk(1);
            DatagramEndpoint server = f.start(f.endpoint().accept(serverId, psk));
            DatagramEndpoint client = f.start(f.endpoint());

            byte[] malformed = InsecureExplicitNonceCodec.handshake(new byte[48]);
            malformed[HeaderLayoutOffsets.FLAGS] |= NetV1.FLAG_RELIABLE;
            sendRaw(server.localAddress(), malformed);
            await("malformed", () -> server.handshakeRefusals(HandshakeRefusal.MALFORMED), 1);

            sendRaw(server.localAddress(), InsecureExplicitNonceCodec.handshake(new byte[47]));
            await("message 1 too short", () -> server.handshakeRefusals(HandshakeRefusal.MESSAGE1_WRONG_LENGTH), 1);

            sendRaw(server.localAddress(), InsecureExplicitNonceCodec.handshake(new byte[48])); // e = 0: low order
            await("low-order ephemeral", () -> server.handshakeRefusals(HandshakeRefusal.WEAK_KEY), 1);

            sendRaw(client.localAddress(), InsecureExplicitNonceCodec.handshake(new byte[48]));
            await("message 2 with nothing pending", () -> client.handshakeRefusals(HandshakeRefusal.NO_PENDING_HANDSHAKE), 1);

            assertEquals(0, server.sessions().size());
            assertEquals(0, client.sessions().size());
            assertEquals(0, server.handshakeRefusals(HandshakeRefusal.MESSAGE1_AUTH_FAILED));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aReplayedMessage1MakesNoNewSession(String backendName) throws Exception {
        try (Fixture f = new Fixture(backendName)) {
            Identity serverId = f.identity();
            byte[] pskBytes = bytes(1);
            PresharedKey psk = f.psk(1);
            DatagramEndpoint server = f.start(f.endpoint().accept(serverId, psk));

            // A message 1 made by hand (a real initiator's), sent from a raw socket, then again.
            AeadKey pskKey = f.dh.importSecret(pskBytes);
            byte[] message1 = new byte[HandshakeState.messageLength(0)];
            try (HandshakeState initiator = HandshakeState.initiator(new NoiseCrypto(f.backend, 0), new byte[0], pskKey,
                    serverId.publicKey())) {
                initiator.writeMessage(new byte[0], 0, 0, message1, 0);
            } finally {
                pskKey.destroy();
            }
            byte[] packet = InsecureExplicitNonceCodec.handshake(message1);
            sendRaw(server.localAddress(), packet);
            await("the first message 1 makes a session", () -> server.sessions().size(), 1);
            sendRaw(server.localAddress(), packet);
            sendRaw(server.localAddress(), packet); // from another source port each time
            await("replays refused", () -> server.handshakeRefusals(HandshakeRefusal.MESSAGE1_REPLAYED), 2);
            assertEquals(1, server.sessions().size(), "a replayed message 1 makes no new session");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void twoPeersThatConnectToEachOtherNeverShareAKeyNorRepeatAKeyAndNonce(String backendName) throws Exception {
        try (Fixture f = new Fixture(backendName)) {
            PresharedKey psk = f.psk(1);
            Identity idA = f.identity();
            Identity idB = f.identity();
            // (direction, nonce prefix, counter) of every packet each side opened; a direction is
            // the session that opened it (its id and role), and its key its peer's tx key
            Set<String> nonces = java.util.concurrent.ConcurrentHashMap.newKeySet();
            List<String> repeats = new CopyOnWriteArrayList<>();
            DatagramEndpoint.PacketHandler record = (peer, p) -> {
                String direction = Long.toUnsignedString(peer.sessionId()) + (peer.isInitiator() ? " to" : " from");
                if (!nonces.add(direction + "/" + p.noncePrefix() + "/" + p.counter())) {
                    repeats.add(peer + " counter " + p.counter());
                }
            };
            DatagramEndpoint a = f.start(f.endpoint().accept(idA, psk).onPacket(record));
            DatagramEndpoint b = f.start(f.endpoint().accept(idB, psk).onPacket(record));

            PeerSession aToB = a.connect(b.localAddress(), idB.publicKey(), psk);
            PeerSession bToA = b.connect(a.localAddress(), idA.publicKey(), psk);
            await("sessions at a", () -> a.sessions().size(), 2);
            await("sessions at b", () -> b.sessions().size(), 2);
            PeerSession bFromA = b.session(aToB.sessionId());
            PeerSession aFromB = a.session(bToA.sessionId());
            assertNotEquals(aToB.sessionId(), bToA.sessionId());

            int perDirection = 200;
            // Every direction seals counters 0..199. The initiators first: a responder's session
            // seals nothing until its initiator's first packet confirms it.
            a.send(aToB, 1, 0, ByteBuffer.wrap(new byte[] {1}));
            b.send(bToA, 1, 0, ByteBuffer.wrap(new byte[] {3}));
            await("b's responder session confirmed", () -> bFromA.isConfirmed() ? 1 : 0, 1);
            await("a's responder session confirmed", () -> aFromB.isConfirmed() ? 1 : 0, 1);
            for (int i = 0; i < perDirection; i++) {
                if (i > 0) {
                    a.send(aToB, 1, i, ByteBuffer.wrap(new byte[] {1}));
                    b.send(bToA, 1, i, ByteBuffer.wrap(new byte[] {3}));
                }
                b.send(bFromA, 1, i, ByteBuffer.wrap(new byte[] {2}));
                a.send(aFromB, 1, i, ByteBuffer.wrap(new byte[] {4}));
                if (i % 25 == 0) {
                    Thread.sleep(1); // loopback UDP drops what overflows a socket's buffer
                }
            }
            await("packets opened", nonces::size, 4L * perDirection);

            // The four directions' keys. In each session, each side's tx key is the other's rx key
            // and not its own (see probe): so the rx keys are the tx keys, and each direction is
            // one key. A packet cannot compare the keys of two sessions (its session id picks the
            // key and the nonce prefix both): for that, the tx keys' check values.
            probe(a, aToB, b, bFromA);
            probe(b, bToA, a, aFromB);
            Set<String> txKeys = new HashSet<>(List.of(keyCheck(f.backend, aToB), keyCheck(f.backend, bFromA),
                    keyCheck(f.backend, bToA), keyCheck(f.backend, aFromB)));
            assertEquals(4, txKeys.size(), "four directions, four keys");
            assertEquals(List.of(), repeats, "no (key, nonce) repeats across the four directions");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void droppingBadHandshakesAllocatesNothing(String backendName) throws Exception {
        try (Fixture f = new Fixture(backendName)) {
            Identity serverId = f.identity();
            DatagramEndpoint server = f.start(f.endpoint().accept(serverId, f.psk(1)));
            DatagramEndpoint client = f.start(f.endpoint());
            byte[] malformed = InsecureExplicitNonceCodec.handshake(new byte[48]);
            malformed[HeaderLayoutOffsets.FLAGS] |= NetV1.FLAG_FIN;
            byte[] shortOne = InsecureExplicitNonceCodec.handshake(new byte[20]);
            byte[] unexpected = InsecureExplicitNonceCodec.handshake(new byte[48]);
            long serverThread = threadId("netseal-endpoint-" + server.localAddress().getPort());
            long clientThread = threadId("netseal-endpoint-" + client.localAddress().getPort());
            try (DatagramChannel raw = DatagramChannel.open()) {
                raw.bind(LOOPBACK);
                int warm = 2000;
                int measured = 5000;
                for (int round = 0; round < 2; round++) {
                    int n = round == 0 ? warm : measured;
                    long serverBefore = allocated(serverThread);
                    long clientBefore = allocated(clientThread);
                    long base = server.handshakeRefusals(HandshakeRefusal.MALFORMED);
                    for (int i = 0; i < n; i++) {
                        raw.send(ByteBuffer.wrap(i % 2 == 0 ? malformed : shortOne), server.localAddress());
                        raw.send(ByteBuffer.wrap(unexpected), client.localAddress());
                        if (i % 64 == 0) {
                            Thread.sleep(1); // let the receivers keep up: loopback drops what overflows
                        }
                    }
                    Thread.sleep(300);
                    long dropped = server.handshakeRefusals(HandshakeRefusal.MALFORMED) - base;
                    assertTrue(dropped > n / 4, "the server saw too few of them: " + dropped);
                    if (round == 1) {
                        long serverBytes = allocated(serverThread) - serverBefore;
                        long clientBytes = allocated(clientThread) - clientBefore;
                        // One object per drop would be at least 16 bytes each (80,000 here); what is left
                        // is the JVM's own (compilation, a TLAB retired), under a byte a packet.
                        assertTrue(serverBytes < n && clientBytes < n, "receive threads allocated "
                                + serverBytes + " and " + clientBytes + " bytes over " + n + " dropped handshakes each");
                    }
                }
            }
        }
    }

    private static long threadId(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no thread " + name)).getId();
    }

    /** Bytes {@code threadId} allocated (com.sun.management.ThreadMXBean, reflectively: see ReceiverOnRealNetworksTest). */
    private static long allocated(long threadId) {
        try {
            Object mx = java.lang.management.ManagementFactory.getThreadMXBean();
            return (long) Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getThreadAllocatedBytes", long.class).invoke(mx, threadId);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** The header's flags offset (the wire layout is internal; tests mirror WIRE.md). */
    private static final class HeaderLayoutOffsets {
        static final int FLAGS = dev.netseal.internal.wire.HeaderLayout.FLAGS;
    }
}
