package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiverTest.Sealer;
import dev.netseal.internal.aead.AeadBackend;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** One socket, many sessions: dispatch by session id, sessions changing while packets flow. */
class SessionTableTest {

    static byte[] keyOf(long session) {
        byte[] k = new byte[32];
        for (int i = 0; i < 32; i++) {
            k[i] = (byte) (session * 13 + i);
        }
        return k;
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void packetNeverOpensWithAnotherSessionsKey(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        OpenedPacket out = new OpenedPacket();
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            for (long s = 1; s <= 200; s++) {
                table.add(keyOf(s), s);
            }
            assertEquals(200, table.size());
            for (long s = 1; s <= 200; s++) {
                Sealer own = new Sealer(backend, keyOf(s), s);
                assertTrue(table.tryOpen(ByteBuffer.wrap(own.numbered(7)), out), out.refusalDetail());
                assertEquals(s, out.sessionId());
                // sealed with the next session's key but naming this session: never opens
                Sealer crossed = new Sealer(backend, keyOf(s % 200 + 1), s);
                assertFalse(table.tryOpen(ByteBuffer.wrap(crossed.numbered(8)), out));
                assertEquals(Reason.AUTH_FAILED, out.refusal());
            }
            Sealer stranger = new Sealer(backend, keyOf(999), 999);
            assertFalse(table.tryOpen(ByteBuffer.wrap(stranger.numbered(1)), out));
            assertEquals(Reason.WRONG_SESSION, out.refusal());
            assertThrows(IllegalStateException.class, () -> table.add(keyOf(5), 5), "a second session 5");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void workspaceIsNeverMadePerSession(String backendName) {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        OpenedPacket out = new OpenedPacket();
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            for (long s = 1; s <= 1000; s++) {
                table.add(keyOf(s), s);
            }
            for (long s = 1; s <= 1000; s++) {
                Sealer own = new Sealer(backend.delegate, keyOf(s), s);
                assertTrue(table.tryOpen(ByteBuffer.wrap(own.numbered(1)), out));
            }
        }
        assertEquals(1, backend.ciphers.get(), "ciphers made for 1000 sessions opened on one thread");
    }

    /**
     * 4 threads open traffic of 50 sessions while the main thread adds, rekeys and removes sessions:
     * every packet of a session that is in the table opens (or was sealed under a key the session no
     * longer has), no packet of a removed session opens, and removed sessions' keys are wiped.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sessionsChangingUnderTrafficNeverOpenAWrongPacket(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        int sessions = 50;
        SessionTable table = SessionTable.builderOnBackend(backend).build();
        for (long s = 1; s <= sessions; s++) {
            table.add(keyOf(s), s);
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong opened = new AtomicLong();
        AtomicLong wrongSession = new AtomicLong();
        AtomicLong counter = new AtomicLong();
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            done.add(threads.submit(() -> {
                OpenedPacket out = new OpenedPacket();
                Sealer[] sealers = new Sealer[sessions + 1];
                for (int s = 1; s <= sessions; s++) {
                    sealers[s] = new Sealer(backend, keyOf(s), s);
                }
                for (long i = 0; !stop.get(); i++) {
                    int s = (int) (i % sessions) + 1;
                    if (table.tryOpen(ByteBuffer.wrap(sealers[s].numbered(counter.getAndIncrement())), out)) {
                        assertEquals(s, out.sessionId());
                        opened.incrementAndGet();
                    } else if (out.refusal() == Reason.WRONG_SESSION) {
                        wrongSession.incrementAndGet();
                    } else {
                        // a session re-added or rekeyed under a new key (AUTH_FAILED), or a thread
                        // that was descheduled while the others moved the window on (TOO_OLD)
                        assertTrue(out.refusal() == Reason.AUTH_FAILED || out.refusal() == Reason.TOO_OLD,
                                out.refusalDetail());
                    }
                }
                return null;
            }));
        }
        try {
            Thread.sleep(100);
            for (long s = 1; s <= 10; s++) { // remove 10 sessions under traffic
                assertTrue(table.remove(s));
                assertFalse(table.contains(s));
            }
            for (long s = 11; s <= 20; s++) { // rekey 10 to a new id, then drop their old key
                table.rekey(s, keyOf(s + 1000), s + 1000);
                assertTrue(table.contains(s) && table.contains(s + 1000), "old id kept in its grace period");
                assertTrue(table.dropPreviousKey(s + 1000));
                assertFalse(table.contains(s), "old id dropped with its key");
            }
            for (long s = 1; s <= 10; s++) { // add them back with other keys
                table.add(keyOf(s + 5000), s);
            }
            Thread.sleep(100);
        } finally {
            stop.set(true);
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            threads.shutdownNow();
        }
        assertTrue(opened.get() > 0);
        assertTrue(wrongSession.get() > 0, "removed sessions' packets were refused WRONG_SESSION");
        table.close();
        assertEquals(0, table.size());
        assertThrows(IllegalStateException.class, () -> table.tryOpen(ByteBuffer.allocate(100), new OpenedPacket()));
        assertThrows(IllegalStateException.class, () -> table.add(keyOf(1), 1));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void removedSessionNeverKeepsItsKey(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            table.add(keyOf(1), 1);
            table.rekey(1, keyOf(2), 2);
            ReceiveSession.Keys keys = sessionKeys(table, 2);
            assertTrue(table.remove(1), "found by its previous id too");
            assertTrue(keys.current.key.isDestroyed());
            assertTrue(keys.previous.key.isDestroyed());
            assertFalse(table.contains(1));
            assertFalse(table.contains(2));
            assertFalse(table.remove(2));
            // the rekey onto another session's id is refused, and leaves both sessions as they were
            table.add(keyOf(3), 3);
            table.add(keyOf(4), 4);
            assertThrows(IllegalStateException.class, () -> table.rekey(3, keyOf(5), 4));
            assertEquals(2, table.size());
            OpenedPacket out = new OpenedPacket();
            assertTrue(table.tryOpen(ByteBuffer.wrap(new Sealer(backend, keyOf(4), 4).numbered(1)), out));
            assertTrue(table.tryOpen(ByteBuffer.wrap(new Sealer(backend, keyOf(3), 3).numbered(1)), out));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void droppedTableOrReceiverNeverKeepsItsKeys(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        SessionTable table = SessionTable.builderOnBackend(backend).build();
        table.add(keyOf(1), 1);
        table.add(keyOf(2), 2);
        ReceiveSession.Keys one = sessionKeys(table, 1);
        java.lang.ref.WeakReference<SessionTable> tableRef = new java.lang.ref.WeakReference<>(table);
        PacketReceiver receiver = PacketReceiver.onBackend(backend, keyOf(3), 3);
        receiver.rekey(keyOf(4), 4);
        ReceiveSession.Keys two = receiver.session().keys();
        java.lang.ref.WeakReference<PacketReceiver> receiverRef = new java.lang.ref.WeakReference<>(receiver);
        table = null;
        receiver = null;
        assertTrue(TestGc.clears(tableRef, 10_000), "a dropped table stays reachable");
        assertTrue(TestGc.clears(receiverRef, 10_000), "a dropped receiver stays reachable");
        assertTrue(TestGc.until(() -> one.current.key.isDestroyed() && two.current.key.isDestroyed()
                && two.previous.key.isDestroyed(), 10_000), "dropped without close(), keys never wiped");
    }

    private static ReceiveSession.Keys sessionKeys(SessionTable table, long id) {
        try {
            java.lang.reflect.Field f = SessionTable.class.getDeclaredField("sessions");
            f.setAccessible(true);
            return ((org.jctools.maps.NonBlockingHashMapLong<?>) f.get(table)).get(id) instanceof ReceiveSession
                    ? ((ReceiveSession) ((org.jctools.maps.NonBlockingHashMapLong<?>) f.get(table)).get(id)).keys()
                    : null;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * 20,000 virtual threads open one packet each: the cipher and scratch memory they borrow stays
     * bounded by the opens running at once, not the number of virtual threads. Runs on Java 21+
     * (./test.sh runs the suite on JDK 25 too); on Java 17 there are no virtual threads to test.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void virtualThreadsNeverGrowTheOpenWorkspaces(String backendName) throws Exception {
        Method perTask;
        try {
            perTask = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
        } catch (NoSuchMethodException e) {
            Assumptions.abort("Java " + Runtime.version().feature() + " has no virtual threads (needs 21+)");
            return;
        }
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        int tasks = 20_000;
        // The tasks open in whatever order the scheduler runs them: a window wider than the task
        // count keeps a late task from being refused TOO_OLD (this test is about memory).
        try (SessionTable table = SessionTable.builderOnBackend(backend).windowSize(1 << 15).build()) {
            table.add(keyOf(1), 1);
            Sealer s = new Sealer(backend.delegate, keyOf(1), 1);
            byte[][] packets = new byte[tasks][];
            for (int i = 0; i < tasks; i++) {
                packets[i] = s.numbered(i);
            }
            AtomicLong opened = new AtomicLong();
            ExecutorService vts = (ExecutorService) perTask.invoke(null);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int i = 0; i < tasks; i++) {
                    byte[] p = packets[i];
                    done.add(vts.submit(() -> {
                        OpenedPacket out = new OpenedPacket();
                        if (table.tryOpen(ByteBuffer.wrap(p), out)) {
                            opened.incrementAndGet();
                        }
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                vts.shutdown();
            }
            assertEquals(tasks, opened.get());
            long bound = 64 + 4L * Runtime.getRuntime().availableProcessors();
            assertTrue(backend.ciphers.get() <= bound, backend.ciphers.get() + " workspaces for " + tasks
                    + " virtual threads (bound " + bound + ")");
        }
    }
}
