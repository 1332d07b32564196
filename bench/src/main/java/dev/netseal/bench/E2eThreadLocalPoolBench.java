package dev.netseal.bench;

import dev.netseal.PacketBuilder;
import dev.netseal.ThreadLocalPool;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Row e2e / netseal-threadlocal: see {@link AbstractE2eBench}. */
@Fork(jvmArgsAppend = "-Dnetseal.backend=native")
public class E2eThreadLocalPoolBench extends AbstractE2eBench {

    private ThreadLocalPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.requireBackend(true);
        pool = ThreadLocalPool.create(64, BenchSupport.key(), sessionId);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Override
    protected int sealOne(long sequence) {
        PacketBuilder b = pool.acquire();
        ByteBuffer packet = b.begin(BenchSupport.STREAM_ID, sequence, 0).event(event).seal();
        int length = packet.remaining();
        pool.release(b);
        return length;
    }
}
