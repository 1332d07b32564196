package dev.netseal.bench;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The raw libsodium floor inside the benchmark JVM: the bench-only JNI library
 * {@code libnetseal_bench_jni.so} ({@code native/bench/sodium_floor_jni.c}, CMake target
 * {@code netseal_bench_jni}), loaded from the path in the system property {@value #LIBRARY_PROPERTY}
 * (default {@value #DEFAULT_PATH}, where bench/run.sh builds it).
 * It links the same static libsodium as the shipped library and is never shipped itself.
 *
 * <p>{@link #sealBatch} is the floor a netseal seal is paired with: n calls of
 * {@code crypto_aead_chacha20poly1305_ietf_encrypt_detached} in a C loop per JNI call.
 * {@link #sealOne} and {@link #noop} take the shipped seal entry's arguments (one call per seal):
 * crossing plus AEAD, and the crossing alone. {@link #x25519Floor} is the floor of the handshake
 * pairs: the X25519 work of one handshake side, in C.
 */
final class SodiumFloor {
    private SodiumFloor() {}

    /** Absolute path of libnetseal_bench_jni.so. */
    static final String LIBRARY_PROPERTY = "netseal.bench.jni";
    /** Where bench/run.sh builds it, relative to the repository root (where run.sh runs JMH). */
    static final String DEFAULT_PATH = "bench/target/native-build/libnetseal_bench_jni.so";

    private static volatile String loadError;
    private static volatile boolean loaded;

    /** Loads the library once; throws, saying why and what to build, if it cannot. */
    static synchronized void load() {
        if (loaded) {
            return;
        }
        if (loadError != null) {
            throw new IllegalStateException(loadError);
        }
        String path = System.getProperty(LIBRARY_PROPERTY, DEFAULT_PATH);
        try {
            if (path == null || path.isBlank()) {
                throw new IllegalStateException("-D" + LIBRARY_PROPERTY + " is not set");
            }
            if (!Files.isRegularFile(Path.of(path))) {
                throw new IllegalStateException(path + " does not exist");
            }
            System.load(Path.of(path).toAbsolutePath().toString());
            if (init() != 0) {
                throw new IllegalStateException("sodium_init failed");
            }
            loaded = true;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            loadError = "UNAVAILABLE: the libsodium floor library (" + e.getMessage() + "); build it with "
                    + "cmake --build <dir> --target netseal_bench_jni and pass -D" + LIBRARY_PROPERTY + "=<path>";
            throw new IllegalStateException(loadError, e);
        }
    }

    /** A direct buffer's address, checked to be one. */
    static long addressOf(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("needs a direct buffer");
        }
        return address(direct);
    }

    /** Checks that a seal of {@code msgLen} bytes with its tag and {@code aadLen} AAD bytes fits. */
    static void checkFits(ByteBuffer aad, int aadLen, ByteBuffer msg, int msgLen) {
        if (aadLen < 0 || aadLen > aad.capacity() || msgLen < 0 || msgLen + BenchSupport.TAG_BYTES > msg.capacity()) {
            throw new IllegalArgumentException("buffers too small for aad " + aadLen + ", message " + msgLen);
        }
    }

    static native int init();

    static native String sodiumVersion();

    static native long address(ByteBuffer direct);

    static native long keyCreate(byte[] key);

    static native void keyFree(long key);

    /** n in-place seals, counters counter..counter+n-1, tag after the message; bits of every tag. */
    static native int sealBatch(long key, int noncePrefix, long counter, long aad, int aadLen,
                                long msg, int msgLen, int n);

    /** One in-place seal, tag after the message: the shipped seal entry's arguments. */
    static native int sealOne(long key, int noncePrefix, long counter, long aad, int aadLen,
                              long msg, int msgLen);

    /** The same arguments, no work. */
    static native int noop(long key, int noncePrefix, long counter, long aad, int aadLen,
                           long msg, int msgLen);

    /**
     * n times the X25519 work of one NKpsk0 side: one {@code crypto_scalarmult_curve25519_base}
     * (its ephemeral's public key) and two {@code crypto_scalarmult_curve25519} (es and ee), each
     * 32-byte array copied in once per call; bits of every result, or -1 (a wrong argument or an
     * all-zero result).
     */
    static native int x25519Floor(byte[] staticPrivate, byte[] ephemeralPrivate, byte[] peerPublic, int n);
}
