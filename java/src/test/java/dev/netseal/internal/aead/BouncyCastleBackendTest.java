package dev.netseal.internal.aead;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What the pure-Java backend says of itself and of its keys. */
class BouncyCastleBackendTest {

    @Test
    void descriptionNeverHidesWhyNativeIsNotInUse() {
        String plain = new BouncyCastleBackend(null).description();
        assertTrue(plain.startsWith("java (BouncyCastle "), plain);
        assertFalse(plain.contains("native unavailable"), plain);
        String fallback = new BouncyCastleBackend("no libnetseal.so for linux-riscv64").description();
        assertEquals(plain + "; native unavailable: no libnetseal.so for linux-riscv64", fallback);
    }

    /**
     * isDestroyed is what the wiping tests trust: it must never vouch for a key that was not
     * destroyed (even one whose bytes happen to be zero) nor for one whose bytes survived.
     */
    @Test
    void isDestroyedNeverVouchesForAKeyThatWasNotWiped() {
        BouncyCastleBackend backend = new BouncyCastleBackend(null);
        BouncyCastleBackend.Key zeros = (BouncyCastleBackend.Key) backend.importKey(new byte[32]);
        assertFalse(zeros.isDestroyed(), "a live all-zero key reads as destroyed");

        BouncyCastleBackend.Key k = (BouncyCastleBackend.Key) backend.importKey(new byte[32]);
        k.destroy();
        assertTrue(k.isDestroyed());
        k.parameter.getKey()[31] = 1; // a byte the wipe missed
        assertFalse(k.isDestroyed(), "a key with a byte left reads as destroyed");
    }
}
