package dev.netseal.internal.aead;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Finds and loads {@code libnetseal.so}, in this order: an explicit file
 * ({@code -Dnetseal.native.path}), the classifier jar's resource at JNA's platform path
 * ({@code linux-x86-64/libnetseal.so}, extracted by JNA into its private cache directory and
 * checked against the resource by SHA-256 before it is loaded), then the directories of
 * {@code jna.library.path}, then {@code java.library.path}. Every failed attempt rides along as a suppressed exception of the
 * one that is thrown, and the message says what to do.
 */
final class NativeLoader {
    static final String LIBRARY = "netseal";

    private NativeLoader() {}

    /** Loads the library and initialises libsodium; returns where it was loaded from. */
    static String load(String explicitPath) {
        if (explicitPath != null) {
            File file = new File(explicitPath);
            if (!file.isAbsolute() || !file.isFile()) {
                throw new UnsatisfiedLinkError("netseal.native.path=" + explicitPath
                        + " is not an absolute path to an existing file");
            }
            System.load(file.getAbsolutePath());
            return initialise(file.getAbsolutePath());
        }
        UnsatisfiedLinkError failure = new UnsatisfiedLinkError(
                "libnetseal.so was not found for " + Platform.RESOURCE_PREFIX
                        + ": add the dependency dev.netseal:netseal:<version>:" + classifier()
                        + " (classifier jar; on the module path also --add-modules dev.netseal."
                        + classifier().replace('-', '.') + "), or set -Dnetseal.native.path=/abs/path/libnetseal.so");
        try {
            return initialise(loadFromResource());
        } catch (IOException | UnsatisfiedLinkError e) {
            failure.addSuppressed(e);
        }
        String jnaPath = System.getProperty("jna.library.path");
        if (jnaPath != null) {
            for (String dir : jnaPath.split(File.pathSeparator)) {
                File file = new File(dir, "lib" + LIBRARY + ".so");
                if (file.isFile()) {
                    try {
                        System.load(file.getAbsolutePath());
                        return initialise(file.getAbsolutePath());
                    } catch (UnsatisfiedLinkError e) {
                        failure.addSuppressed(e);
                    }
                }
            }
            failure.addSuppressed(new IOException("no usable lib" + LIBRARY + ".so in jna.library.path=" + jnaPath));
        }
        try {
            System.loadLibrary(LIBRARY);
            return initialise("java.library.path");
        } catch (UnsatisfiedLinkError e) {
            failure.addSuppressed(e);
        }
        throw failure;
    }

    /** The classifier of the jar for this platform: JNA's prefix, with Maven's x86_64 spelling. */
    private static String classifier() {
        return Platform.RESOURCE_PREFIX.replace("x86-64", "x86_64");
    }

    private static String loadFromResource() throws IOException {
        ClassLoader loader = NativeLoader.class.getClassLoader();
        String resource = Platform.RESOURCE_PREFIX + "/lib" + LIBRARY + ".so";
        URL url = loader.getResource(resource);
        if (url == null) {
            throw new IOException("no resource " + resource + " on the class path");
        }
        File file;
        try {
            file = Native.extractFromResourcePath("/" + resource, loader);
        } catch (IOException e) {
            throw new IOException("could not extract " + url + " (a noexec or full temp directory?"
                    + " point -Djna.tmpdir at a writable, executable directory)", e);
        }
        boolean extracted = !"file".equals(url.getProtocol());
        try {
            if (extracted) {
                requireSameBytes(url, file);
            }
            System.load(file.getAbsolutePath());
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError wrapped = new UnsatisfiedLinkError("could not load " + file
                    + " extracted from " + url + " (wrong architecture, or a noexec temp directory?"
                    + " set -Djna.tmpdir to an executable directory): " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        } finally {
            if (extracted) {
                // Once mapped the file is no longer needed; do not leave copies behind.
                file.delete();
            }
        }
        return url.toString();
    }

    /**
     * The extracted copy must be byte for byte the resource: a temp directory others can write to
     * must not get a library of theirs loaded in our place.
     */
    private static void requireSameBytes(URL resource, File copy) throws IOException {
        byte[] expected;
        try (InputStream in = resource.openStream()) {
            expected = sha256(in.readAllBytes());
        }
        byte[] actual = sha256(Files.readAllBytes(copy.toPath()));
        if (!MessageDigest.isEqual(expected, actual)) {
            copy.delete();
            throw new IOException("the copy of " + resource + " extracted to " + copy
                    + " differs from the resource: refusing to load it (set -Djna.tmpdir to a private directory)");
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String initialise(String from) {
        if (NativeSodium.init() != 0) {
            throw new UnsatisfiedLinkError("libsodium failed to initialise (sodium_init) in " + from);
        }
        try {
            // Buffer addresses come from JNA's own native part: make it load now, so a failure
            // falls back to java here instead of failing the first seal.
            NativeBackend.addressOf(java.nio.ByteBuffer.allocateDirect(1));
        } catch (Throwable t) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("JNA's native part did not load (a noexec temp"
                    + " directory? set -Djna.tmpdir): " + t);
            e.initCause(t);
            throw e;
        }
        return from;
    }
}
