package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.internal.send.PoolCores;
import dev.netseal.interop.Codecs;
import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A batch seals exactly the packets single seals would, draws its counters in one reservation per
 * session, refuses what does not fit before it draws, and never repeats a (key, nonce) however
 * threads, single seals and rekeys interleave with it.
 */
class PacketBatchTest {
    static final long SESSION_A = 0x0BA7_C400_0000_0001L;
    static final long SESSION_B = 0x0BA7_C400_0000_0002L;

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aBatchSealsTheVeryPacketsSingleSealsWould(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] keyA = key(70);
        byte[] keyB = key(71);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, keyA, SESSION_A, 0L, 8);
             SealingSession b = pool.newSession(keyB, SESSION_B)) {
            SealingSession a = Receivers.defaultSession(pool);
            ByteBuffer dst = backend.allocate(64 * 1024);
            dst.position(11); // not at the start
            // sessions A A B A: three runs, so A draws 2 then 1 (after B's 1)
            SealingSession[] order = {a, a, b, a};
            int[] sizes = {64, 64, 10, 0};
            PacketBatch batch;
            try (PacketBuilder builder = pool.get()) {
                batch = builder.batch(dst);
                for (int i = 0; i < order.length; i++) {
                    batch.begin(order[i], 5, 100 + i, NetV1.FLAG_RELIABLE);
                    if (sizes[i] > 0) {
                        batch.event(event(sizes[i], i));
                    }
                    if (i == 1) {
                        batch.fragment(NetV1.FRAG_MORE, 1, 3).event(ByteBuffer.wrap(event(7, 9)));
                    }
                }
                int total = batch.seal();
                assertEquals(11 + total, dst.position(), "position moves past the batch");
            }
            long[] counters = {0, 1, 0, 2};
            int at = 11;
            for (int i = 0; i < order.length; i++) {
                assertEquals(at, batch.packetOffset(i));
                byte[] got = new byte[batch.packetLength(i)];
                dst.get(at, got);
                at += got.length;
                boolean isA = order[i] == a;
                List<byte[]> events = new ArrayList<>();
                if (sizes[i] > 0) {
                    events.add(event(sizes[i], i));
                }
                if (i == 1) {
                    events.add(event(7, 9));
                }
                byte[] expected = codec.sealData(isA ? keyA : keyB, isA ? SESSION_A : SESSION_B, counters[i], 5,
                        100 + i, NetV1.FLAG_RELIABLE, 0L, 0, 0, events);
                if (i == 1) { // the codec writes no fragment fields: compare after opening instead
                    OpenedPacket opened = codec.open(keyA, SESSION_A, got);
                    assertEquals(2, opened.eventCount());
                    assertEquals(NetV1.FRAG_MORE, got[HeaderLayout.FRAG_FLAGS]);
                    assertArrayEquals(event(7, 9), opened.events().get(1));
                    continue;
                }
                assertArrayEquals(expected, got, "packet " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void whatDoesNotFitIsRefusedBeforeAnyCounterIsDrawn(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, key(72),
                SESSION_A, 0L, 8);
             PacketBuilder builder = pool.get()) {
            ByteBuffer dst = backend.allocate(1000);
            PacketBatch batch = builder.batch(dst);
            batch.begin(Receivers.defaultSession(pool), 1, 1, 0).event(new byte[100]);
            IllegalArgumentException room = assertThrows(IllegalArgumentException.class,
                    () -> batch.event(new byte[2000]));
            assertTrue(room.getMessage().contains("destination has"), room.getMessage());
            IllegalStateException twice = assertThrows(IllegalStateException.class,
                    () -> builder.batch(backend.allocate(20_000)));
            assertTrue(twice.getMessage().contains("batch is open"), twice.getMessage());
            assertEquals(0L, pool.core.current().counter.get(), "nothing drawn by refusals");
            int length = batch.seal();
            assertEquals(Wire.sealedLength(104), length);
            assertEquals(1L, pool.core.current().counter.get(), "one packet, one counter");

            ByteBuffer large = backend.allocate(30_000);
            PacketBatch second = builder.batch(large);
            second.begin(Receivers.defaultSession(pool), 1, 2, 0);
            IllegalArgumentException payload = assertThrows(IllegalArgumentException.class,
                    () -> second.event(new byte[NetV1.MAX_PAYLOAD_SIZE]));
            assertTrue(payload.getMessage().contains("payload too large"), payload.getMessage());
            for (int i = 1; i < PacketBatch.MAX_PACKETS; i++) {
                second.begin(Receivers.defaultSession(pool), 1, 2 + i, 0);
            }
            IllegalStateException full = assertThrows(IllegalStateException.class,
                    () -> second.begin(Receivers.defaultSession(pool), 1, 0, 0));
            assertTrue(full.getMessage().contains("batch is full"), full.getMessage());
            assertEquals(1L, pool.core.current().counter.get(), "still nothing drawn");
            assertThrows(IllegalStateException.class, () -> builder.begin(1, 1, 0), "no single packet in a batch");
            assertEquals(PacketBatch.MAX_PACKETS * Wire.sealedLength(0), second.seal());
            assertEquals(1L + PacketBatch.MAX_PACKETS, pool.core.current().counter.get(), "one draw of 256");
            assertThrows(IllegalStateException.class, () -> second.begin(Receivers.defaultSession(pool), 1, 1, 0),
                    "a sealed batch takes no more packets");
        }
    }

    /**
     * The sizing calls never misreport: remainingPayload is the packet's limit or dst's room,
     * whichever is smaller, each event taking its prefix; packetCount and packetLength follow every
     * begin and event; a reserved event is sealed with the bytes the caller wrote there, the same
     * packet as event() makes; a negative reservation is refused before it changes anything.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sizingAndReservedEventsNeverMisreport(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(75);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, k, SESSION_A, 0L, 8);
             PacketBuilder builder = pool.get()) {
            ByteBuffer dst = backend.allocate(20_000);
            PacketBatch batch = builder.batch(dst);
            assertEquals(0, batch.packetCount());
            assertThrows(IllegalStateException.class, batch::remainingPayload, "no packet begun");
            batch.begin(Receivers.defaultSession(pool), 1, 1, 0);
            assertEquals(1, batch.packetCount());
            assertEquals(NetV1.MAX_PAYLOAD_SIZE, batch.remainingPayload(), "an empty packet in a large dst");
            assertEquals(Wire.sealedLength(0), batch.packetLength(0));
            int at = batch.reserve(3);
            assertEquals(NetV1.HEADER_SIZE + NetV1.EVENT_PREFIX_SIZE, at, "the first event's bytes follow its prefix");
            dst.put(at, (byte) 7).put(at + 1, (byte) 8).put(at + 2, (byte) 9);
            assertEquals(NetV1.MAX_PAYLOAD_SIZE - 7, batch.remainingPayload());
            assertEquals(Wire.sealedLength(7), batch.packetLength(0));
            assertThrows(IllegalArgumentException.class, () -> batch.reserve(-1));
            assertEquals(Wire.sealedLength(7), batch.packetLength(0), "a refused reservation changed the packet");
            batch.begin(Receivers.defaultSession(pool), 1, 2, 0).event(new byte[] {7, 8, 9});
            assertEquals(2, batch.packetCount());
            assertEquals(batch.packetLength(0), batch.packetLength(1));
            assertThrows(IndexOutOfBoundsException.class, () -> batch.packetLength(2));
            batch.seal();
            byte[] reserved = new byte[batch.packetLength(0)];
            byte[] written = new byte[batch.packetLength(1)];
            dst.get(batch.packetOffset(0), reserved);
            dst.get(batch.packetOffset(1), written);
            try (PacketReceiver r = PacketReceiver.onBackend(backend, k, SESSION_A)) {
                assertEquals(List.of(List.of((byte) 7, (byte) 8, (byte) 9)), Receivers.eventLists(r.open(ByteBuffer.wrap(reserved))),
                        "a reserved event was not sealed with the bytes written there");
                assertEquals(List.of(List.of((byte) 7, (byte) 8, (byte) 9)), Receivers.eventLists(r.open(ByteBuffer.wrap(written))));
            }

            ByteBuffer small = backend.allocate(300);
            PacketBatch tight = builder.batch(small);
            tight.begin(Receivers.defaultSession(pool), 1, 3, 0);
            assertEquals(300 - NetV1.TAG_SIZE - NetV1.HEADER_SIZE, tight.remainingPayload(), "dst's room, not the packet's");
            tight.event(new byte[10]);
            assertEquals(300 - NetV1.TAG_SIZE - NetV1.HEADER_SIZE - 14, tight.remainingPayload());
            tight.seal();
        }
    }

    /**
     * Every limit is exact: an event that fills the packet's payload or the room left in dst to
     * the byte is taken and one byte more is refused, a packet that just fits dst is begun and one
     * that does not is refused, and bad header fields are refused in begin and fragment; nothing
     * refused is ever sealed.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void everyLimitIsExactToTheByte(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, key(76), SESSION_A, 0L, 8);
             PacketBuilder builder = pool.get()) {
            SealingSession own = Receivers.defaultSession(pool);
            int fullEvent = NetV1.MAX_PAYLOAD_SIZE - NetV1.EVENT_PREFIX_SIZE;
            PacketBatch big = builder.batch(backend.allocate(20_000));
            big.begin(own, 1, 1, 0);
            assertThrows(IllegalArgumentException.class, () -> big.event(new byte[fullEvent + 1]), "one byte past the payload");
            big.event(new byte[fullEvent]);
            assertEquals(0, big.remainingPayload());
            assertThrows(IllegalArgumentException.class, () -> big.event(new byte[0]), "a prefix past the payload");
            assertThrows(IllegalArgumentException.class, () -> big.begin(own, 1, 2, NetV1.FLAG_HANDSHAKE));
            assertThrows(IllegalArgumentException.class, () -> big.begin(own, 1, 2, 0, 1 << 16));
            assertEquals(1, big.packetCount(), "a refused begin added a packet");
            assertThrows(IllegalArgumentException.class, () -> big.fragment(1 << 8, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> big.fragment(0, 1 << 16, 0));
            assertThrows(IllegalArgumentException.class, () -> big.fragment(0, 0, 1 << 16));
            assertEquals(Wire.sealedLength(NetV1.MAX_PAYLOAD_SIZE), big.seal());

            int room = 10;
            int size = NetV1.HEADER_SIZE + NetV1.EVENT_PREFIX_SIZE + room + NetV1.TAG_SIZE;
            PacketBatch exact = builder.batch(backend.allocate(size));
            exact.begin(own, 1, 3, 0);
            assertEquals(NetV1.EVENT_PREFIX_SIZE + room, exact.remainingPayload());
            assertThrows(IllegalArgumentException.class, () -> exact.event(new byte[room + 1]), "one byte past dst");
            exact.event(new byte[room]);
            assertEquals("destination has 0 bytes left, a packet needs at least " + (NetV1.HEADER_SIZE + NetV1.TAG_SIZE),
                    assertThrows(IllegalArgumentException.class, () -> exact.begin(own, 1, 4, 0),
                            "no room for a second packet").getMessage());
            assertEquals(size, exact.seal());

            PacketBatch tooSmall = builder.batch(backend.allocate(NetV1.HEADER_SIZE + NetV1.TAG_SIZE - 1));
            assertThrows(IllegalArgumentException.class, () -> tooSmall.begin(own, 1, 5, 0), "an empty packet does not fit");
            assertEquals(0, tooSmall.packetCount());
            assertEquals(0, tooSmall.seal(), "an empty batch seals nothing");
            PacketBatch justFits = builder.batch(backend.allocate(NetV1.HEADER_SIZE + NetV1.TAG_SIZE));
            justFits.begin(own, 1, 6, 0);
            assertEquals(Wire.sealedLength(0), justFits.seal());
        }
    }

    /**
     * A batch that switches sessions at every packet (as many runs as packets, the most a batch
     * holds) seals each packet under its own session's key and id, from wherever dst's position
     * was, and returns exactly the bytes it wrote; every event call chains.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void everyPacketOfAMixedBatchOpensUnderItsOwnSession(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] keyA = key(78);
        byte[] keyB = key(79);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, keyA, SESSION_A, 0L, 8);
             SealingSession b = pool.newSession(keyB, SESSION_B);
             PacketBuilder builder = pool.get();
             PacketReceiver atA = PacketReceiver.onBackend(backend, keyA, SESSION_A);
             PacketReceiver atB = PacketReceiver.onBackend(backend, keyB, SESSION_B)) {
            int lead = 100;
            ByteBuffer dst = backend.allocate(lead + PacketBatch.MAX_PACKETS * Wire.sealedLength(2 * 4 + 3));
            dst.position(lead);
            PacketBatch batch = builder.batch(dst);
            for (int i = 0; i < PacketBatch.MAX_PACKETS; i++) {
                SealingSession s = i % 2 == 0 ? Receivers.defaultSession(pool) : b;
                assertTrue(batch == batch.begin(s, 1, i, 0)
                        .event(ByteBuffer.wrap(new byte[] {(byte) i}))
                        .event(ByteBuffer.wrap(new byte[] {(byte) (i >> 8), 7})), "event(ByteBuffer) chains");
            }
            int sealed = batch.seal();
            assertEquals(lead + sealed, dst.position(), "dst's position moves past the packets");
            assertEquals(PacketBatch.MAX_PACKETS * Wire.sealedLength(2 * 4 + 3), sealed);
            assertEquals(lead, batch.packetOffset(0), "the batch starts at dst's position");
            for (int i = 0; i < PacketBatch.MAX_PACKETS; i++) {
                byte[] packet = new byte[batch.packetLength(i)];
                dst.get(batch.packetOffset(i), packet);
                PacketReceiver own = i % 2 == 0 ? atA : atB;
                PacketReceiver other = i % 2 == 0 ? atB : atA;
                assertEquals(List.of(List.of((byte) i), List.of((byte) (i >> 8), (byte) 7)),
                        Receivers.eventLists(own.open(ByteBuffer.wrap(packet))), "packet " + i);
                assertThrows(PacketException.class, () -> other.open(ByteBuffer.wrap(packet)),
                        "packet " + i + " opened under the other session");
            }
        }
    }

    /**
     * A batch seals each run of one session's packets with one batch call of the cipher (one
     * native call on the native backend), not one per packet: A A A B B A is three calls.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void eachRunOfASessionIsOneSealCall(String backendName) throws Exception {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key(87), SESSION_A, 0L, 1);
             SealingSession b = pool.newSession(key(88), SESSION_B);
             PacketBuilder builder = pool.get()) {
            SealingSession a = Receivers.defaultSession(pool);
            PacketBatch batch = builder.batch(backend.allocate(2000));
            for (SealingSession s : List.of(a, a, a, b, b, a)) {
                batch.begin(s, 1, 1, 0).event(new byte[3]);
            }
            batch.seal();
            assertEquals(3, backend.sealBatches.get());
        }
    }

    /**
     * Sessions a batch sealed for are not kept by its builder afterwards: a closed session's
     * state is collected although the builder lives on in its pool.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aBuilderNeverKeepsTheSessionsOfItsLastBatch(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key(80), SESSION_A, 0L, 1);
             PacketBuilder builder = pool.get()) {
            SealingSession b = pool.newSession(key(81), SESSION_B);
            PacketBatch batch = builder.batch(backend.allocate(1000));
            batch.begin(b, 1, 1, 0).event(new byte[10]);
            batch.seal();
            b.close();
            java.lang.ref.WeakReference<Object> state = new java.lang.ref.WeakReference<>(b.state);
            b = null;
            assertTrue(TestGc.clears(state, 10_000), "the builder kept a session of its last batch");
        }
    }

    /**
     * Who may call a batch: only the thread that started it, and only until it is sealed; any
     * other call is refused, saying which, and changes nothing.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void onlyTheStartingThreadUsesAnOpenBatch(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, key(82), SESSION_A, 0L, 8);
             PacketBuilder builder = pool.get()) {
            SealingSession own = Receivers.defaultSession(pool);
            PacketBatch batch = builder.batch(backend.allocate(1000));
            batch.begin(own, 1, 1, 0).event(new byte[3]);
            Throwable elsewhere = OtherThread.run(() -> batch.begin(own, 1, 2, 0));
            assertTrue(elsewhere instanceof IllegalStateException, String.valueOf(elsewhere));
            assertTrue(elsewhere.getMessage().contains("in use by another thread"), elsewhere.getMessage());
            assertEquals(1, batch.packetCount(), "a refused call changed the batch");
            assertEquals(Wire.sealedLength(7), batch.seal());
            IllegalStateException after = assertThrows(IllegalStateException.class, () -> batch.begin(own, 1, 3, 0));
            assertTrue(after.getMessage().contains("no batch open"), after.getMessage());
            assertThrows(IllegalStateException.class, batch::seal, "a batch seals once");
        }
    }

    /**
     * The limits' edges once more, where an off-by-one would hide: the second packet of a batch
     * holds a full payload too, an empty event is an event, the counter's very last values are
     * drawn and the next is not, a run of one segment is one packet and of none is refused, and
     * refusals say by how much.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void theEdgesOfEveryLimitHoldInEveryPacket(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] k = key(83);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, k, SESSION_A, 0L, 8);
             PacketBuilder builder = pool.get();
             PacketReceiver receiver = PacketReceiver.onBackend(backend, k, SESSION_A)) {
            SealingSession own = Receivers.defaultSession(pool);
            int fullEvent = NetV1.MAX_PAYLOAD_SIZE - NetV1.EVENT_PREFIX_SIZE;
            ByteBuffer big = backend.allocate(3 * NetV1.MAX_PACKET_SIZE);
            PacketBatch batch = builder.batch(big);
            batch.begin(own, 1, 1, 0).event(new byte[5]);
            batch.begin(own, 1, 2, 0);
            assertEquals(NetV1.MAX_PAYLOAD_SIZE, batch.remainingPayload(), "the second packet's payload is whole");
            batch.event(new byte[100]);
            assertEquals(NetV1.MAX_PAYLOAD_SIZE - 104, batch.remainingPayload());
            assertThrows(IllegalArgumentException.class, () -> batch.event(new byte[fullEvent - 103]));
            batch.event(new byte[fullEvent - 104]);
            assertEquals(0, batch.remainingPayload());
            batch.begin(own, 1, 3, 0);
            int at = batch.reserve(0);
            assertEquals(batch.packetOffset(2) + NetV1.HEADER_SIZE + NetV1.EVENT_PREFIX_SIZE, at);
            assertEquals(Wire.sealedLength(NetV1.EVENT_PREFIX_SIZE), batch.packetLength(2), "an empty event takes its prefix");
            batch.seal();
            List<List<Byte>> second = Receivers.eventLists(open(receiver, big, batch, 1));
            assertEquals(List.of(100, fullEvent - 104), List.of(second.get(0).size(), second.get(1).size()));
            assertEquals(List.of(List.<Byte>of()), Receivers.eventLists(open(receiver, big, batch, 2)), "one empty event");

            ByteBuffer tight = backend.allocate(NetV1.HEADER_SIZE + NetV1.EVENT_PREFIX_SIZE + 10 + NetV1.TAG_SIZE);
            PacketBatch one = builder.batch(tight);
            one.begin(own, 1, 4, 0);
            IllegalArgumentException past = assertThrows(IllegalArgumentException.class, () -> one.event(new byte[11]));
            assertTrue(past.getMessage().contains("destination has 14 bytes left for this packet's events, the event needs 15"),
                    past.getMessage());
            one.seal();
            PacketBatch none = builder.batch(backend.allocate(NetV1.HEADER_SIZE + NetV1.TAG_SIZE - 1));
            IllegalArgumentException small = assertThrows(IllegalArgumentException.class, () -> none.begin(own, 1, 5, 0));
            assertTrue(small.getMessage().contains("destination has " + (NetV1.HEADER_SIZE + NetV1.TAG_SIZE - 1)
                    + " bytes left, a packet needs at least " + (NetV1.HEADER_SIZE + NetV1.TAG_SIZE)), small.getMessage());
            none.seal();

            PacketBatch runs = builder.batch(backend.allocate(1000));
            runs.begin(own, 1, 6, 0).event(new byte[1]);
            runs.begin(own, 1, 7, 0).event(new byte[1]);
            runs.seal();
            assertThrows(IllegalArgumentException.class, () -> runs.segmentRun(0, 0));
            assertEquals(1, runs.segmentRun(0, 1));
            assertEquals(2, runs.segmentRun(0, 2));

            PoolCores.startCounterAt(pool.core, KeyEpoch.COUNTER_LIMIT - 6);
            PacketBatch last = builder.batch(backend.allocate(1000));
            for (int i = 0; i < 6; i++) {
                last.begin(own, 1, 10 + i, 0);
            }
            assertEquals(6 * Wire.sealedLength(0), last.seal(), "the counter's last six values are drawn");
            PacketBatch past6 = builder.batch(backend.allocate(1000));
            past6.begin(own, 1, 20, 0);
            assertThrows(IllegalStateException.class, past6::seal, "and none past them");
        }
    }

    /**
     * A batch and the builder's own calls never mix: a batch needs a buffer its backend seals in,
     * a builder that is out of its pool and not held by another thread, and no packet begun; while
     * it is open the builder builds nothing else; releasing the builder ends it, and keeps no
     * session; after a handshake packet the builder is free for any thread. Each refusal says why.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aBatchAndTheBuildersOwnCallsNeverMix(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        boolean direct = backend.allocate(1).isDirect();
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key(84), SESSION_A, 0L, 1)) {
            SealingSession own = Receivers.defaultSession(pool);
            PacketBuilder builder = pool.get();
            ByteBuffer wrongKind = direct ? ByteBuffer.allocate(1000) : ByteBuffer.allocateDirect(1000);
            assertFalse(builder.sealsIn(wrongKind));
            assertFalse(builder.sealsIn(backend.allocate(1000).asReadOnlyBuffer()));
            assertTrue(builder.sealsIn(backend.allocate(1000)));
            assertEquals("this backend seals batches in a writable " + (direct ? "direct" : "heap") + " buffer; dst is "
                    + (direct ? "a heap buffer" : "direct"),
                    assertThrows(IllegalArgumentException.class, () -> builder.batch(wrongKind)).getMessage());
            assertEquals("this backend seals batches in a writable " + (direct ? "direct" : "heap") + " buffer; dst is read-only",
                    assertThrows(IllegalArgumentException.class,
                            () -> builder.batch(backend.allocate(1000).asReadOnlyBuffer())).getMessage());

            builder.begin(1, 1, 0).event(new byte[1]);
            assertTrue(assertThrows(IllegalStateException.class, () -> builder.batch(backend.allocate(1000)))
                    .getMessage().contains("a packet is begun"));
            builder.seal();

            PacketBatch batch = builder.batch(backend.allocate(1000));
            batch.begin(own, 1, 2, 0).event(new byte[2]);
            for (Runnable single : List.<Runnable>of(builder::buildHeartbeat, () -> builder.buildHandshake(new byte[4]),
                    () -> builder.begin(1, 3, 0), () -> builder.batch(backend.allocate(1000)))) {
                assertTrue(assertThrows(IllegalStateException.class, single::run).getMessage().contains("a batch is open"));
            }
            for (Runnable single : List.<Runnable>of(() -> builder.event(new byte[1]), builder::sealedLength, builder::seal)) {
                assertEquals("no packet begun: call begin(...) first",
                        assertThrows(IllegalStateException.class, single::run).getMessage(), "a builder call inside a batch");
            }
            assertEquals(Wire.sealedLength(6), batch.seal(), "the refused calls changed the batch");

            SealingSession b = pool.newSession(key(85), SESSION_B);
            PacketBatch dropped = builder.batch(backend.allocate(1000));
            dropped.begin(b, 1, 4, 0).event(new byte[3]);
            builder.close();
            assertTrue(assertThrows(IllegalStateException.class, () -> dropped.begin(own, 1, 5, 0))
                    .getMessage().contains("no batch open"), "releasing the builder ends its batch");
            assertTrue(assertThrows(IllegalStateException.class, () -> builder.batch(backend.allocate(1000)))
                    .getMessage().contains("released"));
            b.close();
            java.lang.ref.WeakReference<Object> state = new java.lang.ref.WeakReference<>(b.state);
            b = null;
            assertTrue(TestGc.clears(state, 10_000), "a released builder kept the session of its dropped batch");

            PacketBuilder again = pool.get();
            again.buildHandshake(new byte[4]);
            assertEquals(null, OtherThread.run(() -> again.begin(1, 6, 0).event(new byte[1]).seal()),
                    "a handshake packet left the builder claimed");

            assertEquals(null, OtherThread.run(() -> again.begin(1, 7, 0)));
            assertTrue(assertThrows(IllegalStateException.class, () -> again.batch(backend.allocate(1000)))
                    .getMessage().contains("in use by another thread"));
        }
    }

    private static OpenedPacket open(PacketReceiver receiver, ByteBuffer dst, PacketBatch batch, int i) throws PacketException {
        byte[] packet = new byte[batch.packetLength(i)];
        dst.get(batch.packetOffset(i), packet);
        return receiver.open(ByteBuffer.wrap(packet));
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aBatchNeverPassesTheCounterLimit(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, key(73),
                SESSION_A, 0L, 8);
             PacketBuilder builder = pool.get()) {
            PoolCores.startCounterAt(pool.core, KeyEpoch.COUNTER_LIMIT - 5);
            ByteBuffer dst = backend.allocate(10_000);
            PacketBatch six = builder.batch(dst);
            for (int i = 0; i < 6; i++) {
                six.begin(Receivers.defaultSession(pool), 1, i, 0);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, six::seal);
            assertTrue(e.getMessage().contains("exhausted"), e.getMessage());
            assertEquals(0, dst.position(), "a refused batch leaves dst's position");
            // the builder is free again, and the counter stays refused: no value below the limit
            // is handed out twice, and none at or above it ever
            PacketBatch one = builder.batch(dst);
            one.begin(Receivers.defaultSession(pool), 1, 1, 0);
            assertThrows(IllegalStateException.class, one::seal);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void segmentRunsAreWhatSegmentationOffloadSends(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, key(74),
                SESSION_A, 0L, 8);
             PacketBuilder builder = pool.get()) {
            PacketBatch batch = builder.batch(backend.allocate(60_000));
            int[] sizes = {64, 64, 64, 10, 64, 64, 200, 200, 200, 200, 200};
            for (int i = 0; i < sizes.length; i++) {
                batch.begin(Receivers.defaultSession(pool), 1, i, 0).event(new byte[sizes[i]]);
            }
            batch.seal();
            // 64 64 64 10 | 64 64 | 200 200 200 | 200 200 (three at most)
            assertEquals(4, batch.segmentRun(0, 64));
            assertEquals(2, batch.segmentRun(4, 64), "a longer packet starts the next run");
            assertEquals(3, batch.segmentRun(6, 3));
            assertEquals(2, batch.segmentRun(9, 3));
            assertEquals(1, batch.segmentRun(10, 64));
        }
    }

    /**
     * Four threads seal for two sessions, in batches of random sizes and single packets, while a
     * fifth rekeys both sessions again and again: every packet opens under the key its session id
     * names, and no (session id, counter) pair occurs twice.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void batchesSinglesAndRekeysNeverRepeatANonce(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        Map<Long, byte[]> keys = new ConcurrentHashMap<>();
        keys.put(SESSION_A, key(75));
        keys.put(SESSION_B, key(76));
        int threads = 4;
        int rounds = 150;
        List<List<byte[]>> sealed = new ArrayList<>();
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 8, keys.get(SESSION_A), SESSION_A, 0L, 8);
             SealingSession b = pool.newSession(keys.get(SESSION_B), SESSION_B)) {
            SealingSession a = Receivers.defaultSession(pool);
            CountDownLatch go = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                List<byte[]> mine = new ArrayList<>();
                sealed.add(mine);
                workers.add(new Thread(() -> {
                    try {
                        go.await();
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        ByteBuffer dst = backend.allocate(PacketBatch.MAX_PACKETS * 200);
                        for (int r = 0; r < rounds; r++) {
                            try (PacketBuilder builder = pool.get()) {
                                if (rnd.nextInt(4) == 0) {
                                    ByteBuffer p = builder.begin(rnd.nextBoolean() ? a : b, 1, r, 0)
                                            .event(new byte[8]).seal();
                                    byte[] copy = new byte[p.remaining()];
                                    p.get(copy);
                                    mine.add(copy);
                                    continue;
                                }
                                dst.clear();
                                PacketBatch batch = builder.batch(dst);
                                int n = 1 + rnd.nextInt(40);
                                for (int i = 0; i < n; i++) {
                                    batch.begin(rnd.nextInt(3) == 0 ? b : a, 1, r, 0).event(new byte[rnd.nextInt(50)]);
                                }
                                batch.seal();
                                for (int i = 0; i < n; i++) {
                                    byte[] copy = new byte[batch.packetLength(i)];
                                    dst.get(batch.packetOffset(i), copy);
                                    mine.add(copy);
                                }
                            }
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            Thread rekeyer = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < 40; i++) {
                        long idA = SESSION_A + 0x100L * (i + 1);
                        long idB = SESSION_B + 0x100L * (i + 1);
                        keys.put(idA, key(100 + 2 * i));
                        keys.put(idB, key(101 + 2 * i));
                        a.rekey(keys.get(idA), idA);
                        b.rekey(keys.get(idB), idB);
                        Thread.sleep(1);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            });
            workers.forEach(Thread::start);
            rekeyer.start();
            go.countDown();
            for (Thread w : workers) {
                w.join();
            }
            rekeyer.join();
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
        }
        Set<String> nonces = new HashSet<>();
        int packets = 0;
        for (List<byte[]> mine : sealed) {
            for (byte[] p : mine) {
                ByteBuffer view = ByteBuffer.wrap(p);
                long sessionId = Wire.i64(view, HeaderLayout.SESSION_ID);
                long counter = Wire.i64(view, HeaderLayout.NONCE_COUNTER);
                assertTrue(nonces.add(sessionId + "/" + counter), "nonce repeated: " + sessionId + "/" + counter);
                byte[] key = keys.get(sessionId);
                assertFalse(key == null, "unknown session id " + sessionId);
                codec.open(key, sessionId, p); // throws unless the tag verifies under that key
                packets++;
            }
        }
        assertTrue(packets > threads * rounds, "sealed " + packets);
    }

    /**
     * A batch's builder outlives the thread that sealed it (it goes back to a pool that lives on):
     * it must not keep that thread, nor so its context class loader, reachable.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aBuilderNeverKeepsTheThreadOfItsLastBatch(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 1, key(77),
                SESSION_A, 0L, 1)) {
            PacketBuilder builder = pool.get();
            ByteBuffer dst = backend.allocate(1000);
            Thread sealer = new Thread(() -> {
                PacketBatch batch = builder.batch(dst);
                batch.begin(Receivers.defaultSession(pool), 1, 1, 0).event(new byte[10]);
                batch.seal();
            });
            sealer.start();
            sealer.join();
            java.lang.ref.WeakReference<Thread> gone = new java.lang.ref.WeakReference<>(sealer);
            sealer = null;
            assertTrue(TestGc.clears(gone, 10_000), "the builder kept the thread of its last batch");
            assertEquals(Wire.sealedLength(14), builder.batch(dst.clear()).begin(Receivers.defaultSession(pool), 1, 2, 0)
                    .event(new byte[10]).seal(), "and it batches again on this thread");
            builder.close();
        }
    }

    private static byte[] event(int size, int seed) {
        byte[] e = new byte[size];
        for (int i = 0; i < size; i++) {
            e[i] = (byte) (seed * 31 + i);
        }
        return e;
    }
}
