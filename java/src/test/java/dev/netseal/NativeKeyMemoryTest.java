package dev.netseal;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.NativeBackend;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
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
 * full key memory is a clear exception, never a crash, and never a wait: an import may run on a
 * Netty event loop, so a full key memory fails it at once, with a message that names the public
 * setting that raises the cap ({@link Netseal#setMaxNativeKeys}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NativeKeyMemoryTest {


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

    /** Collections the JVM has run so far, over all collectors. */
    static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    /**
     * An import into full key memory fails at once: no System.gc(), no sleep waiting for a Cleaner
     * (it may run on an event loop, through SessionTable.add), and the message names the public,
     * exported setting that raises the cap.
     */
    @Test
    void fullKeyMemoryNeverBlocksAnImportAndNamesThePublicSetting() {
        NativeBackend backend = (NativeBackend) TestBackends.get("native");
        long slabsInUse = NativeBackend.keySlabs();
        long previousCap = NativeBackend.setMaxKeySlabs(slabsInUse + 1);
        List<AeadKey> keys = new ArrayList<>();
        try {
            IllegalStateException first = null;
            for (int i = 0; first == null && i < 3 * NativeBackend.KEYS_PER_SLAB; i++) {
                try {
                    keys.add(backend.importKey(key(i)));
                } catch (IllegalStateException full) {
                    first = full;
                }
            }
            assertTrue(first != null, "key memory never filled up");
            long collectionsBefore = collections();
            int attempts = 5;
            for (int i = 0; i < attempts; i++) {
                long start = System.nanoTime();
                IllegalStateException full = assertThrows(IllegalStateException.class,
                        () -> backend.importKey(key(-1)));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis < 50, "a refused import took " + millis + " ms: it must fail at once, not wait"
                        + " for key memory");
                assertTrue(full.getMessage().contains("native key memory is full"), full.getMessage());
                assertTrue(full.getMessage().contains("Netseal.setMaxNativeKeys"),
                        "the message must name the public setting: " + full.getMessage());
                assertFalse(full.getMessage().contains("NativeBackend"),
                        "the message names a class the module does not export: " + full.getMessage());
            }
            IllegalStateException generated = assertThrows(IllegalStateException.class, backend::generatePrivateKey);
            assertTrue(generated.getMessage().contains("Netseal.setMaxNativeKeys"), generated.getMessage());
            long asked = collections() - collectionsBefore;
            assertTrue(asked < attempts, "refused imports ran " + asked + " collections (System.gc)");
        } finally {
            keys.forEach(AeadKey::destroy);
            NativeBackend.setMaxKeySlabs(previousCap);
        }
    }

    /** The public setting caps key memory, in keys rounded up to whole slabs, and raises it again. */
    @Test
    void thePublicSettingCapsAndRaisesNativeKeyMemory() {
        AeadBackend backend = TestBackends.get("native");
        long previous = Netseal.maxNativeKeys();
        assertEquals(NativeBackend.maxKeySlabs() * NativeBackend.KEYS_PER_SLAB, previous);
        long slabsInUse = NativeBackend.keySlabs();
        List<AeadKey> keys = new ArrayList<>();
        try {
            // One key more than the slabs in use hold: rounded up to one more slab.
            assertEquals(previous, Netseal.setMaxNativeKeys(slabsInUse * NativeBackend.KEYS_PER_SLAB + 1));
            assertEquals((slabsInUse + 1) * NativeBackend.KEYS_PER_SLAB, Netseal.maxNativeKeys());
            assertThrows(IllegalStateException.class, () -> {
                for (int i = 0; i < 3 * NativeBackend.KEYS_PER_SLAB; i++) {
                    keys.add(backend.importKey(key(i)));
                }
            });
            assertEquals(slabsInUse + 1, NativeBackend.keySlabs());
            Netseal.setMaxNativeKeys((slabsInUse + 2) * NativeBackend.KEYS_PER_SLAB);
            keys.add(backend.importKey(key(-1)));
            sealsAndOpens(backend, keys.get(keys.size() - 1));
            assertThrows(IllegalArgumentException.class, () -> Netseal.setMaxNativeKeys(0));
            assertThrows(IllegalArgumentException.class, () -> Netseal.setMaxNativeKeys(-1));
            assertThrows(IllegalArgumentException.class, () -> Netseal.setMaxNativeKeys(Netseal.MAX_NATIVE_KEYS + 1));
            Netseal.setMaxNativeKeys(Netseal.MAX_NATIVE_KEYS);
            assertEquals(Netseal.MAX_NATIVE_KEYS, Netseal.maxNativeKeys());
        } finally {
            keys.forEach(AeadKey::destroy);
            Netseal.setMaxNativeKeys(previous);
        }
        assertEquals(previous, Netseal.maxNativeKeys());
        assertEquals(Netseal.DEFAULT_MAX_NATIVE_KEYS, previous, "another test left the cap changed");
    }
}
