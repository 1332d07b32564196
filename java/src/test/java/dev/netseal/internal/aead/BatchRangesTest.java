package dev.netseal.internal.aead;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netseal.NetV1;
import dev.netseal.TestBackends;
import dev.netseal.internal.wire.HeaderLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java check of a batch seal's ranges, on every backend, at its exact edges: 0 to 256 packets,
 * each packet's header, payload and tag inside the buffer to the byte. A refusal writes nothing.
 */
class BatchRangesTest {
    private static final int PACKET = NetV1.HEADER_SIZE + NetV1.TAG_SIZE;

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void aBatchIsCheckedToTheByteAndToThePacket(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        AeadKey key = backend.importKey(new byte[32]);
        try {
            AeadCipher cipher = backend.newCipher();
            int max = AeadCipher.BATCH_MAX;
            ByteBuffer buf = backend.allocate((max + 1) * PACKET);
            int[] bases = new int[max + 1];
            int[] lens = new int[max + 1];
            for (int i = 0; i <= max; i++) {
                bases[i] = i * PACKET;
            }
            byte[] before = new byte[buf.capacity()];
            buf.get(0, before);
            assertEquals("a batch holds 0 to 256 packets, got 257", assertThrows(IllegalArgumentException.class,
                    () -> cipher.sealBatch(key, 1, 0, buf, bases, lens, 0, max + 1)).getMessage());
            assertThrows(IllegalArgumentException.class, () -> cipher.sealBatch(key, 1, 0, buf, bases, lens, 0, -1));
            ByteBuffer exact = backend.allocate(PACKET + 10);
            assertThrows(IndexOutOfBoundsException.class,
                    () -> cipher.sealBatch(key, 1, 0, exact, new int[] {0}, new int[] {11}, 0, 1), "one byte past");
            assertThrows(IndexOutOfBoundsException.class,
                    () -> cipher.sealBatch(key, 1, 0, exact, new int[] {1}, new int[] {10}, 0, 1), "one byte past, by its offset");
            assertThrows(IndexOutOfBoundsException.class,
                    () -> cipher.sealBatch(key, 1, 0, exact, new int[] {0}, new int[] {-1}, 0, 1), "a negative length");
            byte[] after = new byte[buf.capacity()];
            buf.get(0, after);
            assertArrayEquals(before, after, "a refused batch wrote a byte");

            cipher.sealBatch(key, 1, 0, buf, bases, lens, 0, max); // the most a batch holds
            cipher.sealBatch(key, 1, max, buf, bases, lens, max, 1); // and from an index
            cipher.sealBatch(key, 1, max + 1, buf, bases, lens, 0, 0); // and none
            cipher.sealBatch(key, 1, max + 2, exact, new int[] {0}, new int[] {10}, 0, 1); // the tag ends at the capacity
            for (int i = 0; i <= max; i++) {
                assertEquals(i, buf.order(ByteOrder.LITTLE_ENDIAN).getLong(bases[i] + HeaderLayout.NONCE_COUNTER),
                        "packet " + i + " carries its counter in its nonce");
            }
        } finally {
            key.destroy();
        }
    }
}
