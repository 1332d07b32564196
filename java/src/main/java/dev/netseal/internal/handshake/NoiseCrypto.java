package dev.netseal.internal.handshake;

import dev.netseal.NetV1;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import java.nio.ByteBuffer;

/**
 * The primitives one handshake works with, and its scratch memory: X25519 and ChaCha20-Poly1305
 * from one backend (libsodium when native is loaded, else BouncyCastle), BLAKE2s from
 * BouncyCastle. The AEAD runs through the backend's own cipher, so a forged message is a false
 * return, never an exception, on either backend.
 *
 * <p>Not thread-safe: one thread at a time (a responder's receive thread, or one initiator's
 * handshake).
 */
public final class NoiseCrypto {
    final AeadBackend backend;
    final X25519 dh;
    final NoiseHash hash = new NoiseHash();
    private final AeadCipher cipher;
    /** The message and its tag, in memory the cipher works in. */
    private final ByteBuffer buf;
    /** The associated data: the handshake hash h. */
    private final ByteBuffer ad;

    /**
     * Primitives on {@code backend}, with room for a message of {@code maxPayload} bytes.
     *
     * @param backend the backend whose X25519 and AEAD the handshake uses
     * @param maxPayload the largest payload a message of this handshake carries
     */
    public NoiseCrypto(AeadBackend backend, int maxPayload) {
        if (maxPayload < 0 || maxPayload > NetV1.MAX_HANDSHAKE_PAYLOAD) {
            throw new IllegalArgumentException("maxPayload must be 0.." + NetV1.MAX_HANDSHAKE_PAYLOAD
                    + ", got " + maxPayload);
        }
        this.backend = backend;
        this.dh = Backends.x25519For(backend);
        this.cipher = backend.newCipher();
        this.buf = backend.allocate(maxPayload + NetV1.TAG_SIZE);
        this.ad = backend.allocate(NoiseHash.HASH_LEN);
    }

    /** The X25519 whose keys this handshake takes. */
    public X25519 dh() {
        return dh;
    }

    /** Largest plaintext {@link #seal} and {@link #open} take. */
    int maxPayload() {
        return buf.capacity() - NetV1.TAG_SIZE;
    }

    /**
     * ENCRYPT(k, n, ad, plaintext) of the spec: {@code out[outOff, +len + 16)} = ciphertext and
     * tag. The key is imported for this call alone and wiped after it.
     */
    void seal(byte[] k, long n, byte[] h, byte[] in, int inOff, int len, byte[] out, int outOff) {
        AeadKey key = backend.importKey(k);
        try {
            ad.put(0, h, 0, NoiseHash.HASH_LEN);
            buf.put(0, in, inOff, len);
            cipher.seal(key, 0, n, ad, 0, NoiseHash.HASH_LEN, buf, 0, len);
            buf.get(0, out, outOff, len + NetV1.TAG_SIZE);
        } finally {
            key.destroy();
            wipe(len + NetV1.TAG_SIZE);
        }
    }

    /**
     * DECRYPT(k, n, ad, ciphertext) of the spec: true and {@code out[outOff, +len - 16)} = the
     * plaintext, or false (a forgery, {@code out} untouched).
     */
    boolean open(byte[] k, long n, byte[] h, byte[] in, int inOff, int len, byte[] out, int outOff) {
        int plain = len - NetV1.TAG_SIZE;
        AeadKey key = backend.importKey(k);
        try {
            ad.put(0, h, 0, NoiseHash.HASH_LEN);
            buf.put(0, in, inOff, len);
            if (!cipher.open(key, 0, n, ad, 0, NoiseHash.HASH_LEN, buf, 0, plain)) {
                return false;
            }
            buf.get(0, out, outOff, plain);
            return true;
        } finally {
            key.destroy();
            wipe(len);
        }
    }

    private void wipe(int length) {
        for (int i = 0; i < length; i++) {
            buf.put(i, (byte) 0);
        }
    }
}
