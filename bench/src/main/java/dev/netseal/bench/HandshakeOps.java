package dev.netseal.bench;

import dev.netseal.NetV1;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import dev.netseal.internal.handshake.HandshakeState;
import dev.netseal.internal.handshake.NoiseCrypto;
import dev.netseal.internal.handshake.SessionKeys;
import java.util.Arrays;

/**
 * The netseal side of the handshake pairs (see {@link Paired}): Noise NKpsk0 handshakes through
 * the library's own {@link HandshakeState} on the JVM's backend, empty prologue and payloads.
 * The handshake classes are public classes of a package the module does not export; the
 * benchmark jar runs on the class path, where their public API is reachable. Only that API is
 * used, so every ephemeral is a fresh random key, as in use: the fixed-ephemeral seam stays the
 * tests'.
 *
 * <p>Each side keeps one {@link NoiseCrypto} for all its handshakes, as a responder's endpoint
 * does (an initiator's {@code connect} makes a new one per call; that allocation is not part of
 * the handshake and is left out). Not thread-safe: one thread.
 */
final class HandshakeOps {
    private static final byte[] EMPTY = new byte[0];
    /** A message with an empty payload: the ephemeral's public key and the payload's tag. */
    private static final int MESSAGE_BYTES = HandshakeState.messageLength(0);

    private final boolean nativeBackend;
    private NoiseCrypto initiatorCrypto;
    private NoiseCrypto responderCrypto;
    private AeadKey psk;
    private AeadKey staticKey;
    private final byte[] staticPublic = new byte[X25519.KEY_SIZE];
    /** One initiator's message 1, read again by every {@link #respond} (no replay cache here). */
    private final byte[] message1 = new byte[MESSAGE_BYTES];
    private final byte[] message2 = new byte[MESSAGE_BYTES];
    /** {@link #full}'s own message 1 (each of its handshakes has a new initiator ephemeral). */
    private final byte[] fullMessage1 = new byte[MESSAGE_BYTES];
    private final byte[] payloadOut = new byte[NetV1.TAG_SIZE];

    HandshakeOps(boolean nativeBackend) {
        this.nativeBackend = nativeBackend;
    }

    void setUp() {
        BenchSupport.requireBackend(nativeBackend);
        AeadBackend backend = Backends.active();
        X25519 dh = Backends.x25519For(backend);
        int maxPayload = NetV1.MAX_HANDSHAKE_PAYLOAD - MESSAGE_BYTES; // DatagramEndpoint's room
        initiatorCrypto = new NoiseCrypto(backend, maxPayload);
        responderCrypto = new NoiseCrypto(backend, maxPayload);
        psk = dh.importSecret(BenchSupport.key());
        staticKey = dh.generatePrivateKey();
        dh.publicKey(staticKey, staticPublic);
        try (HandshakeState i = HandshakeState.initiator(initiatorCrypto, EMPTY, psk, staticPublic)) {
            i.writeMessage(EMPTY, 0, 0, message1, 0);
        }
        respond();
        full();
    }

    void tearDown() {
        staticKey.destroy();
        psk.destroy();
    }

    /**
     * A responder's handshake, as {@code DatagramEndpoint.respond} runs it minus the socket, the
     * replay cache and the session table: a fresh state reads message 1 and writes message 2
     * (1 X25519 base and 2 X25519, a random ephemeral, BLAKE2s, two AEADs), then the session
     * keys from the handshake hash.
     *
     * @return the session id
     */
    long respond() {
        try (HandshakeState r = HandshakeState.responder(responderCrypto, EMPTY, psk, staticKey, staticPublic)) {
            if (r.readMessage(message1, 0, MESSAGE_BYTES, payloadOut, 0) < 0) {
                throw new IllegalStateException("the responder refused message 1");
            }
            r.writeMessage(EMPTY, 0, 0, message2, 0);
            return sessionId(r);
        }
    }

    /**
     * A whole handshake, both sides on this thread: the initiator writes message 1, the
     * responder reads it and writes message 2, the initiator reads that; each side then derives
     * its session keys. Twice one side's X25519 work (2 base, 4 X25519). It stands in for the
     * initiator alone, which cannot be timed apart: a valid message 2 depends on the initiator's
     * ephemeral, which the public API draws at random, so a responder must answer inside the
     * timed op.
     *
     * @return both sides' session ids added (equal when the handshake agreed)
     */
    long full() {
        try (HandshakeState i = HandshakeState.initiator(initiatorCrypto, EMPTY, psk, staticPublic);
             HandshakeState r = HandshakeState.responder(responderCrypto, EMPTY, psk, staticKey, staticPublic)) {
            i.writeMessage(EMPTY, 0, 0, fullMessage1, 0);
            if (r.readMessage(fullMessage1, 0, MESSAGE_BYTES, payloadOut, 0) < 0) {
                throw new IllegalStateException("the responder refused message 1");
            }
            r.writeMessage(EMPTY, 0, 0, message2, 0);
            if (i.readMessage(message2, 0, MESSAGE_BYTES, payloadOut, 0) < 0) {
                throw new IllegalStateException("the initiator refused message 2");
            }
            return sessionId(i) + sessionId(r);
        }
    }

    /** The session keys from a complete handshake's hash (wiped), as the endpoint derives them. */
    private static long sessionId(HandshakeState state) {
        byte[] h = state.handshakeHash();
        try (SessionKeys keys = SessionKeys.derive(h)) {
            Arrays.fill(h, (byte) 0);
            return keys.sessionId();
        }
    }
}
