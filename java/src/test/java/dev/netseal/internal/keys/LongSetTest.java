package dev.netseal.internal.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The retired keys' fingerprint set: it holds at most half its slots (64 at first, doubling),
 * finds every fingerprint it was given after any number of doublings, and never one it was not,
 * including fingerprints whose home slots collide.
 */
class LongSetTest {

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
}
