package dev.netseal.bench;

import dev.netseal.InsecureExplicitNonceCodec;
import dev.netseal.NetV1;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiver;
import java.nio.ByteBuffer;
import java.util.List;
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
 * Group "refuse": what one refused packet costs, by reason, through the server path
 * ({@link PacketReceiver#tryOpen} with a reused {@link OpenedPacket}): REPLAYED and TOO_OLD are
 * refused from the header by the window, AUTH_FAILED after the AEAD, WRONG_SESSION and BAD_MAGIC
 * by the first checks. A refusal leaves the packet's buffer as it was, so the same direct buffer
 * is refused again every op (no copy in the measured op). Targets: REPLAYED and TOO_OLD ≤ 1.5 ×
 * WRONG_SESSION at 8108 B; 0 B/op for every reason.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class AbstractNetsealRefuseBench {

    /** Payload bytes: the event's bytes plus its 4-byte prefix. */
    @Param({"64", "8108"})
    public int size;

    private PacketReceiver receiver;
    private final ByteBuffer[] packets = new ByteBuffer[Reason.values().length];
    private final OpenedPacket out = new OpenedPacket();

    protected abstract boolean nativeBackend();

    @Setup
    public void setUp() {
        BenchSupport.requireBackend(nativeBackend());
        byte[] key = BenchSupport.key();
        byte[] event = BenchSupport.eventForPayload(size);
        InsecureExplicitNonceCodec codec = InsecureExplicitNonceCodec.create();
        receiver = PacketReceiver.create(key, BenchSupport.SESSION_ID);
        byte[] accepted = seal(codec, key, 10_000, event);
        if (!receiver.tryOpen(ByteBuffer.wrap(accepted.clone()), out)) {
            throw new IllegalStateException("setup packet refused: " + out.refusalDetail());
        }
        byte[] forged = seal(codec, key, 20_000, event);
        forged[forged.length - 1] ^= 1;
        byte[] wrongSession = accepted.clone();
        wrongSession[24] ^= 1; // session_id
        byte[] badMagic = accepted.clone();
        badMagic[0] ^= 1;
        prepare(Reason.REPLAYED, accepted);
        prepare(Reason.TOO_OLD, seal(codec, key, 10_000 - 8192, event));
        prepare(Reason.AUTH_FAILED, forged);
        prepare(Reason.WRONG_SESSION, wrongSession);
        prepare(Reason.BAD_MAGIC, badMagic);
    }

    private void prepare(Reason reason, byte[] p) {
        ByteBuffer packet = ByteBuffer.allocateDirect(p.length);
        packet.put(p).flip();
        if (receiver.tryOpen(packet, out) || out.refusal() != reason) {
            throw new IllegalStateException(reason + " case refused as " + out.refusal());
        }
        packets[reason.ordinal()] = packet;
    }

    private static byte[] seal(InsecureExplicitNonceCodec codec, byte[] key, long counter, byte[] event) {
        return codec.sealData(key, BenchSupport.SESSION_ID, counter, BenchSupport.STREAM_ID, 0, NetV1.FLAG_RELIABLE,
                0L, 0, 0, List.of(event));
    }

    @TearDown
    public void tearDown() {
        receiver.close();
    }

    /** The op for {@code reason}: one refused open (the paired harness calls it directly). */
    Object refuse(Reason reason) {
        if (receiver.tryOpen(packets[reason.ordinal()], out)) {
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
