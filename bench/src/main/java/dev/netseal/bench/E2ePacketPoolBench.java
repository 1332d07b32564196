package dev.netseal.bench;

import dev.netseal.PacketBuilder;
import dev.netseal.PacketPool;
import java.nio.ByteBuffer;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/** Row e2e / netseal-shared: see {@link AbstractE2eBench}; the same op through a PacketPool. */
@Fork(jvmArgsAppend = "-Dnetseal.backend=native")
public class E2ePacketPoolBench extends AbstractE2eBench {

    private PacketPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.requireBackend(true);
        pool = PacketPool.create(64, BenchSupport.key(), sessionId);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Override
    protected int sealOne(long sequence) {
        PacketBuilder b = pool.get();
        ByteBuffer packet = b.begin(BenchSupport.STREAM_ID, sequence, 0).event(event).seal();
        int length = packet.remaining();
        b.close();
        return length;
    }
}
