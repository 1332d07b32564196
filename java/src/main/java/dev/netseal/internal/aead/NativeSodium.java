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

    /** Copies a 32-byte key into sodium_malloc'd read-only memory; the handle, or 0 on failure. */
    static native long keyCreate(byte[] key);

    /** Frees (and so wipes) a key handle; 0 is ignored. */
    static native void keyFree(long handle);

    /** Encrypts msgLen bytes at msg in place and writes the tag right after them; 0 on success. */
    static native int seal(long key, int noncePrefix, long counter, long aad, int aadLen,
                           long msg, int msgLen);

    /**
     * Verifies the tag right after the msgLen bytes at msg, then decrypts in place; 0 on success,
     * -1 on a forgery (msg untouched).
     */
    /**
     * Encrypts msgLen bytes at msg into out (not overlapping) and writes the tag right after them;
     * 0 on success.
     */
    static native int sealTo(long key, int noncePrefix, long counter, long aad, int aadLen,
                             long msg, int msgLen, long out);

    static native int open(long key, int noncePrefix, long counter, long aad, int aadLen,
                           long msg, int msgLen);

    /** How many key handles are live: a test hook that shows handles are freed. */
    static native int keyCount();
}
