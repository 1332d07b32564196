package dev.netseal.internal.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.TestBackends;
import dev.netseal.TestJson;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The public cacophony vector for Noise_NKpsk0_25519_ChaChaPoly_BLAKE2s, byte for byte on each
 * backend: both handshake messages and the handshake hash, with the vector's ephemeral keys fixed
 * through the package-private seam. The vector's later messages are Noise transport messages,
 * which net-mesh does not use (its session keys come from the hash: {@link SessionKeysTest}).
 */
class NoiseVectorTest {
    private static final HexFormat HEX = HexFormat.of();

    static Map<String, Object> vector() throws IOException {
        try (InputStream in = NoiseVectorTest.class.getResourceAsStream("/noise-nkpsk0-cacophony.json")) {
            return TestJson.object(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static byte[] hex(Map<String, Object> v, String name) {
        return HEX.parseHex((String) v.get(name));
    }

    @SuppressWarnings("unchecked")
    static byte[] message(Map<String, Object> v, int i, String field) {
        return HEX.parseHex((String) ((List<Map<String, Object>>) v.get("messages")).get(i).get(field));
    }

    @SuppressWarnings("unchecked")
    static byte[] psk(Map<String, Object> v, String side) {
        return HEX.parseHex(((List<String>) v.get(side + "_psks")).get(0));
    }

    /** An ephemeral source that hands out {@code fixed} once, then refuses. */
    static HandshakeState.EphemeralSource fixed(byte[] fixed) {
        boolean[] used = new boolean[1];
        return dh -> {
            if (used[0]) {
                throw new AssertionError("a second ephemeral was asked for");
            }
            used[0] = true;
            return dh.importSecret(fixed);
        };
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void bothMessagesAndTheHandshakeHashMatchTheVectorByteForByte(String backendName) throws IOException {
        Map<String, Object> v = vector();
        assertEquals("Noise_NKpsk0_25519_ChaChaPoly_BLAKE2s", v.get("protocol_name"));
        assertEquals(v.get("protocol_name"), HandshakePattern.NK_PSK0.protocolName());
        AeadBackend backend = TestBackends.get(backendName);
        X25519 dh = Backends.x25519For(backend);

        AeadKey responderStatic = dh.importSecret(hex(v, "resp_static"));
        byte[] responderPublic = new byte[32];
        dh.publicKey(responderStatic, responderPublic);
        assertArrayEquals(hex(v, "init_remote_static"), responderPublic, "the responder's public key");
        AeadKey initiatorPsk = dh.importSecret(psk(v, "init"));
        AeadKey responderPsk = dh.importSecret(psk(v, "resp"));

        try (HandshakeState initiator = HandshakeState.initiator(new NoiseCrypto(backend, 64), hex(v, "init_prologue"),
                     initiatorPsk, hex(v, "init_remote_static"), fixed(hex(v, "init_ephemeral")));
             HandshakeState responder = HandshakeState.responder(new NoiseCrypto(backend, 64), hex(v, "resp_prologue"),
                     responderPsk, responderStatic, responderPublic, fixed(hex(v, "resp_ephemeral")))) {
            byte[] payload1 = message(v, 0, "payload");
            byte[] m1 = new byte[HandshakeState.messageLength(payload1.length)];
            assertEquals(m1.length, initiator.writeMessage(payload1, 0, payload1.length, m1, 0));
            assertArrayEquals(message(v, 0, "ciphertext"), m1, "message 1");

            byte[] read1 = new byte[64];
            int n1 = responder.readMessage(m1, 0, m1.length, read1, 0);
            assertArrayEquals(payload1, Arrays.copyOf(read1, n1), "message 1's payload as the responder reads it");

            byte[] payload2 = message(v, 1, "payload");
            byte[] m2 = new byte[HandshakeState.messageLength(payload2.length)];
            responder.writeMessage(payload2, 0, payload2.length, m2, 0);
            assertArrayEquals(message(v, 1, "ciphertext"), m2, "message 2");

            byte[] read2 = new byte[64];
            int n2 = initiator.readMessage(m2, 0, m2.length, read2, 0);
            assertArrayEquals(payload2, Arrays.copyOf(read2, n2), "message 2's payload as the initiator reads it");

            assertTrue(initiator.isComplete() && responder.isComplete());
            assertArrayEquals(hex(v, "handshake_hash"), initiator.handshakeHash(), "the initiator's handshake hash");
            assertArrayEquals(hex(v, "handshake_hash"), responder.handshakeHash(), "the responder's handshake hash");
        } finally {
            responderStatic.destroy();
            initiatorPsk.destroy();
            responderPsk.destroy();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aFailedReadChangesNothingAndTheRealMessageStillCompletes(String backendName) throws IOException {
        Map<String, Object> v = vector();
        AeadBackend backend = TestBackends.get(backendName);
        X25519 dh = Backends.x25519For(backend);
        AeadKey responderStatic = dh.importSecret(hex(v, "resp_static"));
        AeadKey psk = dh.importSecret(psk(v, "resp"));
        try (HandshakeState responder = HandshakeState.responder(new NoiseCrypto(backend, 64), hex(v, "resp_prologue"),
                psk, responderStatic, hex(v, "init_remote_static"), fixed(hex(v, "resp_ephemeral")))) {
            byte[] m1 = message(v, 0, "ciphertext");
            byte[] out = new byte[64];
            byte[] forged = m1.clone();
            forged[40] ^= 1;
            assertEquals(HandshakeState.AUTH_FAILED, responder.readMessage(forged, 0, forged.length, out, 0));
            assertEquals(HandshakeState.TOO_SHORT, responder.readMessage(m1, 0, 47, out, 0));
            assertEquals(HandshakeState.TOO_SHORT, responder.readMessage(m1, 0, 31, out, 0));
            byte[] lowOrder = m1.clone();
            Arrays.fill(lowOrder, 0, 32, (byte) 0); // u = 0: X25519 gives all zeros
            assertEquals(HandshakeState.WEAK_KEY, responder.readMessage(lowOrder, 0, lowOrder.length, out, 0));
            int n = responder.readMessage(m1, 0, m1.length, out, 0);
            assertArrayEquals(message(v, 0, "payload"), Arrays.copyOf(out, n));
            byte[] payload2 = message(v, 1, "payload");
            byte[] m2 = new byte[HandshakeState.messageLength(payload2.length)];
            responder.writeMessage(payload2, 0, payload2.length, m2, 0);
            assertArrayEquals(message(v, 1, "ciphertext"), m2, "message 2 after three refused reads");
        } finally {
            responderStatic.destroy();
            psk.destroy();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void turnsAreEnforced(String backendName) throws IOException {
        Map<String, Object> v = vector();
        AeadBackend backend = TestBackends.get(backendName);
        X25519 dh = Backends.x25519For(backend);
        AeadKey psk = dh.importSecret(psk(v, "init"));
        try (HandshakeState initiator = HandshakeState.initiator(new NoiseCrypto(backend, 64), new byte[0], psk,
                hex(v, "init_remote_static"))) {
            byte[] out = new byte[64];
            assertThrows(IllegalStateException.class, () -> initiator.readMessage(out, 0, 48, out, 0));
            initiator.writeMessage(new byte[0], 0, 0, out, 0);
            assertThrows(IllegalStateException.class, () -> initiator.writeMessage(new byte[0], 0, 0, out, 0));
            assertThrows(IllegalStateException.class, initiator::handshakeHash);
        } finally {
            psk.destroy();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closeDestroysTheEphemeralKey(String backendName) throws IOException {
        Map<String, Object> v = vector();
        AeadBackend backend = TestBackends.get(backendName);
        X25519 dh = Backends.x25519For(backend);
        AeadKey psk = dh.importSecret(psk(v, "init"));
        AeadKey[] ephemeral = new AeadKey[1];
        HandshakeState initiator = HandshakeState.initiator(new NoiseCrypto(backend, 64), new byte[0], psk,
                hex(v, "init_remote_static"), d -> ephemeral[0] = d.generatePrivateKey());
        initiator.writeMessage(new byte[0], 0, 0, new byte[48], 0);
        assertTrue(!ephemeral[0].isDestroyed());
        initiator.close();
        assertTrue(ephemeral[0].isDestroyed());
        psk.destroy();
    }
}
