package dev.netseal.bench;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.conscrypt.Conscrypt;
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
 * Row seal / conscrypt: Conscrypt (BoringSSL) as a JCE provider,
 * {@code Cipher.getInstance("ChaCha20/Poly1305/NoPadding", conscrypt)}, the byte[] path, shaped
 * as {@link JceSealBench}. If Conscrypt's native library does not load, setup fails with a
 * message containing {@code UNAVAILABLE: conscrypt}, which run.sh's summary reports as the
 * reason the row is missing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ConscryptSealBench {

    @Param({"64", "256", "1024", "8108"})
    public int size;

    private Cipher cipher;
    private SecretKeySpec key;
    private byte[] aad;
    private byte[] message;
    private byte[] output;
    private final byte[] nonce = new byte[BenchSupport.NONCE_BYTES];
    private long counter;

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        Provider provider;
        try {
            Conscrypt.checkAvailability();
            provider = Conscrypt.newProvider();
        } catch (Throwable t) {
            throw new IllegalStateException("[bench] UNAVAILABLE: conscrypt: its native library did not load: "
                    + t, t);
        }
        cipher = Cipher.getInstance("ChaCha20/Poly1305/NoPadding", provider);
        key = new SecretKeySpec(BenchSupport.key(), "ChaCha20");
        aad = BenchSupport.bytes(BenchSupport.AAD_BYTES, 1);
        message = BenchSupport.bytes(size, 2);
        output = new byte[size + BenchSupport.TAG_BYTES];
        System.out.println("[bench] conscrypt " + Conscrypt.version().major() + "."
                + Conscrypt.version().minor() + "." + Conscrypt.version().patch()
                + ", cipher from " + cipher.getProvider().getName());
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
