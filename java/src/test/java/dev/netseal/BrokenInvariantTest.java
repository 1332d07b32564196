package dev.netseal;

import static dev.netseal.ThreadLocalPoolTest.key;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.BackendKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invariants that the rest of the suite exercised without ever noticing them broken: each test
 * here was written against a mutant that survived the mutation run (-Pmutation; README,
 * "Development"), and fails when the line it guards is changed.
 */
class BrokenInvariantTest {

    private static final long SESSION = 0x5EC0_17DA_7A11_0001L;

    // ---- key claims: a second close ----------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void secondCloseNeverReleasesANewerPoolsClaim(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1401);
        PacketPool first = PacketPool.onBackend(backend, 1, k, SESSION, 0L);
        first.close();
        try (PacketPool newer = PacketPool.onBackend(backend, 1, k, SESSION, 0L)) {
            first.close(); // must not end the claim the newer pool holds now
            assertThrows(IllegalStateException.class, () -> PacketPool.onBackend(backend, 1, k, SESSION, 0L),
                    "a third pool was let in on the key and nonce prefix a live pool seals with");
            assertThrows(IllegalStateException.class,
                    () -> ThreadLocalPool.onBackend(backend, 1, k, SESSION, 0L, 1));
            assertFalse(newer.core().current().key.isDestroyed(), "a stale close wiped the newer pool's key");
        }
        ThreadLocalPool tl = ThreadLocalPool.onBackend(backend, 1, k, SESSION, 0L, 1);
        tl.close();
        try (ThreadLocalPool newer = ThreadLocalPool.onBackend(backend, 1, k, SESSION, 0L, 1)) {
            tl.close();
            assertThrows(IllegalStateException.class, () -> ThreadLocalPool.onBackend(backend, 1, k, SESSION, 0L, 1));
            assertFalse(newer.core().current().key.isDestroyed());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void secondSessionCloseNeverReleasesANewerSessionsClaim(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1402);
        try (PacketPool pool = PacketPool.buildersOnBackend(backend, 1)) {
            SealingSession first = pool.newSession(k, SESSION);
            KeyEpoch firstEpoch = first.current();
            first.close();
            assertTrue(firstEpoch.key.isDestroyed(), "close() wiped nothing");
            assertEquals(0, pool.core().openSessions(), "a closed session stayed registered with its pool");
            try (SealingSession newer = pool.newSession(k, SESSION)) {
                first.close();
                assertThrows(IllegalStateException.class, () -> pool.newSession(k, SESSION),
                        "a second close() of a session ended the claim of the session that replaced it");
                assertFalse(newer.current().key.isDestroyed());
                assertEquals(1, pool.core().openSessions());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverLeavesTheOldClaimHeldNorTheOldKeyUnwiped(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k1 = key(1403);
        byte[] k2 = key(1404);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, k1, SESSION, 0L)) {
            KeyEpoch old = pool.core().current();
            pool.setKey(k2, SESSION + 1);
            assertTrue(old.retired, "the old epoch was never marked retired");
            assertTrue(old.key.isDestroyed(), "rekey left the old key unwiped");
            // The old (key, prefix) is free for another pool (this one refuses it: its own history).
            try (PacketPool other = PacketPool.onBackend(backend, 1, k1, SESSION, 0L)) {
                assertEquals(SESSION, other.sessionId());
            }
            assertThrows(IllegalStateException.class, () -> pool.setKey(k1, SESSION),
                    "a pool rekeyed back onto a (key, prefix) it sealed under before");
        }
    }

    // ---- a key is never wiped under an open ---------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void retireNeverWipesAKeyUnderAnOpenInFlight(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        AeadKey key = backend.importKey(key(1405));
        ReceiveKey rk = new ReceiveKey(key, SESSION, new ReplayWindow(64));
        assertFalse(rk.isRetired());
        assertTrue(rk.enter(), "a live key refused an open");
        Thread retirer = new Thread(rk::retire, "retirer");
        retirer.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!rk.isRetired()) {
            assertTrue(System.nanoTime() < deadline, "retire() never began");
            Thread.onSpinWait();
        }
        assertFalse(rk.enter(), "an open started on a key being retired");
        retirer.join(200);
        assertTrue(retirer.isAlive(), "retire() returned while an open was still in flight");
        assertFalse(key.isDestroyed(), "the key was wiped under an open in flight");
        rk.exit();
        retirer.join(10_000);
        assertFalse(retirer.isAlive(), "retire() never returned once the open ended (a refused enter"
                + " left its count behind?)");
        assertTrue(key.isDestroyed(), "retire() left the key unwiped");
        rk.retire(); // idempotent: returns at once
        assertFalse(rk.enter());
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void receiverCloseNeverWipesAKeyUnderAnOpenInFlight(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1406);
        PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION);
        ReceiveKey current = r.session().keys().current;
        assertTrue(current.enter());
        Thread closer = new Thread(r::close, "closer");
        closer.start();
        closer.join(200);
        assertTrue(closer.isAlive(), "close() returned while an open was still in flight");
        assertFalse(current.key.isDestroyed(), "close() wiped the key under an open in flight");
        current.exit();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertTrue(current.key.isDestroyed(), "close() left the key unwiped");
        assertThrows(IllegalStateException.class, () -> r.open(ByteBuffer.allocate(100)),
                "a closed receiver opened");
    }

    // ---- builder bookkeeping ------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void pruningNeverForgetsALiveBuilder(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, key(1407), SESSION, 0L)) {
            List<PacketBuilder> held = new ArrayList<>();
            for (int i = 0; i < 300; i++) { // past the first pruning (64) and the next ones
                held.add(pool.get());
                assertEquals(held.size(), pool.core().buildersMade(), "a held builder was not made afresh");
            }
            assertEquals(held.size(), pool.core().liveBuilders(),
                    "pruning dropped live builders: rekey and close would no longer wait for them");
            for (PacketBuilder b : held) {
                b.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void releasedBuilderNeverTakesAChannelHash(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = PacketPool.onBackend(backend, 1, key(1408), SESSION, 0L)) {
            PacketBuilder b = pool.get();
            assertEquals(b, b.setChannelHash(0x1234), "setChannelHash must return the builder");
            assertEquals(0x1234, b.channelHash());
            b.close();
            assertThrows(IllegalStateException.class, () -> b.setChannelHash(7),
                    "a released builder took a channel hash (another holder's packets would carry it)");
        }
    }

    // ---- construction that fails half-way -----------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void failedPrefillNeverKeepsTheKeyClaimedNorUnwiped(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1409);
        FailingBackend failing = new FailingBackend(backend, 3, false);
        OutOfMemoryError e = assertThrows(OutOfMemoryError.class,
                () -> PacketPool.onBackend(failing, 8, k, SESSION, 0L));
        assertEquals(FailingBackend.MESSAGE, e.getMessage());
        assertEquals(1, failing.keys.size());
        assertTrue(failing.keys.get(0).isDestroyed(), "a pool that failed to fill kept its key unwiped");
        try (PacketPool again = PacketPool.onBackend(backend, 1, k, SESSION, 0L)) {
            assertEquals(SESSION, again.sessionId()); // the claim was released
        }
        FailingBackend failingTl = new FailingBackend(backend, 3, false);
        assertThrows(OutOfMemoryError.class, () -> ThreadLocalPool.onBackend(failingTl, 8, k, SESSION, 0L, 2));
        assertTrue(failingTl.keys.get(0).isDestroyed());
        try (ThreadLocalPool again = ThreadLocalPool.onBackend(backend, 1, k, SESSION, 0L, 1)) {
            assertEquals(SESSION, again.sessionId());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void failedKeyImportNeverKeepsTheKeyClaimed(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1410);
        FailingBackend failing = new FailingBackend(backend, Integer.MAX_VALUE, true);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PacketPool.onBackend(failing, 1, k, SESSION, 0L));
        assertEquals(FailingBackend.MESSAGE, e.getMessage());
        try (PacketPool again = PacketPool.onBackend(backend, 1, k, SESSION, 0L)) {
            assertEquals(SESSION, again.sessionId(), "a failed key import left its (key, prefix) claimed");
        }
        // A rekey whose import fails: the session keeps its key, the new (key, prefix) stays free.
        FailingBackend later = new FailingBackend(backend, Integer.MAX_VALUE, false);
        byte[] k2 = key(1411);
        try (PacketPool pool = PacketPool.onBackend(later, 1, k, SESSION, 0L)) {
            later.failImport = true;
            assertThrows(IllegalStateException.class, () -> pool.setKey(k2, SESSION + 1));
            assertEquals(SESSION, pool.sessionId(), "a failed rekey moved the session anyway");
            assertFalse(pool.core().current().key.isDestroyed(), "a failed rekey wiped the key still in use");
            try (PacketPool other = PacketPool.onBackend(backend, 1, k2, SESSION + 1, 0L)) {
                assertEquals(SESSION + 1, other.sessionId(), "a failed rekey left the new (key, prefix) claimed");
            }
        }
    }

    /**
     * A backend that fails on purpose: its {@code allocate} throws after {@code allocationsLeft}
     * calls (as direct memory running out would), and its {@code importKey} throws when asked.
     * It remembers the keys it imported, to see whether they were wiped.
     */
    static final class FailingBackend implements AeadBackend {
        static final String MESSAGE = "test: refused on purpose";
        final AeadBackend delegate;
        final AtomicInteger allocationsLeft;
        volatile boolean failImport;
        final List<AeadKey> keys = new ArrayList<>();

        FailingBackend(AeadBackend delegate, int allocationsLeft, boolean failImport) {
            this.delegate = delegate;
            this.allocationsLeft = new AtomicInteger(allocationsLeft);
            this.failImport = failImport;
        }

        @Override
        public BackendKind kind() {
            return delegate.kind();
        }

        @Override
        public String description() {
            return "failing " + delegate.description();
        }

        @Override
        public synchronized AeadKey importKey(byte[] key) {
            if (failImport) {
                throw new IllegalStateException(MESSAGE);
            }
            AeadKey k = delegate.importKey(key);
            keys.add(k);
            return k;
        }

        @Override
        public ByteBuffer allocate(int capacity) {
            if (allocationsLeft.getAndDecrement() <= 0) {
                throw new OutOfMemoryError(MESSAGE);
            }
            return delegate.allocate(capacity);
        }

        @Override
        public AeadCipher newCipher() {
            return delegate.newCipher();
        }
    }
}
