package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Identities and pre-shared keys: made, saved and loaded, never shown, wiped on close. */
class IdentityTest {

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void anIdentityRoundTripsThroughItsPrivateKeyAndAFile(String backendName, @TempDir Path dir) throws IOException {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        try (Identity id = Identity.generate(dh)) {
            byte[] secret = id.exportPrivateKey();
            try (Identity again = Identity.fromPrivateKey(dh, secret)) {
                assertArrayEquals(id.publicKey(), again.publicKey());
            }
            Path file = dir.resolve("node.key");
            id.save(file);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertArrayEquals(secret, Files.readAllBytes(file));
            assertThrows(IOException.class, () -> id.save(file), "an existing file is never overwritten");
            try (Identity loaded = Identity.load(file)) {
                assertArrayEquals(id.publicKey(), loaded.publicKey());
            }
            String text = id.toString();
            assertTrue(text.contains(HexFormat.of().formatHex(id.publicKey())), text);
            assertFalse(text.contains(HexFormat.of().formatHex(secret)), "the private key never reaches toString");
        }
    }

    @Test
    void aPublicKeyIsX25519OfThePrivateKey() {
        // RFC 7748, section 6.1: Alice's key pair
        byte[] alicePrivate = HexFormat.of().parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        try (Identity alice = Identity.fromPrivateKey(alicePrivate)) {
            assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                    HexFormat.of().formatHex(alice.publicKey()));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closeWipesAndRefusesFurtherUse(String backendName) {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        Identity id = Identity.generate(dh);
        PresharedKey psk = PresharedKey.of(dh, new byte[32]);
        id.close();
        psk.close();
        id.close(); // idempotent
        assertTrue(id.isClosed() && psk.isClosed());
        IllegalStateException e = assertThrows(IllegalStateException.class, id::exportPrivateKey);
        assertEquals("identity is closed", e.getMessage());
        assertThrows(IllegalStateException.class, () -> psk.key.acquire("pre-shared key"));
    }

    @Test
    void badLengthsAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Identity.fromPrivateKey(new byte[31]));
        assertEquals("private key must be 32 bytes, got 31", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PresharedKey.of(new byte[33]));
        assertEquals("pre-shared key must be 32 bytes, got 33", e.getMessage());
        try (PresharedKey k = PresharedKey.of(new byte[32])) {
            assertEquals("PresharedKey[hidden]", k.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aResponderWhoseIdentityIsClosedAnswersNothing(String backendName) throws Exception {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        Identity id = Identity.generate(dh);
        try (PresharedKey psk = PresharedKey.of(dh, new byte[32]);
             DatagramEndpoint server = DatagramEndpoint.builderOnBackend(TestBackends.get(backendName))
                     .bind(new java.net.InetSocketAddress("127.0.0.1", 0)).accept(id, psk).start();
             DatagramEndpoint client = DatagramEndpoint.builderOnBackend(TestBackends.get(backendName))
                     .bind(new java.net.InetSocketAddress("127.0.0.1", 0))
                     .policy(SessionPolicy.defaults().withHandshakeTimeout(java.time.Duration.ofMillis(300))
                             .withHandshakeAttempts(1)).start()) {
            byte[] publicKey = id.publicKey();
            id.close();
            assertThrows(java.net.SocketTimeoutException.class, () -> client.connect(server.localAddress(), publicKey, psk));
            assertEquals(1, server.handshakeRefusals(HandshakeRefusal.NOT_ACCEPTING));
            assertEquals(0, server.sessions().size());
        }
    }
}
