package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.wire.HeaderLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Sealing into a caller's buffer gives the very packet seal() would, and never wastes a counter. */
class SealIntoTest {
    static final long SESSION = 0x5EA1_1270_0000_0001L;

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void sealIntoNeverDiffersFromTheReferencePacket(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] key = key(50);
        byte[] event = new byte[300];
        for (int i = 0; i < event.length; i++) {
            event[i] = (byte) (i * 3);
        }
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, key, SESSION, 0L, 8);
             PacketReceiver r = PacketReceiver.onBackend(backend, key, SESSION)) {
            ByteBuffer[] targets = {
                ByteBuffer.allocateDirect(9000), ByteBuffer.allocate(9000),
                ByteBuffer.allocateDirect(9000).order(ByteOrder.LITTLE_ENDIAN), ByteBuffer.wrap(new byte[9100], 50, 9000).slice()};
            long counter = 0;
            for (ByteBuffer dst : targets) {
                dst.position(17); // not at the start
                int length;
                try (PacketBuilder b = pool.get()) {
                    b.begin(9, counter, NetV1.FLAG_RELIABLE).event(event).event(new byte[] {1, 2});
                    assertEquals(NetV1.HEADER_SIZE + 4 + 300 + 4 + 2 + 16, b.sealedLength());
                    length = b.sealInto(dst);
                }
                assertEquals(17 + length, dst.position(), "position moves past the packet");
                byte[] got = new byte[length];
                dst.get(17, got);
                byte[] expected = codec.sealData(key, SESSION, counter, 9, counter, NetV1.FLAG_RELIABLE, 0L, 0, 0,
                        List.of(event, new byte[] {1, 2}));
                assertArrayEquals(expected, got, "into " + (dst.isDirect() ? "direct" : "heap") + ", counter " + counter);
                OpenedPacket out = new OpenedPacket();
                assertTrue(r.tryOpen(ByteBuffer.wrap(got), out), out.refusalDetail());
                assertArrayEquals(event, out.events().get(0));
                counter++;
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void outOfRangeSealToNeverReachesTheCipher(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        dev.netseal.internal.aead.AeadCipher c = backend.newCipher();
        dev.netseal.internal.aead.AeadKey k = backend.importKey(new byte[32]);
        try {
            ByteBuffer aad = backend.allocate(56);
            ByteBuffer src = backend.allocate(200);
            ByteBuffer dst = backend.allocate(200);
            assertThrows(IndexOutOfBoundsException.class, () -> c.sealTo(k, 1, 1, aad, 1, 56, src, 0, 10, dst, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> c.sealTo(k, 1, 1, aad, 0, 56, src, 150, 51, dst, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> c.sealTo(k, 1, 1, aad, 0, 56, src, 0, 100, dst, 85));
            assertThrows(IndexOutOfBoundsException.class, () -> c.sealTo(k, 1, 1, aad, 0, 56, src, 0, -1, dst, 0));
            assertThrows(IndexOutOfBoundsException.class,
                    () -> c.sealTo(k, 1, 1, aad, 0, 56, src, 0, Integer.MAX_VALUE, dst, 0));
            assertThrows(IllegalArgumentException.class, () -> c.sealTo(k, 1, 1, aad, 0, 56, src, 0, 10, src, 50));
            assertThrows(IllegalArgumentException.class,
                    () -> c.sealTo(k, 1, 1, aad, 0, 56, src, 0, 10, dst.asReadOnlyBuffer(), 0));
            c.sealTo(k, 1, 1, aad, 0, 56, src, 0, 100, dst, 84); // the last byte of the tag at 199
        } finally {
            k.destroy();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void refusedDestinationNeverWastesACounter(String backendName) {
        AeadBackend backend = TestBackends.get(backendName);
        byte[] key = key(51);
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(backend, 4, key, SESSION, 0L, 8)) {
            try (PacketBuilder b = pool.get()) {
                b.begin(1, 1, 0).event(new byte[100]);
                ByteBuffer small = ByteBuffer.allocateDirect(100 + 4 + 68 + 15);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.sealInto(small));
                assertTrue(e.getMessage().contains("needs 188"), e.getMessage());
                assertThrows(ReadOnlyBufferException.class,
                        () -> b.sealInto(ByteBuffer.allocate(1000).asReadOnlyBuffer()));
                ByteBuffer ok = ByteBuffer.allocateDirect(188);
                assertEquals(188, b.sealInto(ok));
                assertEquals(0L, ok.order(ByteOrder.LITTLE_ENDIAN).getLong(HeaderLayout.NONCE_COUNTER),
                        "the first counter went to the packet sealed");
                assertThrows(IllegalStateException.class, () -> b.sealInto(ByteBuffer.allocate(1000)),
                        "sealed already: begin() again first");
            }
        }
    }
}
