package dev.netseal;

import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An opened packet: its header fields and its events, read in place from {@link #buffer()}.
 *
 * <p>A receiver reuses one instance per thread: it, and the bytes it points at, are valid until
 * the same thread opens the next packet on the same receiver. The primitive accessors
 * ({@link #eventOffset}, {@link #eventLength}) allocate nothing; {@link #event} and
 * {@link #events} make views (small allocations) for convenience.
 */
public final class OpenedPacket {
    private final int[] offsets = new int[NetV1.MAX_EVENTS_PER_PACKET];
    private final int[] lengths = new int[NetV1.MAX_EVENTS_PER_PACKET];
    private ByteBuffer buffer;
    private int base;
    private int eventCount;

    OpenedPacket() {}

    void reset(ByteBuffer buffer, int base) {
        this.buffer = buffer;
        this.base = base;
        this.eventCount = 0;
    }

    void addEvent(int offset, int length) {
        offsets[eventCount] = offset;
        lengths[eventCount] = length;
        eventCount++;
    }

    /**
     * The buffer the header and the plaintext events are in: the packet's own buffer (in its own
     * byte order) or a thread's copy. Multi-byte fields are little-endian on the wire: read them
     * through this class's accessors.
     */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Number of events. */
    public int eventCount() {
        return eventCount;
    }

    /** Absolute offset of event {@code i} in {@link #buffer()}. */
    public int eventOffset(int i) {
        return offsets[java.util.Objects.checkIndex(i, eventCount)];
    }

    /** Length of event {@code i}. */
    public int eventLength(int i) {
        return lengths[java.util.Objects.checkIndex(i, eventCount)];
    }

    /** A read-only view of event {@code i}. */
    public ByteBuffer event(int i) {
        return buffer.slice(eventOffset(i), eventLength(i)).asReadOnlyBuffer();
    }

    /** Copies of every event's bytes. */
    public List<byte[]> events() {
        List<byte[]> out = new ArrayList<>(eventCount);
        for (int i = 0; i < eventCount; i++) {
            byte[] e = new byte[lengths[i]];
            buffer.get(offsets[i], e);
            out.add(e);
        }
        return out;
    }

    public int flags() {
        return u8(HeaderLayout.FLAGS);
    }

    public int priority() {
        return u8(HeaderLayout.PRIORITY);
    }

    public int hopTtl() {
        return u8(HeaderLayout.HOP_TTL);
    }

    /** hop_count as received (not authenticated: forwarders change it). */
    public int hopCount() {
        return u8(HeaderLayout.HOP_COUNT);
    }

    public int fragFlags() {
        return u8(HeaderLayout.FRAG_FLAGS);
    }

    public int subprotocolId() {
        return u16(HeaderLayout.SUBPROTOCOL_ID);
    }

    public int channelHash() {
        return u16(HeaderLayout.CHANNEL_HASH);
    }

    /** The nonce's 4-byte prefix (as a little-endian int). */
    public int noncePrefix() {
        return Wire.i32(buffer, base + HeaderLayout.NONCE_PREFIX);
    }

    /** The nonce's counter (unsigned 64-bit). */
    public long counter() {
        return Wire.i64(buffer, base + HeaderLayout.NONCE_COUNTER);
    }

    public long sessionId() {
        return Wire.i64(buffer, base + HeaderLayout.SESSION_ID);
    }

    public long streamId() {
        return Wire.i64(buffer, base + HeaderLayout.STREAM_ID);
    }

    public long sequence() {
        return Wire.i64(buffer, base + HeaderLayout.SEQUENCE);
    }

    public long originHash() {
        return Wire.i64(buffer, base + HeaderLayout.ORIGIN_HASH);
    }

    /** subnet_id (unsigned 32-bit, as an int). */
    public int subnetId() {
        return Wire.i32(buffer, base + HeaderLayout.SUBNET_ID);
    }

    public int fragmentId() {
        return u16(HeaderLayout.FRAGMENT_ID);
    }

    public int fragmentOffset() {
        return u16(HeaderLayout.FRAGMENT_OFFSET);
    }

    /** Plaintext bytes (the framed events). */
    public int payloadLength() {
        return u16(HeaderLayout.PAYLOAD_LEN);
    }

    private int u8(int field) {
        return buffer.get(base + field) & 0xFF;
    }

    private int u16(int field) {
        return Wire.u16(buffer, base + field);
    }
}
