package dev.netseal.internal.aead;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/** libsodium through the JNI shim, over direct buffers whose addresses never move. */
public final class NativeBackend implements AeadBackend {

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

    @Override
    public AeadKey importKey(byte[] key) {
        if (key.length != 32) {
            throw new IllegalArgumentException("key must be 32 bytes, got " + key.length);
        }
        long handle = NativeSodium.keyCreate(key);
        // Guarded memory is a few mappings per key, and keys of pools dropped without close()
        // are freed only when the collector finds them: as the JDK does for direct memory, ask
        // for a collection and give the Cleaner time to free them before giving up.
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
            throw new OutOfMemoryError("libsodium could not allocate guarded key memory (" + liveKeyHandles()
                    + " keys live): close() pools and receivers that are no longer used");
        }
        return new Key(handle);
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

    static final class Key implements AeadKey {
        final long handle;
        private final AtomicBoolean freed = new AtomicBoolean();

        Key(long handle) {
            this.handle = handle;
        }

        @Override
        public void destroy() {
            if (freed.compareAndSet(false, true)) {
                NativeSodium.keyFree(handle);
            }
        }

        @Override
        public boolean isDestroyed() {
            return freed.get();
        }
    }
}
