package dev.netseal;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Two live pools with one key and session would start both counters at 0: refused. */
class SameKeyTwoPoolsTest {


    private static long sessionOf(java.nio.ByteBuffer packet) {
        return packet.order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(24);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aSecondLivePoolWithTheSameKeyAndSessionIsNeverCreated(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool first = ThreadLocalPool.onBackend(backend, 1, key(1), 900L, 0L, 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ThreadLocalPool.onBackend(backend, 1, key(1), 900L, 0L, 1));
            assertTrue(e.getMessage().contains("this key and nonce prefix"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> PacketPool.onBackend(backend, 1, key(1), 900L, 0L));
            // another session, or another key, is a different nonce space: allowed
            assertDoesNotThrow(() -> ThreadLocalPool.onBackend(backend, 1, key(1), 901L, 0L, 1).close());
            assertDoesNotThrow(() -> PacketPool.onBackend(backend, 1, key(2), 900L, 0L).close());
            // the refusals left the first pool sealing under its own key and session
            try (PacketBuilder b = first.acquire()) {
                assertEquals(900L, sessionOf(b.buildHeartbeat()));
            }
        }
        // closed after sealing: the pair is retired, never to seal from counter 0 again
        assertThrows(IllegalStateException.class, () -> ThreadLocalPool.onBackend(backend, 1, key(1), 900L, 0L, 1));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void anotherSessionIdWithTheSameNoncePrefixIsNeverAllowed(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        long session = 900L;
        long twin = session ^ 0x0000_0001_0000_0001L; // other halves, same XOR: the same nonce prefix
        assertTrue(dev.netseal.internal.wire.Wire.noncePrefix(session) == dev.netseal.internal.wire.Wire.noncePrefix(twin));
        try (ThreadLocalPool first = ThreadLocalPool.onBackend(backend, 1, key(6), session, 0L, 1);
             PacketPool other = PacketPool.onBackend(backend, 1, key(7), 920L, 0L)) {
            assertThrows(IllegalStateException.class, () -> PacketPool.onBackend(backend, 1, key(6), twin, 0L));
            assertThrows(IllegalStateException.class, () -> ThreadLocalPool.onBackend(backend, 1, key(6),
                    0x1_0000_0385L, 0L, 1)); // 0x384 = 900, the same prefix again
            assertThrows(IllegalStateException.class, () -> other.setKey(key(6), twin));
            assertEquals(920L, other.sessionId(), "a refused rekey leaves the pool on its old session");
            try (PacketBuilder b = first.acquire()) {
                assertEquals(session, sessionOf(b.buildHeartbeat()));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverReturnsToAKeyThePoolSealedUnder(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, key(8), 930L, 0L)) {
            try (PacketBuilder b = pool.get()) {
                b.buildHeartbeat(); // counter 0 under (key 8, 930)
            }
            pool.setKey(key(9), 931L);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.setKey(key(8), 930L));
            assertTrue(e.getMessage().contains("already sealed in this JVM"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> pool.setKey(key(8), 930L ^ 0x0000_0002_0000_0002L));
            pool.setKey(key(10), 930L); // the same session with a fresh key is a fresh nonce space
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverRestartsTheCounterOfAKeyInUse(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool a = PacketPool.onBackend(backend, 1, key(3), 910L, 0L);
             PacketPool b = PacketPool.onBackend(backend, 1, key(4), 911L, 0L)) {
            // to the key and session it already has: the counter would restart at 0
            assertThrows(IllegalStateException.class, () -> a.setKey(key(3), 910L));
            // to another live pool's key and session, which goes on sealing under it
            assertThrows(IllegalStateException.class, () -> a.setKey(key(4), 911L));
            try (PacketBuilder other = b.get()) {
                assertEquals(911L, sessionOf(other.buildHeartbeat()));
            }
            // the refused rekeys left the pool sealing under its old key
            try (PacketBuilder builder = a.get()) {
                assertTrue(builder.sessionId() == 910L);
                builder.buildHeartbeat();
            }
            // after a real rekey, the old pair (which sealed) is retired: no pool seals under it again
            a.setKey(key(5), 912L);
            assertThrows(IllegalStateException.class, () -> PacketPool.onBackend(backend, 1, key(3), 910L, 0L));
        }
    }
}
