package dev.netseal;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.receive.OpenResult;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.RefusalText;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of one open: either the packet's header fields and events, read in place, or the
 * reason it was refused. Reusable: a server keeps one per worker (thread, event loop, task) and
 * passes it to {@link PacketReceiver#tryOpen} or {@link SessionTable#tryOpen} for every packet, so
 * that opening and refusing allocate nothing.
 *
 * <h2>Where the bytes are</h2>
 * After a successful open the events are plaintext in the packet's own buffer, whatever the backend
 * and the buffer's kind (the library decrypts in place, or decrypts in its own memory and writes
 * the plaintext back); only a read-only packet buffer is copied, once, into memory this object
 * owns. {@link #buffer()} is a read-only <em>little-endian</em> view of wherever the packet is, so
 * {@code buffer().getLong(eventOffset(i))} reads the same value on every backend and for heap,
 * direct and read-only buffers alike. Offsets are absolute indexes into that view.
 *
 * <p>Everything here is valid until this object is used for the next open, and for as long as the
 * caller leaves the packet's buffer alone. Not thread-safe: one per worker.
 *
 * <h2>Refusals</h2>
 * A refused open records only its {@link #refusal() reason} and two numbers; the text of
 * {@link #refusalDetail()} is built only when asked, so a flood of bad packets costs no
 * allocation.
 *
 * <p>What a refusal leaves in the packet's buffer: every reason found before or at the tag (shape,
 * session, nonce prefix, counter, {@code AUTH_FAILED}) leaves it exactly as it was, since nothing
 * is decrypted before the tag verified. {@code BAD_FRAMES} is found only after: the tag verified,
 * the counter was committed to the window (the same packet again is refused {@code REPLAYED}),
 * and the packet was decrypted, so a writable buffer now holds the plaintext where the ciphertext
 * was (the header and the tag are unchanged); a read-only buffer is never changed, its plaintext
 * went into this object's own copy. The one other change: when two threads open the same bytes in
 * the same buffer at once, the loser may be refused {@code REPLAYED} after its plaintext was
 * written into that buffer.
 */
// The internal base has no public member (its protected ones reach this final class alone): it keeps the
// receive path's (or the builder's) machinery out of the API package, with no indirection.
@SuppressWarnings("exports")
public final class OpenedPacket extends OpenResult {
    /** An empty result, to pass to {@code tryOpen}. */
    public OpenedPacket() {}

    // ---- outcome --------------------------------------------------------------------------------

    /**
     * True when the last open succeeded.
     *
     * @return true when the last open succeeded
     */
    public boolean isOpened() {
        return source != null;
    }

    /**
     * Why the last open was refused, or null if it succeeded (or nothing was opened yet).
     *
     * @return the reason, or null
     */
    @SuppressWarnings("exports") // @Nullable's module is for compilers only (requires static), not for users
    public @Nullable Reason refusal() {
        return refusal;
    }

    /**
     * A sentence on the last refusal (for logs, not for every packet: it allocates), or null if the
     * last open succeeded.
     *
     * @return the sentence, or null
     */
    @SuppressWarnings("exports") // @Nullable's module is for compilers only (requires static), not for users
    public @Nullable String refusalDetail() {
        return refusal == null ? null : RefusalText.of(refusal, detailA, detailB);
    }

    /**
     * The last refusal as an exception (for callers that throw), or null if it succeeded.
     *
     * @return the exception, or null
     */
    @SuppressWarnings("exports") // @Nullable's module is for compilers only (requires static), not for users
    public @Nullable PacketException refusalException() {
        return refusal == null ? null : new PacketException(refusal, RefusalText.of(refusal, detailA, detailB));
    }

    // ---- the packet -----------------------------------------------------------------------------

    /**
     * A read-only little-endian view of the buffer the packet is in, positioned at the packet's
     * first byte and limited at its last. Event offsets index it.
     *
     * @return the view
     */
    @SuppressWarnings("ReferenceEquality") // the view is of this buffer object (contents change from packet to packet)
    public ByteBuffer buffer() {
        ByteBuffer source = requireOpened();
        if (viewOf != source) {
            view = source.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            viewOf = source;
        }
        ByteBuffer view = Objects.requireNonNull(this.view); // made with viewOf, which is source here
        view.limit(base + length).position(base);
        return view;
    }

    /**
     * Index of the packet's first byte (its header) in {@link #buffer()}.
     *
     * @return the index
     */
    public int packetOffset() {
        requireOpened();
        return base;
    }

    /**
     * Bytes of the packet: header, ciphertext and tag.
     *
     * @return the length in bytes
     */
    public int packetLength() {
        requireOpened();
        return length;
    }

    /**
     * Number of events.
     *
     * @return the number of events
     */
    public int eventCount() {
        requireOpened();
        return eventCount;
    }

    /**
     * Absolute offset of event {@code i} in {@link #buffer()}.
     *
     * @param i the event's index, from 0
     * @return the index of its first byte
     */
    public int eventOffset(int i) {
        requireOpened();
        return offsets[Objects.checkIndex(i, eventCount)];
    }

    /**
     * Length of event {@code i}.
     *
     * @param i the event's index, from 0
     * @return its length in bytes
     */
    public int eventLength(int i) {
        requireOpened();
        return lengths[Objects.checkIndex(i, eventCount)];
    }

    /**
     * A read-only view of event {@code i} (allocates the view).
     *
     * @param i the event's index, from 0
     * @return a read-only little-endian view of its bytes
     */
    public ByteBuffer event(int i) {
        int offset = eventOffset(i);
        return buffer().slice(offset, lengths[i]).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Copies of every event's bytes (allocates).
     *
     * @return a copy of each event, in order
     */
    public List<byte[]> events() {
        ByteBuffer source = requireOpened();
        List<byte[]> out = new ArrayList<>(eventCount);
        for (int i = 0; i < eventCount; i++) {
            byte[] e = new byte[lengths[i]];
            source.get(offsets[i], e);
            out.add(e);
        }
        return out;
    }

    // ---- header fields --------------------------------------------------------------------------

    /**
     * flags (the {@code NetV1.FLAG_*} bits).
     *
     * @return the field's value
     */
    public int flags() {
        return u8(HeaderLayout.FLAGS);
    }

    /**
     * priority.
     *
     * @return the field's value
     */
    public int priority() {
        return u8(HeaderLayout.PRIORITY);
    }

    /**
     * hop_ttl.
     *
     * @return the field's value
     */
    public int hopTtl() {
        return u8(HeaderLayout.HOP_TTL);
    }

    /**
     * hop_count as received (not authenticated: forwarders change it).
     *
     * @return the field's value
     */
    public int hopCount() {
        return u8(HeaderLayout.HOP_COUNT);
    }

    /**
     * frag_flags.
     *
     * @return the field's value
     */
    public int fragFlags() {
        return u8(HeaderLayout.FRAG_FLAGS);
    }

    /**
     * subprotocol_id (u16).
     *
     * @return the field's value
     */
    public int subprotocolId() {
        return u16(HeaderLayout.SUBPROTOCOL_ID);
    }

    /**
     * channel_hash (u16).
     *
     * @return the field's value
     */
    public int channelHash() {
        return u16(HeaderLayout.CHANNEL_HASH);
    }

    /**
     * The nonce's 4-byte prefix (as a little-endian int).
     *
     * @return the field's value
     */
    public int noncePrefix() {
        ByteBuffer source = requireOpened();
        return Wire.i32(source, base + HeaderLayout.NONCE_PREFIX);
    }

    /**
     * The nonce's counter (unsigned 64-bit).
     *
     * @return the field's value
     */
    public long counter() {
        ByteBuffer source = requireOpened();
        return Wire.i64(source, base + HeaderLayout.NONCE_COUNTER);
    }

    /**
     * session_id: which key opened it (after a rekey, the previous session's id is possible).
     *
     * @return the field's value
     */
    public long sessionId() {
        ByteBuffer source = requireOpened();
        return Wire.i64(source, base + HeaderLayout.SESSION_ID);
    }

    /**
     * stream_id.
     *
     * @return the field's value
     */
    public long streamId() {
        ByteBuffer source = requireOpened();
        return Wire.i64(source, base + HeaderLayout.STREAM_ID);
    }

    /**
     * sequence.
     *
     * @return the field's value
     */
    public long sequence() {
        ByteBuffer source = requireOpened();
        return Wire.i64(source, base + HeaderLayout.SEQUENCE);
    }

    /**
     * origin_hash.
     *
     * @return the field's value
     */
    public long originHash() {
        ByteBuffer source = requireOpened();
        return Wire.i64(source, base + HeaderLayout.ORIGIN_HASH);
    }

    /**
     * subnet_id (unsigned 32-bit, as an int).
     *
     * @return the field's value
     */
    public int subnetId() {
        ByteBuffer source = requireOpened();
        return Wire.i32(source, base + HeaderLayout.SUBNET_ID);
    }

    /**
     * fragment_id (u16).
     *
     * @return the field's value
     */
    public int fragmentId() {
        return u16(HeaderLayout.FRAGMENT_ID);
    }

    /**
     * fragment_offset (u16).
     *
     * @return the field's value
     */
    public int fragmentOffset() {
        return u16(HeaderLayout.FRAGMENT_OFFSET);
    }

    /**
     * payload_len: plaintext bytes (the framed events).
     *
     * @return the field's value
     */
    public int payloadLength() {
        return u16(HeaderLayout.PAYLOAD_LEN);
    }

    /** The buffer the packet is in; throws unless the last open succeeded. */
    private ByteBuffer requireOpened() {
        ByteBuffer source = this.source;
        if (source == null) {
            throw new IllegalStateException(refusal == null ? "no packet was opened"
                    : "the packet was refused (" + refusal + "): it has no fields or events");
        }
        return source;
    }

    private int u8(int field) {
        ByteBuffer source = requireOpened();
        return source.get(base + field) & 0xFF;
    }

    private int u16(int field) {
        ByteBuffer source = requireOpened();
        return Wire.u16(source, base + field);
    }
}
