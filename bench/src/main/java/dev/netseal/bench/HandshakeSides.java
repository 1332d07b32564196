package dev.netseal.bench;

import dev.netseal.DatagramEndpoint;
import dev.netseal.HandshakeRefusal;
import dev.netseal.Identity;
import dev.netseal.PeerSession;
import dev.netseal.PresharedKey;
import dev.netseal.SessionPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.math.ec.rfc7748.X25519;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The paired sides of the handshake rows: netseal's Noise NKpsk0 handshakes through its public
 * API, {@link DatagramEndpoint}s whose datagrams go through an in-memory
 * {@link dev.netseal.DatagramTransport} (no socket), empty prologue and payloads; and their
 * X25519 work alone, in C and in BouncyCastle.
 */
final class HandshakeSides {
    private HandshakeSides() {}

    private static final byte[] EMPTY = new byte[0];
    /** Addresses the endpoints name each other by; nothing is ever sent to them. */
    static final InetSocketAddress RESPONDER = address(1);
    static final InetSocketAddress INITIATOR = address(2);

    private static InetSocketAddress address(int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 40_000 + port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A responder's policy for the bench: every message 1 from the one initiator address is read
     * (no pacing), and few unconfirmed sessions are kept (the oldest is ended when a new one comes:
     * each handshake makes a session and, in steady state, ends one).
     */
    static SessionPolicy policy() {
        return SessionPolicy.defaults().withHandshakesPerSecondPerSource(Integer.MAX_VALUE).withMaxUnconfirmed(64);
    }

    /** The responder's identity and the mesh's pre-shared key, on this JVM's backend. */
    abstract static class Keys extends PairedSide {
        private final String backend;
        Identity identity;
        PresharedKey psk;

        Keys(String name, String backend) {
            super(name, 1);
            this.backend = backend;
        }

        @Override
        void setUp() throws Exception {
            BenchSupport.useBackend(backend);
            identity = Identity.generate();
            psk = PresharedKey.of(BenchSupport.key());
        }

        @Override
        void tearDown() throws Exception {
            psk.close();
            identity.close();
        }
    }

    /**
     * Responder handshakes per op: a {@link DatagramEndpoint} accepting, fed message 1s through
     * {@link DatagramEndpoint#receive}; each is read, answered (message 2, dropped by the transport)
     * and made a session on the endpoint's responder thread, exactly as it runs for a user: replay
     * cache, session table and key memory included. An op is one message 2 sent; the side's time
     * runs from its first message 1 to its last message 2 (the loop waits for the answers in
     * flight before it returns), so the ratio is the responder thread's throughput. Each message 1
     * is a fresh one, written by a second endpoint's {@code connectAsync} (abandoned at once), on
     * the worker thread, a few ahead of the responder, while the responder thread answers
     * the earlier ones: that takes the second core.
     */
    static final class Responder extends Keys {
        /** Message 1s handed over and not answered yet, at most. */
        private static final int AHEAD = 4;
        private final AtomicLong answered = new AtomicLong();
        private DatagramEndpoint responder;
        private DatagramEndpoint source;
        private final ByteBuffer message1 = ByteBuffer.allocate(8192);
        private long fed;

        Responder(String name, String backend) {
            super(name, backend);
        }

        @Override
        void setUp() throws Exception {
            super.setUp();
            responder = DatagramEndpoint.builder().accept(identity, psk).policy(policy())
                    .transport((datagram, to) -> answered.incrementAndGet()).start();
            source = DatagramEndpoint.builder().transport((datagram, to) -> {
                message1.clear();
                message1.put(datagram.duplicate()).flip();
            }).start();
            for (int i = 0; i < 4; i++) {
                feed();
            }
            drain();
        }

        private void feed() {
            CompletableFuture<PeerSession> f = source.connectAsync(RESPONDER, identity.publicKey(), psk, EMPTY, EMPTY);
            f.cancel(false); // its message 1 is in message1; the initiator's state is wiped
            responder.receive(message1, INITIATOR);
            fed++;
        }

        /** Waits until every message 1 fed is answered; throws if the responder refused one. */
        private void drain() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (answered.get() < fed) {
                long refused = 0;
                for (HandshakeRefusal r : HandshakeRefusal.values()) {
                    refused += responder.handshakeRefusals(r);
                }
                if (refused > 0 || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the responder answered " + answered.get() + " of " + fed
                            + " message 1s (" + refused + " refused)");
                }
                Thread.onSpinWait();
            }
        }

        @Override
        void tearDown() throws Exception {
            source.close();
            responder.close();
            super.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            long start = answered.get();
            do {
                if (fed - answered.get() < AHEAD) {
                    feed();
                } else {
                    Thread.onSpinWait();
                }
            } while (!c.stop);
            drain();
            bh.consume(message1.get(0));
            return answered.get() - start;
        }
    }

    /**
     * A whole handshake per op: {@code connect} on an initiator endpoint, whose message 1 the
     * transport hands to a responder endpoint's {@code receive} on the same thread; the
     * responder's thread answers, its transport hands message 2 to the initiator's
     * {@code receive}, and {@code connect} returns the session, which the op closes. One
     * handshake at a time: twice one side's X25519 work, in turn on two threads, with two
     * hand-overs between them (the responder's queue and the initiator's future).
     */
    static final class Full extends Keys {
        private DatagramEndpoint responder;
        private DatagramEndpoint initiator;

        Full(String name, String backend) {
            super(name, backend);
        }

        @Override
        void setUp() throws Exception {
            super.setUp();
            responder = DatagramEndpoint.builder().accept(identity, psk).policy(policy())
                    .transport((datagram, to) -> initiator.receive(datagram, RESPONDER)).start();
            initiator = DatagramEndpoint.builder()
                    .transport((datagram, to) -> responder.receive(datagram, INITIATOR)).start();
            handshake();
        }

        long handshake() {
            try (PeerSession s = initiator.connect(RESPONDER, identity.publicKey(), psk)) {
                return s.sessionId();
            } catch (IOException e) {
                throw new IllegalStateException("handshake failed", e);
            }
        }

        @Override
        void tearDown() throws Exception {
            initiator.close();
            responder.close();
            super.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            long ops = 0;
            do {
                bh.consume(handshake());
                ops++;
            } while (!c.stop);
            return ops;
        }
    }

    /**
     * The handshake floor in C: {@link SodiumFloor#x25519Floor} of {@code sides} per op, i.e.
     * {@code sides} times one side's X25519 work (1 base + 2 X25519). One JNI call per op: a
     * crossing is tens of ns against tens of µs of X25519, so there is nothing to amortise.
     */
    static final class X25519Floor extends PairedSide {
        private final int sides;
        private final byte[] staticPrivate = BenchSupport.bytes(BenchSupport.KEY_BYTES, 3);
        private final byte[] ephemeralPrivate = BenchSupport.bytes(BenchSupport.KEY_BYTES, 4);
        private final byte[] peerPublic = new byte[BenchSupport.KEY_BYTES];

        X25519Floor(String name, int sides) {
            super(name, 1);
            this.sides = sides;
        }

        @Override
        void setUp() {
            SodiumFloor.load();
            X25519.scalarMultBase(BenchSupport.bytes(BenchSupport.KEY_BYTES, 5), 0, peerPublic, 0);
            if (SodiumFloor.x25519Floor(staticPrivate, ephemeralPrivate, peerPublic, 1) < 0) {
                throw new IllegalStateException("floor: libsodium's X25519 failed");
            }
        }

        @Override
        void tearDown() {
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            byte[] s = staticPrivate;
            byte[] e = ephemeralPrivate;
            byte[] peer = peerPublic;
            int n = sides;
            long ops = 0;
            do {
                bh.consume(SodiumFloor.x25519Floor(s, e, peer, n));
                ops++;
            } while (!c.stop);
            return ops;
        }
    }

    /**
     * BouncyCastle's X25519, as netseal's java backend calls it, doing one side's X25519 work per
     * op: {@code scalarMultBase} (the ephemeral's public key) and two {@code calculateAgreement}
     * (es, ee), into arrays made once. The ephemeral changes every op (from the last result).
     */
    static final class BouncyCastleX25519 extends PairedSide {
        private final byte[] staticPrivate = BenchSupport.bytes(BenchSupport.KEY_BYTES, 3);
        private final byte[] ephemeralPrivate = BenchSupport.bytes(BenchSupport.KEY_BYTES, 4);
        private final byte[] peerPublic = new byte[BenchSupport.KEY_BYTES];
        private final byte[] ephemeralPublic = new byte[BenchSupport.KEY_BYTES];
        private final byte[] shared = new byte[BenchSupport.KEY_BYTES];

        BouncyCastleX25519(String name) {
            super(name, 1);
        }

        @Override
        void setUp() {
            X25519.scalarMultBase(BenchSupport.bytes(BenchSupport.KEY_BYTES, 5), 0, peerPublic, 0);
        }

        @Override
        void tearDown() {
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            byte[] s = staticPrivate;
            byte[] e = ephemeralPrivate;
            byte[] peer = peerPublic;
            byte[] pub = ephemeralPublic;
            byte[] out = shared;
            long ops = 0;
            do {
                X25519.scalarMultBase(e, 0, pub, 0);
                boolean ok = X25519.calculateAgreement(s, 0, peer, 0, out, 0);
                bh.consume(out[1]);
                ok &= X25519.calculateAgreement(e, 0, peer, 0, out, 0);
                if (!ok) {
                    throw new IllegalStateException("floor: an all-zero X25519 result");
                }
                bh.consume(pub[0] + out[2]);
                e[0] ^= out[3];
                ops++;
            } while (!c.stop);
            return ops;
        }
    }
}
