package dev.netseal;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadKey;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A pool dropped with its sessions still open (neither closed) is collected, and every session
 * key is wiped, as the pools' javadoc promises; while the application still holds a session, the
 * pool it seals through stays alive.
 */
@Timeout(120)
class DroppedPoolWithSessionsTest {


    /** Makes a pool and two open sessions that sealed, and returns weak handles and the keys. */
    private static WeakReference<Object> dropped(AeadBackend backend, boolean threadLocal, List<AeadKey> keys,
                                                 int seed) {
        Object pool;
        SealingSession a;
        SealingSession b;
        if (threadLocal) {
            ThreadLocalPool p = ThreadLocalPool.buildersOnBackend(backend, 2, 1);
            a = p.newSession(key(seed), 1);
            b = p.newSession(key(seed + 1), 2);
            try (PacketBuilder builder = p.get()) {
                builder.buildHeartbeat(a);
            }
            pool = p;
        } else {
            PacketPool p = PacketPool.buildersOnBackend(backend, 2);
            a = p.newSession(key(seed), 1);
            b = p.newSession(key(seed + 1), 2);
            try (PacketBuilder builder = p.get()) {
                builder.buildHeartbeat(b);
            }
            pool = p;
        }
        keys.add(a.current().key);
        keys.add(b.current().key);
        return new WeakReference<>(pool);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aPoolDroppedWithOpenSessionsIsCollectedAndItsKeysWiped(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        List<AeadKey> keys = new ArrayList<>();
        WeakReference<Object> tl = dropped(backend, true, keys, 10);
        WeakReference<Object> plain = dropped(backend, false, keys, 20);
        assertTrue(TestGc.until(() -> tl.get() == null && plain.get() == null, 20_000),
                "a pool dropped with open sessions was never collected");
        assertTrue(TestGc.until(() -> keys.stream().allMatch(AeadKey::isDestroyed), 20_000),
                "the keys of a collected pool's open sessions were never wiped");
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aHeldSessionKeepsItsPoolAlive(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        ThreadLocalPool p = ThreadLocalPool.buildersOnBackend(backend, 2, 1);
        SealingSession held = p.newSession(key(30), 3);
        WeakReference<ThreadLocalPool> pool = new WeakReference<>(p);
        p = null;
        assertFalse(TestGc.until(() -> pool.get() == null, 1_000), "the pool went while a session was held");
        assertFalse(held.isClosed());
        assertFalse(held.current().key.isDestroyed());
        held.close();
        assertTrue(held.current().key.isDestroyed());
    }
}
