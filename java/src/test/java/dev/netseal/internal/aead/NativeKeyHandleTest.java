package dev.netseal.internal.aead;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.TestBackends;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A freed native key handle never reaches another key. Freed slots are reused last in, first out,
 * so the next key made after a free takes the freed key's slot: a handle kept past its free (a
 * bug, or a {@link NativeBackend.Key} forged around the Java side's own destroyed check) must be
 * refused by the C side on every entry point, seal, seal-to, open, key read, X25519 and free,
 * with a clear exception, and must neither seal, open, read nor free under the key now in that
 * slot.
 */
class NativeKeyHandleTest {

    private static final int PREFIX = 0x01020304;
    private static final int AAD = 12;
    private static final int MSG = 40;


    private static long handleOf(AeadKey key) {
        return ((NativeBackend.Key) key).handle;
    }

    private static ByteBuffer message(NativeBackend backend) {
        ByteBuffer buf = backend.allocate(MSG + 16);
        for (int i = 0; i < MSG; i++) {
            buf.put(i, (byte) (i + 1));
        }
        return buf;
    }

    private static byte[] bytes(ByteBuffer buf) {
        byte[] b = new byte[buf.capacity()];
        buf.get(0, b);
        return b;
    }

    @Test
    void aFreedHandleNeverSealsOpensReadsOrFreesTheKeyThatReusesItsSlot() {
        NativeBackend backend = (NativeBackend) TestBackends.get("native");
        AeadKey first = backend.importKey(key(1));
        long stale = handleOf(first);
        first.destroy();
        // The next key takes the freed slot (last in, first out).
        AeadKey second = backend.importKey(key(2));
        // The stale handle forged into a Key, as a use after free that got past Java's check.
        NativeBackend.Key forged = new NativeBackend.Key(stale);
        int liveKeys = NativeBackend.liveKeyHandles();
        try {
            AeadCipher cipher = backend.newCipher();
            ByteBuffer aad = backend.allocate(AAD);

            // Sealing in place with the stale handle: refused, the message left as it was.
            ByteBuffer buf = message(backend);
            byte[] plain = bytes(buf);
            IllegalStateException sealed = assertThrows(IllegalStateException.class,
                    () -> cipher.seal(forged, PREFIX, 1, aad, 0, AAD, buf, 0, MSG),
                    "a freed handle sealed under the key that reused its slot");
            assertTrue(sealed.getMessage().contains("not a live key"), sealed.getMessage());
            assertArrayEquals(plain, bytes(buf), "a refused seal wrote into the buffer");

            // Sealing out of place: refused, nothing written to the destination.
            ByteBuffer dst = backend.allocate(MSG + 16);
            IllegalStateException sealedTo = assertThrows(IllegalStateException.class,
                    () -> cipher.sealTo(forged, PREFIX, 2, aad, 0, AAD, buf, 0, MSG, dst, 0));
            assertTrue(sealedTo.getMessage().contains("not a live key"), sealedTo.getMessage());
            assertArrayEquals(new byte[MSG + 16], bytes(dst), "a refused seal-to wrote the destination");

            // A packet sealed under the live key: the stale handle must not open it.
            cipher.seal(second, PREFIX, 3, aad, 0, AAD, buf, 0, MSG);
            byte[] sealedBytes = bytes(buf);
            IllegalStateException opened = assertThrows(IllegalStateException.class,
                    () -> cipher.open(forged, PREFIX, 3, aad, 0, AAD, buf, 0, MSG),
                    "a freed handle opened a packet of the key that reused its slot");
            assertTrue(opened.getMessage().contains("not a live key"), opened.getMessage());
            assertArrayEquals(sealedBytes, bytes(buf), "a refused open decrypted the buffer");

            // Key read and X25519: refused, the live key's bytes never copied out.
            byte[] out = new byte[32];
            assertEquals(-1, NativeSodium.keyRead(stale, out), "a freed handle read the live key");
            assertArrayEquals(new byte[32], out);
            assertThrows(IllegalStateException.class, () -> backend.readSecret(forged, new byte[32]));
            assertEquals(-1, NativeSodium.x25519Public(stale, new byte[32]));
            assertThrows(IllegalStateException.class, () -> backend.publicKey(forged, new byte[32]));
            byte[] peer = new byte[32];
            backend.publicKey(second, peer);
            byte[] shared = new byte[32];
            assertEquals(-1, NativeSodium.x25519(stale, peer, shared));
            assertArrayEquals(new byte[32], shared);

            // Freeing the stale handle again is refused and leaves the live key alone.
            assertEquals(-1, NativeSodium.keyFree(stale), "a freed handle freed the key that reused its slot");
            assertEquals(liveKeys, NativeBackend.liveKeyHandles());
            assertTrue(cipher.open(second, PREFIX, 3, aad, 0, AAD, buf, 0, MSG), "the live key stopped working");
            assertArrayEquals(Arrays.copyOf(plain, MSG), Arrays.copyOf(bytes(buf), MSG));
        } finally {
            second.destroy();
        }
        assertEquals(liveKeys - 1, NativeBackend.liveKeyHandles());
    }

    /** Every handle a slot ever had stays refused, however often the slot is reused. */
    @Test
    void aSlotReusedManyTimesNeverAcceptsAnyOfItsOldHandles() {
        NativeBackend backend = (NativeBackend) TestBackends.get("native");
        List<Long> old = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            AeadKey k = backend.importKey(key(i));
            old.add(handleOf(k));
            k.destroy();
        }
        AeadKey current = backend.importKey(key(-1));
        try {
            AeadCipher cipher = backend.newCipher();
            ByteBuffer aad = backend.allocate(AAD);
            ByteBuffer buf = message(backend);
            for (long h : old) {
                byte[] before = bytes(buf);
                assertThrows(IllegalStateException.class,
                        () -> cipher.seal(new NativeBackend.Key(h), PREFIX, 1, aad, 0, AAD, buf, 0, MSG),
                        "an old handle of the slot sealed under its current key");
                assertTrue(Arrays.equals(before, bytes(buf)));
                assertEquals(-1, NativeSodium.keyFree(h), "an old handle of the slot freed its current key");
                assertNotEquals(handleOf(current), h);
            }
            assertEquals(old.size(), old.stream().distinct().count(), "a handle was handed out twice");
            cipher.seal(current, PREFIX, 1, aad, 0, AAD, buf, 0, MSG);
            assertTrue(cipher.open(current, PREFIX, 1, aad, 0, AAD, buf, 0, MSG));
        } finally {
            current.destroy();
        }
    }

    /** Handles that never were a key (zero, forged bits) are an error return, never a crash. */
    @Test
    void forgedHandlesAreRefusedWithoutACrash() {
        NativeBackend backend = (NativeBackend) TestBackends.get("native");
        AeadCipher cipher = backend.newCipher();
        ByteBuffer aad = backend.allocate(AAD);
        ByteBuffer buf = message(backend);
        for (long h : new long[] {1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x7fff_ffff_0000_0001L, 0x1_0000_0000L}) {
            assertThrows(IllegalStateException.class,
                    () -> cipher.seal(new NativeBackend.Key(h), PREFIX, 1, aad, 0, AAD, buf, 0, MSG));
            assertEquals(-1, NativeSodium.keyRead(h, new byte[32]));
            assertEquals(-1, NativeSodium.keyFree(h));
        }
    }
}
