package dev.netseal.internal.aead;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library in the classifier jar is extracted into a fresh directory that only this process
 * can write to (rwx------, made by it), checked there against the resource, loaded from there,
 * and deleted once loaded: nothing can swap the file between the check and the load. The jar is
 * made here from the library the build put on the test class path, and opened by a class loader
 * of its own, so the loader takes the same path as for a user's classifier jar; the load itself is
 * a probe ({@link NativeLoader.LibraryLoad}) that looks at the file it is handed, since this JVM
 * has the library loaded already.
 */
class NativeLoaderTest {

    private static final String RESOURCE = NativeLoader.RESOURCE;

    /** The library the build made (target/native-classes, on the test class path). */
    private static Path builtLibrary() throws URISyntaxException {
        URL url = NativeLoaderTest.class.getClassLoader().getResource(RESOURCE);
        if (url == null || !"file".equals(url.getProtocol())) {
            String why = "native library not built here (no libsodium-dev): " + url;
            if (Boolean.getBoolean("netseal.requireNative")) {
                fail(why + " (and -Dnetseal.requireNative=true)");
            }
            Assumptions.abort(why);
        }
        return Path.of(url.toURI());
    }

    /** A classifier-style jar holding the built library at its resource path. */
    private static Path jarWith(byte[] library, Path dir) throws IOException {
        Path jar = dir.resolve("netseal-linux.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry(RESOURCE));
            j.write(library);
            j.closeEntry();
        }
        return jar;
    }

    private static UserPrincipal ownerOfWhatThisProcessMakes(Path dir) throws IOException {
        Path probe = Files.createTempFile(dir, "owner", ".probe");
        try {
            return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS);
        } finally {
            Files.delete(probe);
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.collect(Collectors.toList());
        }
    }

    @Test
    void theJarsLibraryIsLoadedFromAFreshPrivateDirectoryAfterItIsVerifiedThere(@TempDir Path work)
            throws Exception {
        byte[] library = Files.readAllBytes(builtLibrary());
        Path jar = jarWith(library, work);
        Path parent = Files.createDirectory(work.resolve("tmp"));
        UserPrincipal us = ownerOfWhatThisProcessMakes(work);
        List<Path> loaded = new ArrayList<>();
        try (URLClassLoader jarOnly = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            for (int round = 0; round < 2; round++) {
                String from = NativeLoader.loadFromResource(jarOnly, parent, path -> {
                    Path file = Path.of(path);
                    Path dir = file.getParent();
                    loaded.add(file);
                    try {
                        String mode = PosixFilePermissions.toString(
                                Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS));
                        assertEquals("rwx------", mode, "the library was loaded from " + file
                                + ", in a directory others may write to or enter");
                        assertEquals(us, Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS), "directory not ours: " + dir);
                        assertFalse(Files.isSymbolicLink(dir) || Files.isSymbolicLink(file));
                        assertEquals(parent, dir.getParent(), "not a directory of its own under " + parent + ": " + file);
                        assertEquals(List.of(file), list(dir), "the directory is not fresh: " + list(dir));
                        Set<PosixFilePermission> filePerms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
                        assertTrue(filePerms.stream().allMatch(p -> p.name().startsWith("OWNER")),
                                "the file is open to others: " + PosixFilePermissions.toString(filePerms));
                        assertArrayEquals(library, Files.readAllBytes(file), "the file loaded is not the resource");
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                });
                assertTrue(from.startsWith("jar:file:") && from.endsWith(RESOURCE), from);
            }
        }
        assertEquals(2, loaded.size());
        assertNotEquals(loaded.get(0).getParent(), loaded.get(1).getParent(), "a directory was used twice");
        for (Path file : loaded) {
            assertFalse(Files.exists(file), "the extracted copy was left behind: " + file);
            assertFalse(Files.exists(file.getParent()), "its directory was left behind: " + file.getParent());
        }
        assertEquals(List.of(), list(parent));
    }

    /**
     * A parent directory that anyone may write to and that is not sticky would let another user
     * rename the private directory away and put one of theirs in its place before the load.
     */
    @Test
    void aParentAnyoneMayRenameEntriesInIsRefused(@TempDir Path work) throws Exception {
        byte[] library = Files.readAllBytes(builtLibrary());
        Path jar = jarWith(library, work);
        Path open = Files.createDirectory(work.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        try (URLClassLoader jarOnly = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            IOException refused = assertThrows(IOException.class,
                    () -> NativeLoader.loadFromResource(jarOnly, open, path -> fail("loaded from " + path)));
            assertTrue(refused.getMessage().contains("writable by everyone"), refused.getMessage());
        }
        assertEquals(List.of(), list(open), "something was extracted into the refused directory");
    }

    /** End to end: a fresh JVM with only the jar loads native from it and leaves nothing behind. */
    @Test
    void aJvmWithTheClassifierJarLoadsNativeAndLeavesNoCopy(@TempDir Path work) throws Exception {
        byte[] library = Files.readAllBytes(builtLibrary());
        Path jar = jarWith(library, work);
        Path tmp = Files.createDirectory(work.resolve("tmp"));
        String classPath = Stream.concat(
                        Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                                .filter(e -> !e.endsWith("native-classes")),
                        Stream.of(jar.toString()))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djna.tmpdir=" + tmp, "-Dnetseal.backend=native", "-cp", classPath,
                BackendSelectionTest.Probe.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        assertTrue(out.contains("active=NATIVE"), out);
        assertTrue(out.contains("jar:file:" + jar), out);
        try (Stream<Path> left = Files.walk(tmp)) {
            List<Path> netseal = left.filter(f -> f.getFileName().toString().contains("netseal"))
                    .collect(Collectors.toList());
            assertEquals(List.of(), netseal, "extracted copies left behind");
        }
    }
}
