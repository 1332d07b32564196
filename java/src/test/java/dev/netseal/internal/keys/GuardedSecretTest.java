package dev.netseal.internal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.TestBackends;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A guarded secret is wiped only once no use of it is in progress, and is refused, by name,
 * once closed; closing twice is closing once.
 */
class GuardedSecretTest {

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closeWaitsForTheUseInProgressThenRefusesEveryUse(String backendName) throws Exception {
        X25519 dh = Backends.x25519For(TestBackends.get(backendName));
        AeadKey key = dh.importSecret(new byte[32]);
        GuardedSecret secret = new GuardedSecret(dh, key);
        assertFalse(secret.isClosed());
        assertSame(key, secret.acquire("identity"));
        CountDownLatch closed = new CountDownLatch(1);
        Thread closer = new Thread(() -> {
            secret.close();
            closed.countDown();
        });
        closer.start();
        assertFalse(closed.await(200, TimeUnit.MILLISECONDS), "closed while a use was in progress");
        byte[] out = new byte[32];
        dh.readSecret(key, out); // still live
        secret.release();
        assertTrue(closed.await(10, TimeUnit.SECONDS), "close never finished after the use ended");
        assertTrue(secret.isClosed());
        assertThrows(IllegalStateException.class, () -> dh.readSecret(key, out), "the key was not wiped");
        assertEquals("identity is closed",
                assertThrows(IllegalStateException.class, () -> secret.acquire("identity")).getMessage());
        secret.close(); // idempotent
        assertTrue(secret.isClosed());
        // a refused acquire holds no lock: a writer (another close) still gets through
        Thread again = new Thread(secret::close);
        again.start();
        again.join(10_000);
        assertFalse(again.isAlive(), "a refused acquire left its read lock held");
    }
}
