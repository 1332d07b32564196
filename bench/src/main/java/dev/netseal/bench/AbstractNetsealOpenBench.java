package dev.netseal.bench;

import dev.netseal.OpenedPacket;
import dev.netseal.PacketBuilder;
import dev.netseal.PacketException;
import dev.netseal.PacketReceiver;
import dev.netseal.ReceiverBenchAccess;
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
 * Group "open": {@link PacketReceiver#open(ByteBuffer)} of one packet of the same shape the seal
 * group makes (one event, {@code size} payload bytes).
 *
 * <p>Setup seals a ring of {@value #RING} packets (counters 0..1023) with a
 * {@link ThreadLocalPool} of the same key and session, each copied out into a pristine byte
 * array. Open decrypts in place, so <b>the measured op includes copying packet {@code i} into a
 * reused direct ByteBuffer</b>, as a socket read would put it there, then opens it. When the ring
 * wraps, the receiver's replay window is told to forget every accepted counter (a package-private
 * hook reached through {@link ReceiverBenchAccess}); that costs once per {@value #RING} ops.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class AbstractNetsealOpenBench {

    static final int RING = 1024;

    /** Payload bytes: the event's bytes plus its 4-byte prefix. */
    @Param({"64", "256", "1024", "8108"})
    public int size;

    private final byte[][] ring = new byte[RING][];
    private ByteBuffer socketBuffer;
    private PacketReceiver receiver;
    private int next;

    /**
     * The session id of this state's pool (and receiver). A paired run (see {@link Paired}) holds
     * two states in one JVM, and a pool refuses a second live (key, session), so it gives each
     * side its own; JMH runs leave it at {@link BenchSupport#SESSION_ID}.
     */
    long sessionId = BenchSupport.SESSION_ID;

    protected abstract boolean nativeBackend();

    @Setup(Level.Trial)
    public void setUp() throws PacketException {
        BenchSupport.requireBackend(nativeBackend());
        byte[] key = BenchSupport.key();
        byte[] event = BenchSupport.eventForPayload(size);
        try (ThreadLocalPool pool = ThreadLocalPool.create(4, key, sessionId)) {
            for (int i = 0; i < RING; i++) {
                PacketBuilder b = pool.acquire();
                ByteBuffer p = b.begin(BenchSupport.STREAM_ID, i, 0).event(event).seal();
                ring[i] = new byte[p.remaining()];
                p.get(ring[i]);
                pool.release(b);
            }
        }
        receiver = PacketReceiver.create(key, sessionId);
        socketBuffer = ByteBuffer.allocateDirect(8192);
        // One pass to check the ring is what we think (counters 0..1023, one event), then reset.
        for (int i = 0; i < RING; i++) {
            OpenedPacket o = receiver.open(load(i));
            if (o.counter() != i || o.eventCount() != 1 || o.eventLength(0) != size - 4) {
                throw new IllegalStateException("ring packet " + i + " opened as counter "
                        + o.counter() + ", " + o.eventCount() + " event(s)");
            }
        }
        ReceiverBenchAccess.forgetAcceptedCounters(receiver);
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        receiver.close();
    }

    private ByteBuffer load(int i) {
        ByteBuffer buf = socketBuffer;
        buf.clear();
        buf.put(ring[i]);
        buf.flip();
        return buf;
    }

    @Benchmark
    public int open() throws PacketException {
        OpenedPacket opened = receiver.open(load(next));
        if (++next == RING) {
            next = 0;
            ReceiverBenchAccess.forgetAcceptedCounters(receiver);
        }
        return opened.eventLength(0);
    }
}
