package dev.netseal;

import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static dev.netseal.ThreadLocalPoolTest.copy;
import static dev.netseal.TestKeys.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A builder used by two threads at once fails closed: the second thread is refused before it
 * writes a byte, so no packet ever goes out with bytes another thread wrote in clear under a tag
 * that verifies.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BuilderClaimTest {

    static final long SESSION = 0x5EA1_0000_0000_0012L;

    /** Events of 64 bytes, all one value per thread: a foreign byte in a packet is visible. */
    static byte[] event(int thread) {
        byte[] e = new byte[64];
        Arrays.fill(e, (byte) (0x41 + thread));
        return e;
    }

    /** A thread whose class lies about its id: 0 (the claim's FREE) or a negative number. */
    static final class LyingThread extends Thread {
        private final long lie;

        LyingThread(long lie, Runnable body) {
            super(body, "lying-thread-" + lie);
            this.lie = lie;
        }

        @Override
        @SuppressWarnings("deprecation")
        public long getId() {
            return lie;
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aThreadThatLiesAboutItsIdNeverSharesABuilder(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        for (long lie : new long[] {0L, -1L, -7L, Thread.currentThread().getId()}) {
            byte[] k = key(121);
            k[1] = (byte) lie;
            TestIsolation.forgetRetiredKeys();
            try (PacketPool pool = PacketPool.onBackend(backend, 2, k, SESSION, 0L)) {
                PacketBuilder b = pool.get();
                java.util.concurrent.CountDownLatch begun = new java.util.concurrent.CountDownLatch(1);
                java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
                Thread liar = new LyingThread(lie, () -> {
                    b.begin(1, 1, 0).event(event(0));
                    begun.countDown();
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                liar.start();
                assertTrue(begun.await(30, TimeUnit.SECONDS));
                List<String> refused = new ArrayList<>();
                tryRefused(refused, "begin", () -> b.begin(2, 2, 0));
                tryRefused(refused, "event", () -> b.event(event(1)));
                done.countDown();
                liar.join();
                assertEquals(List.of("begin", "event"), refused,
                        "a thread whose getId() returns " + lie + " shared its begun packet with another thread");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void secondThreadNeverWritesIntoABegunPacket(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(120);
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (PacketPool pool = PacketPool.onBackend(backend, 2, k, SESSION, 0L)) {
            PacketBuilder b = pool.get();
            b.begin(1, 1, 0).event(event(0));
            // Every way in for another thread is refused while this thread holds the packet.
            List<String> refused = other.submit(() -> {
                List<String> r = new ArrayList<>();
                tryRefused(r, "begin", () -> b.begin(2, 2, 0));
                tryRefused(r, "event", () -> b.event(event(1)));
                tryRefused(r, "seal", b::seal);
                tryRefused(r, "heartbeat", b::buildHeartbeat);
                tryRefused(r, "handshake", () -> b.buildHandshake(new byte[] {1}));
                tryRefused(r, "release", () -> pool.release(b));
                return r;
            }).get(30, TimeUnit.SECONDS);
            assertEquals(List.of("begin", "event", "seal", "heartbeat", "handshake", "release"), refused);
            byte[] packet = copy(b.seal());
            OpenedPacket opened = Codecs.on(backend).open(k, SESSION, packet);
            assertEquals(1, opened.eventCount());
            assertArrayEquals(event(0), opened.events().get(0), "the refused thread changed the packet");
            // Once sealed, the builder is free: another thread may use it in turn (a hand-off).
            byte[] next = other.submit(() -> copy(b.begin(3, 3, 0).event(event(1)).seal())).get(30, TimeUnit.SECONDS);
            assertArrayEquals(event(1), Codecs.on(backend).open(k, SESSION, next)
                    .events().get(0));
            pool.release(b);
        } finally {
            other.shutdownNow();
        }
    }

    /**
     * True when {@code packet} opens to exactly {@code event}; false when it does not verify;
     * fails when it verifies with any other content (a tag over bytes that were not sealed).
     */
    private static boolean opensTo(InsecureExplicitNonceCodec codec, byte[] k, byte[] packet, byte[] event) {
        OpenedPacket opened;
        try {
            opened = codec.open(k, SESSION, packet);
        } catch (PacketException e) {
            return false;
        }
        return opened.eventCount() == 1 && Arrays.equals(event, opened.events().get(0));
    }

    private static boolean verifies(InsecureExplicitNonceCodec codec, byte[] k, byte[] packet) {
        try {
            codec.open(k, SESSION, packet);
            return true;
        } catch (PacketException e) {
            return false;
        }
    }

    /** Arrives at a spinning barrier and waits until {@code parties} arrivals in all. */
    private static void await(AtomicInteger arrivals, int parties) {
        arrivals.incrementAndGet();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int spins = 0; arrivals.get() < parties; spins++) {
            if ((spins & 1023) == 1023) {
                assertTrue(System.nanoTime() < deadline, "the other racer stopped");
                Thread.yield(); // two cores shared with others: let the other racer run
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private static void tryRefused(List<String> refused, String what, Runnable r) {
        try {
            r.run();
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().contains("in use by another thread"), what + ": " + e.getMessage());
            refused.add(what);
        }
    }

    /**
     * Two threads race begin-event-seal on one builder, round after round. In a round where one
     * thread was refused, the other's packet must open to exactly its own event (the refused
     * thread wrote nothing). In a round where both sealed, their seals did not overlap: the later
     * packet must be exact, and the earlier one (its view overwritten by the later begin, as the
     * view's contract allows) must be exact, not verify at all, or be the later packet whole. No
     * packet ever verifies with bytes that no single seal wrote.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void racingThreadsOnOneBuilderNeverSealAPacketThatIsNotTheirs(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(121);
        // Rounds go on until the threads have overlapped often enough (or 20 s passed): on a loaded
        // machine the two racers are sometimes not running at the same time for thousands of rounds.
        int minRounds = 2_000;
        int maxRounds = 200_000;
        int enoughRefusals = 50;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        java.util.concurrent.atomic.AtomicBoolean timeUp = new java.util.concurrent.atomic.AtomicBoolean();
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        ExecutorService two = Executors.newFixedThreadPool(2);
        try (PacketPool pool = PacketPool.onBackend(backend, 2, k, SESSION, 0L)) {
            PacketBuilder b = pool.get();
            // Spinning barriers: both threads leave within nanoseconds, so their packets overlap.
            AtomicInteger start = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            byte[][][] packets = new byte[2][maxRounds][];
            AtomicInteger refusals = new AtomicInteger();
            List<Future<Integer>> racers = new ArrayList<>();
            long seed = TestSeeds.seed(); // the spin jitter's (TestIsolation prints it on failure)
            for (int t = 0; t < 2; t++) {
                int id = t;
                // SplittableRandom mixes its seed: java.util.Random's first draws from seeds s and
                // s + 1 are nearly equal, which would give both racers the same jitter.
                java.util.SplittableRandom jitter = new java.util.SplittableRandom(seed + id);
                racers.add(two.submit(() -> {
                    byte[] mine = event(id);
                    int round = 0;
                    while (true) {
                        await(start, 2 * (round + 1));
                        for (int spin = jitter.nextInt(64); spin > 0; spin--) {
                            Thread.onSpinWait(); // vary which step overlaps which
                        }
                        try {
                            packets[id][round] = copy(b.begin(id, round, 0).event(mine).seal());
                        } catch (IllegalStateException e) {
                            assertTrue(e.getMessage().contains("in use by another thread"), e.getMessage());
                            refusals.incrementAndGet();
                        }
                        if (id == 0 && System.nanoTime() > deadline) {
                            timeUp.set(true); // before the barrier: both threads read it after
                        }
                        await(done, 2 * (round + 1));
                        round++;
                        // Both threads see the same count here: neither writes it before the next start.
                        if (round == maxRounds || timeUp.get()
                                || round >= minRounds && refusals.get() >= enoughRefusals) {
                            return round;
                        }
                    }
                }));
            }
            int rounds = racers.get(0).get(120, TimeUnit.SECONDS);
            assertEquals(rounds, racers.get(1).get(100, TimeUnit.SECONDS), "the racers ran different rounds");
            int refused = refusals.get();
            int overwrittenViews = 0;
            for (int round = 0; round < rounds; round++) {
                byte[] p0 = packets[0][round];
                byte[] p1 = packets[1][round];
                assertTrue(p0 != null || p1 != null, "round " + round + ": both threads were refused");
                boolean[] exact = new boolean[2];
                for (int id = 0; id < 2; id++) {
                    exact[id] = packets[id][round] != null
                            && opensTo(codec, k, packets[id][round], event(id));
                }
                if (p0 == null || p1 == null) {
                    int id = p0 == null ? 1 : 0;
                    assertTrue(exact[id], "round " + round + ": thread " + id + " sealed alone (the other was"
                            + " refused before writing), yet its packet is not exactly its own");
                    continue;
                }
                // Both sealed, one after the other: the later copy is intact; the earlier view may
                // have been rewritten by the later packet (partly: then it does not verify, which
                // opensTo checks; or whole: then it is the later packet byte for byte).
                assertTrue(exact[0] || exact[1], "round " + round + ": neither of two sealed packets is intact");
                for (int id = 0; id < 2; id++) {
                    if (!exact[id]) {
                        overwrittenViews++;
                        byte[] mine = packets[id][round];
                        byte[] theirs = packets[1 - id][round];
                        assertTrue(Arrays.equals(mine, theirs) || !verifies(codec, k, mine),
                                "round " + round + ": thread " + id + "'s packet verifies with bytes no single"
                                        + " seal wrote");
                    }
                }
            }
            assertTrue(refused > 0, "the threads never overlapped: the race was not exercised");
            System.out.printf("%s: %d of %d rounds had a refusal; %d earlier views overwritten by a later seal%n",
                    backendName, refused, rounds, overwrittenViews);
            pool.release(b);
        } finally {
            two.shutdownNow();
        }
    }
}
