package dev.netseal;

import dev.netseal.internal.send.PoolCore;
import static dev.netseal.ThreadLocalPoolTest.counterOf;
import static dev.netseal.ThreadLocalPoolTest.copy;
import static dev.netseal.TestKeys.key;
import static dev.netseal.ThreadLocalPoolTest.randomKey;
import static dev.netseal.ThreadLocalPoolTest.sessionOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A (key, nonce) pair must never repeat: across threads, thread caches, the shared queue,
 * builders handed between threads, and rekeys racing the seals.
 */
class NonceUniquenessTest {

    /** What a test needs from either pool. */
    private static final class Pool implements AutoCloseable {
        final Supplier<PacketBuilder> acquire;
        final Consumer<PacketBuilder> release;
        final Runnable closer;
        final java.util.function.ObjLongConsumer<byte[]> setKey;
        final PoolCore<PacketBuilder> core;

        Pool(ThreadLocalPool p) {
            acquire = p::acquire;
            release = p::release;
            closer = p::close;
            setKey = p::setKey;
            core = p.core;
        }

        Pool(PacketPool p) {
            acquire = p::get;
            release = p::release;
            closer = p::close;
            setKey = p::setKey;
            core = p.core;
        }

        void setKey(byte[] key, long session) {
            setKey.accept(key, session);
        }

        @Override
        public void close() {
            closer.run();
        }
    }

    private static Pool threadLocal(AeadBackend backend, int size, byte[] key, long session) {
        return new Pool(ThreadLocalPool.onBackend(backend, size, key, session, 0L, 4));
    }

    private static Pool packetPool(AeadBackend backend, int size, byte[] key, long session) {
        return new Pool(PacketPool.onBackend(backend, size, key, session, 0L));
    }

    private static final byte[] EVENT = "nonce-test-event-0123456789".getBytes(StandardCharsets.UTF_8);

    /**
     * Waits for every task, failing fast: the first task that throws fails the test at once
     * (so that, say, a dead consumer does not leave the test waiting on blocked producers).
     */
    static <T> List<T> awaitAll(List<Future<T>> futures, long timeoutSeconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            boolean allDone = true;
            for (Future<T> f : futures) {
                if (f.isDone()) {
                    f.get(); // rethrows a failure
                } else {
                    allDone = false;
                }
            }
            if (allDone) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("tasks did not finish within " + timeoutSeconds + " s");
            }
            Thread.sleep(5);
        }
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get());
        }
        return out;
    }

    // ---- 8 threads x 100 packets --------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void eightThreadsNeverDrawTheSameNonceThreadLocalPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (Pool pool = threadLocal(backend, 8, key(50), 7L)) {
            eightThreadsHundredPackets(backend, pool, key(50), 7L);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void eightThreadsNeverDrawTheSameNoncePacketPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (Pool pool = packetPool(backend, 8, key(51), 8L)) {
            eightThreadsHundredPackets(backend, pool, key(51), 8L);
        }
    }

    private static void eightThreadsHundredPackets(AeadBackend backend, Pool pool, byte[] key, long session)
            throws Exception {
        int threads = 8;
        int perThread = 100;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService exec = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<byte[]>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(exec.submit(() -> {
                    start.await();
                    List<byte[]> out = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        PacketBuilder b = pool.acquire.get();
                        out.add(copy(b.begin(1, i, 0).event(EVENT).seal()));
                        pool.release.accept(b);
                    }
                    return out;
                }));
            }
            start.countDown();
            long[] counters = new long[threads * perThread];
            int n = 0;
            try (PacketReceiver receiver = PacketReceiver.onBackend(backend, key, session)) {
                for (List<byte[]> packets : awaitAll(futures, 30)) {
                    for (byte[] p : packets) {
                        assertEquals(session, sessionOf(ByteBuffer.wrap(p)));
                        counters[n++] = counterOf(ByteBuffer.wrap(p));
                        // 800 packets fit the 1024-counter window: a repeat would be REPLAYED.
                        OpenedPacket o = receiver.open(ByteBuffer.wrap(p));
                        assertEquals(1, o.eventCount());
                    }
                }
            }
            assertEquals(threads * perThread, n);
            Arrays.sort(counters);
            for (int i = 0; i < counters.length; i++) {
                assertEquals(i, counters[i], "counters must be exactly 0.." + (counters.length - 1));
            }
        } finally {
            exec.shutdownNow();
        }
    }

    // ---- 8 threads x 100 000 packets with rekeys racing ---------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void racingRekeysNeverRepeatANonceThreadLocalPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        rekeyRace(backend, true, 8, 100_000);
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void racingRekeysNeverRepeatANoncePacketPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        rekeyRace(backend, false, 8, 100_000);
    }

    private static final long FIRST_SESSION = 1_000_000L;
    private static final int SAMPLE_EVERY = 97;

    /**
     * {@code threads} threads each seal {@code perThread} packets while another thread rekeys
     * every few ms with a new random key under a new session id (so a packet's session id names
     * its key). Per key: no counter twice. Every 97th packet of each thread must open with the key
     * its session id names.
     */
    private static void rekeyRace(AeadBackend backend, boolean threadLocal, int threads, int perThread)
            throws Exception {
        Map<Long, byte[]> keys = new ConcurrentHashMap<>();
        byte[] first = randomKey();
        keys.put(FIRST_SESSION, first);
        Pool pool = threadLocal ? threadLocal(backend, 16, first, FIRST_SESSION)
                : packetPool(backend, 16, first, FIRST_SESSION);
        long[][] sessions = new long[threads][perThread];
        long[][] counters = new long[threads][perThread];
        List<List<byte[]>> samples = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            samples.add(new ArrayList<>());
        }
        AtomicBoolean done = new AtomicBoolean();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService exec = Executors.newFixedThreadPool(threads + 1);
        try (pool) {
            Future<Integer> rekeyer = exec.submit(() -> {
                start.await();
                int rekeys = 0;
                long next = FIRST_SESSION + 1;
                while (!done.get()) {
                    LockSupport.parkNanos(1_000_000L); // wakes every ~1-20 ms on a busy 2-core box
                    byte[] k = randomKey();
                    keys.put(next, k); // before setKey: any packet naming this session finds its key
                    pool.setKey(k, next);
                    next++;
                    rekeys++;
                }
                return rekeys;
            });
            List<Future<Object>> sealers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                sealers.add(exec.submit(() -> {
                    start.await();
                    long[] ss = sessions[id];
                    long[] cs = counters[id];
                    List<byte[]> mine = samples.get(id);
                    int i = 0;
                    while (i < perThread) {
                        PacketBuilder b = pool.acquire.get();
                        // Keep a builder for a few packets, like a sender writing a burst.
                        int burst = Math.min(1 + (i % 7), perThread - i);
                        for (int j = 0; j < burst; j++, i++) {
                            ByteBuffer p = b.begin(id, i, 0).event(EVENT).seal();
                            ss[i] = sessionOf(p);
                            cs[i] = counterOf(p);
                            if (i % SAMPLE_EVERY == 0) {
                                mine.add(copy(p));
                            }
                        }
                        pool.release.accept(b);
                    }
                    return null;
                }));
            }
            long t0 = System.nanoTime();
            start.countDown();
            awaitAll(sealers, 80);
            long sealNanos = System.nanoTime() - t0;
            done.set(true);
            int rekeys = rekeyer.get(10, TimeUnit.SECONDS);
            assertTrue(rekeys >= 3, "the rekeys must actually race the seals; only " + rekeys
                    + " in " + sealNanos / 1_000_000 + " ms");

            // No (session, counter) pair twice. Session ids are FIRST_SESSION + index.
            long[] pairs = new long[threads * perThread];
            int n = 0;
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    long index = sessions[t][i] - FIRST_SESSION;
                    long counter = counters[t][i];
                    if (index < 0 || index > rekeys || !keys.containsKey(sessions[t][i])) {
                        fail("packet with a session id no rekey made: " + sessions[t][i]);
                    }
                    if (counter < 0 || counter >= (1L << 32)) {
                        fail("counter out of the range this many packets can reach: " + counter);
                    }
                    pairs[n++] = (index << 32) | counter;
                }
            }
            Arrays.sort(pairs);
            int distinctSessions = 1;
            for (int i = 1; i < pairs.length; i++) {
                if (pairs[i] == pairs[i - 1]) {
                    fail("nonce reused: session " + (FIRST_SESSION + (pairs[i] >>> 32)) + " counter "
                            + (pairs[i] & 0xFFFF_FFFFL));
                }
                if (pairs[i] >>> 32 != pairs[i - 1] >>> 32) {
                    distinctSessions++;
                }
            }
            assertTrue(distinctSessions >= 2, "packets must span several keys, got " + distinctSessions);

            // Every sample opens with the key its session id names.
            Map<Long, PacketReceiver> receivers = new HashMap<>();
            int opened = 0;
            try {
                for (List<byte[]> mine : samples) {
                    for (byte[] p : mine) {
                        long session = sessionOf(ByteBuffer.wrap(p));
                        byte[] k = keys.get(session);
                        assertNotNull(k, "unknown session " + session);
                        PacketReceiver r = receivers.computeIfAbsent(session,
                                s -> PacketReceiver.onBackend(backend, k, s));
                        OpenedPacket o;
                        try {
                            o = Receivers.openWithoutReplayCheck(r, ByteBuffer.wrap(p.clone()));
                        } catch (PacketException e) {
                            throw new AssertionError("a packet of session " + session + " counter "
                                    + counterOf(ByteBuffer.wrap(p)) + " does not open with its key: "
                                    + e.getMessage(), e);
                        }
                        assertEquals(1, o.eventCount());
                        assertTrue(Arrays.equals(EVENT, o.events().get(0)));
                        opened++;
                    }
                }
            } finally {
                receivers.values().forEach(PacketReceiver::close);
            }
            int expectedSamples = threads * ((perThread + SAMPLE_EVERY - 1) / SAMPLE_EVERY);
            assertEquals(expectedSamples, opened);
        } finally {
            done.set(true);
            exec.shutdownNow();
        }
    }

    // ---- builders handed between threads ------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void crossThreadReleaseNeverRepeatsANonceThreadLocalPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (Pool pool = threadLocal(backend, 8, key(52), 52L)) {
            crossThreadRelease(backend, pool, key(52), 52L);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void crossThreadReleaseNeverRepeatsANoncePacketPool(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (Pool pool = packetPool(backend, 8, key(53), 53L)) {
            crossThreadRelease(backend, pool, key(53), 53L);
        }
    }

    private static final Object[] STOP = new Object[0];

    /**
     * Producers acquire and seal, then hand the builder (with the packet view it returned) through
     * a queue to consumers, which check the view was not overwritten meanwhile, sometimes seal
     * again themselves, and release. Builders so move from the producers' side to the consumers'
     * caches and back through the shared queue.
     */
    private static void crossThreadRelease(AeadBackend backend, Pool pool, byte[] key, long session)
            throws Exception {
        int producers = 2;
        int consumers = 2;
        int perProducer = 20_000;
        BlockingQueue<Object[]> handoff = new ArrayBlockingQueue<>(64);
        ExecutorService exec = Executors.newFixedThreadPool(producers + consumers);
        try {
            List<Future<long[]>> prod = new ArrayList<>();
            for (int t = 0; t < producers; t++) {
                int id = t;
                prod.add(exec.submit(() -> {
                    long[] cs = new long[perProducer];
                    for (int i = 0; i < perProducer; i++) {
                        PacketBuilder b = pool.acquire.get();
                        ByteBuffer p = b.begin(id, i, 0).event(EVENT).seal();
                        cs[i] = counterOf(p);
                        handoff.put(new Object[] {b, p, cs[i]});
                    }
                    return cs;
                }));
            }
            List<Future<long[]>> cons = new ArrayList<>();
            for (int t = 0; t < consumers; t++) {
                cons.add(exec.submit(() -> {
                    long[] cs = new long[perProducer * producers];
                    int n = 0;
                    int received = 0;
                    while (true) {
                        Object[] item = handoff.take();
                        if (item == STOP) {
                            return Arrays.copyOf(cs, n);
                        }
                        PacketBuilder b = (PacketBuilder) item[0];
                        ByteBuffer view = (ByteBuffer) item[1];
                        long expected = (Long) item[2];
                        assertEquals(expected, counterOf(view),
                                "a checked-out builder's packet was overwritten before its release");
                        if (received++ % 3 == 0) {
                            cs[n++] = counterOf(b.begin(99, received, 0).event(EVENT).seal());
                        }
                        pool.release.accept(b);
                    }
                }));
            }
            List<Future<long[]>> both = new ArrayList<>(prod);
            both.addAll(cons);
            // Fail fast if a consumer dies while the producers run.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            while (!prod.stream().allMatch(Future::isDone)) {
                assertTrue(System.nanoTime() < deadline, "producers did not finish within 50 s");
                for (Future<long[]> f : both) {
                    if (f.isDone()) {
                        f.get();
                    }
                }
                Thread.sleep(5);
            }
            List<long[]> all = new ArrayList<>(awaitAll(prod, 1));
            for (int t = 0; t < consumers; t++) {
                assertTrue(handoff.offer(STOP, 10, TimeUnit.SECONDS), "consumers stopped taking");
            }
            all.addAll(awaitAll(cons, 30));
            int total = all.stream().mapToInt(a -> a.length).sum();
            long[] merged = new long[total];
            int at = 0;
            for (long[] a : all) {
                System.arraycopy(a, 0, merged, at, a.length);
                at += a.length;
            }
            Arrays.sort(merged);
            for (int i = 1; i < merged.length; i++) {
                if (merged[i] == merged[i - 1]) {
                    fail("counter " + merged[i] + " sealed twice");
                }
            }
            assertTrue(total > producers * perProducer, "the consumers sealed too");
            assertEquals(total, pool.core.current().counter.get(), "every draw sealed exactly one packet");
            // A packet sealed now still opens: the pool's state survived the traffic.
            PacketBuilder b = pool.acquire.get();
            byte[] last = copy(b.begin(0, 0, 0).event(EVENT).seal());
            pool.release.accept(b);
            try (PacketReceiver r = PacketReceiver.onBackend(backend, key, session)) {
                assertEquals(1, Receivers.openWithoutReplayCheck(r, ByteBuffer.wrap(last)).eventCount());
            }
        } finally {
            exec.shutdownNow();
        }
    }
}
