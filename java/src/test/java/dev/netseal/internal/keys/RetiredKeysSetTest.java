package dev.netseal.internal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The retired keys' memory: its sets hold at most half their slots (64 at first, doubling), find
 * every fingerprint given after any number of doublings and never one that was not, colliding home
 * slots included; a side remembers its last 65,536 fingerprints, forgets the generation before,
 * counts a fingerprint given twice once, and keeps fingerprint 0 like any other.
 */
class RetiredKeysSetTest {

    @Test
    void holdsAtMostHalfItsSlotsAndFindsEveryFingerprint() {
        RetiredKeys.LongSet set = new RetiredKeys.LongSet();
        for (long f = 1; f <= 32; f++) {
            set.add(f << 40 | 7); // every one's home slot is 7: one probe chain
        }
        assertEquals(64, set.slots.length, "32 fingerprints fill half of 64 slots, not more");
        set.add(33L << 40 | 7);
        assertEquals(128, set.slots.length, "the 33rd doubles the table");
        assertEquals(33, set.size);
        for (long f = 34; f <= 1000; f++) {
            set.add(f * 0x9E37_79B9_7F4A_7C15L);
        }
        assertEquals(2048, set.slots.length);
        for (long f = 1; f <= 33; f++) {
            assertTrue(set.contains(f << 40 | 7), Long.toHexString(f));
            assertFalse(set.contains(f << 40 | 8));
        }
        for (long f = 34; f <= 1000; f++) {
            assertTrue(set.contains(f * 0x9E37_79B9_7F4A_7C15L));
            assertFalse(set.contains(f * 0x9E37_79B9_7F4A_7C15L + 1));
        }
    }

    @Test
    void aSideRemembersTwoGenerationsAndCountsEachFingerprintOnce() {
        int g = RetiredKeys.GENERATION;
        RetiredKeys keys = new RetiredKeys();
        assertFalse(keys.contains(0), "nothing retired yet, not even 0");
        keys.add(0);
        assertTrue(keys.contains(0));
        keys.add(0);
        assertEquals(1, keys.size(), "a fingerprint given twice counts once");
        for (long f = 2; f <= g; f++) { // 0 is kept as 1 (0 marks an empty slot): 1 is taken
            keys.add(f);
        }
        assertEquals(g, keys.size());
        keys.add(g + 1);
        assertEquals(g + 1, keys.size(), "a full generation becomes the older one");
        assertTrue(keys.contains(0) && keys.contains(g + 1));
        for (long f = g + 2; f <= 2L * g; f++) {
            keys.add(f);
        }
        assertEquals(2 * g, keys.size());
        assertTrue(keys.contains(0), "the last 2 x 65,536 are all remembered");
        keys.add(2L * g + 1);
        assertFalse(keys.contains(0), "the oldest generation is forgotten");
        assertTrue(keys.contains(g + 1));
        assertEquals(g + 1, keys.size());
    }
}
