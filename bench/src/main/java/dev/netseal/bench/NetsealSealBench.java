package dev.netseal.bench;

import dev.netseal.PacketBuilder;
import dev.netseal.ThreadLocalPool;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * Group "seal", rows netseal-native and netseal-java ({@code backend}): the whole path a user
 * runs for one packet, on a {@link ThreadLocalPool}: acquire, {@code begin(...).event(eventBytes).seal()},
 * release. One event of {@code size - 4} bytes, so the payload (event plus its 4-byte length
 * prefix) is {@code size} bytes, the same number of bytes the peers encrypt. The AAD is netseal's
 * 56 header bytes. The backend is chosen in setup ({@link BenchSupport#useBackend}); JMH forks a
 * JVM per parameter combination, so each fork runs on one backend.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NetsealSealBench {

    /** native (libsodium) or java (BouncyCastle). */
    @Param({"native", "java"})
    public String backend;

    /** Payload bytes: the event's bytes plus its 4-byte prefix. */
    @Param({"64", "256", "1024", "8108"})
    public int size;

    private ThreadLocalPool pool;

    /**
     * The session id of this state's pool. A paired run (see {@link Paired}) holds two states in
     * one JVM, and a pool refuses a second live (key, session), so it gives each side its own;
     * JMH runs leave it at {@link BenchSupport#SESSION_ID}.
     */
    long sessionId = BenchSupport.SESSION_ID;
    private byte[] event;
    private long sequence;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.useBackend(backend);
        pool = ThreadLocalPool.create(64, BenchSupport.key(), sessionId);
        event = BenchSupport.eventForPayload(size);
        PacketBuilder b = pool.acquire();
        int len = b.begin(BenchSupport.STREAM_ID, 0, 0).event(event).seal().remaining();
        pool.release(b);
        if (len != 68 + size + 16) {
            throw new IllegalStateException("unexpected packet length " + len + " for payload " + size);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public int seal() {
        PacketBuilder b = pool.acquire();
        ByteBuffer packet = b.begin(BenchSupport.STREAM_ID, sequence++, 0).event(event).seal();
        int length = packet.remaining(); // the view is valid until release: read it before
        pool.release(b);
        return length;
    }
}
