package dev.netseal.bench;

import dev.netseal.OpenedPacket;
import dev.netseal.PacketBuilder;
import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiver;
import dev.netseal.ThreadLocalPool;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Group "refuse" ({@code backend}: rows refuse-native and refuse-java, one per method): what one
 * refused packet costs, by reason, through the server path ({@link PacketReceiver#tryOpen} with a
 * reused {@link OpenedPacket}): REPLAYED and TOO_OLD are refused from the header by the window,
 * AUTH_FAILED after the AEAD, WRONG_SESSION and BAD_MAGIC by the first checks. Targets: REPLAYED
 * and TOO_OLD ≤ 1.5 × WRONG_SESSION at 8108 B; 0 B/op for every reason.
 *
 * <p>Every packet is made through the public API: one pool seals counters 0 to 13,000 in order.
 * Per reason, {@value #RING} packets, each in its own direct buffer, refused round robin (a
 * refusal leaves the buffer as it was, so no copy is in the measured op): REPLAYED, counters
 * 10,000.., each opened once in setup so the window holds them, then only ever refused as
 * replays ({@value #RING} is far below the window's 8192); TOO_OLD, counters 0.., more than a
 * window below those; AUTH_FAILED, counters 12,000.. (never opened) with a tag bit flipped;
 * WRONG_SESSION and BAD_MAGIC, the accepted packets with a session-id or a magic bit flipped.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class NetsealRefuseBench {

    /** Packets per reason, refused in turn. */
    static final int RING = 256;
    private static final int TOO_OLD_FROM = 0;
    private static final int ACCEPTED_FROM = 10_000;
    private static final int FORGED_FROM = 12_000;

    /** native (libsodium) or java (BouncyCastle). */
    @Param({"native", "java"})
    public String backend;

    /** Payload bytes: the event's bytes plus its 4-byte prefix. */
    @Param({"64", "8108"})
    public int size;

    /**
     * The session id of this state's pool and receiver. A paired run (see {@link Paired}) holds
     * two states in one JVM, and a key and session seal in one pool only, so it gives each side
     * its own; JMH runs leave it at {@link BenchSupport#SESSION_ID}.
     */
    long sessionId = BenchSupport.SESSION_ID;
    private PacketReceiver receiver;
    private final ByteBuffer[][] packets = new ByteBuffer[Reason.values().length][];
    private final OpenedPacket out = new OpenedPacket();
    private int next;

    @Setup
    public void setUp() {
        BenchSupport.useBackend(backend);
        byte[] key = BenchSupport.key();
        byte[] event = BenchSupport.eventForPayload(size);
        receiver = PacketReceiver.create(key, sessionId);
        byte[][] tooOld = new byte[RING][];
        byte[][] accepted = new byte[RING][];
        byte[][] forged = new byte[RING][];
        try (ThreadLocalPool pool = ThreadLocalPool.create(4, key, sessionId)) {
            for (int counter = 0; counter < FORGED_FROM + RING; counter++) {
                PacketBuilder b = pool.acquire();
                ByteBuffer p = b.begin(BenchSupport.STREAM_ID, counter, 0).event(event).seal();
                byte[][] into = counter < TOO_OLD_FROM + RING ? tooOld
                        : counter >= ACCEPTED_FROM && counter < ACCEPTED_FROM + RING ? accepted
                        : counter >= FORGED_FROM ? forged : null;
                if (into != null) {
                    byte[] copy = new byte[p.remaining()];
                    p.get(copy);
                    into[counter % RING] = copy;
                }
                pool.release(b);
            }
        }
        for (byte[] p : accepted) {
            if (!receiver.tryOpen(ByteBuffer.wrap(p.clone()), out) || out.counter() < ACCEPTED_FROM) {
                throw new IllegalStateException("setup packet refused: " + out.refusalDetail());
            }
        }
        byte[][] wrongSession = new byte[RING][];
        byte[][] badMagic = new byte[RING][];
        for (int i = 0; i < RING; i++) {
            forged[i][forged[i].length - 1] ^= 1; // the tag
            wrongSession[i] = accepted[i].clone();
            wrongSession[i][24] ^= 1; // session_id
            badMagic[i] = accepted[i].clone();
            badMagic[i][0] ^= 1;
        }
        prepare(Reason.REPLAYED, accepted);
        prepare(Reason.TOO_OLD, tooOld);
        prepare(Reason.AUTH_FAILED, forged);
        prepare(Reason.WRONG_SESSION, wrongSession);
        prepare(Reason.BAD_MAGIC, badMagic);
    }

    private void prepare(Reason reason, byte[][] ps) {
        ByteBuffer[] ring = new ByteBuffer[RING];
        for (int i = 0; i < RING; i++) {
            ByteBuffer packet = ByteBuffer.allocateDirect(ps[i].length);
            packet.put(ps[i]).flip();
            if (receiver.tryOpen(packet, out) || out.refusal() != reason) {
                throw new IllegalStateException(reason + " case refused as " + out.refusal());
            }
            ring[i] = packet;
        }
        packets[reason.ordinal()] = ring;
    }

    @TearDown
    public void tearDown() {
        receiver.close();
    }

    /** The op for {@code reason}: one refused open (the paired harness calls it directly). */
    Object refuse(Reason reason) {
        int i = next;
        next = (i + 1) & (RING - 1);
        if (receiver.tryOpen(packets[reason.ordinal()][i], out)) {
            throw new IllegalStateException("a packet that must be refused opened");
        }
        return out.refusal();
    }

    @Benchmark
    public Object replayed() {
        return refuse(Reason.REPLAYED);
    }

    @Benchmark
    public Object tooOld() {
        return refuse(Reason.TOO_OLD);
    }

    @Benchmark
    public Object authFailed() {
        return refuse(Reason.AUTH_FAILED);
    }

    @Benchmark
    public Object wrongSession() {
        return refuse(Reason.WRONG_SESSION);
    }

    @Benchmark
    public Object badMagic() {
        return refuse(Reason.BAD_MAGIC);
    }
}
