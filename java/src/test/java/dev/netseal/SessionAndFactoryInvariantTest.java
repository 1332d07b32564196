package dev.netseal;

import dev.netseal.internal.send.LocalCache;
import dev.netseal.internal.keys.LiveKeysProbe;
import dev.netseal.internal.send.PoolCores;
import dev.netseal.internal.keys.LiveKeys;
import dev.netseal.internal.send.KeyEpoch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a session's accessors and refusals, the public keyless factories and a ThreadLocalPool's
 * placement of caches must never get wrong.
 */
@Timeout(120)
class SessionAndFactoryInvariantTest {

    // ---- SealingSession -----------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sessionNeverMisreportsItsIdsOrState(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = PacketPool.buildersOnBackend(backend, 1)) {
            SealingSession s = pool.newSession(TestSeeds.randomKey(), 0x0102_0304_0506_0708L, 0x1122_3344_5566_7788L);
            assertEquals(0x0102_0304_0506_0708L, s.sessionId());
            assertEquals(0x1122_3344_5566_7788L, s.originHash());
            assertFalse(s.isClosed(), "an open session says it is closed");
            s.rekey(TestSeeds.randomKey(), 0x0A0B_0C0DL);
            assertEquals(0x0A0B_0C0DL, s.sessionId(), "the session id after a rekey");
            s.close();
            assertTrue(s.isClosed());
        }
    }

    /**
     * A builder whose counter draw was refused because a rekey retired its epoch under it (the
     * race between reading the current epoch and drawing) must go on with the key that replaced
     * it, never with nothing; an epoch refused for exhaustion, or one of a closed session, must
     * say so. The race itself cannot be forced from one thread, so the step is called directly.
     */
    @Test
    void drawRefusedByARekeyNeverLeavesTheBuilderWithoutAKey() {
        try (PacketPool pool = PacketPool.buildersOnBackend(TestBackends.get("java"), 1)) {
            SealingSession s = pool.newSession(TestSeeds.randomKey(), 0x51L);
            KeyEpoch before = s.current();
            IllegalStateException exhausted = assertThrows(IllegalStateException.class, () -> s.state.afterRefusedDraw(before));
            assertTrue(exhausted.getMessage().startsWith("nonce counter exhausted"), exhausted.getMessage());
            s.rekey(TestSeeds.randomKey(), 0x52L);
            KeyEpoch next = s.state.afterRefusedDraw(before);
            assertNotSame(before, next);
            assertSame(s.current(), next, "a builder refused by a rekey does not go on with the new key");
            s.close();
            IllegalStateException closed = assertThrows(IllegalStateException.class, () -> s.state.afterRefusedDraw(before));
            assertEquals("session is closed", closed.getMessage());
        }
    }

    @Test
    void sessionOfAClosedPoolNeverBlamesTheSession() {
        PacketPool pool = PacketPool.buildersOnBackend(TestBackends.get("java"), 1);
        SealingSession own = pool.newSession(TestSeeds.randomKey(), 1L);
        SealingSession other = pool.newSession(TestSeeds.randomKey(), 2L);
        own.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> own.rekey(TestSeeds.randomKey(), 3L));
        assertEquals("session is closed", e.getMessage());
        pool.close();
        assertTrue(other.isClosed(), "closing the pool closes its sessions");
        e = assertThrows(IllegalStateException.class, () -> other.rekey(TestSeeds.randomKey(), 4L));
        assertEquals("pool is closed", e.getMessage());
    }

    // ---- the public keyless factories -----------------------------------------------------------

    @Test
    void keylessFactoriesNeverHandOutAPoolThatCannotSeal() throws Exception {
        byte[] key = TestSeeds.randomKey();
        try (ThreadLocalPool tlp = ThreadLocalPool.builders(3);
             PacketPool pp = PacketPool.builders(2)) {
            assertEquals(3, tlp.capacity());
            assertEquals(ThreadLocalPool.DEFAULT_LOCAL_CAPACITY, tlp.localCapacity());
            assertEquals(3, tlp.sharedAvailable(), "prefilled");
            assertEquals(2, pp.capacity());
            assertEquals(2, pp.available());
            try (ThreadLocalPool small = ThreadLocalPool.builders(4, 2)) {
                assertEquals(2, small.localCapacity());
                assertEquals(4, small.capacity());
            }
            SealingSession a = tlp.newSession(key, 7L);
            SealingSession b = pp.newSession(TestSeeds.randomKey(), 8L);
            try (PacketBuilder builder = tlp.get()) {
                ByteBuffer p = builder.begin(a, 1, 1, 0).event(new byte[] {1, 2, 3}).seal();
                assertEquals(7L, ThreadLocalPoolTest.sessionOf(p));
            }
            try (PacketBuilder builder = pp.get()) {
                ByteBuffer p = builder.begin(b, 1, 1, 0).event(new byte[] {4}).seal();
                assertEquals(8L, ThreadLocalPoolTest.sessionOf(p));
            }
            assertThrows(IllegalStateException.class, () -> tlp.setKey(key, 9L), "keyless pool has no default");
        }
    }

    // ---- dropped pools --------------------------------------------------------------------------

    @Test
    void droppedPacketPoolNeverKeepsItsKeyClaimed() throws Exception {
        byte[] key = TestSeeds.randomKey();
        long sessionId = 0x0D0D_0001L;
        long claim = LiveKeys.fingerprint(key, sessionId);
        makeAndDrop(key, sessionId);
        assertTrue(LiveKeysProbe.claimedNow().contains(claim));
        assertTrue(TestGc.until(() -> !LiveKeysProbe.claimedNow().contains(claim), 20_000),
                "a dropped PacketPool never closed: its key is neither wiped nor its claim ended");
    }

    private static void makeAndDrop(byte[] key, long sessionId) {
        PacketPool pool = PacketPool.onBackend(TestBackends.get("java"), 2, key, sessionId, 0L);
        pool.get().close();
    }

    // ---- where a ThreadLocalPool keeps caches ---------------------------------------------------

    @Test
    void threadCachesAreHeldByThePoolAndNeverMadeTwice() throws Exception {
        ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(TestBackends.get("java"), 1, 1);
        PacketBuilder b = pool.acquire(); // the prefilled one, refilled into this thread's cache
        LocalCache<PacketBuilder> mine = b.home;
        assertNotNull(mine, "an acquired builder does not know its thread's cache");
        assertSame(Thread.currentThread(), mine.owner);
        assertEquals(1, PoolCores.heldCaches(pool.caches), "the pool does not hold the first thread's cache");
        PacketBuilder made = pool.acquire(); // shared queue empty: made on demand
        assertEquals(2, PoolCores.buildersMade(pool.core));
        assertSame(mine, made.home, "a builder made on demand is not homed in the acquiring thread's cache");
        pool.release(made);
        pool.release(b);
        assertSame(pool, b.owner, "a builder in a thread's cache keeps its pool reference");
        for (int i = 0; i < 3; i++) {
            pool.release(pool.acquire());
        }
        assertEquals(1, PoolCores.heldCaches(pool.caches), "one thread got two caches");

        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            other.submit(() -> {
                PacketBuilder theirs = pool.acquire();
                assertEquals(2, PoolCores.heldCaches(pool.caches), "a second thread's cache is not held by the pool");
                assertNotSame(mine, theirs.home);
                pool.release(theirs);
                assertSame(pool, theirs.owner, "a builder lost its pool reference entering a thread's cache"
                        + " (a reference store on every warm release)");
                return null;
            }).get(10, TimeUnit.SECONDS);
        } finally {
            other.shutdownNow();
        }
        assertEquals(2, PoolCores.heldCaches(pool.caches));
        pool.close();
        assertEquals(0, PoolCores.heldCaches(pool.caches), "a closed pool still holds thread caches");
    }
}
