package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a builder must never do between packets: leave a packet begun after a refused one-call
 * build, give a misleading reason for refusing to seal, or stage a sealInto through its own buffer
 * when the cipher can write the destination (the zero-copy path its Javadoc promises).
 */
@Timeout(60)
class PacketBuilderInvariantTest {

    @Test
    void refusedBuildNeverLeavesAPacketBegun() {
        try (PacketPool pool = PacketPool.buildersOnBackend(TestBackends.get("java"), 1);
             SealingSession s = pool.newSession(TestSeeds.randomKey(), 1L);
             PacketBuilder b = pool.get()) {
            List<ByteBuffer> tooMany = Collections.nCopies(NetV1.MAX_EVENTS_PER_PACKET + 1, ByteBuffer.allocate(0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.buildSubprotocol(s, 1, 1, tooMany, 0, 7));
            assertEquals("too many events: " + (NetV1.MAX_EVENTS_PER_PACKET + 1) + " > "
                    + NetV1.MAX_EVENTS_PER_PACKET, e.getMessage());
            IllegalStateException after = assertThrows(IllegalStateException.class, b::sealedLength,
                    "a refused build left a packet begun");
            assertEquals("no packet begun: call begin(...) first", after.getMessage());
            assertEquals(0, s.current().counter.get(), "a refused build drew a nonce");
        }
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(TestBackends.get("java"), 1, TestKeys.key(1), 1L, 0L, 1);
             PacketBuilder b = pool.get()) {
            List<ByteBuffer> tooMany = Collections.nCopies(NetV1.MAX_EVENTS_PER_PACKET + 1, ByteBuffer.allocate(0));
            assertThrows(IllegalArgumentException.class, () -> b.build(1, 1, tooMany, 0), "the pool's own session");
            assertEquals("no packet begun: call begin(...) first",
                    assertThrows(IllegalStateException.class, b::sealedLength).getMessage());
        }
    }

    /**
     * A rekey never wipes a key a seal is using: while a builder seals under the old key (a single
     * packet, then a batch), the rekey waits for it, and what was sealed opens under the old key.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aRekeyWaitsForTheSealsUnderTheOldKey(String backendName) throws Exception {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        try (PacketPool pool = PacketPool.buildersOnBackend(backend, 1);
             PacketBuilder b = pool.get()) {
            for (int round = 0; round < 2; round++) {
                boolean batch = round == 1;
                byte[] newKey = TestKeys.key(20 + round);
                long newId = 20 + round;
                byte[] oldKey = TestKeys.key(10 + round);
                long oldId = 10 + round;
                SealingSession s = pool.newSession(oldKey, oldId);
                CountDownLatch sealing = new CountDownLatch(1);
                AtomicBoolean rekeyed = new AtomicBoolean();
                AtomicBoolean rekeyedDuringTheSeal = new AtomicBoolean();
                backend.beforeSeal = () -> {
                    backend.beforeSeal = null;
                    sealing.countDown();
                    try {
                        Thread.sleep(300); // the rekey, if it does not wait, is done by now
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    rekeyedDuringTheSeal.set(rekeyed.get());
                };
                Thread rekeyer = new Thread(() -> {
                    try {
                        sealing.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    s.rekey(newKey, newId);
                    rekeyed.set(true);
                });
                rekeyer.start();
                ByteBuffer sealed;
                if (batch) {
                    ByteBuffer dst = backend.allocate(1000);
                    PacketBatch pb = b.batch(dst);
                    pb.begin(s, 1, 1, 0).event(new byte[] {4, 5});
                    pb.seal();
                    sealed = dst.flip();
                } else {
                    sealed = b.begin(s, 1, 1, 0).event(new byte[] {4, 5}).seal();
                }
                byte[] packet = new byte[sealed.remaining()];
                sealed.get(packet);
                rekeyer.join(10_000);
                assertFalse(rekeyedDuringTheSeal.get(), (batch ? "batch" : "single") + ": the rekey did not wait for the seal");
                assertTrue(rekeyed.get(), "the rekey never finished");
                try (PacketReceiver r = PacketReceiver.onBackend(TestBackends.get(backendName), oldKey, oldId)) {
                    assertEquals(List.of(List.of((byte) 4, (byte) 5)), Receivers.eventLists(r.open(ByteBuffer.wrap(packet))));
                }
                s.close();
            }
        }
    }

    /**
     * A builder lets go of what its last packet used: the session it sealed for (collected once
     * closed, though the builder lives on), and the claim of a packet begun and never sealed
     * (the next thread to take the builder from the pool uses it). While another thread writes a
     * packet, this one can neither add to it nor ask its length.
     */
    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aBuilderKeepsNothingOfItsLastPacket(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        try (PacketPool pool = PacketPool.buildersOnBackend(backend, 1)) {
            PacketBuilder b = pool.get();
            SealingSession s = pool.newSession(TestKeys.key(30), 30L);
            b.begin(s, 1, 1, 0).event(new byte[] {1}).seal();
            s.close();
            java.lang.ref.WeakReference<Object> state = new java.lang.ref.WeakReference<>(s.state);
            s = null;
            assertTrue(TestGc.clears(state, 10_000), "the builder kept the session of its last packet");

            SealingSession u = pool.newSession(TestKeys.key(32), 32L);
            b.begin(u, 1, 1, 0).event(new byte[] {1}); // never sealed: released with the builder
            b.close();
            u.close();
            java.lang.ref.WeakReference<Object> dropped = new java.lang.ref.WeakReference<>(u.state);
            u = null;
            assertTrue(TestGc.clears(dropped, 10_000), "a released builder kept the session of its unsealed packet");
            b = pool.get();

            try (SealingSession t = pool.newSession(TestKeys.key(31), 31L)) {
                b.begin(t, 1, 2, 0).event(new byte[] {2}); // never sealed
                b.close();
                assertNull(OtherThread.run(() -> {
                    try (PacketBuilder again = pool.get()) {
                        again.begin(t, 1, 3, 0).event(new byte[] {3}).seal();
                    }
                }), "a released builder stayed claimed by its last thread");

                PacketBuilder held = pool.get();
                assertNull(OtherThread.run(() -> held.begin(t, 1, 4, 0).event(new byte[] {4}))); // begun, left open
                assertTrue(assertThrows(IllegalStateException.class, () -> held.event(new byte[] {5}))
                        .getMessage().contains("in use by another thread"));
                assertTrue(assertThrows(IllegalStateException.class, held::sealedLength)
                        .getMessage().contains("in use by another thread"));
            }
        }
    }

    @Test
    void sealRefusalNeverGivesTheWrongReason() {
        try (PacketPool pool = PacketPool.buildersOnBackend(TestBackends.get("java"), 1)) {
            PacketBuilder b = pool.get();
            IllegalStateException e = assertThrows(IllegalStateException.class, b::sealedLength);
            assertEquals("no packet begun: call begin(...) first", e.getMessage(), "nothing begun, no other thread");
            try (SealingSession s = pool.newSession(TestSeeds.randomKey(), 3L)) {
                b.begin(s, 1, 1, 0).event(new byte[] {9}).seal(); // the seal lets go of the builder
                e = assertThrows(IllegalStateException.class, b::sealedLength);
                assertEquals("no packet begun: call begin(...) first", e.getMessage(), "after a seal, no other thread");
            }
            b.close();
            e = assertThrows(IllegalStateException.class, b::sealedLength);
            assertEquals("builder was released to its pool; acquire another", e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sealIntoNeverStagesThroughTheBuilderWhenTheCipherWorksInTheDestination(String backendName) {
        CountingBackend backend = new CountingBackend(TestBackends.get(backendName));
        boolean nativeBackend = "native".equals(backendName);
        try (PacketPool pool = PacketPool.buildersOnBackend(backend, 1);
             SealingSession s = pool.newSession(TestSeeds.randomKey(), 2L);
             PacketBuilder b = pool.get()) {
            ByteBuffer workable = nativeBackend ? ByteBuffer.allocateDirect(256) : ByteBuffer.allocate(256);
            ByteBuffer other = nativeBackend ? ByteBuffer.allocate(256) : ByteBuffer.allocateDirect(256);

            int n = b.begin(s, 1, 1, 0).event(new byte[] {1, 2, 3}).sealInto(workable);
            assertEquals(n, workable.position());
            assertEquals(1, backend.seals.get());
            assertEquals(1, backend.sealsTo.get(), "sealed in the builder and copied, not into the destination");

            int m = b.begin(s, 1, 2, 0).event(new byte[] {1, 2, 3}).sealInto(other);
            assertEquals(m, other.position());
            assertEquals(2, backend.seals.get());
            assertEquals(1, backend.sealsTo.get(), "a destination the cipher cannot work in is written by a copy");
        }
    }
}
