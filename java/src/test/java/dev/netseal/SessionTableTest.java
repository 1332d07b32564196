package dev.netseal;

import dev.netseal.internal.receive.ReceiveSession;
import dev.netseal.internal.receive.SessionIdMap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiverTest.Sealer;
import dev.netseal.internal.aead.AeadBackend;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
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
            ReceiveSession.KeySet keys = sessionKeys(table, 2);
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
        ReceiveSession.KeySet one = sessionKeys(table, 1);
        java.lang.ref.WeakReference<SessionTable> tableRef = new java.lang.ref.WeakReference<>(table);
        PacketReceiver receiver = PacketReceiver.onBackend(backend, keyOf(3), 3);
        receiver.rekey(keyOf(4), 4);
        ReceiveSession.KeySet two = receiver.session.keys();
        java.lang.ref.WeakReference<PacketReceiver> receiverRef = new java.lang.ref.WeakReference<>(receiver);
        table = null;
        receiver = null;
        assertTrue(TestGc.clears(tableRef, 10_000), "a dropped table stays reachable");
        assertTrue(TestGc.clears(receiverRef, 10_000), "a dropped receiver stays reachable");
        assertTrue(TestGc.until(() -> one.current.key.isDestroyed() && two.current.key.isDestroyed()
                && two.previous.key.isDestroyed(), 10_000), "dropped without close(), keys never wiped");
    }

    private static ReceiveSession.KeySet sessionKeys(SessionTable table, long id) {
        try {
            java.lang.reflect.Field f = SessionTable.class.getDeclaredField("sessions");
            f.setAccessible(true);
            return ((SessionIdMap<?>) f.get(table)).get(id) instanceof ReceiveSession s ? s.keys() : null;
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
    // ---- the public entry points: create(), builder(), open() ------------------------------------

    /** The table users make (on the active backend) opens its sessions' packets, and only once. */
    @Test
    void publicTableNeverOpensAPacketTwice() throws Exception {
        Sealer s = new Sealer(TestBackends.get("java"), keyOf(31), 31);
        byte[] packet = s.numbered(5);
        try (SessionTable table = SessionTable.create()) {
            table.add(keyOf(31), 31);
            OpenedPacket opened = table.open(ByteBuffer.wrap(packet.clone()));
            assertSame(PacketReceiver.threadResult(), opened, "open() returns the calling thread's result");
            assertTrue(opened.isOpened());
            assertEquals(5, opened.counter());
            assertEquals(31, opened.sessionId());
            PacketException replay = assertThrows(PacketException.class, () -> table.open(ByteBuffer.wrap(packet.clone())));
            assertEquals(Reason.REPLAYED, replay.reason());
            PacketException stranger = assertThrows(PacketException.class,
                    () -> table.open(ByteBuffer.wrap(new Sealer(TestBackends.get("java"), keyOf(32), 32).numbered(1))));
            assertEquals(Reason.WRONG_SESSION, stranger.reason());
        }
    }

    /** The builder's window size is every session's: a counter a whole window behind is refused. */
    @Test
    void builtTableNeverIgnoresItsWindowSize() throws Exception {
        Sealer s = new Sealer(TestBackends.get("java"), keyOf(33), 33);
        try (SessionTable table = SessionTable.builder().windowSize(64).previousKeyGrace(Duration.ZERO).build()) {
            table.add(keyOf(33), 33);
            table.open(ByteBuffer.wrap(s.numbered(1000)));
            assertEquals(Reason.TOO_OLD, assertThrows(PacketException.class,
                    () -> table.open(ByteBuffer.wrap(s.numbered(1000 - 64)))).reason());
            assertEquals(1000 - 63, table.open(ByteBuffer.wrap(s.numbered(1000 - 63))).counter());
            // No grace: after a rekey onto a new id, the old id answers no more.
            table.rekey(33, keyOf(34), 34);
            assertFalse(table.contains(33), "a table built without grace kept the previous id");
            assertEquals(Reason.WRONG_SESSION, assertThrows(PacketException.class,
                    () -> table.open(ByteBuffer.wrap(s.numbered(2000)))).reason());
        }
    }

    /** With a grace period, the previous id keeps opening its own packets after a rekey. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyNeverCutsOffThePreviousKeyInItsGrace(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        Sealer before = new Sealer(backend, keyOf(35), 35);
        Sealer after = new Sealer(backend, keyOf(36), 36);
        try (SessionTable table = SessionTable.builderOnBackend(backend).previousKeyGrace(Duration.ofMinutes(5))
                .build()) {
            table.add(keyOf(35), 35);
            table.open(ByteBuffer.wrap(before.numbered(1)));
            table.rekey(35, keyOf(36), 36);
            assertEquals(2, table.size(), "both ids answer in the grace period");
            assertEquals(2, table.open(ByteBuffer.wrap(before.numbered(2))).counter());
            assertEquals(1, table.open(ByteBuffer.wrap(after.numbered(1))).counter());
            assertTrue(table.dropPreviousKey(36));
            assertFalse(table.contains(35));
        }
    }

    /**
     * A rekey the session refuses (a key of the wrong length, or the key and id already in use)
     * leaves the table as it was: the new id is not left mapped, the old one still answers.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void refusedRekeyNeverLeavesTheTableChanged(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        Sealer s = new Sealer(backend, keyOf(37), 37);
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            table.add(keyOf(37), 37);
            assertThrows(IllegalArgumentException.class, () -> table.rekey(37, new byte[5], 38));
            assertFalse(table.contains(38), "a refused rekey left its new id mapped");
            assertThrows(IllegalArgumentException.class, () -> table.rekey(37, keyOf(37), 37));
            assertTrue(table.contains(37), "a refused rekey onto the same id unmapped the session");
            assertEquals(1, table.size());
            assertEquals(1, table.open(ByteBuffer.wrap(s.numbered(1))).counter());
            // A refused rekey onto the same id with a bad key, then a good rekey onto a new id.
            assertThrows(IllegalArgumentException.class, () -> table.rekey(37, new byte[31], 37));
            assertTrue(table.contains(37));
            table.rekey(37, keyOf(38), 38);
            assertTrue(table.contains(38));
        }
    }

    /**
     * A session removed while a rekey waits for its lock is not rekeyed: the rekey is refused,
     * saying so, and neither id answers afterwards.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void rekeyOfASessionRemovedMeanwhileIsRefused(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            table.add(keyOf(39), 39);
            ReceiveSession session = java.util.Objects.requireNonNull(table.sessions.get(39));
            java.util.concurrent.atomic.AtomicReference<Throwable> refused = new java.util.concurrent.atomic.AtomicReference<>();
            Thread rekeyer = new Thread(() -> {
                try {
                    table.rekey(39, keyOf(40), 40);
                } catch (Throwable t) {
                    refused.set(t);
                }
            });
            synchronized (session) {
                rekeyer.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (rekeyer.getState() != Thread.State.BLOCKED && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(Thread.State.BLOCKED, rekeyer.getState(), "the rekey never reached the session's lock");
                assertTrue(table.remove(39));
            }
            rekeyer.join(10_000);
            assertTrue(refused.get() instanceof IllegalStateException, String.valueOf(refused.get()));
            assertTrue(refused.get().getMessage().contains("was removed while it was being rekeyed"), refused.get().getMessage());
            assertFalse(table.contains(39));
            assertFalse(table.contains(40), "a removed session answers to its new id");
            assertEquals(0, table.size());
        }
    }

    /**
     * What the endpoint judges a session's liveness by: the highest counter its current key
     * accepted, -1 before any, -2 for an id no session answers to.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void highestAcceptedIsTheCurrentKeysHighestCounter(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        Sealer s = new Sealer(backend, keyOf(41), 41);
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            assertEquals(-2, table.highestAccepted(41));
            table.add(keyOf(41), 41);
            assertEquals(-1, table.highestAccepted(41));
            table.open(ByteBuffer.wrap(s.numbered(7)));
            table.open(ByteBuffer.wrap(s.numbered(3)));
            assertEquals(7, table.highestAccepted(41));
            ReceiveSession session = java.util.Objects.requireNonNull(table.sessions.get(41));
            table.remove(41);
            assertEquals(-2, table.highestAccepted(41));
            assertEquals(-2, session.highestAccepted(), "a closed session");
        }
    }

    /** A closed table imports no key (nothing to wipe later), and says it is closed. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void closedTableNeverImportsAKey(String backendName) {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        SessionTable table = SessionTable.builderOnBackend(backend).build();
        table.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> table.add(keyOf(39), 39));
        assertEquals("session table is closed", e.getMessage());
        assertEquals(0, backend.imported.size(), "a closed table imported a key");
        assertEquals(0, table.size());
    }

    /**
     * close() running while add() is between its check and its put (forced here by closing the
     * table from inside the key import): add must not leave the session, nor its key, behind.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void addRacingCloseNeverLeavesAKeyBehind(String backendName) {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        SessionTable table = SessionTable.builderOnBackend(backend).build();
        backend.onImport = table::close;
        assertThrows(IllegalStateException.class, () -> table.add(keyOf(40), 40),
                "add() went on as if the table were open");
        assertFalse(table.contains(40), "a closed table kept a session added during its close");
        assertEquals(0, table.size());
        assertEquals(1, backend.imported.size());
        assertTrue(backend.imported.get(0).isDestroyed(), "the key of the session added during close() was kept");
    }

    /** A second add() of one id is refused, and the key it imported for nothing is wiped at once. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void refusedAddNeverKeepsItsKey(String backendName) {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            table.add(keyOf(41), 41);
            assertThrows(IllegalStateException.class, () -> table.add(keyOf(42), 41));
            assertEquals(2, backend.imported.size());
            assertFalse(backend.imported.get(0).isDestroyed(), "the session in the table lost its key");
            assertTrue(backend.imported.get(1).isDestroyed(), "the refused session's key was kept");
            assertEquals(1, table.size());
        }
    }

    /** Asking about a session that is not there, or a table that is closed, says which. */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void unknownSessionOrClosedTableNeverPassesSilently(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        SessionTable table = SessionTable.builderOnBackend(backend).build();
        table.add(keyOf(43), 43);
        assertFalse(table.dropPreviousKey(43), "a session never rekeyed dropped a previous key");
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> table.dropPreviousKey(44));
        assertEquals("no session 44 in the table", none.getMessage());
        assertThrows(IllegalStateException.class, () -> table.rekey(44, keyOf(45), 45));
        assertFalse(table.contains(45));
        table.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> table.rekey(43, keyOf(46), 46));
        assertEquals("session table is closed", closed.getMessage());
        closed = assertThrows(IllegalStateException.class, () -> table.dropPreviousKey(43));
        assertEquals("session table is closed", closed.getMessage());
    }
}
