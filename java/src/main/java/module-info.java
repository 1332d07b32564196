/**
 * netseal: sealing and opening of Net v1 packets with ChaCha20-Poly1305, through pooled,
 * allocation-free packet builders, on libsodium (native) or BouncyCastle (pure Java).
 *
 * <p>Only {@code dev.netseal} is API. The wire format's internals ({@code dev.netseal.internal.wire})
 * are open to the command-line tool alone; the backends and the native loader
 * ({@code dev.netseal.internal.aead}) to no one.
 *
 * <p>The native library ships in a classifier jar (module {@code dev.netseal.linux.x86_64} or
 * {@code dev.netseal.linux.aarch64}). Nothing requires it, so on the module path name it with
 * {@code --add-modules}, and allow native access to this module and JNA's:
 * {@code --enable-native-access=dev.netseal,com.sun.jna}.
 */
// JNA ships as an automatic module (its Automatic-Module-Name); the CLI, the one module the wire
// internals are exported to, is built after this one.
@SuppressWarnings({"requires-automatic", "module"})
module dev.netseal {
    requires com.sun.jna;
    requires org.bouncycastle.provider;
    requires org.jctools.core;
    // The nullness annotations are for the compiler and NullAway only: not needed at run time.
    requires static org.jspecify;

    exports dev.netseal;
    exports dev.netseal.internal.wire to dev.netseal.cli;
}
