package dev.netseal.bench;

import com.goterl.lazysodium.LazySodiumJava;
import com.goterl.lazysodium.SodiumJava;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Row seal / lazysodium: lazysodium-java's byte[] detached call
 * ({@code cryptoAeadChaCha20Poly1305IetfEncryptDetached}, libsodium through JNA, the libsodium
 * lazysodium bundles), {@code size} message bytes, 56-byte AAD, a fresh counter nonce per op,
 * every array allocated once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LazysodiumSealBench {

    @Param({"64", "256", "1024", "8108"})
    public int size;

    private LazySodiumJava sodium;
    private byte[] key;
    private byte[] aad;
    private byte[] message;
    private byte[] ciphertext;
    private final byte[] tag = new byte[BenchSupport.TAG_BYTES];
    private final long[] tagLength = new long[1];
    private final byte[] nonce = new byte[BenchSupport.NONCE_BYTES];
    private long counter;

    @Setup(Level.Trial)
    public void setUp() {
        try {
            sodium = new LazySodiumJava(new SodiumJava());
        } catch (Throwable t) {
            throw new IllegalStateException("[bench] UNAVAILABLE: lazysodium: libsodium did not load: " + t, t);
        }
        key = BenchSupport.key();
        aad = BenchSupport.bytes(BenchSupport.AAD_BYTES, 1);
        message = BenchSupport.bytes(size, 2);
        ciphertext = new byte[size];
        seal();
    }

    @Benchmark
    public byte seal() {
        BenchSupport.writeNonce(nonce, 0x6e736c31, counter++);
        if (!sodium.cryptoAeadChaCha20Poly1305IetfEncryptDetached(ciphertext, tag, tagLength, message,
                size, aad, aad.length, null, nonce, key)) {
            throw new IllegalStateException("crypto_aead_chacha20poly1305_ietf_encrypt_detached failed");
        }
        return tag[0];
    }
}
