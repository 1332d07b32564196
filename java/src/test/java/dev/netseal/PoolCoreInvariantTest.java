package dev.netseal;

import dev.netseal.internal.keys.LiveKeysProbe;
import dev.netseal.internal.send.PoolCores;
import dev.netseal.internal.keys.LiveKeys;
import dev.netseal.internal.send.PoolCore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the pools' shared core must never do, reached through its package-private seams: the
 * bookkeeping lists (builders and thread caches, weakly held) must be pruned of collected entries
 * and never of live ones, a closed core must never make a builder or open a session, and a
 * builder that reaches a closed pool's shared queue (a release racing close) must never be handed
 * out again. Each test reaches its check deterministically in one thread; the collector is only
 * waited on until the references the test itself holds are cleared.
 */
@Timeout(120)
class PoolCoreInvariantTest {

    private static final long GC_MILLIS = 20_000;

    private static AeadBackend java() {
        return TestBackends.get("java");
    }

    // ---- closed pools -------------------------------------------------------------------------

    @Test
    void closedCoreNeverMakesABuilder() {
        PacketPool pool = PacketPool.buildersOnBackend(java(), 1);
        pool.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.core.newBuilder());
        assertEquals("pool is closed", e.getMessage());
        assertEquals(1, PoolCores.buildersMade(pool.core), "only the prefill was ever made");
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedPoolNeverOpensASessionNorKeepsItsClaim(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] key = TestSeeds.randomKey();
        long sessionId = 0x5E55_0001L;
        PacketPool packetPool = PacketPool.buildersOnBackend(backend, 1);
        packetPool.close();
        assertRefused(packetPool.core, () -> packetPool.newSession(key, sessionId), key, sessionId);
        ThreadLocalPool threadPool = ThreadLocalPool.buildersOnBackend(backend, 1, 1);
        threadPool.close();
        assertRefused(threadPool.core, () -> threadPool.newSession(key, sessionId, 9L), key, sessionId);
        // the refused sessions gave their claim back: an open pool takes the same key and session
        try (PacketPool open = PacketPool.buildersOnBackend(backend, 1);
             SealingSession s = open.newSession(key, sessionId)) {
            assertEquals(sessionId, s.sessionId());
        }
    }

    private static void assertRefused(PoolCore<PacketBuilder> core, org.junit.jupiter.api.function.Executable open,
                                      byte[] key, long sessionId) {
        IllegalStateException e = assertThrows(IllegalStateException.class, open);
        assertEquals("pool is closed", e.getMessage());
        assertEquals(0, core.openSessions(), "a closed pool registered a session");
        assertFalse(LiveKeysProbe.claimedNow().contains(LiveKeys.fingerprint(key, sessionId)),
                "a refused session still claims its (key, nonce prefix)");
    }

    @Test
    void closedPoolNeverRekeysEvenWithoutADefaultSession() {
        byte[] key = TestSeeds.randomKey();
        PacketPool keyless = PacketPool.buildersOnBackend(java(), 1);
        keyless.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> keyless.setKey(key, 1L));
        assertEquals("pool is closed", e.getMessage());
        PacketPool keyed = PacketPool.onBackend(java(), 1, TestSeeds.randomKey(), 2L, 0L);
        keyed.close();
        e = assertThrows(IllegalStateException.class, () -> keyed.setKey(key, 1L));
        assertEquals("pool is closed", e.getMessage());
        assertFalse(LiveKeysProbe.claimedNow().contains(LiveKeys.fingerprint(key, 1L)));
    }

    @Test
    void nullKeyNeverGoesUnnamed() {
        try (PacketPool pool = PacketPool.buildersOnBackend(java(), 1)) {
            NullPointerException e = assertThrows(NullPointerException.class, () -> pool.newSession(null, 1L));
            assertEquals("key", e.getMessage());
        }
    }

    @Test
    void builderInAClosedPacketPoolsQueueIsNeverHandedOut() {
        PacketPool pool = PacketPool.buildersOnBackend(java(), 2);
        PacketBuilder b = pool.get();
        b.close();
        pool.close();
        // a release that read "open" just before close() offers after close() emptied the queue
        assertTrue(pool.core.offerShared(b));
        assertEquals(1, pool.available());
        assertThrows(IllegalStateException.class, pool::get);
    }

    @Test
    void builderInAClosedThreadLocalPoolsQueueIsNeverHandedOut() {
        ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(java(), 2, 1);
        PacketBuilder b = pool.acquire();
        pool.release(b);
        pool.close();
        assertTrue(pool.core.offerShared(b)); // as a release racing close() would
        assertEquals(1, pool.sharedAvailable());
        assertThrows(IllegalStateException.class, pool::acquire);
    }

    // ---- the builder list -------------------------------------------------------------------

    /** Makes {@code n} builders nothing holds; returns weak references to them. */
    private static List<WeakReference<PacketBuilder>> dropped(PoolCore<PacketBuilder> core, int n) {
        List<WeakReference<PacketBuilder>> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            refs.add(new WeakReference<>(core.newBuilder()));
        }
        return refs;
    }

    private static void collect(List<? extends WeakReference<?>> refs) throws InterruptedException {
        assertTrue(TestGc.until(() -> refs.stream().allMatch(r -> r.get() == null), GC_MILLIS),
                "the collector never cleared builders or caches nothing holds");
    }

    @Test
    void builderListPruneNeverDropsLiveBuildersNorRescansBeforeItDoubles() throws Exception {
        PacketPool pool = PacketPool.buildersOnBackend(java(), 1); // its prefill: 1 live builder
        PoolCore<PacketBuilder> core = pool.core;
        List<PacketBuilder> live = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            live.add(core.newBuilder());
        }
        collect(dropped(core, 23));
        assertEquals(64, PoolCores.trackedBuilders(core), "nothing pruned below 64 entries");
        live.add(core.newBuilder()); // 64 entries: pruned to the 41 live, then this one
        assertEquals(42, PoolCores.trackedBuilders(core), "the prune at 64 entries must drop exactly the collected");
        assertEquals(42, PoolCores.liveBuilders(core));

        // the next prune waits for twice the survivors (82 entries), not 64 again: amortised
        collect(dropped(core, 22));
        assertEquals(64, PoolCores.trackedBuilders(core));
        live.add(core.newBuilder());
        assertEquals(65, PoolCores.trackedBuilders(core), "the list was rescanned before it doubled");
        assertEquals(43, PoolCores.liveBuilders(core), "liveBuilders counts collected builders");
        assertEquals(1 + 40 + 23 + 1 + 22 + 1, PoolCores.buildersMade(core));
        pool.close();
    }

    @Test
    void liveBuildersNeverCountsCollectedOnes() throws Exception {
        PacketPool pool = PacketPool.buildersOnBackend(java(), 1);
        PoolCore<PacketBuilder> core = pool.core;
        collect(dropped(core, 5));
        assertEquals(6, PoolCores.trackedBuilders(core));
        assertEquals(1, PoolCores.liveBuilders(core));
        assertEquals(1, PoolCores.trackedBuilders(core), "liveBuilders prunes as it counts");
        pool.close();
    }

    @Test
    void rekeyNeverKeepsCollectedBuildersTracked() throws Exception {
        PacketPool pool = PacketPool.onBackend(java(), 1, TestSeeds.randomKey(), 4L, 0L);
        PoolCore<PacketBuilder> core = pool.core;
        collect(dropped(core, 5));
        assertEquals(6, PoolCores.trackedBuilders(core));
        pool.setKey(TestSeeds.randomKey(), 5L); // retiring the old epoch walks the list and prunes it
        assertEquals(1, PoolCores.trackedBuilders(core));
        pool.close();
    }

    // ---- spilling into a full shared queue ------------------------------------------------------

    @Test
    void spillIntoAFullSharedQueueNeverDropsMoreThanOneBuilder() {
        // capacity 1, 3 per refill: a thread keeps up to 6; the 7th release spills a batch of 3
        ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(java(), 1, 3);
        List<PacketBuilder> held = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            held.add(pool.acquire());
        }
        long made = PoolCores.buildersMade(pool.core);
        assertEquals(7, made);
        for (PacketBuilder b : held) {
            pool.release(b);
        }
        // the spill moved one builder to the shared queue, dropped the next (queue full) and
        // stopped there: the cache keeps 4 + the released one = 5, the queue 1
        assertEquals(1, pool.sharedAvailable());
        List<PacketBuilder> again = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            again.add(pool.acquire());
        }
        assertEquals(made, PoolCores.buildersMade(pool.core), "the spill dropped builders the cache could keep");
        pool.close();
    }
}
