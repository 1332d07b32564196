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

    /** True when libsodium through {@code libnetseal.so} loaded. */
    public static boolean isNativeAvailable() {
        return Backends.nativeOrNull() != null;
    }

    /** Why the native library is unavailable (with every failed attempt suppressed), or null. */
    public static Throwable unavailabilityCause() {
        return Backends.unavailabilityCause();
    }

    /** Throws, with the cause, unless the native library loaded. */
    public static void ensureNativeAvailable() {
        if (!isNativeAvailable()) {
            throw new IllegalStateException("netseal native library unavailable: "
                    + unavailabilityCause().getMessage(), unavailabilityCause());
        }
    }

    /** True when pools and receivers made now seal with the native backend. */
    public static boolean isNativeActive() {
        return Backends.active().kind() == BackendKind.NATIVE;
    }

    /** One line: the backend in use, its library version, where it came from or why not native. */
    public static String backendDescription() {
        return Backends.active().description();
    }
}
