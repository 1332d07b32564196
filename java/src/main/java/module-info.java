/**
 * netseal: sealing and opening of Net v1 packets with ChaCha20-Poly1305, through pooled,
 * allocation-free packet builders, on libsodium (native) or BouncyCastle (pure Java).
 *
 * <p>{@code dev.netseal} is the API, and {@code dev.netseal.interop} the explicit-nonce codec for
 * interop checks and tools. Nothing under {@code dev.netseal.internal} is exported: the pools'
 * and builders' machinery ({@code internal.send}), the receive path ({@code internal.receive}),
 * key memory ({@code internal.keys}), the handshake ({@code internal.handshake}), the wire
 * format ({@code internal.wire}) and the backends ({@code internal.aead}).
 *
 * <p>The native library ships in a classifier jar (module {@code dev.netseal.linux.x86_64} or
 * {@code dev.netseal.linux.aarch64}). Nothing requires it, so on the module path name it with
 * {@code --add-modules}, and allow native access to this module and JNA's:
 * {@code --enable-native-access=dev.netseal,com.sun.jna}.
 */
// JNA ships as an automatic module (its Automatic-Module-Name).
@SuppressWarnings("requires-automatic")
module dev.netseal {
    requires com.sun.jna;
    requires org.bouncycastle.provider;
    requires org.jctools.core;
    // The nullness annotations are for the compiler and NullAway only: not needed at run time.
    requires static org.jspecify;

    exports dev.netseal;
    exports dev.netseal.interop;
}
