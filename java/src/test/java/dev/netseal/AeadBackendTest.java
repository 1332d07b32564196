package dev.netseal;

import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.BackendKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each backend's AeadCipher against RFC 8439 and against the JDK's own ChaCha20-Poly1305. */
class AeadBackendTest {

    private static final HexFormat HEX = HexFormat.of();

    // RFC 8439 §2.8.2
    private static final byte[] RFC_KEY = rfcKey();
    /** Nonce bytes 07 00 00 00 | 40 41 42 43 44 45 46 47. */
    private static final int RFC_PREFIX = 7;
    private static final long RFC_COUNTER = 0x4746454443424140L;
    private static final byte[] RFC_AAD = HEX.parseHex("50515253c0c1c2c3c4c5c6c7");
    private static final byte[] RFC_PLAINTEXT = ("Ladies and Gentlemen of the class of '99: If I could offer you"
            + " only one tip for the future, sunscreen would be it.").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RFC_CIPHERTEXT = HEX.parseHex(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
                    + "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
                    + "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
                    + "3ff4def08e4b7a9de576d26586cec64b6116");
    private static final byte[] RFC_TAG = HEX.parseHex("1ae10b594f09e26a7e902ecbd0600691");

    /** Where the AAD sits in the test buffers, and where the message starts. */
    private static final int AAD_AT = 3;
    private static final int MSG_AT = 40;

    private static byte[] rfcKey() {
        byte[] k = new byte[32];
        for (int i = 0; i < 32; i++) {
            k[i] = (byte) (0x80 + i);
        }
        return k;
    }

    // ---- RFC 8439 -----------------------------------------------------------------------------

    @Test
    void rfcConstantsNeverDisagreeWithTheNonceBytes() {
        ByteBuffer n = ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        n.putInt(RFC_PREFIX).putLong(RFC_COUNTER);
        assertEquals("070000004041424344454647", HEX.formatHex(n.array()));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sealNeverDeviatesFromRfc8439Vector(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadCipher cipher = backend.newCipher();
        AeadKey key = backend.importKey(RFC_KEY.clone());
        try {
            ByteBuffer aad = place(backend, RFC_AAD, AAD_AT, 64);
            ByteBuffer buf = place(backend, RFC_PLAINTEXT, MSG_AT, MSG_AT + RFC_PLAINTEXT.length + 16 + 5);
            cipher.seal(key, RFC_PREFIX, RFC_COUNTER, aad, AAD_AT, RFC_AAD.length, buf, MSG_AT,
                    RFC_PLAINTEXT.length);
            assertEquals(HEX.formatHex(RFC_CIPHERTEXT), HEX.formatHex(read(buf, MSG_AT, RFC_PLAINTEXT.length)),
                    "ciphertext on " + backendName);
            assertEquals(HEX.formatHex(RFC_TAG), HEX.formatHex(read(buf, MSG_AT + RFC_PLAINTEXT.length, 16)),
                    "tag on " + backendName);
            assertArrayEquals(new byte[MSG_AT], read(buf, 0, MSG_AT), "bytes before the message were touched");
            assertArrayEquals(new byte[5], read(buf, MSG_AT + RFC_PLAINTEXT.length + 16, 5),
                    "bytes after the tag were touched");
        } finally {
            key.destroy();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void openNeverFailsOnRfc8439Vector(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadCipher cipher = backend.newCipher();
        AeadKey key = backend.importKey(RFC_KEY.clone());
        try {
            ByteBuffer aad = place(backend, RFC_AAD, AAD_AT, 64);
            ByteBuffer buf = place(backend, concat(RFC_CIPHERTEXT, RFC_TAG), MSG_AT, 256);
            assertTrue(cipher.open(key, RFC_PREFIX, RFC_COUNTER, aad, AAD_AT, RFC_AAD.length, buf, MSG_AT,
                    RFC_CIPHERTEXT.length), "the RFC vector did not verify on " + backendName);
            assertArrayEquals(RFC_PLAINTEXT, read(buf, MSG_AT, RFC_PLAINTEXT.length));
        } finally {
            key.destroy();
        }
    }

    /** Every kind of forgery: a tag bit, a ciphertext bit, an AAD bit, the nonce, the key. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void forgeryNeverVerifiesNorTouchesTheBuffer(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadCipher cipher = backend.newCipher();
        AeadKey key = backend.importKey(RFC_KEY.clone());
        byte[] otherKeyBytes = RFC_KEY.clone();
        otherKeyBytes[0] ^= 1;
        AeadKey otherKey = backend.importKey(otherKeyBytes);
        try {
            byte[] sealed = concat(RFC_CIPHERTEXT, RFC_TAG);
            int len = RFC_CIPHERTEXT.length;
            for (int flip : new int[] {len, len + 15, 0, len - 1}) { // tag first/last, ciphertext first/last
                byte[] forged = sealed.clone();
                forged[flip] ^= 0x01;
                ByteBuffer aad = place(backend, RFC_AAD, AAD_AT, 64);
                ByteBuffer buf = place(backend, forged, MSG_AT, 256);
                byte[] before = read(buf, 0, 256);
                assertFalse(cipher.open(key, RFC_PREFIX, RFC_COUNTER, aad, AAD_AT, RFC_AAD.length, buf, MSG_AT,
                        len), "byte " + flip + " flipped still verified on " + backendName);
                assertArrayEquals(before, read(buf, 0, 256), "a forgery changed the buffer on " + backendName);
            }
            byte[] badAad = RFC_AAD.clone();
            badAad[badAad.length - 1] ^= (byte) 0x80;
            expectRefused(backend, cipher, key, RFC_PREFIX, RFC_COUNTER, badAad, sealed, "aad changed");
            expectRefused(backend, cipher, key, RFC_PREFIX + 1, RFC_COUNTER, RFC_AAD, sealed, "prefix changed");
            expectRefused(backend, cipher, key, RFC_PREFIX, RFC_COUNTER ^ (1L << 63), RFC_AAD, sealed,
                    "counter changed");
            expectRefused(backend, cipher, otherKey, RFC_PREFIX, RFC_COUNTER, RFC_AAD, sealed, "key changed");
            // and the real thing still opens with the same cipher afterwards
            ByteBuffer aad = place(backend, RFC_AAD, AAD_AT, 64);
            ByteBuffer buf = place(backend, sealed, MSG_AT, 256);
            assertTrue(cipher.open(key, RFC_PREFIX, RFC_COUNTER, aad, AAD_AT, RFC_AAD.length, buf, MSG_AT, len));
        } finally {
            key.destroy();
            otherKey.destroy();
        }
    }

    private static void expectRefused(AeadBackend backend, AeadCipher cipher, AeadKey key, int prefix,
                                      long counter, byte[] aadBytes, byte[] sealed, String what) {
        ByteBuffer aad = place(backend, aadBytes, AAD_AT, 64);
        ByteBuffer buf = place(backend, sealed, MSG_AT, 256);
        byte[] before = read(buf, 0, 256);
        assertFalse(cipher.open(key, prefix, counter, aad, AAD_AT, aadBytes.length, buf, MSG_AT,
                sealed.length - 16), what + ": still verified on " + backend.kind());
        assertArrayEquals(before, read(buf, 0, 256), what + ": a forgery changed the buffer on " + backend.kind());
    }

    // ---- against the JDK ----------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void ourSealNeverDisagreesWithJdkOpenNorTheReverse(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        String why = "seed " + seed + " on " + backendName;
        AeadCipher cipher = backend.newCipher();
        byte[] keyBytes = new byte[32];
        rnd.nextBytes(keyBytes);
        AeadKey key = backend.importKey(keyBytes.clone());
        SecretKeySpec jdkKey = new SecretKeySpec(keyBytes, "ChaCha20");
        // two instances: the JDK refuses to encrypt under the (key, nonce) an instance last used
        Cipher jdkOpen = Cipher.getInstance("ChaCha20-Poly1305");
        Cipher jdkSeal = Cipher.getInstance("ChaCha20-Poly1305");
        int cap = MSG_AT + NetV1.MAX_PAYLOAD_SIZE + 16 + 8;
        ByteBuffer buf = backend.allocate(cap);
        ByteBuffer aadBuf = backend.allocate(128);
        try {
            for (int round = 0; round < 200; round++) {
                int size = round == 0 ? 0 : round == 1 ? NetV1.MAX_PAYLOAD_SIZE : round == 2 ? 1
                        : rnd.nextInt(NetV1.MAX_PAYLOAD_SIZE + 1);
                int aadLen = round % 3 == 0 ? NetV1.AAD_SIZE : rnd.nextInt(65);
                byte[] plain = new byte[size];
                rnd.nextBytes(plain);
                byte[] aad = new byte[aadLen];
                rnd.nextBytes(aad);
                int prefix = rnd.nextInt();
                long counter = rnd.nextLong();
                // unique nonce per round: the JDK refuses to encrypt twice under one (key, nonce)
                counter = (counter & ~0xFFL) | round;
                byte[] nonce = nonce(prefix, counter);
                String at = why + ", round " + round + ", size " + size + ", aad " + aadLen;

                // ours seals, the JDK opens
                aadBuf.put(AAD_AT, aad);
                buf.put(MSG_AT, plain);
                cipher.seal(key, prefix, counter, aadBuf, AAD_AT, aadLen, buf, MSG_AT, size);
                byte[] ours = read(buf, MSG_AT, size + 16);
                jdkOpen.init(Cipher.DECRYPT_MODE, jdkKey, new IvParameterSpec(nonce));
                jdkOpen.updateAAD(aad);
                byte[] opened;
                try {
                    opened = jdkOpen.doFinal(ours);
                } catch (javax.crypto.AEADBadTagException e) {
                    throw new AssertionError("the JDK refused our packet: " + at, e);
                }
                assertArrayEquals(plain, opened, at);

                // the JDK seals, ours opens
                jdkSeal.init(Cipher.ENCRYPT_MODE, jdkKey, new IvParameterSpec(nonce));
                jdkSeal.updateAAD(aad);
                byte[] theirs = jdkSeal.doFinal(plain);
                assertArrayEquals(ours, theirs, "ciphertexts differ: " + at);
                buf.put(MSG_AT, theirs);
                assertTrue(cipher.open(key, prefix, counter, aadBuf, AAD_AT, aadLen, buf, MSG_AT, size),
                        "we refused the JDK's packet: " + at);
                assertArrayEquals(plain, read(buf, MSG_AT, size), at);
            }
        } finally {
            key.destroy();
        }
    }

    @Test
    void nativeNeverSealsDifferentBytesThanJava() {
        AeadBackend nat = TestBackends.get("native");
        AeadBackend java = TestBackends.get("java");
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        AeadCipher nc = nat.newCipher();
        AeadCipher jc = java.newCipher();
        int cap = MSG_AT + NetV1.MAX_PAYLOAD_SIZE + 16;
        ByteBuffer nb = nat.allocate(cap);
        ByteBuffer jb = java.allocate(cap);
        ByteBuffer na = nat.allocate(64);
        ByteBuffer ja = java.allocate(64);
        for (int round = 0; round < 100; round++) {
            byte[] keyBytes = new byte[32];
            rnd.nextBytes(keyBytes);
            AeadKey nk = nat.importKey(keyBytes.clone());
            AeadKey jk = java.importKey(keyBytes.clone());
            try {
                int size = rnd.nextInt(NetV1.MAX_PAYLOAD_SIZE + 1);
                byte[] plain = new byte[size];
                rnd.nextBytes(plain);
                byte[] aad = new byte[NetV1.AAD_SIZE];
                rnd.nextBytes(aad);
                int prefix = rnd.nextInt();
                long counter = rnd.nextLong();
                String at = "seed " + seed + ", round " + round + ", size " + size;
                na.put(AAD_AT, aad);
                ja.put(AAD_AT, aad);
                nb.put(MSG_AT, plain);
                jb.put(MSG_AT, plain);
                nc.seal(nk, prefix, counter, na, AAD_AT, aad.length, nb, MSG_AT, size);
                jc.seal(jk, prefix, counter, ja, AAD_AT, aad.length, jb, MSG_AT, size);
                byte[] n = read(nb, MSG_AT, size + 16);
                assertArrayEquals(read(jb, MSG_AT, size + 16), n, at);
                // and each opens the other's
                jb.put(MSG_AT, n);
                assertTrue(jc.open(jk, prefix, counter, ja, AAD_AT, aad.length, jb, MSG_AT, size), at);
                assertArrayEquals(plain, read(jb, MSG_AT, size), at);
                assertTrue(nc.open(nk, prefix, counter, na, AAD_AT, aad.length, nb, MSG_AT, size), at);
                assertArrayEquals(plain, read(nb, MSG_AT, size), at);
            } finally {
                nk.destroy();
                jk.destroy();
            }
        }
    }

    @Test
    void nativeNeverBuildsDifferentPacketsThanJava() throws PacketException {
        AeadBackend nat = TestBackends.get("native");
        AeadBackend java = TestBackends.get("java");
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        InsecureExplicitNonceCodec nCodec = Codecs.on(nat);
        InsecureExplicitNonceCodec jCodec = Codecs.on(java);
        for (int round = 0; round < 50; round++) {
            byte[] key = new byte[32];
            rnd.nextBytes(key);
            long session = rnd.nextLong();
            long counter = rnd.nextLong() >>> 1;
            int n = rnd.nextInt(6);
            java.util.List<byte[]> events = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                byte[] e = new byte[rnd.nextInt(1200)];
                rnd.nextBytes(e);
                events.add(e);
            }
            long stream = rnd.nextLong();
            long seq = rnd.nextLong();
            int flags = rnd.nextInt(256) & ~NetV1.FLAG_HANDSHAKE;
            long origin = rnd.nextLong();
            int channel = rnd.nextInt(65536);
            int sub = rnd.nextInt(65536);
            byte[] a = nCodec.sealData(key, session, counter, stream, seq, flags, origin, channel, sub, events);
            byte[] b = jCodec.sealData(key, session, counter, stream, seq, flags, origin, channel, sub, events);
            String at = "seed " + seed + ", round " + round;
            assertEquals(HEX.formatHex(b), HEX.formatHex(a), at);
            assertEquals(n, jCodec.open(key, session, a).eventCount(), at);
            assertEquals(n, nCodec.open(key, session, b).eventCount(), at);
            assertArrayEquals(jCodec.sealHeartbeat(key, session, counter), nCodec.sealHeartbeat(key, session, counter),
                    at);
        }
    }

    // ---- range checks -------------------------------------------------------------------------

    /**
     * A range outside a buffer is refused with IndexOutOfBoundsException before the key or the
     * memory is touched. The key is destroyed on purpose: a cipher that reached the key (or
     * native code) first would throw something else, or crash.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void outOfRangeNeverReachesTheKeyNorNativeCode(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadCipher cipher = backend.newCipher();
        AeadKey key = backend.importKey(RFC_KEY.clone());
        key.destroy();
        int cap = 200;
        ByteBuffer buf = backend.allocate(cap);
        ByteBuffer aad = backend.allocate(64);
        for (int i = 0; i < cap; i++) {
            buf.put(i, (byte) i);
        }
        byte[] before = read(buf, 0, cap);
        // {aadOff, aadLen, msgOff, msgLen}
        int[][] cases = {
                {-1, 12, 0, 10},          // aad offset negative
                {0, -1, 0, 10},           // aad length negative
                {60, 12, 0, 10},          // aad past the end
                {Integer.MAX_VALUE, 12, 0, 10},
                {0, 12, -1, 10},          // message offset negative
                {0, 12, 0, cap - 15},     // tag one byte past the end
                {0, 12, cap - 16, 1},     // tag one byte past the end, shifted
                {0, 12, cap, 0},          // even an empty message needs room for its tag
                {0, 12, 0, Integer.MAX_VALUE}, // length + tag overflows int
                {0, 12, 0, Integer.MAX_VALUE - 15},
                {0, 12, Integer.MAX_VALUE - 4, 4},
                {0, 12, 0, -1},           // message length negative (a small one)
                {0, 12, 0, -16},          // message length negative: exactly cancels the tag
                {0, 12, 0, Integer.MIN_VALUE},
        };
        List<String> problems = new ArrayList<>();
        long counter = 1000; // a fresh nonce per call, so no engine refuses a reused one instead
        for (int[] c : cases) {
            String at = Arrays.toString(c) + " on " + backendName;
            for (boolean seal : new boolean[] {true, false}) {
                Throwable t;
                counter++;
                try {
                    if (seal) {
                        cipher.seal(key, 1, counter, aad, c[0], c[1], buf, c[2], c[3]);
                    } else {
                        cipher.open(key, 1, counter, aad, c[0], c[1], buf, c[2], c[3]);
                    }
                    t = null;
                } catch (Throwable e) {
                    t = e;
                }
                String op = (seal ? "seal " : "open ") + at;
                if (t == null) {
                    problems.add(op + ": returned instead of throwing IndexOutOfBoundsException");
                } else if (!(t instanceof IndexOutOfBoundsException)) {
                    problems.add(op + ": threw " + t + " instead of IndexOutOfBoundsException");
                }
                if (!Arrays.equals(before, read(buf, 0, cap))) {
                    problems.add(op + ": the buffer changed");
                }
            }
        }
        // the exact fit is accepted (with a live key), so the checks are not off by one
        AeadKey live = backend.importKey(RFC_KEY.clone());
        try {
            cipher.seal(live, 1, 100, aad, 64 - 12, 12, buf, cap - 16 - 10, 10);
            assertTrue(cipher.open(live, 1, 100, aad, 64 - 12, 12, buf, cap - 16 - 10, 10));
            cipher.seal(live, 1, 101, aad, 0, 0, buf, cap - 16, 0);
            assertTrue(cipher.open(live, 1, 101, aad, 0, 0, buf, cap - 16, 0));
        } finally {
            live.destroy();
        }
        assertTrue(problems.isEmpty(), problems.size() + " range violations not refused:\n"
                + String.join("\n", problems));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void cipherNeverSaysItWorksInMemoryItCannotWriteInPlace(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadCipher cipher = backend.newCipher();
        ByteBuffer own = backend.allocate(100);
        assertTrue(cipher.worksIn(own), "its own memory");
        assertFalse(cipher.worksIn(own.asReadOnlyBuffer()), "read-only memory");
        if (backend.kind() == BackendKind.NATIVE) {
            assertTrue(own.isDirect());
            assertFalse(cipher.worksIn(ByteBuffer.allocate(100)), "heap memory on native");
        } else {
            assertTrue(own.hasArray());
            assertFalse(cipher.worksIn(ByteBuffer.allocateDirect(100)), "direct memory on java");
        }
        assertEquals(java.nio.ByteOrder.LITTLE_ENDIAN, own.order());
        assertEquals(100, own.capacity());
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static ByteBuffer place(AeadBackend backend, byte[] bytes, int at, int capacity) {
        ByteBuffer b = backend.allocate(capacity);
        b.put(at, bytes);
        return b;
    }

    private static byte[] read(ByteBuffer b, int at, int len) {
        byte[] out = new byte[len];
        b.get(at, out);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static byte[] nonce(int prefix, long counter) {
        ByteBuffer n = ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        n.putInt(prefix).putLong(counter);
        return n.array();
    }
}
