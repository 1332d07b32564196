package dev.netseal.internal.aead;

/** The two AEAD implementations netseal can seal with. */
public enum BackendKind {
    /** libsodium through the netseal JNI shim. */
    NATIVE,
    /** BouncyCastle's pure-Java ChaCha20Poly1305. */
    JAVA
}
