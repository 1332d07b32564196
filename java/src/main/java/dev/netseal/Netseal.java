package dev.netseal;

import dev.netseal.internal.aead.BackendKind;
import dev.netseal.internal.aead.Backends;

/**
 * Which AEAD backend netseal seals with, and why. The choice is made once, on first use, from
 * the system properties {@code netseal.backend} ({@code auto} | {@code native} | {@code java})
 * and {@code netseal.native.path}; see README.
 */
public final class Netseal {
    private Netseal() {}

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
    public static Throwable unavailabilityCause() {
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
                    + unavailabilityCause().getMessage(), unavailabilityCause());
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
