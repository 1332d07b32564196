package dev.netseal.bench;

import dev.netseal.NetV1;
import dev.netseal.PacketBuilder;
import dev.netseal.ThreadLocalPool;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Group "stages": the native seal path of one {@code size}-byte packet taken apart, one JMH row per
 * piece, all in one fork so they can be compared with each other (run.sh runs it at every size of
 * the mode, like the seal rows):
 * <ul>
 * <li>{@code wholePath}: what the seal row measures (acquire, begin, one event, seal, release);</li>
 * <li>{@code pool}: ThreadLocalPool acquire + release alone;</li>
 * <li>{@code headerAndEvent}: {@code begin(...).event(e)} on a builder already held (the header's
 *     fixed fields and the event copy), no seal; {@code eventCopy}: the event's bytes copied into
 *     a direct buffer alone (at 1024 and 8108 B this copy, which the floor does not do, is most
 *     of the difference);</li>
 * <li>{@code counterDraw}: one {@code getAndIncrement} on an AtomicLong (the nonce counter draw);
 *     {@code counterDrawTwoThreads}: the same by 2 threads on one counter, as every packet of a
 *     pool's key does when 2 threads seal (the cache line moves between the cores: what bounds
 *     the e2e 2-thread rows);</li>
 * <li>{@code aad}: the 56 AAD bytes gathered from the header into a separate area of a direct
 *     buffer, with the loads and stores the library's old {@code writeAad} made (how the AAD was
 *     built before the seal path built it in place; it is now written with the header, so its
 *     cost is in {@code headerAndEvent}); a copy here, since bench uses the public API only;</li>
 * <li>{@code jniNoop}: a JNI call with the shipped seal entry's arguments that does nothing;</li>
 * <li>{@code jniSealOne}: one JNI call that seals (crossing + AEAD);</li>
 * <li>{@code floor}: the AEAD alone, 32 seals per JNI call (the paired rows' floor).</li>
 * </ul>
 * The sum of pool, headerAndEvent, counterDraw and jniSealOne against wholePath says
 * what the remaining glue costs; jniSealOne minus floor is the crossing. The JNI rows use the
 * bench-only library ({@link SodiumFloor}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = "-Dnetseal.backend=native")
public class StagesBench {

    @Param({"64"})
    public int size;

    private ThreadLocalPool pool;
    private ThreadLocalPool heldPool;
    private PacketBuilder held;
    private byte[] event;
    private long sequence;
    private final AtomicLong counter = new AtomicLong();
    private ByteBuffer packet;
    private ByteBuffer aadArea;
    private long key;
    private long aadAddress;
    private long msgAddress;
    private long floorCounter;

    @Setup(Level.Trial)
    public void setUp() {
        BenchSupport.requireBackend(true);
        pool = ThreadLocalPool.create(64, BenchSupport.key(), BenchSupport.SESSION_ID);
        heldPool = ThreadLocalPool.create(4, BenchSupport.key(), BenchSupport.SESSION_ID + 1);
        held = heldPool.acquire();
        event = BenchSupport.eventForPayload(size);
        SodiumFloor.load();
        packet = ByteBuffer.allocateDirect(NetV1.MAX_PACKET_SIZE + BenchSupport.AAD_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        packet.put(0, BenchSupport.bytes(NetV1.HEADER_SIZE + size, 5));
        aadArea = packet;
        key = SodiumFloor.keyCreate(BenchSupport.key());
        if (key == 0) {
            throw new IllegalStateException("no guarded memory for the key");
        }
        aadAddress = SodiumFloor.addressOf(packet) + NetV1.MAX_PACKET_SIZE;
        msgAddress = SodiumFloor.addressOf(packet) + NetV1.HEADER_SIZE;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        heldPool.release(held);
        heldPool.close();
        SodiumFloor.keyFree(key);
    }

    @Benchmark
    public int wholePath() {
        PacketBuilder b = pool.acquire();
        int length = b.begin(BenchSupport.STREAM_ID, sequence++, 0).event(event).seal().remaining();
        pool.release(b);
        return length;
    }

    @Benchmark
    public Object pool() {
        PacketBuilder b = pool.acquire();
        pool.release(b);
        return b;
    }

    @Benchmark
    public Object headerAndEvent() {
        return held.begin(BenchSupport.STREAM_ID, sequence++, 0).event(event);
    }

    @Benchmark
    public ByteBuffer eventCopy() {
        packet.put(NetV1.HEADER_SIZE + BenchSupport.EVENT_PREFIX, event, 0, event.length);
        return packet;
    }

    @Benchmark
    public long counterDraw() {
        return counter.getAndIncrement();
    }

    @Benchmark
    @Threads(2)
    public long counterDrawTwoThreads() {
        return counter.getAndIncrement();
    }

    @Benchmark
    public ByteBuffer aad() {
        ByteBuffer b = packet;
        ByteBuffer out = aadArea;
        int at = NetV1.MAX_PACKET_SIZE;
        out.putLong(at, b.getLong(0) & ~(0xFFL << (8 * HOP_COUNT)));
        out.putInt(at + 8, b.getInt(8));
        for (int i = 0; i < 40; i += 8) { // the 44 header bytes after the nonce
            out.putLong(at + 12 + i, b.getLong(SESSION_ID_AT + i));
        }
        out.putInt(at + 52, b.getInt(SESSION_ID_AT + 40));
        return out;
    }

    /** Header offsets (Net v1): the hop count byte, left out of the AAD, and the session id. */
    private static final int HOP_COUNT = 6;
    private static final int SESSION_ID_AT = 24;

    @Benchmark
    public int jniNoop() {
        return SodiumFloor.noop(key, 0x6e736c31, floorCounter++, aadAddress, BenchSupport.AAD_BYTES,
                msgAddress, size);
    }

    @Benchmark
    public int jniSealOne() {
        return SodiumFloor.sealOne(key, 0x6e736c31, floorCounter++, aadAddress, BenchSupport.AAD_BYTES,
                msgAddress, size);
    }

    @Benchmark
    @OperationsPerInvocation(PairedSide.Floor.BATCH)
    public int floor() {
        int r = SodiumFloor.sealBatch(key, 0x6e736c31, floorCounter, aadAddress, BenchSupport.AAD_BYTES,
                msgAddress, size, PairedSide.Floor.BATCH);
        floorCounter += PairedSide.Floor.BATCH;
        return r;
    }
}
