package dev.netseal.bench;

import dev.netseal.OpenedPacket;
import dev.netseal.PacketBuilder;
import dev.netseal.PacketException;
import dev.netseal.PacketReceiver;
import dev.netseal.SealingSession;
import dev.netseal.ThreadLocalPool;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
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
 * <p>The op opens a ring of {@value #RING} packets (counters 0..8191), each kept in a pristine byte
 * array. Open decrypts in place, so <b>the measured op includes copying packet {@code i} into
 * a reused direct ByteBuffer</b>, as a socket read would put it there, then opens it. A receiver
 * accepts each counter once, and the library refuses a new window for a (key, session) it
 * dropped, so before each pass over the ring ({@link #freshRing}, untimed: JMH's per-invocation
 * setup, and time the paired harness leaves out) the ring is sealed again under a fresh key and a
 * new receiver made for it. Nothing rewinds a window. The pass's receiver and session are its
 * only allocation: 3 to 4.5 KB per pass, about half a byte per op in {@code gc.alloc.rate.norm}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NetsealOpenBench {

    static final int RING = 8192;

    /** native (libsodium) or java (BouncyCastle). */
    @Param({"native", "java"})
    public String backend;

    /** Payload bytes: the event's bytes plus its 4-byte prefix. */
    @Param({"64", "256", "1024", "8108"})
    public int size;

    private final byte[][] ring = new byte[RING][];
    private final byte[] key = new byte[BenchSupport.KEY_BYTES];
    private final SplittableRandom keys = new SplittableRandom(42);
    private byte[] event;
    private ThreadLocalPool pool;
    private ByteBuffer socketBuffer;
    private PacketReceiver receiver;
    private int next;

    /**
     * The session id of this state's sessions and receivers. A paired run (see {@link Paired})
     * holds two states in one JVM, so it gives each side its own; JMH runs leave it at
     * {@link BenchSupport#SESSION_ID}.
     */
    long sessionId = BenchSupport.SESSION_ID;

    @Setup(Level.Trial)
    public void setUp() throws PacketException {
        BenchSupport.useBackend(backend);
        event = BenchSupport.eventForPayload(size);
        pool = ThreadLocalPool.builders(4);
        socketBuffer = ByteBuffer.allocateDirect(8192);
        freshRing();
        // One pass to check the ring is what we think (counters 0..RING-1, one event).
        for (int i = 0; i < RING; i++) {
            OpenedPacket o = openNext();
            if (o.counter() != i || o.eventCount() != 1 || o.eventLength(0) != size - 4) {
                throw new IllegalStateException("ring packet " + i + " opened as counter "
                        + o.counter() + ", " + o.eventCount() + " event(s)");
            }
        }
        freshRing();
    }

    /** Seals the ring again under a fresh key, and a receiver for it that has accepted nothing. */
    @Setup(Level.Invocation)
    public void freshRing() {
        keys.nextBytes(key);
        try (SealingSession session = pool.newSession(key, sessionId)) {
            for (int i = 0; i < RING; i++) {
                PacketBuilder b = pool.acquire();
                ByteBuffer p = b.begin(session, BenchSupport.STREAM_ID, i, 0).event(event).seal();
                if (ring[i] == null) {
                    ring[i] = new byte[p.remaining()];
                }
                p.get(ring[i]);
                pool.release(b);
            }
        }
        if (receiver != null) {
            receiver.close();
        }
        receiver = PacketReceiver.create(key, sessionId);
        next = 0;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        receiver.close();
        pool.close();
    }

    /** Copies the next packet of the ring into the socket buffer and opens it. */
    OpenedPacket openNext() throws PacketException {
        ByteBuffer buf = socketBuffer;
        buf.clear();
        buf.put(ring[next++]);
        buf.flip();
        return receiver.open(buf);
    }

    /** True once every packet of the ring was opened: {@link #freshRing} comes next. */
    boolean ringDone() {
        return next == RING;
    }

    /** One pass over the ring; JMH counts each packet as an op. */
    @Benchmark
    @OperationsPerInvocation(RING)
    public int open() throws PacketException {
        int bytes = 0;
        for (int i = 0; i < RING; i++) {
            bytes += openNext().eventLength(0);
        }
        return bytes;
    }
}
