package dev.netseal.bench;

import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
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
 * A seal row through a JCA {@link Cipher}: one Cipher reused; per op
 * {@code init(ENCRYPT, key, new IvParameterSpec(nonce))} with a fresh counter nonce,
 * {@code updateAAD} (56 bytes), {@code doFinal} of {@code size} bytes into a preallocated output.
 * Subclasses say which provider's Cipher.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class AbstractCipherSealBench {

    @Param({"64", "256", "1024", "8108"})
    public int size;

    private Cipher cipher;
    private SecretKeySpec key;
    private byte[] aad;
    private byte[] message;
    private byte[] output;
    private final byte[] nonce = new byte[BenchSupport.NONCE_BYTES];
    private long counter;

    /** The ChaCha20-Poly1305 Cipher to measure. */
    protected abstract Cipher newCipher() throws GeneralSecurityException;

    /** One line for the log: which implementation this is. */
    protected abstract String describe(Cipher cipher);

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        cipher = newCipher();
        key = new SecretKeySpec(BenchSupport.key(), "ChaCha20");
        aad = BenchSupport.bytes(BenchSupport.AAD_BYTES, 1);
        message = BenchSupport.bytes(size, 2);
        output = new byte[size + BenchSupport.TAG_BYTES];
        System.out.println("[bench] " + describe(cipher));
        seal();
    }

    @Benchmark
    public int seal() throws GeneralSecurityException {
        BenchSupport.writeNonce(nonce, 0x6e736c31, counter++);
        cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce));
        cipher.updateAAD(aad);
        return cipher.doFinal(message, 0, size, output, 0);
    }
}
