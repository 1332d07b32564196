package dev.netseal.internal.handshake;

import dev.netseal.NetV1;
import java.util.Arrays;

/**
 * The spec's CipherState (section 5.1): a key k, which may be empty, and a 64-bit nonce n. The
 * nonce is ChaChaPoly's: 32 zero bits, then n little-endian (section 12.3).
 *
 * <p>Not thread-safe. {@link #clear()} wipes k.
 */
final class CipherState {
    private final NoiseCrypto crypto;
    private final byte[] k = new byte[NoiseHash.HASH_LEN];
    private boolean hasKey;
    private long n;

    CipherState(NoiseCrypto crypto) {
        this.crypto = crypto;
    }

    /** InitializeKey(key): k = key (the first 32 bytes), n = 0. */
    void initializeKey(byte[] key) {
        System.arraycopy(key, 0, k, 0, k.length);
        hasKey = true;
        n = 0;
    }

    /** HasKey(). */
    boolean hasKey() {
        return hasKey;
    }

    /**
     * EncryptWithAd(ad, plaintext): the ciphertext (with its tag when k is set) into {@code out};
     * returns its length.
     */
    int encryptWithAd(byte[] ad, byte[] in, int inOff, int len, byte[] out, int outOff) {
        if (!hasKey) {
            System.arraycopy(in, inOff, out, outOff, len);
            return len;
        }
        checkNonce();
        crypto.seal(k, n, ad, in, inOff, len, out, outOff);
        n++;
        return len + NetV1.TAG_SIZE;
    }

    /**
     * DecryptWithAd(ad, ciphertext): the plaintext's length, written to {@code out}; or -1 when
     * authentication fails, and then n is not incremented (section 5.1) and {@code out} untouched.
     */
    int decryptWithAd(byte[] ad, byte[] in, int inOff, int len, byte[] out, int outOff) {
        if (!hasKey) {
            System.arraycopy(in, inOff, out, outOff, len);
            return len;
        }
        if (len < NetV1.TAG_SIZE) {
            return -1;
        }
        checkNonce();
        if (!crypto.open(k, n, ad, in, inOff, len, out, outOff)) {
            return -1;
        }
        n++;
        return len - NetV1.TAG_SIZE;
    }

    private void checkNonce() {
        if (n == -1L) { // 2^64-1 is reserved (section 5.1); a handshake uses n 0 and 1 at most
            throw new IllegalStateException("Noise nonce exhausted");
        }
    }

    void copyFrom(CipherState other) {
        System.arraycopy(other.k, 0, k, 0, k.length);
        hasKey = other.hasKey;
        n = other.n;
    }

    /** Wipes k. */
    void clear() {
        Arrays.fill(k, (byte) 0);
        hasKey = false;
        n = 0;
    }
}
