package dev.netseal.internal.handshake;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The spec's SymmetricState (section 5.2): a chaining key ck, a handshake hash h and a
 * CipherState. Split() is not here: net-mesh derives its session keys from h instead (see
 * {@link SessionKeys}), so nothing would call it.
 *
 * <p>Not thread-safe. {@link #clear()} wipes ck, h and k.
 */
final class SymmetricState {
    private final NoiseHash hash;
    private final CipherState cipher;
    private final byte[] ck = new byte[NoiseHash.HASH_LEN];
    private final byte[] h = new byte[NoiseHash.HASH_LEN];
    /** HKDF outputs, wiped after each use. */
    private final byte[] temp1 = new byte[NoiseHash.HASH_LEN];
    private final byte[] temp2 = new byte[NoiseHash.HASH_LEN];
    private final byte[] temp3 = new byte[NoiseHash.HASH_LEN];
    private static final byte[] EMPTY = new byte[0];

    SymmetricState(NoiseCrypto crypto) {
        this.hash = crypto.hash;
        this.cipher = new CipherState(crypto);
    }

    /**
     * InitializeSymmetric(protocol_name): h = the name padded with zeros when it is at most
     * HASHLEN bytes, else HASH(name); ck = h; k empty.
     */
    void initializeSymmetric(String protocolName) {
        byte[] name = protocolName.getBytes(StandardCharsets.US_ASCII);
        Arrays.fill(h, (byte) 0);
        if (name.length <= NoiseHash.HASH_LEN) {
            System.arraycopy(name, 0, h, 0, name.length);
        } else {
            hash.hash(name, 0, name.length, EMPTY, 0, 0, h);
        }
        System.arraycopy(h, 0, ck, 0, ck.length);
        cipher.clear();
    }

    /** MixKey(input_key_material): ck, temp_k = HKDF(ck, ikm, 2); InitializeKey(temp_k). */
    void mixKey(byte[] ikm, int off, int len) {
        hash.hkdf(ck, ikm, off, len, ck, temp1, null);
        cipher.initializeKey(temp1);
        Arrays.fill(temp1, (byte) 0);
    }

    /** MixHash(data): h = HASH(h || data). */
    void mixHash(byte[] data, int off, int len) {
        hash.hash(h, 0, h.length, data, off, len, h);
    }

    /**
     * MixKeyAndHash(input_key_material): ck, temp_h, temp_k = HKDF(ck, ikm, 3); MixHash(temp_h);
     * InitializeKey(temp_k).
     */
    void mixKeyAndHash(byte[] ikm, int off, int len) {
        hash.hkdf(ck, ikm, off, len, ck, temp2, temp3);
        mixHash(temp2, 0, temp2.length);
        cipher.initializeKey(temp3);
        Arrays.fill(temp2, (byte) 0);
        Arrays.fill(temp3, (byte) 0);
    }

    /** GetHandshakeHash(): a copy of h. */
    byte[] handshakeHash() {
        return h.clone();
    }

    /** EncryptAndHash(plaintext): ciphertext = EncryptWithAd(h, plaintext); MixHash(ciphertext). */
    int encryptAndHash(byte[] in, int inOff, int len, byte[] out, int outOff) {
        int written = cipher.encryptWithAd(h, in, inOff, len, out, outOff);
        mixHash(out, outOff, written);
        return written;
    }

    /**
     * DecryptAndHash(ciphertext): plaintext = DecryptWithAd(h, ciphertext); MixHash(ciphertext).
     * Returns the plaintext's length, or -1 when authentication fails (h then unchanged).
     */
    int decryptAndHash(byte[] in, int inOff, int len, byte[] out, int outOff) {
        int plain = cipher.decryptWithAd(h, in, inOff, len, out, outOff);
        if (plain >= 0) {
            mixHash(in, inOff, len);
        }
        return plain;
    }

    void copyFrom(SymmetricState other) {
        System.arraycopy(other.ck, 0, ck, 0, ck.length);
        System.arraycopy(other.h, 0, h, 0, h.length);
        cipher.copyFrom(other.cipher);
    }

    /** Wipes ck, h and k. */
    void clear() {
        Arrays.fill(ck, (byte) 0);
        Arrays.fill(h, (byte) 0);
        cipher.clear();
    }
}
