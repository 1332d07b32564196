package dev.netseal.internal.aead;

/**
 * The JNI entry points of {@code libnetseal.so} (see {@code native/}). Addresses are raw
 * pointers into direct buffers this library allocated; every caller checks lengths and offsets
 * before it gets here, because the C side trusts them.
 */
final class NativeSodium {
    private NativeSodium() {}

    /** sodium_init(); 0 when ready, -1 on failure. */
    static native int init();

    /** libsodium's own version string. */
    static native String sodiumVersion();

    /**
     * Copies a 32-byte key into a slot of a guarded, locked, read-only key slab; the handle, or 0
     * when no slot can be had (the slab cap is reached, or the memory cannot be mapped).
     */
    static native long keyCreate(byte[] key);

    /** Wipes a key slot and frees it: 0; 0 is ignored; -1 for a handle that is not a live key. */
    static native int keyFree(long handle);

    /** Encrypts msgLen bytes at msg in place and writes the tag right after them; 0 on success. */
    static native int seal(long key, int noncePrefix, long counter, long aad, int aadLen,
                           long msg, int msgLen);

    /**
     * Encrypts msgLen bytes at msg into out (not overlapping) and writes the tag right after them;
     * 0 on success.
     */
    static native int sealTo(long key, int noncePrefix, long counter, long aad, int aadLen,
                             long msg, int msgLen, long out);

    /**
     * Verifies the tag right after the msgLen bytes at msg, then decrypts in place; 0 on success,
     * -1 on a forgery (msg untouched).
     */
    static native int open(long key, int noncePrefix, long counter, long aad, int aadLen,
                           long msg, int msgLen);

    /** How many key handles are live: a test hook that shows handles are freed. */
    static native int keyCount();

    /** Key slabs allocated now (2048 keys each). */
    static native long keySlabs();

    /** Key slabs that mlock refused (RLIMIT_MEMLOCK): guarded and wiped, but swappable. */
    static native long keyUnlockedSlabs();

    /** Caps the key slabs (0: the default, 4096; negative: no change); returns the previous cap. */
    static native long keySetMaxSlabs(long maxSlabs);

    /** A key slot filled from libsodium's CSPRNG; the handle, or 0 as {@link #keyCreate}. */
    static native long keyGenerate();

    /** Copies a live key slot's 32 bytes into out (32 bytes): 0, or -1 for a handle not live. */
    static native int keyRead(long key, byte[] out);

    /** publicOut (32 bytes) = X25519(slot, 9): 0, or -1 for a handle not live. */
    static native int x25519Public(long key, byte[] publicOut);

    /**
     * sharedOut (32 bytes) = X25519(slot, peerPublic (32 bytes)): 0; -1 for a handle not live;
     * -2 for an all-zero result (sharedOut untouched).
     */
    static native int x25519(long key, byte[] peerPublic, byte[] sharedOut);
}
