package dev.netseal.internal.aead;

import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The one place that decides which AEAD backend seals. Properties are read once, on first use:
 * <ul>
 *   <li>{@code netseal.backend} = {@code auto} (default: native if it loads, else java),
 *       {@code native} (failure to load is an error) or {@code java};</li>
 *   <li>{@code netseal.native.path} = an absolute path to {@code libnetseal.so}.</li>
 * </ul>
 * In {@code auto} a failure to load native is logged once, at INFO (the full cause, with every
 * failed attempt suppressed in it, at DEBUG), and kept for {@link #unavailabilityCause()}.
 */
public final class Backends {
    public static final String BACKEND_PROPERTY = "netseal.backend";
    public static final String NATIVE_PATH_PROPERTY = "netseal.native.path";

    private static final System.Logger LOG = System.getLogger("dev.netseal");

    private Backends() {}

    private static final class Native {
        /** Exactly one of the two is set. */
        static final @Nullable NativeBackend BACKEND;
        static final @Nullable Throwable CAUSE;

        static {
            NativeBackend backend = null;
            Throwable cause = null;
            String path = System.getProperty(NATIVE_PATH_PROPERTY);
            LOG.log(Level.DEBUG, "{0}={1}", NATIVE_PATH_PROPERTY, path);
            try {
                backend = new NativeBackend(NativeLoader.load(path));
            } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError from JNA, ...
                cause = explained(t);
            }
            BACKEND = backend;
            CAUSE = cause;
        }
    }

    /**
     * A load failure whose message says what happened and what to do. JNA's own class can fail
     * to initialise with no message (an ExceptionInInitializerError around the real cause), and a
     * JDK that denies native access (JDK 24+ with --illegal-native-access=deny) says so only deep
     * in the chain: name the flag that fixes it.
     */
    private static Throwable explained(Throwable t) {
        Throwable withMessage = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IllegalCallerException) {
                UnsatisfiedLinkError e = new UnsatisfiedLinkError("native access is denied to this JVM's"
                        + " code (" + c.getMessage() + "): start it with --enable-native-access=dev.netseal,"
                        + "com.sun.jna when netseal and JNA are on the module path, or"
                        + " --enable-native-access=ALL-UNNAMED on the class path");
                e.initCause(t);
                return e;
            }
            if (withMessage == null && c.getMessage() != null) {
                withMessage = c;
            }
        }
        if (t.getMessage() != null) {
            return t;
        }
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(t.getClass().getName()
                + (withMessage == null ? "" : ": " + withMessage));
        e.initCause(t);
        return e;
    }

    private static final class Active {
        /** Exactly one of the two is set. */
        static final @Nullable AeadBackend BACKEND;
        /** A bad property or a forced native that did not load: thrown on every use, not once. */
        static final @Nullable RuntimeException ERROR;

        static {
            AeadBackend backend = null;
            RuntimeException error = null;
            try {
                backend = choose();
            } catch (RuntimeException e) {
                error = e;
            }
            BACKEND = backend;
            ERROR = error;
        }
    }

    /**
     * The backend every pool and receiver uses unless told otherwise.
     *
     * @throws IllegalStateException if the properties ask for what cannot be had
     */
    public static AeadBackend active() {
        if (Active.ERROR != null) {
            throw new IllegalStateException(Active.ERROR.getMessage(), Active.ERROR);
        }
        return Objects.requireNonNull(Active.BACKEND); // chosen, as no error was
    }

    /** The native backend, or null if it did not load (see {@link #unavailabilityCause()}). */
    public static @Nullable NativeBackend nativeOrNull() {
        return Native.BACKEND;
    }

    /** Why native is not available, or null if it is. */
    public static @Nullable Throwable unavailabilityCause() {
        return Native.CAUSE;
    }

    /**
     * The X25519 of {@code backend} when it has one (both of netseal's do), else BouncyCastle's:
     * the keys it makes are that backend's and only work with it.
     */
    public static X25519 x25519For(AeadBackend backend) {
        return backend instanceof X25519 x ? x : new BouncyCastleBackend(null);
    }

    /** A BouncyCastle backend, always available. */
    public static AeadBackend java() {
        return new BouncyCastleBackend(null);
    }

    // NullAway: Native.CAUSE is read only where Native.BACKEND is null, and it is set then.
    // StatementSwitchToExpressionSwitch: a style suggestion only; the cases that log, throw and return
    // read as they are.
    @SuppressWarnings({"NullAway", "StatementSwitchToExpressionSwitch"})
    private static AeadBackend choose() {
        String wanted = System.getProperty(BACKEND_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        LOG.log(Level.DEBUG, "{0}={1}", BACKEND_PROPERTY, wanted);
        switch (wanted) {
            case "java":
                return new BouncyCastleBackend(null);
            case "native":
                if (Native.BACKEND == null) {
                    throw new IllegalStateException("-D" + BACKEND_PROPERTY + "=native, but the native"
                            + " library could not be loaded: " + Native.CAUSE.getMessage(), Native.CAUSE);
                }
                return Native.BACKEND;
            case "auto":
                if (Native.BACKEND != null) {
                    return Native.BACKEND;
                }
                LOG.log(Level.INFO, "netseal seals with pure-Java BouncyCastle: the native library is"
                        + " unavailable (" + Native.CAUSE.getMessage() + ")");
                LOG.log(Level.DEBUG, "why the native library did not load", Native.CAUSE);
                return new BouncyCastleBackend(Native.CAUSE.getMessage());
            default:
                throw new IllegalStateException("-D" + BACKEND_PROPERTY + "=" + wanted
                        + " is not one of auto, native, java");
        }
    }
}
