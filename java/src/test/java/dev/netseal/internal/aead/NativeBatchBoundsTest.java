package dev.netseal.internal.aead;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.netseal.TestBackends;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The batch seal's ranges are checked twice: in Java before the call, and again in C against the
 * capacity the JVM reports, from copies of the arrays. Either refusal leaves the buffer untouched;
 * neither ever writes outside it.
 */
class NativeBatchBoundsTest {

    @Test
    void outOfRangeBatchesNeverWriteAByte() {
        NativeBackend backend = (NativeBackend) TestBackends.get("native");
        AeadKey key = backend.importKey(new byte[32]);
        try {
            long handle = ((NativeBackend.Key) key).handle;
            ByteBuffer buf = backend.allocate(300);
            byte[] before = new byte[300];
            buf.get(0, before);
            AeadCipher cipher = backend.newCipher();
            int[][][] bad = {
                {{0, 150}, {100, 100}},   // the second packet's tag ends at 300 + 16
                {{-1}, {10}},             // a negative offset
                {{0}, {-5}},              // a negative length
                {{0}, {Integer.MAX_VALUE}}, // a length whose end overflows int
            };
            for (int[][] b : bad) {
                int n = b[0].length;
                assertThrows(IndexOutOfBoundsException.class,
                        () -> cipher.sealBatch(key, 1, 0, buf, b[0], b[1], 0, n));
                assertEquals(-1, NativeSodium.sealBatch(handle, 1, 0, buf, b[0], b[1], 0, n), "C refuses it too");
            }
            int[] ok = {0};
            int[] len = {100};
            assertThrows(IndexOutOfBoundsException.class, () -> cipher.sealBatch(key, 1, 0, buf, ok, len, 1, 1));
            assertEquals(-1, NativeSodium.sealBatch(handle, 1, 0, buf, ok, len, 1, 1), "from past the arrays");
            assertEquals(-1, NativeSodium.sealBatch(handle, 1, 0, buf, ok, len, 0, 257), "more than the C side holds");
            assertEquals(-1, NativeSodium.sealBatch(handle, 1, 0, ByteBuffer.allocate(300), ok, len, 0, 1),
                    "a heap buffer has no address");
            byte[] after = new byte[300];
            buf.get(0, after);
            assertArrayEquals(before, after, "no refused batch wrote a byte");
            assertEquals(0, NativeSodium.sealBatch(handle, 1, 0, buf, new int[] {0, 184}, new int[] {100, 32}, 0, 2),
                    "the last tag ends at exactly 300");
        } finally {
            key.destroy();
        }
    }
}
