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

    @Param({"REPLAYED", "TOO_OLD", "AUTH_FAILED", "WRONG_SESSION", "BAD_MAGIC"})
    public String reason;

    private PacketReceiver receiver;
    private ByteBuffer packet;
    private Reason expected;
    private final OpenedPacket out = new OpenedPacket();

    protected abstract boolean nativeBackend();

    @Setup
    public void setUp() {
        BenchSupport.requireBackend(nativeBackend());
        byte[] key = BenchSupport.key();
        byte[] event = BenchSupport.eventForPayload(size);
        InsecureExplicitNonceCodec codec = InsecureExplicitNonceCodec.create();
        receiver = PacketReceiver.create(key, BenchSupport.SESSION_ID);
        expected = Reason.valueOf(reason);
        byte[] accepted = seal(codec, key, 10_000, event);
        if (!receiver.tryOpen(ByteBuffer.wrap(accepted.clone()), out)) {
            throw new IllegalStateException("setup packet refused: " + out.refusalDetail());
        }
        byte[] p;
        switch (expected) {
            case REPLAYED:
                p = accepted;
                break;
            case TOO_OLD:
                p = seal(codec, key, 10_000 - 8192, event);
                break;
            case AUTH_FAILED:
                p = seal(codec, key, 20_000, event);
                p[p.length - 1] ^= 1;
                break;
            case WRONG_SESSION:
                p = accepted.clone();
                p[24] ^= 1; // session_id
                break;
            case BAD_MAGIC:
                p = accepted.clone();
                p[0] ^= 1;
                break;
            default:
                throw new IllegalArgumentException(reason);
        }
        packet = ByteBuffer.allocateDirect(p.length);
        packet.put(p).flip();
        if (receiver.tryOpen(packet, out) || out.refusal() != expected) {
            throw new IllegalStateException(reason + " case refused as " + out.refusal());
        }
    }

    private static byte[] seal(InsecureExplicitNonceCodec codec, byte[] key, long counter, byte[] event) {
        return codec.sealData(key, BenchSupport.SESSION_ID, counter, BenchSupport.STREAM_ID, 0, NetV1.FLAG_RELIABLE,
                0L, 0, 0, List.of(event));
    }

    @TearDown
    public void tearDown() {
        receiver.close();
    }

    @Benchmark
    public Object refuse() {
        if (receiver.tryOpen(packet, out)) {
            throw new IllegalStateException("a packet that must be refused opened");
        }
        return out.refusal();
    }
}
