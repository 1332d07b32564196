package dev.netseal.internal.aead;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.TestBackends;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each backend's X25519 against RFC 7748's published Diffie-Hellman example (section 6.1), its
 * refusal of a small-order peer key, and its refusal of arrays of the wrong size by name.
 */
class X25519Test {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] ALICE_PRIVATE = HEX.parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
    private static final byte[] ALICE_PUBLIC = HEX.parseHex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    private static final byte[] BOB_PRIVATE = HEX.parseHex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
    private static final byte[] BOB_PUBLIC = HEX.parseHex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    private static final byte[] SHARED = HEX.parseHex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rfc7748sExampleAgreesByteForByte(String backendName) {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        AeadKey alice = dh.importSecret(ALICE_PRIVATE.clone());
        AeadKey bob = dh.importSecret(BOB_PRIVATE.clone());
        byte[] out = new byte[32];
        dh.publicKey(alice, out);
        assertArrayEquals(ALICE_PUBLIC, out);
        dh.publicKey(bob, out);
        assertArrayEquals(BOB_PUBLIC, out);
        byte[] atAlice = new byte[32];
        byte[] atBob = new byte[32];
        assertTrue(dh.agree(alice, BOB_PUBLIC, atAlice));
        assertTrue(dh.agree(bob, ALICE_PUBLIC, atBob));
        assertArrayEquals(SHARED, atAlice);
        assertArrayEquals(SHARED, atBob);
        byte[] secret = new byte[32];
        dh.readSecret(alice, secret);
        assertArrayEquals(ALICE_PRIVATE, secret, "a secret reads back as imported");
    }

    /** A peer key of small order gives an all-zero result: refused, and the output left as it was. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aSmallOrderPeerKeyIsRefused(String backendName) {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        AeadKey alice = dh.importSecret(ALICE_PRIVATE.clone());
        byte[] out = new byte[32];
        Arrays.fill(out, (byte) 0x5A);
        byte[] one = new byte[32];
        one[0] = 1; // u = 1, a point of order 4
        for (byte[] smallOrder : new byte[][] {new byte[32], one}) {
            assertFalse(dh.agree(alice, smallOrder, out));
            for (byte b : out) {
                assertEquals((byte) 0x5A, b, "a refused agreement wrote its output");
            }
        }
    }

    /**
     * Generated private keys are random (two differ), agree with each other both ways, and a
     * destroyed key is refused rather than used.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void generatedKeysAgreeAndDestroyedOnesAreRefused(String backendName) {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        AeadKey a = dh.generatePrivateKey();
        AeadKey b = dh.generatePrivateKey();
        byte[] publicA = new byte[32];
        byte[] publicB = new byte[32];
        dh.publicKey(a, publicA);
        dh.publicKey(b, publicB);
        assertFalse(Arrays.equals(publicA, publicB), "two generated keys are the same");
        byte[] atA = new byte[32];
        byte[] atB = new byte[32];
        assertTrue(dh.agree(a, publicB, atA));
        assertTrue(dh.agree(b, publicA, atB));
        assertArrayEquals(atA, atB);
        a.destroy();
        assertThrows(IllegalStateException.class, () -> dh.publicKey(a, new byte[32]));
        assertThrows(IllegalStateException.class, () -> dh.agree(a, publicB, new byte[32]));
        b.destroy();
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void wrongSizesAreRefusedByName(String backendName) {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        AeadKey alice = dh.importSecret(ALICE_PRIVATE.clone());
        assertEquals("peerPublic must be 32 bytes, got 31",
                assertThrows(IllegalArgumentException.class, () -> dh.agree(alice, new byte[31], new byte[32])).getMessage());
        assertEquals("sharedOut must be 32 bytes, got 33",
                assertThrows(IllegalArgumentException.class, () -> dh.agree(alice, BOB_PUBLIC, new byte[33])).getMessage());
        assertEquals("publicOut must be 32 bytes, got 0",
                assertThrows(IllegalArgumentException.class, () -> dh.publicKey(alice, new byte[0])).getMessage());
        assertEquals("out must be 32 bytes, got 16",
                assertThrows(IllegalArgumentException.class, () -> dh.readSecret(alice, new byte[16])).getMessage());
        assertEquals("secret must be 32 bytes, got 31",
                assertThrows(IllegalArgumentException.class, () -> dh.importSecret(new byte[31])).getMessage());
    }
}
