package dev.netseal.internal.aead;

import static dev.netseal.NetV1.NONCE_SIZE;
import static dev.netseal.NetV1.TAG_SIZE;

import dev.netseal.NetV1;
import java.nio.ByteBuffer;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.ParametersWithIV;

/**
 * One reused BouncyCastle engine. Its parameters are one {@link ParametersWithIV} per key:
 * the constructor copies the IV, and {@code getIV()} hands out that copy without cloning, so
 * writing the next nonce into {@code getIV()}'s array is all a new packet costs (AEADParameters
 * would clone the nonce on every init).
 */
final class BouncyCastleCipher implements AeadCipher {

    private final ChaCha20Poly1305 engine = new ChaCha20Poly1305();
    /** The array inside {@link #params}: what the engine reads as the nonce on init. */
    private byte[] nonce;
    /** Decryption writes here first, so a forgery never leaves unauthenticated bytes behind. */
    private final byte[] scratch = new byte[NetV1.MAX_PAYLOAD_SIZE + TAG_SIZE];
    private BouncyCastleBackend.Key paramsKey;
    private ParametersWithIV params;

    @Override
    public boolean worksIn(ByteBuffer buf) {
        return buf.hasArray() && !buf.isReadOnly();
    }

    @Override
    public void seal(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                     ByteBuffer buf, int msgOff, int msgLen) {
        AeadCipher.checkRanges(aad, aadOff, aadLen, buf, msgOff, msgLen);
        byte[] a = buf.array();
        int base = buf.arrayOffset();
        init(true, key, prefix, counter);
        engine.processAADBytes(aad.array(), aad.arrayOffset() + aadOff, aadLen);
        int n = engine.processBytes(a, base + msgOff, msgLen, a, base + msgOff);
        try {
            engine.doFinal(a, base + msgOff + n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("encryption cannot fail a tag check", e);
        }
    }

    @Override
    public boolean open(AeadKey key, int prefix, long counter, ByteBuffer aad, int aadOff, int aadLen,
                        ByteBuffer buf, int msgOff, int msgLen) {
        AeadCipher.checkRanges(aad, aadOff, aadLen, buf, msgOff, msgLen);
        if (msgLen > scratch.length - TAG_SIZE) {
            throw new IllegalArgumentException("message of " + msgLen + " bytes is larger than a packet");
        }
        byte[] a = buf.array();
        int base = buf.arrayOffset();
        init(false, key, prefix, counter);
        engine.processAADBytes(aad.array(), aad.arrayOffset() + aadOff, aadLen);
        int n = engine.processBytes(a, base + msgOff, msgLen + TAG_SIZE, scratch, 0);
        try {
            n += engine.doFinal(scratch, n);
        } catch (InvalidCipherTextException forged) {
            return false;
        }
        System.arraycopy(scratch, 0, a, base + msgOff, n);
        return true;
    }

    private void init(boolean forEncryption, AeadKey key, int prefix, long counter) {
        BouncyCastleBackend.Key k = (BouncyCastleBackend.Key) key;
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
        engine.init(forEncryption, params);
    }
}
