package dev.netseal.internal.keys;

import java.lang.ref.Cleaner;

/** What every holder of key material shares: the one key check and the thread that wipes dropped keys. */
public final class Keys {
    /** The length of every ChaCha20-Poly1305 key netseal takes. */
    public static final int KEY_SIZE = 32;

    /**
     * One daemon thread for every netseal object that wipes its keys after being dropped without
     * {@code close()} (pools, sessions, receivers, tables).
     */
    public static final Cleaner CLEANER = Cleaner.create();

    private Keys() {}

    /** Returns {@code key} when it is a 32-byte key; otherwise throws, naming what was wrong. */
    public static byte[] check(byte[] key) {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (key.length != KEY_SIZE) {
            throw new IllegalArgumentException("key must be " + KEY_SIZE + " bytes, got " + key.length);
        }
        return key;
    }
}
