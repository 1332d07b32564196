package dev.netseal.internal.aead;

/**
 * The JNI entry points of {@code libnetseal.so} (see {@code native/}). Addresses are raw
 * pointers into direct buffers this library allocated; every caller checks lengths and offsets
 * before it gets here, because the C side trusts them.
 *
 * <p>A key is a handle, never an address: its slot's index and the slot's generation, which
 * counts up on every create and free of a key in that slot. Every call that takes a handle
 * refuses one that is not a live key ({@link #NOT_LIVE} from seal, sealTo and open, -1 from the
 * others), also when its slot has since been given to another key: a freed handle never reaches
 * another key.
 */
final class NativeSodium {
    private NativeSodium() {}

    /** What seal, sealTo and open return for a key handle that is not a live key. */
    static final int NOT_LIVE = -2;

    /** sodium_init(); 0 when ready, -1 on failure. */
    static native int init();

    /** libsodium's own version string. */
    static native String sodiumVersion();

    /**
     * Copies a 32-byte key into a slot of a guarded, locked key slab; the key's handle (never 0),
     * or 0 when no slot can be had (the slab cap is reached, or the memory cannot be mapped).
     */
    static native long keyCreate(byte[] key);

    /**
     * Wipes a key slot and frees it: 0; handle 0 is ignored (0); -1 for a handle that is not a
     * live key (freed already, or never made), which frees nothing.
     */
    static native int keyFree(long handle);

    /**
     * Encrypts msgLen bytes at msg in place and writes the tag right after them; 0 on success,
     * {@link #NOT_LIVE} (nothing written) for a key handle that is not a live key.
     */
    static native int seal(long key, int noncePrefix, long counter, long aad, int aadLen,
                           long msg, int msgLen);

    /**
     * Encrypts msgLen bytes at msg into out (not overlapping) and writes the tag right after them;
     * 0 on success, {@link #NOT_LIVE} (nothing written) for a key handle that is not a live key.
     */
    static native int sealTo(long key, int noncePrefix, long counter, long aad, int aadLen,
                             long msg, int msgLen, long out);

    /**
     * Verifies the tag right after the msgLen bytes at msg, then decrypts in place; 0 on success,
     * -1 on a forgery, {@link #NOT_LIVE} for a key handle that is not a live key (msg untouched
     * in both).
     */
    static native int open(long key, int noncePrefix, long counter, long aad, int aadLen,
                           long msg, int msgLen);

    /**
     * Seals {@code count} packets of {@code buffer} (direct) under one key with the counters
     * {@code firstCounter, firstCounter + 1, ...}: the packets {@code from .. from + count - 1} of the
     * arrays, packet i with its header at {@code bases[i]}, its AAD in
     * place at header bytes 12..68, its payload ({@code payloadLens[i]} bytes) from byte 68, the
     * tag after it; its nonce is written over bytes 12..24 once it is sealed. At most
     * {@link AeadCipher#BATCH_MAX}. 0; {@link #NOT_LIVE} (nothing sealed); -1 for a bad argument (nothing
     * sealed); or {@code -(3 + i)} when libsodium refused packet i (those before it are sealed).
     */
    static native int sealBatch(long key, int noncePrefix, long firstCounter, java.nio.ByteBuffer buffer,
                                int[] bases, int[] payloadLens, int from, int count);

    /** The address of a direct buffer (GetDirectBufferAddress), 0 for any other. */
    static native long bufferAddress(java.nio.ByteBuffer buffer);

    /** How many key handles are live now. */
    static native int keyCount();

    /** Key slabs holding key memory now (2048 keys each). */
    static native long keySlabs();

    /** Key slabs that mlock refused (RLIMIT_MEMLOCK): guarded and wiped, but swappable. */
    static native long keyUnlockedSlabs();

    /**
     * Caps the key slabs (0: the default, 4096; negative: no change; above 65,536: 65,536);
     * returns the previous cap.
     */
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
