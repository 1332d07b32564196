package dev.netseal.internal.aead;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
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

    /** Live native key handles, for tests that prove handles are freed. */
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

    /**
     * Caps the native key memory at {@code maxSlabs} slabs of {@link #KEYS_PER_SLAB} keys (0
     * restores the default, 4096 slabs: 8,388,608 keys); returns the previous cap. For tests
     * that fill the key memory until refusal, and for servers that want a lower bound.
     */
    public static long setMaxKeySlabs(long maxSlabs) {
        if (maxSlabs < 0) {
            throw new IllegalArgumentException("maxSlabs must be >= 0, got " + maxSlabs);
        }
        return NativeSodium.keySetMaxSlabs(maxSlabs);
    }

    @Override
    public AeadKey importKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("key must be 32 bytes, got " + key.length);
        }
        long handle = NativeSodium.keyCreate(key);
        // Key memory is capped, and keys of pools dropped without close() are freed only when
        // the collector finds them: as the JDK does for direct memory, ask for a collection and
        // give the Cleaner time to free them before giving up.
        for (int attempt = 0; handle == 0 && attempt < 8; attempt++) {
            System.gc();
            try {
                Thread.sleep(1L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            handle = NativeSodium.keyCreate(key);
        }
        if (handle == 0) {
            long cap = NativeSodium.keySetMaxSlabs(-1); // reads the cap, changes nothing
            throw new IllegalStateException("native key memory is full: " + liveKeyHandles() + " keys live in "
                    + keySlabs() + " slab(s) of " + KEYS_PER_SLAB + ", cap " + cap + " slabs (or the memory"
                    + " could not be mapped): close() pools, sessions and receivers that are no longer used,"
                    + " or raise the cap with NativeBackend.setMaxKeySlabs");
        }
        return new Key(handle);
    }

    @Override
    public AeadKey importSecret(byte[] secret) {
        return importKey(secret);
    }

    @Override
    public AeadKey generatePrivateKey() {
        long handle = NativeSodium.keyGenerate();
        if (handle == 0) {
            throw new IllegalStateException("native key memory is full: " + liveKeyHandles() + " keys live in "
                    + keySlabs() + " slab(s): close() sessions, receivers and identities that are no longer used");
        }
        return new Key(handle);
    }

    @Override
    public void readSecret(AeadKey secret, byte[] out) {
        checkSize("out", out);
        if (NativeSodium.keyRead(live(secret), out) != 0) {
            throw notLive();
        }
    }

    @Override
    public void publicKey(AeadKey privateKey, byte[] publicOut) {
        checkSize("publicOut", publicOut);
        if (NativeSodium.x25519Public(live(privateKey), publicOut) != 0) {
            throw notLive();
        }
    }

    @Override
    public boolean agree(AeadKey privateKey, byte[] peerPublic, byte[] sharedOut) {
        checkSize("peerPublic", peerPublic);
        checkSize("sharedOut", sharedOut);
        int rc = NativeSodium.x25519(live(privateKey), peerPublic, sharedOut);
        if (rc == -1) {
            throw notLive();
        }
        return rc == 0;
    }

    private static void checkSize(String name, byte[] a) {
        if (a.length != X25519.KEY_SIZE) {
            throw new IllegalArgumentException(name + " must be " + X25519.KEY_SIZE + " bytes, got " + a.length);
        }
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

    /** The address of a direct buffer's first byte (a cold call: JNA allocates a Pointer). */
    static long addressOf(ByteBuffer direct) {
        Pointer p = Native.getDirectBufferPointer(direct);
        return Pointer.nativeValue(p);
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
