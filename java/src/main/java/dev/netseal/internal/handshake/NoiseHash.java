package dev.netseal.internal.handshake;

import java.util.Arrays;
import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;
import org.jspecify.annotations.Nullable;

/**
 * The Noise spec's hash functions for BLAKE2s (revision 34, sections 4.3 and 4.3's HKDF): HASH,
 * HMAC-HASH (RFC 2104 over BLAKE2s, 64-byte blocks) and HKDF with two or three outputs. BLAKE2s
 * is BouncyCastle's: libsodium has none.
 *
 * <p>Not thread-safe: one per {@link NoiseCrypto}. Every intermediate key it makes (HKDF's
 * temp_key) is wiped before it returns; the caller wipes what it is handed; {@link #clear()} wipes
 * the MAC's pads of the last key when a handshake ends.
 *
 * <p>Cost: BouncyCastle's BLAKE2s compresses a block in about 0.3-0.5 us here, and an HMAC takes
 * four blocks (about 2.2 us); a responder's handshake makes 16 HMACs and 10 hashes, some 35-40 us
 * in all, which is what it adds to its three X25519 operations (about 100 us with libsodium).
 */
final class NoiseHash {
    /** HASHLEN for BLAKE2s. */
    static final int HASH_LEN = 32;

    private final Blake2sDigest digest = new Blake2sDigest(256);
    private final HMac hmac = new HMac(new Blake2sDigest(256));
    private final byte[] tempKey = new byte[HASH_LEN];
    private final byte[] one = new byte[1];

    /** out = HASH(a || b) (either may be empty). */
    void hash(byte[] a, int aOff, int aLen, byte[] b, int bOff, int bLen, byte[] out) {
        digest.reset();
        digest.update(a, aOff, aLen);
        digest.update(b, bOff, bLen);
        digest.doFinal(out, 0);
    }

    /**
     * HKDF(chainingKey, ikm, n) for n = 2 or 3: out1, out2 and (when {@code out3} is not null)
     * out3, each HASH_LEN bytes. {@code chainingKey} and {@code out1} may be the same array.
     */
    void hkdf(byte[] chainingKey, byte[] ikm, int ikmOff, int ikmLen, byte[] out1, byte[] out2,
              byte @Nullable [] out3) {
        // temp_key = HMAC-HASH(chaining_key, input_key_material)
        mac(chainingKey, ikm, ikmOff, ikmLen, null, 0, tempKey);
        // output1 = HMAC-HASH(temp_key, byte(0x01))
        one[0] = 1;
        mac(tempKey, one, 0, 1, null, 0, out1);
        // output2 = HMAC-HASH(temp_key, output1 || byte(0x02))
        one[0] = 2;
        mac(tempKey, out1, 0, HASH_LEN, one, 1, out2);
        if (out3 != null) {
            // output3 = HMAC-HASH(temp_key, output2 || byte(0x03))
            one[0] = 3;
            mac(tempKey, out2, 0, HASH_LEN, one, 1, out3);
        }
        Arrays.fill(tempKey, (byte) 0);
    }

    /** out = HMAC-HASH(key, data || suffix[0, suffixLen)). */
    private void mac(byte[] key, byte[] data, int off, int len, byte @Nullable [] suffix, int suffixLen,
                     byte[] out) {
        // HMac copies the key into its own pads; KeyParameter copies it too, wiped just below.
        KeyParameter k = new KeyParameter(key);
        hmac.init(k);
        Arrays.fill(k.getKey(), (byte) 0);
        hmac.update(data, off, len);
        if (suffixLen > 0) {
            hmac.update(suffix, 0, suffixLen);
        }
        hmac.doFinal(out, 0);
        // The MAC keeps this key's pads until the next init replaces them; clear() wipes the last.
    }

    /** Wipes what the MAC and the digest hold of the last key and input (at the handshake's end). */
    void clear() {
        hmac.init(new KeyParameter(ZERO_KEY));
        digest.reset();
        java.util.Arrays.fill(tempKey, (byte) 0);
    }

    private static final byte[] ZERO_KEY = new byte[HASH_LEN];
}
