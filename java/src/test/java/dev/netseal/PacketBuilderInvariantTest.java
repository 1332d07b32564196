package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
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
