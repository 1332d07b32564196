package dev.netseal;

import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.Backends;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The backends every sealing, opening, pool and receiver test runs on. Tests take the backend's
 * name as a parameter ({@code @MethodSource("dev.netseal.TestBackends#names")}) and resolve it
 * with {@link #get}: when the native library is not there the native case is skipped with the
 * reason, unless {@code -Dnetseal.requireNative=true} (CI) turns that into a failure.
 */
public final class TestBackends {
    private TestBackends() {}

    public static Stream<String> names() {
        return Stream.of("java", "native");
    }

    @SuppressWarnings("exports") // a test helper: the backends are internal on purpose
    public static AeadBackend get(String name) {
        switch (name) {
            case "java":
                return Backends.java();
            case "native":
                if (Backends.nativeOrNull() == null) {
                    String why = "native library unavailable: " + Backends.unavailabilityCause();
                    if (Boolean.getBoolean("netseal.requireNative")) {
                        throw new AssertionError(why + " (and -Dnetseal.requireNative=true)",
                                Backends.unavailabilityCause());
                    }
                    Assumptions.abort(why);
                }
                return Backends.nativeOrNull();
            default:
                throw new IllegalArgumentException(name);
        }
    }
}
