package dev.netseal.internal.aead;

import com.sun.jna.Platform;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import org.jspecify.annotations.Nullable;

/**
 * Finds and loads {@code libnetseal.so}, in this order: an explicit file
 * ({@code -Dnetseal.native.path}), the classifier jar's resource at JNA's platform path
 * ({@code linux-x86-64/libnetseal.so}, extracted into a fresh directory only this process can
 * write to, checked there against the resource by SHA-256, loaded from there and deleted), then
 * the directories of {@code jna.library.path}, then {@code java.library.path}. Every failed
 * attempt rides along as a suppressed exception of the one that is thrown, and the message says
 * what to do.
 */
final class NativeLoader {
    static final String LIBRARY = "netseal";
    /** Where the classifier jar holds the library. */
    static final String RESOURCE = Platform.RESOURCE_PREFIX + "/lib" + LIBRARY + ".so";

    /** Loads a library file by its absolute path: {@link System#load}, or a test's probe. */
    @FunctionalInterface
    interface LibraryLoad {
        void load(String absolutePath);
    }

    private NativeLoader() {}

    /** Loads the library and initialises libsodium; returns where it was loaded from. */
    @SuppressWarnings("StringSplitter") // File.pathSeparator is ':', no regex; no trailing empty entries wanted
    static String load(@Nullable String explicitPath) {
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
        // A lambda, not System::load: System.load ties the library to its caller's class loader, and
        // the caller must be this class (in the loader that defines NativeSodium).
        return loadFromResource(NativeLoader.class.getClassLoader(), extractionParent(), path -> System.load(path));
    }

    /**
     * Loads the library resource of {@code loader} with {@code load}; returns the resource's URL.
     * A resource in a directory (a build tree on the class path) is loaded where it is, as an
     * explicit path would be. One in a jar is extracted, and a swap of the file between its check
     * and its load is what must not happen:
     * <ol>
     *   <li>a fresh directory is made under {@code parent} with {@code rwx------} from the start
     *       (mkdir makes it new or fails, so it is this process's, and no one else can create,
     *       replace or write a file in it);</li>
     *   <li>the library is written into it (a new file, {@code r-x------} once written), and
     *       read back and checked against the resource's SHA-256 there;</li>
     *   <li>it is loaded by that path, then the file and the directory are deleted (the mapping
     *       stays valid).</li>
     * </ol>
     * The directory's own name lives in {@code parent}: a parent anyone may write to must be
     * sticky (as {@code /tmp} is), or another user could rename the directory away and put one of
     * theirs in its place between the check and the load, so such a parent is refused.
     */
    static String loadFromResource(ClassLoader loader, Path parent, LibraryLoad load) throws IOException {
        URL url = loader.getResource(RESOURCE);
        if (url == null) {
            throw new IOException("no resource " + RESOURCE + " on the class path");
        }
        if ("file".equals(url.getProtocol())) {
            Path file;
            try {
                file = Path.of(url.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw new IOException("cannot read " + url + " as a file", e);
            }
            loadOrExplain(load, file, url, false);
            return url.toString();
        }
        byte[] library;
        try (InputStream in = url.openStream()) {
            library = in.readAllBytes();
        }
        byte[] expected = sha256(library);
        requireNoOneElseRenamesIn(parent);
        Path dir;
        try {
            dir = Files.createTempDirectory(parent, "netseal-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            throw new IOException("could not make a private directory in " + parent + " to extract " + url
                    + " into (set -Djna.tmpdir to a writable, executable directory)", e);
        }
        Path file = dir.resolve("lib" + LIBRARY + ".so");
        try {
            // mkdir applied the mode less the umask: it can only be narrower, and then unusable.
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
            if (!mode.equals("rwx------")) {
                throw new IOException("the directory made to extract " + url + " into, " + dir + ", is " + mode
                        + ", not rwx------ (umask?)");
            }
            try (FileChannel out = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer bytes = ByteBuffer.wrap(library);
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
            }
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
            if (!MessageDigest.isEqual(expected, sha256(Files.readAllBytes(file)))) {
                throw new IOException("the copy of " + url + " extracted to " + file
                        + " differs from the resource: refusing to load it");
            }
            loadOrExplain(load, file, url, true);
        } finally {
            // Once mapped (or refused) the file is no longer needed; leave no copy behind.
            deleteNowOrOnExit(file, dir);
        }
        return url.toString();
    }

    private static void loadOrExplain(LibraryLoad load, Path file, URL url, boolean extracted) {
        try {
            load.load(file.toAbsolutePath().toString());
        } catch (UnsatisfiedLinkError e) {
            UnsatisfiedLinkError wrapped = new UnsatisfiedLinkError("could not load " + file
                    + (extracted ? " extracted from " + url + " (wrong architecture, or a noexec directory?"
                            + " set -Djna.tmpdir to an executable directory)" : " (wrong architecture?)")
                    + ": " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    /** Deletes the extracted file and its directory; what cannot go now goes when the JVM exits. */
    private static void deleteNowOrOnExit(Path file, Path dir) {
        try {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            dir.toFile().deleteOnExit(); // registered first, deleted last
            file.toFile().deleteOnExit();
        }
    }

    /**
     * Refuses a parent directory anyone may write to unless it is sticky: there others could
     * rename our private directory away between the check and the load. A group-writable parent
     * is allowed (a user's private group is common); "unix:mode" is there on every JDK for Linux.
     */
    private static void requireNoOneElseRenamesIn(Path parent) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(parent, "unix:mode");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return; // not Linux: the library is built for Linux only
        }
        if ((mode & 0002) != 0 && (mode & 01000) == 0) {
            throw new IOException(parent + " is writable by everyone and not sticky: refusing to extract the"
                    + " native library there (set -Djna.tmpdir to a directory of your own)");
        }
    }

    /**
     * Where the private directory is made: {@code jna.tmpdir} if set; else JNA's own default on
     * Linux, where its native part goes too ({@code $XDG_CACHE_HOME/JNA/temp} or
     * {@code ~/.cache/JNA/temp}: under the user's home, because {@code /tmp} is often mounted
     * noexec); else {@code java.io.tmpdir}.
     */
    static Path extractionParent() {
        String configured = System.getProperty("jna.tmpdir");
        if (configured != null) {
            Path dir = Path.of(configured);
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                // the extraction says what went wrong
            }
            return dir;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg == null || xdg.isEmpty() ? Path.of(System.getProperty("user.home"), ".cache") : Path.of(xdg);
        Path jna = cache.resolve("JNA").resolve("temp");
        try {
            Files.createDirectories(jna);
            if (Files.isWritable(jna)) {
                return jna;
            }
        } catch (IOException | SecurityException e) {
            // fall back to the JVM's temp directory
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
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
        // Buffer addresses come from the shim itself: check it answers now, so a failure falls
        // back to java here instead of failing the first seal.
        if (NativeSodium.bufferAddress(java.nio.ByteBuffer.allocateDirect(1)) == 0) {
            throw new UnsatisfiedLinkError("the native library gives no address for a direct buffer (" + from + ")");
        }
        return from;
    }
}
