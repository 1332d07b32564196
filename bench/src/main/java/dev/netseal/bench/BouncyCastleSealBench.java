package dev.netseal.bench;

import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.modes.ChaCha20Poly1305;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithIV;
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
 * Row seal / bouncycastle: BouncyCastle's low-level {@link ChaCha20Poly1305} engine, reused;
 * per op a new counter nonce, {@code init}, 56 AAD bytes, {@code size} message bytes into a
 * preallocated output, {@code doFinal}. This is the floor netseal's java backend is held to, so
 * it is the leanest use of the public API: one {@link ParametersWithIV} made once, whose nonce
 * array ({@code getIV()} returns it, uncopied) is rewritten before each {@code init}. (The
 * engine refuses an unchanged nonce for encryption, so a stale nonce would fail loudly.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BouncyCastleSealBench {

    @Param({"64", "256", "1024", "8108"})
    public int size;

    private final ChaCha20Poly1305 engine = new ChaCha20Poly1305();
    private ParametersWithIV params;
    private byte[] nonce;
    private byte[] aad;
    private byte[] message;
    private byte[] output;
    private long counter;

    @Setup(Level.Trial)
    public void setUp() throws InvalidCipherTextException {
        params = new ParametersWithIV(new KeyParameter(BenchSupport.key()), new byte[BenchSupport.NONCE_BYTES]);
        nonce = params.getIV();
        aad = BenchSupport.bytes(BenchSupport.AAD_BYTES, 1);
        message = BenchSupport.bytes(size, 2);
        output = new byte[size + BenchSupport.TAG_BYTES];
        seal();
        seal(); // a second seal proves the nonce really changes between ops
    }

    @Benchmark
    public int seal() throws InvalidCipherTextException {
        BenchSupport.writeNonce(nonce, 0x6e736c31, counter++);
        engine.init(true, params);
        engine.processAADBytes(aad, 0, aad.length);
        int n = engine.processBytes(message, 0, size, output, 0);
        return n + engine.doFinal(output, n);
    }
}
