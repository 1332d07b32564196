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
 * Group "seal", rows jce and conscrypt ({@code impl}): a JCA {@link Cipher} reused; per op
 * {@code init(ENCRYPT, key, new IvParameterSpec(nonce))} with a fresh counter nonce,
 * {@code updateAAD} (56 bytes), {@code doFinal} of {@code size} bytes into a preallocated output.
 * <ul>
 *   <li>jce: the running JDK's own {@code Cipher "ChaCha20-Poly1305"} (SunJCE); run.sh runs it on
 *       JDK 17 and, when installed, JDK 25;</li>
 *   <li>conscrypt: Conscrypt (BoringSSL) as a provider, {@code "ChaCha20/Poly1305/NoPadding"},
 *       the byte[] path. If its native library does not load, setup fails with a message
 *       containing {@code UNAVAILABLE: conscrypt}, which the summary reports as the reason the
 *       row is missing.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CipherSealBench {

    @Param({"jce", "conscrypt"})
    public String impl;

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
        switch (impl) {
            case "jce" -> {
                cipher = Cipher.getInstance("ChaCha20-Poly1305");
                System.out.println("[bench] jce provider: " + cipher.getProvider() + " on "
                        + System.getProperty("java.vm.version"));
            }
            case "conscrypt" -> {
                Provider provider;
                try {
                    Conscrypt.checkAvailability();
                    provider = Conscrypt.newProvider();
                } catch (Throwable t) {
                    throw new IllegalStateException("[bench] UNAVAILABLE: conscrypt: its native library did not load: "
                            + t, t);
                }
                cipher = Cipher.getInstance("ChaCha20/Poly1305/NoPadding", provider);
                System.out.println("[bench] conscrypt " + Conscrypt.version().major() + "."
                        + Conscrypt.version().minor() + "." + Conscrypt.version().patch());
            }
            default -> throw new IllegalArgumentException("impl must be jce or conscrypt: " + impl);
        }
        key = new SecretKeySpec(BenchSupport.key(), "ChaCha20");
        aad = BenchSupport.bytes(BenchSupport.AAD_BYTES, 1);
        message = BenchSupport.bytes(size, 2);
        output = new byte[size + BenchSupport.TAG_BYTES];
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
