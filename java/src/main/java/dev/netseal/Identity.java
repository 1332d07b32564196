package dev.netseal;

import dev.netseal.internal.keys.GuardedSecret;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.aead.X25519;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * A node's static X25519 key pair: what a responder proves it holds in the handshake (the
 * initiator knows its {@linkplain #publicKey() public key} in advance, as in Noise's NK).
 *
 * <h2>Security guarantees</h2>
 * The private key lives in the same guarded key memory as session keys (libsodium's, when native
 * is loaded) and is wiped by {@link #close()}, once no handshake still uses it. It leaves that
 * memory only through {@link #exportPrivateKey()} and {@link #save(Path)}, for keeping it.
 * {@link #toString()} shows the public key alone; no exception message holds a secret.
 *
 * <p>Thread-safe: any number of handshakes may use one identity at once.
 */
public final class Identity implements AutoCloseable {
    final GuardedSecret privateKey;
    private final byte[] publicKey;

    private Identity(X25519 dh, byte @Nullable [] privateKeyOrNull) {
        var key = privateKeyOrNull == null ? dh.generatePrivateKey() : dh.importSecret(privateKeyOrNull);
        this.privateKey = new GuardedSecret(dh, key);
        this.publicKey = new byte[X25519.KEY_SIZE];
        dh.publicKey(key, publicKey);
    }

    /**
     * A new random identity.
     *
     * @return the identity
     */
    public static Identity generate() {
        return new Identity(Backends.x25519For(Backends.active()), null);
    }

    /**
     * The identity whose private key is {@code privateKey} (32 bytes, as {@link #exportPrivateKey()}
     * gives it; any 32 bytes are a valid X25519 private key).
     *
     * @param privateKey the private key; the caller keeps and wipes its own copy
     * @return the identity
     */
    public static Identity fromPrivateKey(byte[] privateKey) {
        return fromPrivateKey(Backends.x25519For(Backends.active()), privateKey);
    }

    static Identity fromPrivateKey(X25519 dh, byte[] privateKey) {
        if (privateKey.length != X25519.KEY_SIZE) {
            throw new IllegalArgumentException("private key must be " + X25519.KEY_SIZE + " bytes, got "
                    + privateKey.length);
        }
        return new Identity(dh, privateKey);
    }

    static Identity generate(X25519 dh) {
        return new Identity(dh, null);
    }

    /**
     * Loads an identity saved by {@link #save(Path)}: a file of exactly 32 bytes.
     *
     * @param file the file
     * @return the identity
     * @throws IOException if the file cannot be read, or is not 32 bytes long
     */
    public static Identity load(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            if (bytes.length != X25519.KEY_SIZE) {
                throw new IOException(file + " is " + bytes.length + " bytes long; an identity file holds "
                        + X25519.KEY_SIZE);
            }
            return fromPrivateKey(bytes);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * Saves the private key (32 raw bytes) to a new file that only its owner may read and write
     * (0600 where the file system has POSIX permissions). Refuses to overwrite a file.
     *
     * @param file the file, which must not exist
     * @throws IOException if it exists or cannot be written
     */
    public void save(Path file) throws IOException {
        byte[] bytes = exportPrivateKey();
        try {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException noPosix) {
                Files.createFile(file);
            }
            Files.write(file, bytes, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /**
     * A copy of the private key, for keeping it (a key file, a secret store). The caller wipes it.
     *
     * @return the 32-byte private key
     */
    public byte[] exportPrivateKey() {
        byte[] out = new byte[X25519.KEY_SIZE];
        var key = privateKey.acquire("identity");
        try {
            privateKey.dh.readSecret(key, out);
        } finally {
            privateKey.release();
        }
        return out;
    }

    /**
     * The public key, which initiators must know to connect to this node.
     *
     * @return a copy of the 32-byte public key
     */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    byte[] publicKeyUnsafe() {
        return publicKey;
    }

    /**
     * True once closed.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return privateKey.isClosed();
    }

    /** Wipes the private key once no handshake still uses it. Idempotent. */
    @Override
    public void close() {
        privateKey.close();
    }

    /** The public key in hex: nothing secret. */
    @Override
    public String toString() {
        return "Identity[public " + HexFormat.of().formatHex(publicKey) + "]";
    }
}
