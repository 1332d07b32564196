package dev.netseal;

import dev.netseal.internal.aead.BackendKind;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.NativeBackend;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which AEAD backend netseal seals with, and why. The choice is made once, on first use, from
 * the system properties {@code netseal.backend} ({@code auto} | {@code native} | {@code java})
 * and {@code netseal.native.path}; see README. Also the cap on the native backend's key memory
 * ({@link #setMaxNativeKeys}).
 */
public final class Netseal {
    private Netseal() {}

    /** The default cap on native keys: 8,388,608 (256 MiB of locked key memory). */
    public static final long DEFAULT_MAX_NATIVE_KEYS = NativeBackend.DEFAULT_MAX_KEY_SLABS * NativeBackend.KEYS_PER_SLAB;

    /** The highest cap on native keys: 134,217,728 (4 GiB of locked key memory). */
    public static final long MAX_NATIVE_KEYS = NativeBackend.MAX_KEY_SLABS * NativeBackend.KEYS_PER_SLAB;

    /**
     * Caps the number of keys the native backend holds at once (every pool, session, receiver
     * key, previous key in its grace period and identity is one). Native keys live in locked
     * memory, 32 bytes each, taken in slabs of 2048 keys, so the cap is rounded up to a multiple
     * of 2048. When the cap is reached, making one more key fails at once with an
     * {@link IllegalStateException} that says so; it never waits for memory. Lowering the cap below
     * the keys in use frees nothing; it only refuses new ones.
     *
     * <p>Close what you no longer use: a pool, session, receiver or table dropped without
     * {@code close()} keeps its keys until the garbage collector finds it, and netseal does not
     * ask for a collection when the memory is full.
     *
     * <p>The java backend's keys are on the heap and have no such cap: without the native library
     * this does nothing.
     *
     * @param maxKeys the new cap, from 1 to {@link #MAX_NATIVE_KEYS}; rounded up to a multiple of 2048
     * @return the previous cap, in keys, or 0 when the native library is not loaded
     * @throws IllegalArgumentException if {@code maxKeys} is below 1 or above {@link #MAX_NATIVE_KEYS}
     */
    public static long setMaxNativeKeys(long maxKeys) {
        if (maxKeys < 1 || maxKeys > MAX_NATIVE_KEYS) {
            throw new IllegalArgumentException("maxKeys must be in [1, " + MAX_NATIVE_KEYS + "], got " + maxKeys);
        }
        if (Backends.nativeOrNull() == null) {
            return 0;
        }
        long slabs = (maxKeys + NativeBackend.KEYS_PER_SLAB - 1) / NativeBackend.KEYS_PER_SLAB;
        return NativeBackend.setMaxKeySlabs(slabs) * NativeBackend.KEYS_PER_SLAB;
    }

    /**
     * The cap on keys the native backend holds at once ({@link #setMaxNativeKeys}).
     *
     * @return the cap, in keys ({@link #DEFAULT_MAX_NATIVE_KEYS} unless changed), or 0 when the
     *         native library is not loaded
     */
    public static long maxNativeKeys() {
        return Backends.nativeOrNull() == null ? 0 : NativeBackend.maxKeySlabs() * NativeBackend.KEYS_PER_SLAB;
    }

    /**
     * Whether the native backend loaded.
     *
     * @return true when libsodium, through {@code libnetseal.so}, loaded
     */
    public static boolean isNativeAvailable() {
        return Backends.nativeOrNull() != null;
    }

    /**
     * Why the native library is unavailable.
     *
     * @return the failure of the last attempt, with every earlier attempt suppressed inside it,
     *         or null when native loaded
     */
    @SuppressWarnings("exports") // @Nullable's module is for compilers only (requires static), not for users
    public static @Nullable Throwable unavailabilityCause() {
        return Backends.unavailabilityCause();
    }

    /**
     * Throws, with the cause, unless the native library loaded.
     *
     * @throws IllegalStateException if it did not, with {@link #unavailabilityCause()} as cause
     */
    public static void ensureNativeAvailable() {
        if (!isNativeAvailable()) {
            throw new IllegalStateException("netseal native library unavailable: "
                    + Objects.requireNonNull(unavailabilityCause()).getMessage(), unavailabilityCause()); // set then
        }
    }

    /**
     * Whether new pools and receivers use the native backend.
     *
     * @return true when pools and receivers made now seal with the native backend
     * @throws IllegalStateException if {@code netseal.backend} asks for what cannot be had
     */
    public static boolean isNativeActive() {
        return Backends.active().kind() == BackendKind.NATIVE;
    }

    /**
     * Describes the backend in use.
     *
     * @return one line: the backend, its library version, and where it came from or why native
     *         is not in use
     * @throws IllegalStateException if {@code netseal.backend} asks for what cannot be had
     */
    public static String backendDescription() {
        return Backends.active().description();
    }
}
