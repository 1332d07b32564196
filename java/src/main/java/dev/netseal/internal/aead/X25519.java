package dev.netseal.internal.aead;

/**
 * X25519 (RFC 7748) over private keys held in a backend's key memory, for the Noise handshake.
 * A private key is an {@link AeadKey} of the same backend (any 32 bytes; the scalar is clamped by
 * the multiplication itself), so a static identity and an ephemeral key live where session keys
 * live and are wiped the same way.
 *
 * <p>Thread-safe; a key must not be destroyed while a call on it runs (the callers hold it).
 */
public interface X25519 {

    /** Size of a private key, a public key and a shared secret. */
    int KEY_SIZE = 32;

    /** Throws unless {@code a} is {@link #KEY_SIZE} bytes, naming it. */
    static void checkSize(String name, byte[] a) {
        if (a.length != KEY_SIZE) {
            throw new IllegalArgumentException(name + " must be " + KEY_SIZE + " bytes, got " + a.length);
        }
    }

    /** A fresh random private key in the backend's key memory, never in a Java array. */
    AeadKey generatePrivateKey();

    /** Copies 32 bytes into the backend's key memory: a private key or a pre-shared key. */
    AeadKey importSecret(byte[] secret);

    /**
     * Copies a secret's 32 bytes into {@code out}, for the work that runs in Java (BLAKE2s over a
     * pre-shared key, saving an identity). The caller wipes {@code out} as soon as it is used.
     */
    void readSecret(AeadKey secret, byte[] out);

    /** Writes X25519(privateKey, 9), the public key, into {@code publicOut} (32 bytes). */
    void publicKey(AeadKey privateKey, byte[] publicOut);

    /**
     * Writes X25519(privateKey, peerPublic) into {@code sharedOut} (32 bytes); false, and
     * {@code sharedOut} left as it was, when the result is all zero (the peer sent a point of
     * small order: Noise allows refusing it, and netseal always does).
     */
    boolean agree(AeadKey privateKey, byte[] peerPublic, byte[] sharedOut);
}
