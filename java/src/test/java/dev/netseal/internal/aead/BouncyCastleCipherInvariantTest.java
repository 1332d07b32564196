package dev.netseal.internal.aead;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.TestSeeds;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/**
 * The pure-Java cipher's invariants that the byte-compatibility tests (fixed 56-byte AAD, heap
 * buffers) never reached: written against mutants that survived the mutation run (-Pmutation).
 */
class BouncyCastleCipherInvariantTest {

    /** The AEAD over associated data of any length agrees with the JDK's ChaCha20-Poly1305. */
    @Test
    void longAssociatedDataNeverChangesTheTag() throws Exception {
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        BouncyCastleBackend backend = (BouncyCastleBackend) Backends.java();
        AeadCipher cipher = backend.newCipher();
        for (int aadLen : new int[] {0, 1, 255, 256, 257, 300, 70_000}) {
            byte[] keyBytes = new byte[32];
            rnd.nextBytes(keyBytes);
            byte[] aad = new byte[aadLen];
            rnd.nextBytes(aad);
            byte[] msg = new byte[300];
            rnd.nextBytes(msg);
            int prefix = rnd.nextInt();
            long counter = rnd.nextLong();
            AeadKey key = backend.importKey(keyBytes.clone());
            ByteBuffer buf = ByteBuffer.allocate(msg.length + 16);
            buf.put(0, msg);
            cipher.seal(key, prefix, counter, ByteBuffer.wrap(aad), 0, aadLen, buf, 0, msg.length);
            byte[] nonce = ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                    .putInt(prefix).putLong(counter).array();
            Cipher jdk = Cipher.getInstance("ChaCha20-Poly1305");
            jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keyBytes, "ChaCha20"), new IvParameterSpec(nonce));
            jdk.updateAAD(aad);
            byte[] expected = jdk.doFinal(msg);
            assertArrayEquals(expected, buf.array(), "AAD of " + aadLen + " bytes (seed " + seed + ")");
            key.destroy();
        }
    }

    @Test
    void sealToNeverWritesIntoADirectBufferOnTheJavaBackend() {
        BouncyCastleBackend backend = (BouncyCastleBackend) Backends.java();
        AeadCipher cipher = backend.newCipher();
        AeadKey key = backend.importKey(new byte[32]);
        ByteBuffer aad = ByteBuffer.allocate(56);
        ByteBuffer src = ByteBuffer.allocate(64);
        ByteBuffer direct = ByteBuffer.allocateDirect(128);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> cipher.sealTo(key, 1, 1, aad, 0, 56, src, 0, 32, direct, 0));
        assertTrue(e.getMessage().contains("heap"), e.getMessage());
        key.destroy();
    }

    /** The Poly1305 one-time key and the first key-stream block are zeroed after every use. */
    @Test
    void cipherNeverKeepsTheOneTimeKeyAfterASeal() throws Exception {
        BouncyCastleBackend backend = (BouncyCastleBackend) Backends.java();
        BouncyCastleCipher cipher = (BouncyCastleCipher) backend.newCipher();
        AeadKey key = backend.importKey(new byte[] {
            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        ByteBuffer buf = ByteBuffer.allocate(64 + 16);
        cipher.seal(key, 7, 9, ByteBuffer.allocate(56), 0, 56, buf, 0, 64);
        Field block0 = BouncyCastleCipher.class.getDeclaredField("block0");
        block0.setAccessible(true);
        assertArrayEquals(new byte[64], (byte[]) block0.get(cipher), "the first key-stream block was kept");
        Field otk = BouncyCastleCipher.class.getDeclaredField("oneTimeKey");
        otk.setAccessible(true);
        assertArrayEquals(new byte[32], ((KeyParameter) otk.get(cipher)).getKey(), "the one-time key was kept");
        key.destroy();
    }
}
