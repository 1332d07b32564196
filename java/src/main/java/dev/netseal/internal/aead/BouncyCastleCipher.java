package dev.netseal.internal.aead;

import static dev.netseal.NetV1.NONCE_SIZE;
import static dev.netseal.NetV1.TAG_SIZE;

import java.nio.ByteBuffer;
import org.bouncycastle.crypto.engines.ChaCha7539Engine;
import org.bouncycastle.crypto.macs.Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * ChaCha20-Poly1305 (RFC 8439 §2.8) from BouncyCastle's ChaCha20 and Poly1305 cores, reused for
 * every packet.
 *
 * <p>Why not BouncyCastle's own {@code ChaCha20Poly1305} mode: its {@code init} allocates a new
 * {@code KeyParameter} (and copies) for every packet, about 160 bytes of garbage per seal, and
 * its decryption writes plaintext before the tag is checked. Composed here, a packet allocates
 * nothing, and {@link #open} verifies the tag over the ciphertext first and decrypts in place only
 * if it is valid. The composition is the RFC's: the one-time Poly1305 key is the first 32 bytes of
 * keystream block 0; the message is encrypted from block 1; the tag covers
 * {@code aad || pad16 || ciphertext || pad16 || u64_le(aad_len) || u64_le(ct_len)}. Tests check it
 * against the RFC's vector, the JDK's own ChaCha20-Poly1305 both ways, libsodium and the golden
 * packets.
 *
 * <p>Parameters are one {@link ParametersWithIV} per key: its constructor copies the IV, and
 * {@code getIV()} hands out that copy, so the next nonce is written straight into it. The
 * one-time key is written into the array of one reused {@link KeyParameter} the same way, and
 * zeroed once Poly1305 has taken it.
 */
final class BouncyCastleCipher implements AeadCipher {

    private static final byte[] ZEROS = new byte[64];

    private final NonceChaCha chacha = new NonceChaCha();
    private final Poly1305 poly = new Poly1305();
    /** Keystream block 0, whose first half is the one-time Poly1305 key. */
    private final byte[] block0 = new byte[64];
    private final KeyParameter oneTimeKey = new KeyParameter(new byte[32]);
    private final byte[] lengths = new byte[16];
    private final byte[] tag = new byte[TAG_SIZE];
    /** The key of {@link #params}; the three are null until the first packet, then set together. */
    private BouncyCastleBackend.@Nullable Key paramsKey;
    private @Nullable ParametersWithIV params;
    /** The array inside {@link #params}: what the engine reads as the nonce on init. */
    private byte @Nullable [] nonce;

    @Override
    public boolean worksIn(ByteBuffer buf) {
        return buf.hasArray() && !buf.isReadOnly();
    }

    @Override
    public void seal(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                     ByteBuffer buf, int msgOff, int msgLen) {
        AeadCipher.checkRanges(aad, aadOff, aadLen, buf, msgOff, msgLen);
        byte[] a = buf.array();
        int m = buf.arrayOffset() + msgOff;
        start(key, prefix, counter);
        chacha.processBytes(a, m, msgLen, a, m);
        authenticate(aad.array(), aad.arrayOffset() + aadOff, aadLen, a, m, msgLen);
        poly.doFinal(a, m + msgLen);
    }

    @Override
    public void sealTo(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                       ByteBuffer src, int srcOff, int msgLen, ByteBuffer dst, int dstOff) {
        AeadCipher.checkSealToRanges(aad, aadOff, aadLen, src, srcOff, msgLen, dst, dstOff);
        if (!dst.hasArray()) {
            throw new IllegalArgumentException("the java backend seals into heap buffers only");
        }
        byte[] out = dst.array();
        int o = dst.arrayOffset() + dstOff;
        start(key, prefix, counter);
        chacha.processBytes(src.array(), src.arrayOffset() + srcOff, msgLen, out, o);
        authenticate(aad.array(), aad.arrayOffset() + aadOff, aadLen, out, o, msgLen);
        poly.doFinal(out, o + msgLen);
    }

    @Override
    public boolean open(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                        ByteBuffer buf, int msgOff, int msgLen) {
        AeadCipher.checkRanges(aad, aadOff, aadLen, buf, msgOff, msgLen);
        byte[] a = buf.array();
        int m = buf.arrayOffset() + msgOff;
        start(key, prefix, counter);
        authenticate(aad.array(), aad.arrayOffset() + aadOff, aadLen, a, m, msgLen);
        poly.doFinal(tag, 0);
        if (!Arrays.constantTimeAreEqual(TAG_SIZE, tag, 0, a, m + msgLen)) {
            return false; // nothing decrypted: the buffer is as it came
        }
        chacha.processBytes(a, m, msgLen, a, m);
        return true;
    }

    /** Sets key and nonce, derives the one-time Poly1305 key; the stream is then at block 1. */
    @SuppressWarnings("NullAway") // params and nonce are set with paramsKey, which is k (not null) past the if
    private void start(AeadKey key, int prefix, long counter) {
        BouncyCastleBackend.Key k = (BouncyCastleBackend.Key) key;
        if (k.destroyed) {
            // Unreachable through the pools (they wipe only after the last seal); sealing with a
            // zeroed key would be silent, so refuse like the native cipher does.
            throw new IllegalStateException("key was destroyed");
        }
        if (k != paramsKey) {
            params = new ParametersWithIV(k.parameter, new byte[NONCE_SIZE]);
            nonce = params.getIV();
            paramsKey = k;
        }
        for (int i = 0; i < 4; i++) {
            nonce[i] = (byte) (prefix >>> (8 * i));
        }
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
        if (chacha.keyedWith == k) {
            chacha.renonce(nonce);
        } else {
            chacha.init(true, params);
            chacha.keyedWith = k;
        }
        chacha.processBytes(ZEROS, 0, 64, block0, 0);
        byte[] otk = oneTimeKey.getKey();
        System.arraycopy(block0, 0, otk, 0, 32);
        poly.init(oneTimeKey);
        java.util.Arrays.fill(block0, (byte) 0);
        java.util.Arrays.fill(otk, (byte) 0);
    }

    /**
     * BouncyCastle's ChaCha20 (RFC 7539), whose nonce can change without {@code init}: init checks
     * the crypto-services constraints on every call and allocates for it (32 bytes a packet, which
     * the JIT removes only sometimes). The key stays the one the last init loaded.
     */
    private static final class NonceChaCha extends ChaCha7539Engine {
        /** The key the last init loaded: a new key always goes through init. */
        BouncyCastleBackend.@Nullable Key keyedWith;

        /** Loads a new 12-byte nonce over the same key and rewinds the stream to block 0. */
        void renonce(byte[] nonce) {
            setKey(null, nonce);
            reset();
        }
    }

    private void authenticate(byte[] aad, int aadOff, int aadLen, byte[] ct, int ctOff, int ctLen) {
        poly.update(aad, aadOff, aadLen);
        pad16(aadLen);
        poly.update(ct, ctOff, ctLen);
        pad16(ctLen);
        for (int i = 0; i < 8; i++) {
            lengths[i] = (byte) ((long) aadLen >>> (8 * i));
            lengths[8 + i] = (byte) ((long) ctLen >>> (8 * i));
        }
        poly.update(lengths, 0, 16);
    }

    private void pad16(int len) {
        int rem = len & 15;
        if (rem != 0) {
            poly.update(ZEROS, 0, 16 - rem);
        }
    }
}
