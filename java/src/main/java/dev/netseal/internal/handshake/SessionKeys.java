package dev.netseal.internal.handshake;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bouncycastle.crypto.digests.Blake2sDigest;

/**
 * net-mesh's key schedule after an NKpsk0 handshake (the project's WIRE.md, "After the
 * handshake"). From the handshake hash h:
 * <ul>
 *   <li>session_id = the first 8 bytes of h, little-endian;</li>
 *   <li>PRK = BLAKE2s-256 keyed with h over the ASCII bytes {@code net-kdf-v1} (keyed BLAKE2s as
 *       RFC 7693 defines it: not HMAC);</li>
 *   <li>K(info) = BLAKE2s-256 keyed with PRK over {@code info}; the initiator seals with
 *       K({@code initiator-tx}) and opens with K({@code initiator-rx}), the responder the other
 *       way round.</li>
 * </ul>
 * Both directions carry one session id, so one nonce prefix: only the two keys keep two peers'
 * counters (both from 0) from repeating a nonce.
 *
 * <p>{@link #close()} wipes both keys.
 */
public final class SessionKeys implements AutoCloseable {
    private static final byte[] KDF_LABEL = "net-kdf-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INITIATOR_TX = "initiator-tx".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INITIATOR_RX = "initiator-rx".getBytes(StandardCharsets.US_ASCII);

    private final long sessionId;
    private final byte[] initiatorTx;
    private final byte[] initiatorRx;

    private SessionKeys(long sessionId, byte[] initiatorTx, byte[] initiatorRx) {
        this.sessionId = sessionId;
        this.initiatorTx = initiatorTx;
        this.initiatorRx = initiatorRx;
    }

    /**
     * The session id and both keys from a handshake hash.
     *
     * @param h the handshake hash (32 bytes); the caller wipes it
     * @return the keys; close them once imported
     */
    public static SessionKeys derive(byte[] h) {
        if (h.length != NoiseHash.HASH_LEN) {
            throw new IllegalArgumentException("handshake hash must be 32 bytes, got " + h.length);
        }
        long id = 0;
        for (int i = 7; i >= 0; i--) {
            id = (id << 8) | (h[i] & 0xFF);
        }
        byte[] prk = keyed(h, KDF_LABEL);
        try {
            return new SessionKeys(id, keyed(prk, INITIATOR_TX), keyed(prk, INITIATOR_RX));
        } finally {
            Arrays.fill(prk, (byte) 0);
        }
    }

    /** BLAKE2s-256 keyed with {@code key} (32 bytes) over {@code data}. */
    private static byte[] keyed(byte[] key, byte[] data) {
        Blake2sDigest d = new Blake2sDigest(key, 32, null, null);
        d.update(data, 0, data.length);
        byte[] out = new byte[32];
        d.doFinal(out, 0);
        d.reset(); // the digest keeps the key for reset(); clearing its state is all BouncyCastle offers
        return out;
    }

    /** The session id both directions carry. */
    public long sessionId() {
        return sessionId;
    }

    /**
     * The key this side seals with: K(initiator-tx) for the initiator, K(initiator-rx) for the
     * responder. The array is this object's and is wiped by {@link #close()}.
     *
     * @param initiator true on the initiator's side
     * @return the key
     */
    public byte[] sealingKey(boolean initiator) {
        return initiator ? initiatorTx : initiatorRx;
    }

    /**
     * The key this side opens with: the other one.
     *
     * @param initiator true on the initiator's side
     * @return the key
     */
    public byte[] openingKey(boolean initiator) {
        return initiator ? initiatorRx : initiatorTx;
    }

    /** Wipes both keys. */
    @Override
    public void close() {
        Arrays.fill(initiatorTx, (byte) 0);
        Arrays.fill(initiatorRx, (byte) 0);
    }

    @Override
    public String toString() {
        return "SessionKeys[session " + Long.toUnsignedString(sessionId) + ", keys hidden]";
    }
}
