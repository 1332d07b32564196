package dev.netseal.bench;

import dev.netseal.OpenedPacket;
import dev.netseal.PacketBuilder;
import dev.netseal.PacketException;
import dev.netseal.PacketReceiver;
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
 * Group "open", rows netseal-native and netseal-java ({@code backend}):
 * {@link PacketReceiver#open(ByteBuffer)} of one packet of the shape the seal group makes (one
 * event, {@code size} payload bytes). The java backend cannot work in a direct buffer, so its
 * receiver copies the packet once more into its own array first, as a user reading from a socket
 * into a direct buffer gets.
 *
 * <p>Setup seals a ring of {@value #RING} packets (counters 0..1023) with a
 * {@link ThreadLocalPool} of the same key and session, each copied out into a pristine byte
 * array. Open decrypts in place, so <b>the measured op includes copying packet {@code i} into a
 * reused direct ByteBuffer</b>, as a socket read would put it there, then opens it. A receiver
 * accepts each counter once, so when the ring wraps the op closes its receiver and makes a new
 * one of the same key and session (public API only: nothing rewinds a window); that costs once
 * per {@value #RING} ops, in time and in the bytes a receiver allocates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NetsealOpenBench {

    static final int RING = 1024;

    /** native (libsodium) or java (BouncyCastle). */
    @Param({"native", "java"})
    public String backend;

    /** Payload bytes: the event's bytes plus its 4-byte prefix. */
    @Param({"64", "256", "1024", "8108"})
    public int size;

    private final byte[][] ring = new byte[RING][];
    private byte[] key;
    private ByteBuffer socketBuffer;
    private PacketReceiver receiver;
    private int next;

    /**
     * The session id of this state's pool and receiver. A paired run (see {@link Paired}) holds
     * two states in one JVM, and a pool refuses a second live (key, session), so it gives each
     * side its own; JMH runs leave it at {@link BenchSupport#SESSION_ID}.
     */
    long sessionId = BenchSupport.SESSION_ID;

    @Setup(Level.Trial)
    public void setUp() throws PacketException {
        BenchSupport.useBackend(backend);
        key = BenchSupport.key();
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
        socketBuffer = ByteBuffer.allocateDirect(8192);
        receiver = PacketReceiver.create(key, sessionId);
        // One pass to check the ring is what we think (counters 0..1023, one event), then a new receiver.
        for (int i = 0; i < RING; i++) {
            OpenedPacket o = receiver.open(load(i));
            if (o.counter() != i || o.eventCount() != 1 || o.eventLength(0) != size - 4) {
                throw new IllegalStateException("ring packet " + i + " opened as counter "
                        + o.counter() + ", " + o.eventCount() + " event(s)");
            }
        }
        renewReceiver();
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

    /** A receiver that has accepted nothing yet, in place of the one that accepted the ring. */
    private void renewReceiver() {
        receiver.close();
        receiver = PacketReceiver.create(key, sessionId);
        next = 0;
    }

    @Benchmark
    public int open() throws PacketException {
        OpenedPacket opened = receiver.open(load(next));
        if (++next == RING) {
            renewReceiver();
        }
        return opened.eventLength(0);
    }
}
