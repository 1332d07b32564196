package dev.netseal.internal.receive;

import dev.netseal.NetV1;
import dev.netseal.PacketException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * What the receive path writes an open's outcome into: the packet's place and its events, or the
 * refusal and its details. The API's result class extends this and reads it; the opener writes
 * it through the package-private methods below, which no caller outside this package sees.
 */
public abstract class OpenResult {
    private static final int INITIAL_EVENTS = 16;

    protected int[] offsets = new int[INITIAL_EVENTS];
    protected int[] lengths = new int[INITIAL_EVENTS];
    protected int eventCount;

    /** The buffer the packet is in (the caller's or {@link #copy}), or null when refused. */
    protected @Nullable ByteBuffer source;
    protected int base;
    protected int length;
    /** Read-only little-endian view of {@link #source}, made on first use. */
    protected @Nullable ByteBuffer view;
    protected @Nullable ByteBuffer viewOf;
    /** Where a read-only packet is copied; made on first need. */
    protected @Nullable ByteBuffer copy;

    protected @Nullable Reason refusal;
    protected long detailA;
    protected long detailB;

    /** Forgets the last outcome. */
    void clear() {
        source = null;
        eventCount = 0;
        refusal = null;
    }

    /**
     * Records a refusal. Void, and the receive path writes {@code out.refuse(...); return false;}
     * rather than returning this call's result: a constant {@code return false} gives the mutation
     * run no "returns false" mutant that nothing could tell from the original, so what is left to
     * mutate at each refusal is the call itself, which a test that checks the reason notices.
     */
    void refuse(Reason reason, long a, long b) {
        source = null;
        eventCount = 0;
        refusal = reason;
        detailA = a;
        detailB = b;
    }

    /** The packet is at [base, base + length) of {@code buffer}; events follow with addEvent. */
    void opened(ByteBuffer buffer, int base, int length) {
        this.source = buffer;
        this.base = base;
        this.length = length;
        this.eventCount = 0;
        this.refusal = null;
    }

    void addEvent(int offset, int length) {
        if (eventCount == offsets.length) {
            int grown = Math.min(NetV1.MAX_EVENTS_PER_PACKET, offsets.length * 4);
            offsets = Arrays.copyOf(offsets, grown);
            lengths = Arrays.copyOf(lengths, grown);
        }
        offsets[eventCount] = offset;
        lengths[eventCount] = length;
        eventCount++;
    }

    /** Memory this object owns for a packet that cannot be opened in its own buffer. */
    ByteBuffer copyBuffer() {
        if (copy == null) {
            copy = ByteBuffer.allocate(NetV1.MAX_PACKET_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        }
        return copy;
    }

    /** The refusal of the last open, or null. */
    @Nullable Reason refusalReason() {
        return refusal;
    }
}
