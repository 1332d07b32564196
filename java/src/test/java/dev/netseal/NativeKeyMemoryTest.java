package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.NativeBackend;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Native keys live many to a slab of guarded, locked memory: a key costs no memory mapping of its
 * own, so a JVM holds hundreds of thousands under the default {@code vm.max_map_count} (65,530;
 * one guarded allocation per key took 4 mappings and crashed the JVM at about 16,000 keys), and
 * full key memory is a clear exception, never a crash.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NativeKeyMemoryTest {

    static byte[] key(int i) {
        byte[] k = new byte[32];
        for (int j = 0; j < 32; j++) {
            k[j] = (byte) (i >>> (8 * (j & 3)) ^ j * 13);
        }
        return k;
    }

    static long mappings() throws IOException {
        try (var lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.count();
        }
    }

    /** Seals an empty message with {@code k} and checks it opens again. */
    static void sealsAndOpens(AeadBackend backend, AeadKey k) {
        AeadCipher c = backend.newCipher();
        ByteBuffer aad = backend.allocate(8);
        ByteBuffer buf = backend.allocate(32);
        buf.put(0, (byte) 42);
        c.seal(k, 7, 1, aad, 0, 8, buf, 0, 1);
        assertTrue(c.open(k, 7, 1, aad, 0, 8, buf, 0, 1), "a key in a slab did not open what it sealed");
        assertEquals(42, buf.get(0));
    }

    @Test
    void twoHundredThousandNativeKeysNeverRunOutOfMappings() throws IOException {
        AeadBackend backend = TestBackends.get("native");
        int n = 200_000;
        int keysBefore = NativeBackend.liveKeyHandles();
        long slabsBefore = NativeBackend.keySlabs();
        long mapsBefore = mappings();
        List<AeadKey> keys = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                keys.add(backend.importKey(key(i)));
            }
            assertEquals(keysBefore + n, NativeBackend.liveKeyHandles());
            long slabs = NativeBackend.keySlabs() - slabsBefore;
            assertTrue(slabs <= n / NativeBackend.KEYS_PER_SLAB + 2, slabs + " slabs for " + n + " keys");
            long newMaps = mappings() - mapsBefore;
            assertTrue(newMaps < 2_000, n + " keys took " + newMaps + " new memory mappings");
            sealsAndOpens(backend, keys.get(0));
            sealsAndOpens(backend, keys.get(n / 2));
            sealsAndOpens(backend, keys.get(n - 1));
        } finally {
            keys.forEach(AeadKey::destroy);
        }
        assertEquals(keysBefore, NativeBackend.liveKeyHandles(), "freed keys still counted");
        assertTrue(NativeBackend.keySlabs() <= Math.max(1, slabsBefore), "empty slabs were kept: "
                + NativeBackend.keySlabs() + " slabs, " + slabsBefore + " before");
    }

    @Test
    void fullKeyMemoryNeverCrashesAndAllocatesAgainOnceFreed() {
        AeadBackend backend = TestBackends.get("native");
        long slabsInUse = NativeBackend.keySlabs();
        long previousCap = NativeBackend.setMaxKeySlabs(slabsInUse + 2);
        List<AeadKey> keys = new ArrayList<>();
        try {
            IllegalStateException full = assertThrows(IllegalStateException.class, () -> {
                for (int i = 0; i < 10 * NativeBackend.KEYS_PER_SLAB; i++) {
                    keys.add(backend.importKey(key(i)));
                }
            });
            assertTrue(full.getMessage().contains("native key memory is full"), full.getMessage());
            assertTrue(keys.size() >= 2 * NativeBackend.KEYS_PER_SLAB - 64,
                    "refused after only " + keys.size() + " keys");
            assertEquals(slabsInUse + 2, NativeBackend.keySlabs());
            // Freeing one key makes room for exactly one more.
            keys.remove(keys.size() - 1).destroy();
            keys.add(backend.importKey(key(-1)));
            assertThrows(IllegalStateException.class, () -> backend.importKey(key(-2)));
            sealsAndOpens(backend, keys.get(keys.size() - 1));
        } finally {
            keys.forEach(AeadKey::destroy);
            NativeBackend.setMaxKeySlabs(previousCap);
        }
        AeadKey again = backend.importKey(key(1));
        sealsAndOpens(backend, again);
        again.destroy();
        assertTrue(again.isDestroyed());
        assertFalse(NativeBackend.keySlabs() > Math.max(1, slabsInUse), "slabs were not released");
    }
}
