package dev.netseal;

import dev.netseal.interop.Codecs;
import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.internal.send.PoolCore;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.ThreadLocalPoolTest.copy;
import static dev.netseal.ThreadLocalPoolTest.counterOf;
import static dev.netseal.ThreadLocalPoolTest.sessionOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Sessions sharing one pool's builders: each keeps its own key, counter and ids. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedBuildersTest {

    /** Session ids are {@code index + GENERATION * rekeys}: unique per (session, epoch). */
    static final long GENERATION = 1_000_000L;

    static byte[] keyFor(long sessionId) {
        return TestSeeds.randomKey(); // seeded: -Dnetseal.test.seed replays it
    }

    static byte[] event(int sessionIndex) {
        return ByteBuffer.allocate(8).putInt(sessionIndex).putInt(~sessionIndex).array();
    }

    /**
     * 8 threads seal for 1,000 sessions that share 16 builders (thread caches included) while
     * another thread rekeys sessions at random. Every packet names its epoch by its session id
     * (unique per epoch), so a repeated (key, nonce) is a repeated (session id, counter); and
     * every packet must open with the key of the epoch it names, and carry the event of the
     * session it was sealed for: never another session's key.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sessionsSharingBuildersNeverRepeatAKeyNonceNorSealWithAnotherSessionsKey(String backendName)
            throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        ThreadLocalPool tl = ThreadLocalPool.buildersOnBackend(backend, 16, 4);
        sessionsSharingBuilders(backend, tl.core, tl::get, tl::newSession, tl);
        PacketPool pp = PacketPool.buildersOnBackend(backend, 16);
        sessionsSharingBuilders(backend, pp.core, pp::get, pp::newSession, pp);
    }

    interface SessionMaker {
        SealingSession newSession(byte[] key, long sessionId);
    }

    private static void sessionsSharingBuilders(AeadBackend backend, PoolCore<PacketBuilder> core,
                                                java.util.function.Supplier<PacketBuilder> get,
                                                SessionMaker maker, AutoCloseable pool) throws Exception {
        int sessionCount = 1_000;
        int threads = 8;
        int perThread = 4_000;
        Map<Long, byte[]> keys = new ConcurrentHashMap<>();
        // Which session each thread seals for, and which the rekeyer rekeys, come from this seed
        // (the interleaving does not: TestIsolation prints the seed if this fails).
        long seed = TestSeeds.seed();
        ExecutorService exec = Executors.newFixedThreadPool(threads + 1);
        try {
            SealingSession[] sessions = new SealingSession[sessionCount];
            for (int i = 0; i < sessionCount; i++) {
                byte[] k = keyFor(i);
                keys.put((long) i, k);
                sessions[i] = maker.newSession(k, i);
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger rekeys = new AtomicInteger();
            Future<?> rekeyer = exec.submit(() -> {
                int[] generation = new int[sessionCount];
                Random pick = new Random(seed);
                while (!stop.get()) {
                    int i = pick.nextInt(sessionCount);
                    long id = i + GENERATION * ++generation[i];
                    byte[] k = keyFor(id);
                    keys.put(id, k); // before the rekey: a packet under it can be opened
                    sessions[i].rekey(k, id);
                    rekeys.incrementAndGet();
                }
                return null;
            });
            List<Future<List<byte[]>>> sealers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long threadSeed = seed + 1 + t;
                sealers.add(exec.submit(() -> {
                    List<byte[]> out = new ArrayList<>(perThread);
                    Random rnd = new Random(threadSeed);
                    for (int n = 0; n < perThread; n++) {
                        int i = rnd.nextInt(sessionCount);
                        try (PacketBuilder b = get.get()) {
                            ByteBuffer p = n % 7 == 0
                                    ? b.begin(sessions[i], i, n, 0).event(event(i)).seal()
                                    : b.build(sessions[i], i, n, List.of(ByteBuffer.wrap(event(i))), 0);
                            out.add(copy(p));
                        }
                    }
                    return out;
                }));
            }
            List<byte[]> packets = new ArrayList<>();
            for (Future<List<byte[]>> f : sealers) {
                packets.addAll(f.get(100, TimeUnit.SECONDS));
            }
            stop.set(true);
            rekeyer.get(30, TimeUnit.SECONDS);
            assertTrue(rekeys.get() > 0, "no rekey raced the sealers");

            InsecureExplicitNonceCodec codec = Codecs.on(backend);
            Set<String> nonces = new HashSet<>();
            for (byte[] p : packets) {
                ByteBuffer view = ByteBuffer.wrap(p);
                long sessionId = sessionOf(view);
                assertTrue(nonces.add(sessionId + "/" + counterOf(view)),
                        "(key, nonce) repeated: session id " + sessionId + ", counter " + counterOf(view));
                byte[] k = keys.get(sessionId);
                assertNotNull(k, "a packet names session id " + sessionId + ", which no session had");
                OpenedPacket opened = codec.open(k, sessionId, p); // throws unless sealed with that key
                int index = (int) (sessionId % GENERATION);
                assertArrayEquals(event(index), opened.events().get(0),
                        "a packet for one session was sealed under another session's key");
                assertEquals(index, opened.streamId(), "the packet's stream names the session it was built for");
            }
            assertEquals(threads * perThread, packets.size());
            for (SealingSession s : sessions) {
                s.close();
            }
            assertEquals(0, core.openSessions());
        } finally {
            exec.shutdownNow();
            pool.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sessionNeverSealsThroughAnotherPoolsBuilders(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool a = PacketPool.buildersOnBackend(backend, 2);
             PacketPool b = PacketPool.buildersOnBackend(backend, 2);
             SealingSession s = a.newSession(keyFor(1), 1)) {
            try (PacketBuilder fromB = b.get()) {
                assertThrows(IllegalArgumentException.class, () -> fromB.begin(s, 1, 1, 0));
                assertThrows(IllegalArgumentException.class, () -> fromB.buildHeartbeat(s));
                assertThrows(NullPointerException.class, () -> fromB.begin(null, 1, 1, 0));
                // a pool made without a key has no session of its own to seal for
                assertThrows(IllegalStateException.class, () -> fromB.begin(1, 1, 0));
                assertThrows(IllegalStateException.class, fromB::buildHeartbeat);
            }
            assertThrows(IllegalStateException.class, a::sessionId);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void twoLiveSessionsNeverHoldTheSameKeyAndPrefix(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = keyFor(2);
        try (ThreadLocalPool a = ThreadLocalPool.buildersOnBackend(backend, 2, 2);
             PacketPool b = PacketPool.buildersOnBackend(backend, 2);
             SealingSession first = a.newSession(k, 77)) {
            assertThrows(IllegalStateException.class, () -> a.newSession(k, 77));
            assertThrows(IllegalStateException.class, () -> b.newSession(k, 77));
            try (SealingSession other = b.newSession(keyFor(3), 78)) {
                assertThrows(IllegalStateException.class, () -> other.rekey(k, 77));
            }
            first.close();
            b.newSession(k, 77).close(); // once closed, the claim is free again
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedSessionNeverSealsAndItsKeyIsWiped(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(backend, 4, 2)) {
            SealingSession s = pool.newSession(keyFor(4), 4);
            SealingSession other = pool.newSession(keyFor(5), 5);
            PacketBuilder b = pool.acquire();
            b.buildHeartbeat(s);
            KeyEpoch epoch = s.current();
            s.close();
            assertTrue(s.isClosed());
            assertTrue(epoch.key.isDestroyed(), "close wipes the session's key");
            b.begin(s, 1, 1, 0).event(new byte[] {1});
            IllegalStateException e = assertThrows(IllegalStateException.class, b::seal);
            assertTrue(e.getMessage().contains("session is closed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> b.buildHeartbeat(s));
            assertThrows(IllegalStateException.class, () -> s.rekey(keyFor(6), 6));
            // the builder goes on sealing for the other session
            assertEquals(5L, sessionOf(b.buildHeartbeat(other)));
            pool.release(b);
            pool.close();
            assertTrue(other.isClosed(), "closing the pool closes its sessions");
            assertTrue(other.current().key.isDestroyed());
            assertThrows(IllegalStateException.class, () -> pool.newSession(keyFor(7), 7));
        }
    }

    /** A builder between packets, wherever it waits, holds no session: closed ones are collected. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void buildersInCachesNeverKeepAClosedSessionAlive(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(backend, 4, 2)) {
            List<WeakReference<SealingSession>> refs = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                SealingSession s = pool.newSession(keyFor(100 + i), 100 + i);
                try (PacketBuilder b = pool.get()) {
                    b.begin(s, 1, i, 0).event(new byte[] {(byte) i}).seal();
                }
                try (PacketBuilder b = pool.get()) {
                    b.begin(s, 1, i, 0); // begun, never sealed: the release forgets it
                }
                s.close();
                refs.add(new WeakReference<>(s));
            }
            for (WeakReference<SealingSession> r : refs) {
                assertTrue(TestGc.clears(r, 10_000), "a closed session is still reachable");
            }
            assertEquals(0, pool.core.openSessions());
            assertFalse(pool.core.isClosed());
        }
    }

    /**
     * Nor does a builder held between packets (checked out, never released): the session of its
     * last packet is dropped when that packet is sealed, not only when the builder goes back.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aHeldBuilderNeverKeepsAClosedSessionAlive(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.buildersOnBackend(backend, 4, 2)) {
            PacketBuilder b = pool.acquire();
            try {
                List<WeakReference<SealingSession>> refs = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    SealingSession s = pool.newSession(keyFor(200 + i), 200 + i);
                    if (i % 2 == 0) {
                        b.begin(s, 1, i, 0).event(new byte[] {(byte) i}).seal();
                    } else {
                        b.buildHeartbeat(s);
                    }
                    s.close();
                    refs.add(new WeakReference<>(s));
                }
                for (int i = 0; i < refs.size(); i++) {
                    assertTrue(TestGc.clears(refs.get(i), 10_000),
                            "closed session " + i + " is still reachable from a held builder");
                }
            } finally {
                pool.release(b);
            }
        }
    }
}
