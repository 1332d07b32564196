package dev.netseal.internal.aead;

import dev.netseal.internal.keys.Keys;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * libsodium through the JNI shim, over direct buffers whose addresses never move; and X25519
 * ({@code crypto_scalarmult_curve25519}) on private keys in the same guarded key memory.
 */
public final class NativeBackend implements AeadBackend, X25519 {

    private final String loadedFrom;
    private final String sodiumVersion;

    NativeBackend(String loadedFrom) {
        this.loadedFrom = loadedFrom;
        this.sodiumVersion = NativeSodium.sodiumVersion();
    }

    @Override
    public BackendKind kind() {
        return BackendKind.NATIVE;
    }

    @Override
    public String description() {
        return "native (libsodium " + sodiumVersion + ", " + loadedFrom + ")";
    }

    /** libsodium's version string. */
    public String sodiumVersion() {
        return sodiumVersion;
    }

    /** Native key handles live now (what a full key memory reports). */
    public static int liveKeyHandles() {
        return NativeSodium.keyCount();
    }

    /** Keys per slab of native key memory. */
    public static final int KEYS_PER_SLAB = 2048;

    /** Slabs holding native key memory now (each {@link #KEYS_PER_SLAB} keys, 64 KiB). */
    public static long keySlabs() {
        return NativeSodium.keySlabs();
    }

    /**
     * Slabs of native key memory that could not be locked in RAM (mlock refused: RLIMIT_MEMLOCK,
     * {@code ulimit -l}). Their keys are still guarded and wiped on free, but the kernel may swap
     * them out. Raise the limit (64 KiB per 2048 keys) to keep keys off swap.
     */
    public static long unlockedKeySlabs() {
        return NativeSodium.keyUnlockedSlabs();
    }

    /** The highest cap on native key memory: 65,536 slabs, 134,217,728 keys (4 GiB of locked memory). */
    public static final long MAX_KEY_SLABS = 65_536;

    /** The default cap: 4096 slabs, 8,388,608 keys (256 MiB). */
    public static final long DEFAULT_MAX_KEY_SLABS = 4096;

    /**
     * Caps the native key memory at {@code maxSlabs} slabs of {@link #KEYS_PER_SLAB} keys (0
     * restores the default, {@link #DEFAULT_MAX_KEY_SLABS}); returns the previous cap. Lowering it
     * below the slabs in use frees nothing; it only refuses new ones. The public form is
     * {@code Netseal.setMaxNativeKeys}.
     *
     * @throws IllegalArgumentException if {@code maxSlabs} is negative or above {@link #MAX_KEY_SLABS}
     */
    public static long setMaxKeySlabs(long maxSlabs) {
        if (maxSlabs < 0 || maxSlabs > MAX_KEY_SLABS) {
            throw new IllegalArgumentException("maxSlabs must be in [0, " + MAX_KEY_SLABS + "], got " + maxSlabs);
        }
        return NativeSodium.keySetMaxSlabs(maxSlabs);
    }

    /** The cap on native key memory, in slabs of {@link #KEYS_PER_SLAB} keys. */
    public static long maxKeySlabs() {
        return NativeSodium.keySetMaxSlabs(-1); // reads the cap, changes nothing
    }

    /**
     * Makes a key slot, or fails at once. Key memory is capped, and when it is full this throws
     * without waiting: no System.gc() and no sleep for a Cleaner to free the keys of pools dropped
     * without close(), because an import can run on an event loop (a session added to a table on a
     * Netty channel). Those keys are freed only when the collector finds their pools: close() is
     * what frees a key in time.
     */
    @Override
    public AeadKey importKey(byte[] key) {
        long handle = NativeSodium.keyCreate(Keys.check(key)); // checked here too: the last stop before C
        if (handle == 0) {
            throw full();
        }
        return new Key(handle);
    }

    private static IllegalStateException full() {
        long cap = maxKeySlabs();
        return new IllegalStateException("native key memory is full: " + liveKeyHandles() + " keys live, cap "
                + cap * KEYS_PER_SLAB + " keys (" + cap + " slabs of " + KEYS_PER_SLAB + "; or the memory could"
                + " not be mapped). close() the pools, sessions, receivers, tables and identities no longer used"
                + " (one dropped without close() keeps its keys until the garbage collector finds it), or raise the"
                + " cap with dev.netseal.Netseal.setMaxNativeKeys(long)");
    }

    @Override
    public AeadKey importSecret(byte[] secret) {
        X25519.checkSize("secret", secret); // named as the java backend names it
        return importKey(secret);
    }

    @Override
    public AeadKey generatePrivateKey() {
        long handle = NativeSodium.keyGenerate();
        if (handle == 0) {
            throw full();
        }
        return new Key(handle);
    }

    @Override
    public void readSecret(AeadKey secret, byte[] out) {
        X25519.checkSize("out", out);
        if (NativeSodium.keyRead(live(secret), out) != 0) {
            throw notLive();
        }
    }

    @Override
    public void publicKey(AeadKey privateKey, byte[] publicOut) {
        X25519.checkSize("publicOut", publicOut);
        if (NativeSodium.x25519Public(live(privateKey), publicOut) != 0) {
            throw notLive();
        }
    }

    @Override
    public boolean agree(AeadKey privateKey, byte[] peerPublic, byte[] sharedOut) {
        X25519.checkSize("peerPublic", peerPublic);
        X25519.checkSize("sharedOut", sharedOut);
        int rc = NativeSodium.x25519(live(privateKey), peerPublic, sharedOut);
        if (rc == -1) {
            throw notLive();
        }
        return rc == 0;
    }


    private static long live(AeadKey key) {
        Key k = (Key) key;
        if (k.isDestroyed()) {
            throw new IllegalStateException("key is destroyed");
        }
        return k.handle;
    }

    private static IllegalStateException notLive() {
        // The Key was not destroyed when checked: a destroy racing this call, or a handle the C side
        // no longer knows (freed, its slot perhaps another key's now), which it refuses.
        return new IllegalStateException("native key handle is not a live key (the key was freed)");
    }

    @Override
    public ByteBuffer allocate(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public AeadCipher newCipher() {
        return new NativeCipher();
    }

    /**
     * The address of a direct buffer's first byte: one JNI call into the shim
     * ({@code GetDirectBufferAddress}), no allocation. (It went through JNA, which makes a
     * {@code Pointer} per call: a receive path that sees a new buffer object per datagram paid
     * that for every packet.)
     */
    static long addressOf(ByteBuffer direct) {
        long address = NativeSodium.bufferAddress(direct);
        if (address == 0) {
            throw new IllegalArgumentException("not a direct buffer with an address");
        }
        return address;
    }

    /**
     * A native key: its handle (slot index and generation, see {@link NativeSodium}), never its
     * address. After {@link #destroy()} the handle is refused by Java ({@link #isDestroyed()}) and,
     * should it get past that, by the C side, also once the slot holds another key.
     */
    static final class Key implements AeadKey {
        final long handle;
        private final AtomicBoolean freed = new AtomicBoolean();

        Key(long handle) {
            this.handle = handle;
        }

        @Override
        public void destroy() {
            if (freed.compareAndSet(false, true) && NativeSodium.keyFree(handle) != 0) {
                // Unreachable: this handle came from keyCreate and is freed once. The C side
                // refused it instead of freeing another key or corrupting its free list.
                throw new IllegalStateException("native key handle was not a live key");
            }
        }

        @Override
        public boolean isDestroyed() {
            return freed.get();
        }
    }
}
