package dev.netseal.internal.handshake;

import dev.netseal.NetV1;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.X25519;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The spec's HandshakeState (section 5.3) for {@link HandshakePattern#NK_PSK0}: it walks the
 * pattern's token lists, so each step below is a line of the spec. Public keys are 32 bytes
 * (DHLEN); private keys and the pre-shared key stay in the backend's key memory and come out only
 * into arrays that are wiped as soon as they are used, as are the DH results, ck, h and k.
 *
 * <p>A message read that fails (too short, a DH result of zero, a tag that does not verify)
 * leaves the state as it was before the read, so a forged message cannot end a handshake that the
 * real peer's message would still complete.
 *
 * <p>Not thread-safe; one thread at a time. The static key and the pre-shared key are the
 * caller's and must outlive this state; the ephemeral key is this state's, destroyed by
 * {@link #close()}.
 */
public final class HandshakeState implements AutoCloseable {
    /** DHLEN: the size of an X25519 public key. */
    public static final int DH_LEN = X25519.KEY_SIZE;
    /** What {@link #readMessage} returns for a message shorter than its tokens and tag. */
    public static final int TOO_SHORT = -1;
    /** What {@link #readMessage} returns when the payload's tag does not verify. */
    public static final int AUTH_FAILED = -2;
    /** What {@link #readMessage} returns when a DH result is all zero (a low-order point). */
    public static final int WEAK_KEY = -3;

    /** Where ephemeral keys come from: fresh random ones, or fixed ones in tests. */
    interface EphemeralSource {
        AeadKey next(X25519 dh);
    }

    private static final EphemeralSource RANDOM = X25519::generatePrivateKey;

    private final HandshakePattern pattern;
    private final boolean initiator;
    private final X25519 dh;
    private final NoiseHash hash;
    private final EphemeralSource ephemerals;
    private final SymmetricState ss;
    /** The state before a read, restored when the read fails. */
    private final SymmetricState saved;
    /** This side's static key pair, for a pattern that gives it one (null on an NK initiator). */
    private final @Nullable AeadKey s;
    private final byte @Nullable [] sPublic;
    private final AeadKey psk;
    /** The key pair and the peer's keys below are null until the message that brings them. */
    private @Nullable AeadKey e;
    private final byte[] ePublic = new byte[DH_LEN];
    private byte @Nullable [] rs;
    private byte @Nullable [] re;
    private int messageIndex;
    private final byte[] dhResult = new byte[DH_LEN];
    private final byte[] secret = new byte[DH_LEN];

    private HandshakeState(HandshakePattern pattern, boolean initiator, NoiseCrypto crypto, byte[] prologue,
                           @Nullable AeadKey s, byte @Nullable [] sPublic, byte @Nullable [] rs, AeadKey psk,
                           EphemeralSource ephemerals) {
        this.pattern = pattern;
        this.initiator = initiator;
        this.dh = crypto.dh;
        this.hash = crypto.hash;
        this.ephemerals = ephemerals;
        this.ss = new SymmetricState(crypto);
        this.saved = new SymmetricState(crypto);
        this.s = s;
        this.sPublic = sPublic == null ? null : sPublic.clone();
        this.rs = rs == null ? null : rs.clone();
        this.psk = psk;
        // Initialize(): InitializeSymmetric(protocol_name); MixHash(prologue); then each public
        // key of the pre-messages, the initiator's first.
        ss.initializeSymmetric(pattern.protocolName());
        ss.mixHash(prologue, 0, prologue.length);
        preMessage(pattern.initiatorPreMessage(), initiator);
        preMessage(pattern.responderPreMessage(), !initiator);
    }

    private void preMessage(List<Token> tokens, boolean ours) {
        for (Token t : tokens) {
            if (t != Token.S) {
                throw new IllegalStateException("pre-message token " + t + " is not supported");
            }
            byte[] key = ours ? sPublic : rs;
            // A pre-message names a static key this side was given (the factories check it).
            ss.mixHash(Objects.requireNonNull(key), 0, DH_LEN);
        }
    }

    /**
     * An NKpsk0 initiator that knows the responder's static public key.
     *
     * @param crypto the primitives and scratch memory (one thread at a time)
     * @param prologue the prologue both sides must agree on (may be empty)
     * @param psk the 32-byte pre-shared key, in {@code crypto}'s key memory
     * @param responderStatic the responder's static public key (32 bytes)
     * @return the state, ready to write message 1
     */
    public static HandshakeState initiator(NoiseCrypto crypto, byte[] prologue, AeadKey psk, byte[] responderStatic) {
        return initiator(crypto, prologue, psk, responderStatic, RANDOM);
    }

    static HandshakeState initiator(NoiseCrypto crypto, byte[] prologue, AeadKey psk, byte[] responderStatic,
                                    EphemeralSource ephemerals) {
        checkKey("responder's static public key", responderStatic);
        return new HandshakeState(HandshakePattern.NK_PSK0, true, crypto, prologue, null, null,
                responderStatic, psk, ephemerals);
    }

    /**
     * An NKpsk0 responder with its static key pair.
     *
     * @param crypto the primitives and scratch memory (one thread at a time)
     * @param prologue the prologue both sides must agree on (may be empty)
     * @param psk the 32-byte pre-shared key, in {@code crypto}'s key memory
     * @param staticPrivate the responder's static private key, in {@code crypto}'s key memory
     * @param staticPublic its public key (32 bytes)
     * @return the state, ready to read message 1
     */
    public static HandshakeState responder(NoiseCrypto crypto, byte[] prologue, AeadKey psk, AeadKey staticPrivate,
                                           byte[] staticPublic) {
        return responder(crypto, prologue, psk, staticPrivate, staticPublic, RANDOM);
    }

    static HandshakeState responder(NoiseCrypto crypto, byte[] prologue, AeadKey psk, AeadKey staticPrivate,
                                    byte[] staticPublic, EphemeralSource ephemerals) {
        checkKey("static public key", staticPublic);
        return new HandshakeState(HandshakePattern.NK_PSK0, false, crypto, prologue, staticPrivate,
                staticPublic, null, psk, ephemerals);
    }

    private static void checkKey(String name, byte[] key) {
        if (key.length != DH_LEN) {
            throw new IllegalArgumentException(name + " must be " + DH_LEN + " bytes, got " + key.length);
        }
    }

    /** True when it is this side's turn to write. */
    public boolean isMyTurn() {
        return messageIndex < pattern.messages().size() && (messageIndex % 2 == 0) == initiator;
    }

    /** True once every message of the pattern was written or read. */
    public boolean isComplete() {
        return messageIndex == pattern.messages().size();
    }

    /**
     * The largest message {@link #writeMessage} makes, and {@link #readMessage} reads, with a
     * payload of {@code payloadLength} bytes: the public keys of the next message's tokens, the
     * payload and its tag.
     *
     * @param payloadLength the payload's length
     * @return the message's length
     */
    public static int messageLength(int payloadLength) {
        return DH_LEN + payloadLength + NetV1.TAG_SIZE; // each NKpsk0 message has one e and a key by then
    }

    /**
     * WriteMessage(payload, message_buffer): this side's next message into {@code out}.
     *
     * @param payload the payload, sent encrypted (the handshake's first payload has forward
     *        secrecy only against a passive attacker; see the spec's section 7.7)
     * @param off its first byte
     * @param len its length
     * @param out where the message goes ({@link #messageLength}(len) bytes from {@code outOff})
     * @param outOff the first byte written
     * @return the message's length
     */
    public int writeMessage(byte[] payload, int off, int len, byte[] out, int outOff) {
        if (!isMyTurn()) {
            throw new IllegalStateException(isComplete() ? "the handshake is complete" : "not this side's turn to write");
        }
        int at = outOff;
        for (Token t : pattern.messages().get(messageIndex)) {
            switch (t) {
                case E -> {
                    // e = GENERATE_KEYPAIR(); append e.public_key; MixHash(e.public_key); and, in a
                    // psk handshake, MixKey(e.public_key) (section 9.2)
                    e = ephemerals.next(dh);
                    dh.publicKey(e, ePublic);
                    System.arraycopy(ePublic, 0, out, at, DH_LEN);
                    ss.mixHash(ePublic, 0, DH_LEN);
                    if (pattern.isPsk()) {
                        ss.mixKey(ePublic, 0, DH_LEN);
                    }
                    at += DH_LEN;
                }
                case S -> at += ss.encryptAndHash(Objects.requireNonNull(sPublic), 0, DH_LEN, out, at);
                case EE, ES -> {
                    if (!mixDh(t)) {
                        throw new IllegalArgumentException("the peer's public key is a low-order point:"
                                + " X25519 gave all zeros");
                    }
                }
                case PSK -> mixPsk();
            }
        }
        at += ss.encryptAndHash(payload, off, len, out, at);
        messageIndex++;
        return at - outOff;
    }

    /**
     * ReadMessage(message, payload_buffer): the peer's next message. On a refusal nothing
     * changes: the same state can read another message.
     *
     * @param message the message
     * @param off its first byte
     * @param len its length
     * @param payloadOut where the payload goes (at least {@code len - messageLength(0)} bytes)
     * @param payloadOff the first byte written
     * @return the payload's length; or {@link #TOO_SHORT}, {@link #AUTH_FAILED} or {@link #WEAK_KEY}
     */
    public int readMessage(byte[] message, int off, int len, byte[] payloadOut, int payloadOff) {
        if (isComplete() || isMyTurn()) {
            throw new IllegalStateException(isComplete() ? "the handshake is complete" : "not this side's turn to read");
        }
        saved.copyFrom(ss);
        byte[] savedRe = re;
        int result = read(message, off, len, payloadOut, payloadOff);
        if (result < 0) {
            ss.copyFrom(saved);
            re = savedRe;
        } else {
            messageIndex++;
        }
        saved.clear();
        return result;
    }

    private int read(byte[] message, int off, int len, byte[] payloadOut, int payloadOff) {
        int at = off;
        int end = off + len;
        for (Token t : pattern.messages().get(messageIndex)) {
            switch (t) {
                case E -> {
                    // re = the next DHLEN bytes; MixHash(re.public_key); MixKey too in a psk handshake
                    if (end - at < DH_LEN) {
                        return TOO_SHORT;
                    }
                    re = Arrays.copyOfRange(message, at, at + DH_LEN);
                    ss.mixHash(re, 0, DH_LEN);
                    if (pattern.isPsk()) {
                        ss.mixKey(re, 0, DH_LEN);
                    }
                    at += DH_LEN;
                }
                case S -> {
                    int need = DH_LEN + NetV1.TAG_SIZE;
                    if (end - at < need) {
                        return TOO_SHORT;
                    }
                    byte[] key = new byte[DH_LEN];
                    if (ss.decryptAndHash(message, at, need, key, 0) < 0) {
                        return AUTH_FAILED;
                    }
                    rs = key;
                    at += need;
                }
                case EE, ES -> {
                    if (!mixDh(t)) {
                        return WEAK_KEY;
                    }
                }
                case PSK -> mixPsk();
            }
        }
        // Every NKpsk0 message is read with a key set, so its payload carries a tag.
        if (end - at < NetV1.TAG_SIZE) {
            return TOO_SHORT;
        }
        int plain = ss.decryptAndHash(message, at, end - at, payloadOut, payloadOff);
        return plain < 0 ? AUTH_FAILED : plain;
    }

    /** MixKey(DH(...)) for "ee" and "es" (section 5.3), the DH result wiped after; false for all zeros. */
    private boolean mixDh(Token t) {
        boolean ok;
        // The pattern orders its tokens so that both keys of a DH are there when it comes.
        if (t == Token.EE) {
            ok = dh.agree(Objects.requireNonNull(e), Objects.requireNonNull(re), dhResult);
        } else if (initiator) { // es: the initiator's e with the responder's s
            ok = dh.agree(Objects.requireNonNull(e), Objects.requireNonNull(rs), dhResult);
        } else {
            ok = dh.agree(Objects.requireNonNull(s), Objects.requireNonNull(re), dhResult);
        }
        if (ok) {
            ss.mixKey(dhResult, 0, DH_LEN);
        }
        Arrays.fill(dhResult, (byte) 0);
        return ok;
    }

    /** "psk": MixKeyAndHash(psk) (section 9.2), the key's copy wiped after. */
    private void mixPsk() {
        dh.readSecret(psk, secret);
        ss.mixKeyAndHash(secret, 0, DH_LEN);
        Arrays.fill(secret, (byte) 0);
    }

    /**
     * The handshake hash h, once the handshake is complete: what net-mesh derives the session id
     * and keys from ({@link SessionKeys}). The caller wipes it after use.
     *
     * @return a copy of h
     */
    public byte[] handshakeHash() {
        if (!isComplete()) {
            throw new IllegalStateException("the handshake is not complete");
        }
        return ss.handshakeHash();
    }

    /**
     * The peer's ephemeral public key, once read (a responder's replay cache keys on it).
     *
     * @return a copy, or null before it is read
     */
    public byte @Nullable [] remoteEphemeral() {
        return re == null ? null : re.clone();
    }

    /** Destroys the ephemeral private key and wipes ck, h and k. Idempotent. */
    @Override
    public void close() {
        if (e != null) {
            e.destroy();
        }
        ss.clear();
        saved.clear();
        hash.clear();
        Arrays.fill(dhResult, (byte) 0);
        Arrays.fill(secret, (byte) 0);
    }
}
