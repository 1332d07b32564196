package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.internal.send.PoolCores;
import dev.netseal.internal.receive.ReplayWindow;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiverTest.Sealer;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.wire.HeaderLayout;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What ordinary networks do to a session: lose bursts of packets, reorder them, deliver them twice,
 * and receivers that join late or restart. None of it may stall a session or refuse a packet the
 * sender sealed honestly; none of it may let a packet in twice.
 */
public class ReceiverOnRealNetworksTest {

    static final long SESSION = 0x5E55_1011_0000_0001L;


    static boolean opens(PacketReceiver r, byte[] packet, OpenedPacket out) {
        return r.tryOpen(ByteBuffer.wrap(packet.clone()), out);
    }

    // ---- loss, late join, restart ----------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void lossBurstNeverStallsTheSession(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(1);
        Sealer s = new Sealer(backend, k, SESSION);
        OpenedPacket out = new OpenedPacket();
        for (long burst : new long[] {1023, 1024, 8191, 8192, 8193, 1_000_000}) {
            TestIsolation.forgetRetiredKeys(); // the same packets, on a fresh receiver: as in another JVM
            try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
                long c = 0;
                for (; c < 10; c++) {
                    assertTrue(opens(r, s.numbered(c), out), "before the burst: " + out.refusalDetail());
                }
                c += burst; // lost on the way
                for (int i = 0; i < 50; i++, c++) {
                    assertTrue(opens(r, s.numbered(c), out), "burst " + burst + ", counter " + c + ": "
                            + out.refusalDetail());
                    assertEquals("event " + c, new String(out.events().get(0), StandardCharsets.US_ASCII));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void lateOrRestartedReceiverNeverRefusesALiveSession(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(2);
        OpenedPacket out = new OpenedPacket();
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 8, k, SESSION, 0L,
                ThreadLocalPool.DEFAULT_LOCAL_CAPACITY)) {
            PoolCores.startCounterAt(pool.core, 123_456_789L); // a session that has run for a long time
            PacketReceiver first = PacketReceiver.onBackend(backend, k, SESSION);
            for (int i = 0; i < 100; i++) {
                assertTrue(first.tryOpen(seal(pool, i), out), "late join, packet " + i + ": " + out.refusalDetail());
            }
            first.close(); // the server restarts; the sender goes on
            for (int i = 0; i < 5000; i++) {
                seal(pool, -1); // sent while the receiver was down: lost
            TestIsolation.forgetRetiredKeys(); // a restarted server is a new process: it remembers no retired key
            }
            try (PacketReceiver second = PacketReceiver.onBackend(backend, k, SESSION)) {
                for (int i = 0; i < 100; i++) {
                    assertTrue(second.tryOpen(seal(pool, i), out), "after restart, packet " + i + ": "
                            + out.refusalDetail());
                    assertEquals(i, out.sequence());
                }
            }
        }
    }

    private static ByteBuffer seal(ThreadLocalPool pool, long sequence) {
        try (PacketBuilder b = pool.get()) {
            ByteBuffer view = b.begin(1, sequence, 0).event(new byte[] {(byte) sequence}).seal();
            ByteBuffer copy = ByteBuffer.allocateDirect(view.remaining());
            copy.put(view).flip();
            return copy;
        }
    }

    // ---- reordering ------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void reorderingWithinTheWindowNeverRefusesALegitimatePacket(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(3);
        int window = ReplayWindow.DEFAULT_SIZE;
        List<byte[]> sent = sealOnFourThreads(backend, k, 12_000);
        sent.sort(Comparator.comparingLong(ReceiverOnRealNetworksTest::counterOf));
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);

        // sliding: each packet is delayed by up to W-1 places (sorted by counter + delay)
        List<byte[]> sliding = new ArrayList<>(sent);
        Map<byte[], Long> delayed = new java.util.IdentityHashMap<>();
        for (byte[] p : sliding) {
            delayed.put(p, counterOf(p) + rnd.nextInt(window));
        }
        sliding.sort(Comparator.comparingLong(delayed::get));
        // blocks: every run of W consecutive counters arrives in a random order
        List<byte[]> blocks = new ArrayList<>();
        for (int from = 0; from < sent.size(); from += window) {
            List<byte[]> block = new ArrayList<>(sent.subList(from, Math.min(sent.size(), from + window)));
            Collections.shuffle(block, rnd);
            blocks.addAll(block);
        }
        for (List<byte[]> order : List.of(sliding, blocks)) {
            OpenedPacket out = new OpenedPacket();
            Set<String> events = new HashSet<>();
            TestIsolation.forgetRetiredKeys(); // the same packets, on a fresh receiver: as in another JVM
            try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
                for (byte[] p : order) {
                    assertTrue(opens(r, p, out), "counter " + counterOf(p) + " refused: " + out.refusalDetail()
                            + " (seed " + seed + ")");
                    assertTrue(events.add(new String(out.events().get(0), StandardCharsets.US_ASCII)));
                }
                for (byte[] p : order.subList(0, 100)) {
                    assertFalse(opens(r, p, out), "a replay opened");
                }
            }
            assertEquals(sent.size(), events.size());
        }
    }

    /** {@code perThread} packets from each of 4 threads sealing through one pool; each event unique. */
    static List<byte[]> sealOnFourThreads(AeadBackend backend, byte[] k, int perThread) throws Exception {
        ConcurrentLinkedQueue<byte[]> sent = new ConcurrentLinkedQueue<>();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 16, k, SESSION, 0L,
                ThreadLocalPool.DEFAULT_LOCAL_CAPACITY)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(threads.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        try (PacketBuilder b = pool.get()) {
                            ByteBuffer view = b.begin(thread, i, 0)
                                    .event(("t" + thread + "#" + i).getBytes(StandardCharsets.US_ASCII)).seal();
                            byte[] copy = new byte[view.remaining()];
                            view.get(copy);
                            sent.add(copy);
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        return new ArrayList<>(sent);
    }

    static long counterOf(byte[] packet) {
        return ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN).getLong(HeaderLayout.NONCE_COUNTER);
    }

    /**
     * Random deliveries (in order, reordered, duplicated, far ahead, too old) to two threads at
     * once, step by step: exactly one of them accepts a packet when a model of the window says it
     * is new, and both refuse it, with the model's reason, when it is not.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void racingThreadsNeverDisagreeWithTheWindowModel(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(4);
        Sealer s = new Sealer(backend, k, SESSION);
        int window = 256;
        long seed = TestSeeds.seed();
        Random rnd = new Random(seed);
        int steps = 3000;
        long[] counters = new long[steps];
        long top = 0;
        for (int i = 0; i < steps; i++) {
            int kind = rnd.nextInt(10);
            if (kind < 4) {
                top += 1 + rnd.nextInt(3);
                counters[i] = top;
            } else if (kind < 5) {
                top += window + rnd.nextInt(5 * window); // a loss burst
                counters[i] = top;
            } else if (kind < 8) {
                counters[i] = Math.max(0, top - rnd.nextInt(window + 40)); // reordered, maybe too old
            } else {
                counters[i] = counters[rnd.nextInt(i + 1)]; // a duplicate of something sent before
            }
        }
        ReplayModel model = new ReplayModel(window);
        CyclicBarrier barrier = new CyclicBarrier(2);
        ExecutorService two = Executors.newFixedThreadPool(2);
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).windowSize(window).build(k, SESSION)) {
            for (int i = 0; i < steps; i++) {
                byte[] packet = s.numbered(counters[i]);
                Reason expected = model.offer(counters[i]);
                List<Future<Reason>> results = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    results.add(two.submit(() -> {
                        OpenedPacket out = new OpenedPacket();
                        barrier.await(10, TimeUnit.SECONDS);
                        return opens(r, packet, out) ? null : out.refusal();
                    }));
                }
                Reason a = results.get(0).get(10, TimeUnit.SECONDS);
                Reason b = results.get(1).get(10, TimeUnit.SECONDS);
                String where = "step " + i + ", counter " + counters[i] + " (seed " + seed + ")";
                if (expected == null) {
                    assertTrue((a == null) != (b == null), "exactly one thread accepts: " + a + ", " + b + " at " + where);
                    assertEquals(Reason.REPLAYED, a == null ? b : a, where);
                } else {
                    assertEquals(expected, a, where);
                    assertEquals(expected, b, where);
                }
            }
        } finally {
            two.shutdownNow();
        }
    }

    /** The window of WIRE.md, written as plainly as possible (a set, not a bitmap). */
    static final class ReplayModel {
        final int window;
        final Set<Long> accepted = new HashSet<>();
        long highest = -1;

        ReplayModel(int window) {
            this.window = window;
        }

        /** Null if the counter is accepted (and records it), else the reason it is refused. */
        Reason offer(long c) {
            if (highest >= 0 && c <= highest - window) {
                return Reason.TOO_OLD;
            }
            if (!accepted.add(c)) {
                return Reason.REPLAYED;
            }
            highest = Math.max(highest, c);
            return null;
        }
    }

    // ---- what a refusal costs -------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void refusedReplayOrTooOldNeverRunsTheAeadNorTouchesTheBuffer(String backendName) {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        byte[] k = key(5);
        Sealer s = new Sealer(TestBackends.get(backendName), k, SESSION);
        OpenedPacket out = new OpenedPacket();
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).windowSize(1024).build(k, SESSION)) {
            byte[] old = s.numbered(5);
            byte[] replayed = s.numbered(2000);
            assertTrue(opens(r, old, out));
            assertTrue(opens(r, replayed, out));
            long aeadCalls = backend.opens.get();
            for (ByteBuffer buf : buffers(replayed)) {
                List<Object> before = snapshot(buf);
                assertFalse(r.tryOpen(buf, out));
                assertEquals(Reason.REPLAYED, out.refusal());
                assertEquals(before, snapshot(buf), "a refused replay changed the caller's buffer");
            }
            for (ByteBuffer buf : buffers(s.numbered(5))) {
                List<Object> before = snapshot(buf);
                assertFalse(r.tryOpen(buf, out));
                assertEquals(Reason.TOO_OLD, out.refusal());
                assertEquals(before, snapshot(buf), "a refused old packet changed the caller's buffer");
            }
            assertEquals(aeadCalls, backend.opens.get(), "the AEAD ran for a packet the window refuses");
            // a forgery does run the AEAD, and leaves the buffer as it was too
            byte[] forged = s.numbered(3000);
            forged[forged.length - 20] ^= 1;
            for (ByteBuffer buf : buffers(forged)) {
                List<Object> before = snapshot(buf);
                assertFalse(r.tryOpen(buf, out));
                assertEquals(Reason.AUTH_FAILED, out.refusal());
                assertEquals(before, snapshot(buf), "a forgery changed the caller's buffer");
            }
        }
    }

    /** The same packet in a heap, a direct and a read-only buffer, at an offset inside each. */
    static List<ByteBuffer> buffers(byte[] packet) {
        List<ByteBuffer> out = new ArrayList<>();
        ByteBuffer heap = ByteBuffer.allocate(packet.length + 10);
        heap.position(7);
        heap.put(packet).flip().position(7);
        out.add(heap);
        ByteBuffer direct = ByteBuffer.allocateDirect(packet.length + 10);
        direct.position(3);
        direct.put(packet).flip().position(3);
        out.add(direct);
        out.add(ByteBuffer.wrap(packet.clone()).asReadOnlyBuffer());
        return out;
    }

    /** Every byte of the buffer's capacity, and its position and limit. */
    static List<Object> snapshot(ByteBuffer buf) {
        ByteBuffer all = buf.duplicate().clear();
        byte[] bytes = new byte[all.capacity()];
        all.get(bytes);
        return List.of(java.util.Arrays.toString(bytes), buf.position(), buf.limit());
    }

    /** Refusing allocates nothing: measured with the JVM's per-thread allocation counter. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void refusalNeverAllocates(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(6);
        Sealer s = new Sealer(backend, k, SESSION);
        java.util.function.LongSupplier allocated = allocatedBytesOfThisThread();
        OpenedPacket out = new OpenedPacket();
        try (PacketReceiver r = PacketReceiver.builderOnBackend(backend).windowSize(1024).build(k, SESSION)) {
            byte[] accepted = s.numbered(5000);
            assertTrue(opens(r, accepted, out));
            byte[] forged = s.numbered(6000);
            forged[forged.length - 1] ^= 1;
            byte[] wrongSession = accepted.clone();
            wrongSession[HeaderLayout.SESSION_ID] ^= 1;
            byte[] badMagic = accepted.clone();
            badMagic[0] ^= 1;
            Map<Reason, ByteBuffer> cases = new EnumMap<>(Reason.class);
            cases.put(Reason.REPLAYED, direct(accepted));
            cases.put(Reason.TOO_OLD, direct(s.numbered(1)));
            cases.put(Reason.AUTH_FAILED, direct(forged));
            cases.put(Reason.WRONG_SESSION, direct(wrongSession));
            cases.put(Reason.BAD_MAGIC, direct(badMagic));
            // Warm up until the JIT's final tier compiles the path: the interpreter and the first
            // tier allocate where the final code does not (BouncyCastle's init makes a small object
            // that escape analysis removes).
            for (int warm = 0; warm < 3; warm++) {
                for (Map.Entry<Reason, ByteBuffer> e : cases.entrySet()) {
                    for (int i = 0; i < 20_000; i++) {
                        assertFalse(r.tryOpen(e.getValue(), out));
                        assertEquals(e.getKey(), out.refusal());
                    }
                }
            }
            for (Map.Entry<Reason, ByteBuffer> e : cases.entrySet()) {
                ByteBuffer packet = e.getValue();
                long before = allocated.getAsLong();
                for (int i = 0; i < 10_000; i++) {
                    r.tryOpen(packet, out);
                }
                long bytes = allocated.getAsLong() - before;
                assertEquals(e.getKey(), out.refusal());
                // the counter itself may report a few dozen bytes of noise; a refusal that built a
                // message or an exception would show 10,000 × 100 bytes or more
                assertTrue(bytes < 2048, e.getKey() + " allocated " + bytes + " bytes for 10,000 refusals");
            }
            // the last case measured (EnumMap order) was the forgery: its text is built only now
            assertEquals("tag did not verify (counter 6000)", out.refusalDetail());
        }
    }

    /**
     * The JVM's count of bytes this thread allocated ({@code com.sun.management.ThreadMXBean},
     * reached reflectively: the library's module does not read jdk.management).
     */
    public static java.util.function.LongSupplier allocatedBytesOfThisThread() {
        try {
            Object mx = ManagementFactory.getThreadMXBean();
            java.lang.reflect.Method m = Class.forName("com.sun.management.ThreadMXBean")
                    .getMethod("getThreadAllocatedBytes", long.class);
            long id = Thread.currentThread().getId();
            java.util.function.LongSupplier read = () -> {
                try {
                    return (long) m.invoke(mx, id);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            };
            // Reflection generates an accessor class after some calls, allocating kilobytes on this
            // thread: make that happen now, not between two readings.
            for (int i = 0; i < 64; i++) {
                read.getAsLong();
            }
            return read;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("this JVM does not count allocated bytes per thread", e);
        }
    }

    static ByteBuffer direct(byte[] packet) {
        ByteBuffer b = ByteBuffer.allocateDirect(packet.length);
        b.put(packet).flip();
        return b;
    }

    // ---- one byte order -------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void bufferNeverReadsEventBytesInAnotherOrder(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(7);
        Sealer s = new Sealer(backend, k, SESSION);
        byte[] event = {1, 2, 3, 4, 5, 6, 7, 8};
        long expected = 0x0807060504030201L; // the event read as a little-endian long
        long counter = 0;
        try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION)) {
            for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
                for (int kind = 0; kind < 3; kind++) {
                    ByteBuffer buf = buffers(s.data(counter++, new byte[3], event)).get(kind);
                    buf.order(order);
                    OpenedPacket out = new OpenedPacket();
                    assertTrue(r.tryOpen(buf, out), out.refusalDetail());
                    String where = (buf.isDirect() ? "direct" : "heap") + (buf.isReadOnly() ? " read-only " : " ")
                            + order;
                    assertEquals(ByteOrder.LITTLE_ENDIAN, out.buffer().order(), where);
                    assertEquals(expected, out.buffer().getLong(out.eventOffset(1)), where);
                    byte[] got = new byte[8];
                    out.buffer().get(out.eventOffset(1), got);
                    assertArrayEquals(event, got, where);
                    assertEquals(expected, out.event(1).getLong(0), where);
                    assertEquals(counter - 1, out.counter(), where);
                    assertEquals(out.packetOffset(), out.buffer().position(), where);
                    assertEquals(out.packetOffset() + out.packetLength(), out.buffer().limit(), where);
                    if (!buf.isReadOnly()) { // the plaintext is in the caller's own buffer
                        assertEquals(5, buf.get(out.eventOffset(1) + 4), where);
                    }
                }
            }
        }
    }
}
