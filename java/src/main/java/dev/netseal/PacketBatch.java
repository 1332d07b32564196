package dev.netseal;

import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.internal.send.SealingState;
import static dev.netseal.NetV1.EVENT_PREFIX_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;
import static dev.netseal.NetV1.TAG_SIZE;

import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.wire.Limits;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Many packets written back to back into one buffer of the caller's, then sealed together: one
 * counter draw per session ({@code getAndAdd} of its packet count) and, on the native backend, one
 * native call per session for all its packets. The fixed costs of a packet (the native crossing,
 * the counter's atomic, the builder's claim) are paid once per batch instead of once per packet.
 * Get it from {@link PacketBuilder#batch(ByteBuffer)}:
 * <pre>{@code
 * PacketBatch batch = builder.batch(dst);               // dst: direct on the native backend
 * for (byte[] e : events) {
 *     batch.begin(peer, streamId, seq++, 0).event(e);
 * }
 * int bytes = batch.seal();                             // dst's position moves past the packets
 * }</pre>
 *
 * <h2>Layout</h2>
 * Packet i lies at {@link #packetOffset(int)} with {@link #packetLength(int)} bytes, each right
 * after the one before, from dst's position when the batch started. Packets of one length in a
 * row are what UDP segmentation offload (GSO) sends in one system call: {@link #segmentRun(int, int)}
 * counts the packets from one index that form such a run (all of one length, but the last, which
 * may be shorter).
 *
 * <h2>Security</h2>
 * Exactly as for single packets: every packet of a session takes its own counter of the session's
 * current key, drawn from the one atomic counter every builder of the pool shares, so no (key,
 * nonce) pair repeats; a draw that would pass the counter limit is refused whole, and after a
 * rekey the batch seals under the new key. Nothing is drawn before {@link #seal()}: an event
 * that does not fit (the packet's payload or event count, the room left in dst) or a batch that is
 * full is refused with an exception before any counter is used, and leaves the batch as it was.
 *
 * <h2>Use</h2>
 * A batch belongs to its builder and, like the builder's own packets, to the one thread that
 * started it, until {@link #seal()} ends it (or the builder goes back to its pool, which drops it
 * unsealed). Bytes of dst from the batch's start are the batch's until then; after {@code seal}
 * the packets are the caller's, in dst. An exception thrown by {@code seal} itself ends the batch
 * too, with dst's position unmoved: its packets must not be sent.
 */
public final class PacketBatch {
    /** The most packets one batch holds. */
    public static final int MAX_PACKETS = AeadCipher.BATCH_MAX;

    private final PacketBuilder builder;
    private final AeadCipher cipher;
    private final int[] bases = new int[MAX_PACKETS];
    private final int[] payloadLens = new int[MAX_PACKETS];
    /**
     * The sessions of the batch, one entry per run of packets for one session: a reference is
     * stored only when the session changes (each store into an old array pays G1's barrier).
     */
    private final SealingState[] runSessions = new SealingState[MAX_PACKETS];
    private final int[] runStarts = new int[MAX_PACKETS];
    private int runs;

    /** Where the batch writes: null when no batch is open. */
    private @Nullable ByteBuffer dst;
    /** The thread that started the batch: the one that holds the builder until the batch ends. */
    private @Nullable Thread owner;
    private int start;
    private int count;
    /** Where the packet being written ends so far (its payload's end). */
    private int end;
    private int events;

    PacketBatch(PacketBuilder builder, AeadCipher cipher) {
        this.builder = builder;
        this.cipher = cipher;
    }

    /** Starts the batch in dst at its position; the builder has checked dst and claimed itself. */
    void start(ByteBuffer dst) {
        this.dst = dst; // written in little-endian whatever its order (Wire's order-aware stores)
        this.owner = Thread.currentThread();
        this.start = dst.position();
        this.count = 0;
        this.runs = 0;
        this.end = start - TAG_SIZE; // so that the first packet begins at start
    }

    /** True between {@link #start} and the end of the batch. */
    boolean isOpen() {
        return dst != null;
    }

    /**
     * Starts the next packet, a data packet for {@code session}; its events follow.
     *
     * @param session the session whose key, counter and ids seal the packet; one of the builder's pool
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @return this batch
     * @throws IllegalStateException if the batch holds {@link #MAX_PACKETS} packets already
     * @throws IllegalArgumentException if dst has no room for another packet, or a value is out of range
     */
    public PacketBatch begin(SealingSession session, long streamId, long sequence, int flags) {
        return begin(session, streamId, sequence, flags, 0);
    }

    /**
     * Starts the next packet, a subprotocol packet for {@code session}.
     *
     * @param session the session whose key, counter and ids seal the packet; one of the builder's pool
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param subprotocolId subprotocol_id (u16, authenticated)
     * @return this batch
     * @throws IllegalStateException if the batch holds {@link #MAX_PACKETS} packets already
     * @throws IllegalArgumentException if dst has no room for another packet, or a value is out of range
     */
    public PacketBatch begin(SealingSession session, long streamId, long sequence, int flags, int subprotocolId) {
        ByteBuffer dst = requireOpen();
        SealingState state = builder.checkSession(session);
        Limits.checkSealedFlags(flags);
        Limits.checkU16("subprotocolId", subprotocolId);
        if (count == MAX_PACKETS) {
            throw new IllegalStateException("batch is full: it holds at most " + MAX_PACKETS
                    + " packets; seal it and start another");
        }
        int base = end + TAG_SIZE;
        if ((long) base + HEADER_SIZE + TAG_SIZE > dst.limit()) {
            throw new IllegalArgumentException("destination has " + (dst.limit() - base) + " bytes left, a packet"
                    + " needs at least " + (HEADER_SIZE + TAG_SIZE));
        }
        closePacket(dst);
        Wire.writeHeaderStart(dst, base, flags, subprotocolId, builder.channelHash(), 0L, streamId, sequence,
                state.originHash);
        if (runs == 0 || runSessions[runs - 1] != state) {
            runSessions[runs] = state;
            runStarts[runs] = count;
            runs++;
        }
        bases[count] = base;
        payloadLens[count] = 0;
        count++;
        end = base + HEADER_SIZE;
        events = 0;
        return this;
    }

    /**
     * Sets frag_flags, fragment_id and fragment_offset of the packet begun (see
     * {@link PacketBuilder#fragment}).
     *
     * @param fragFlags frag_flags (u8)
     * @param fragmentId fragment_id (u16)
     * @param fragmentOffset fragment_offset (u16)
     * @return this batch
     */
    public PacketBatch fragment(int fragFlags, int fragmentId, int fragmentOffset) {
        ByteBuffer dst = requirePacket();
        Limits.checkU8("fragFlags", fragFlags);
        Limits.checkU16("fragmentId", fragmentId);
        Limits.checkU16("fragmentOffset", fragmentOffset);
        Wire.writeFragment(dst, bases[count - 1], fragFlags, fragmentId, fragmentOffset);
        return this;
    }

    /**
     * Appends one event to the packet begun.
     *
     * @param event the event's bytes
     * @return this batch
     */
    public PacketBatch event(byte[] event) {
        return event(event, 0, event.length);
    }

    /**
     * Appends {@code length} bytes of {@code event} from {@code offset} to the packet begun.
     *
     * @param event the event's bytes
     * @param offset where the event starts
     * @param length how many bytes
     * @return this batch
     */
    public PacketBatch event(byte[] event, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, event.length);
        ByteBuffer dst = requirePacket();
        dst.put(reserveEvent(dst, length), event, offset, length);
        return this;
    }

    /**
     * Appends the remaining bytes of {@code event} to the packet begun, without moving its position.
     *
     * @param event the event's bytes
     * @return this batch
     */
    public PacketBatch event(ByteBuffer event) {
        int length = event.remaining();
        ByteBuffer dst = requirePacket();
        dst.put(reserveEvent(dst, length), event, event.position(), length);
        return this;
    }

    /**
     * Appends an event of {@code length} bytes whose content the caller writes itself, before
     * {@link #seal()}, at the index returned (dst's indexing): for copying from a source that is
     * not a byte array or a {@code ByteBuffer}, such as a Netty {@code ByteBuf}, with no view made.
     * The bytes there are sealed as they are when {@code seal} runs.
     *
     * @param length the event's length in bytes
     * @return where in dst the event's bytes go
     */
    public int reserve(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("event length must be >= 0, got " + length);
        }
        return reserveEvent(requirePacket(), length);
    }

    /**
     * Payload bytes still free in the packet begun (its own limit, or dst's room if smaller); each
     * event takes 4 more for its prefix.
     *
     * @return the payload bytes left
     */
    public int remainingPayload() {
        ByteBuffer dst = requirePacket();
        int inPacket = MAX_PAYLOAD_SIZE - (end - bases[count - 1] - HEADER_SIZE);
        int inDst = dst.limit() - TAG_SIZE - end;
        return Math.min(inPacket, inDst);
    }

    /**
     * Packets begun in this batch so far (after {@link #seal()}, the packets it sealed, until the
     * builder starts another batch).
     *
     * @return the packet count
     */
    public int packetCount() {
        return count;
    }

    /**
     * Where packet {@code i} starts in dst (an index, as dst's position is).
     *
     * @param i the packet's index in the batch
     * @return its offset in dst
     */
    public int packetOffset(int i) {
        Objects.checkIndex(i, count);
        return bases[i];
    }

    /**
     * The sealed length of packet {@code i}: header, events and tag.
     *
     * @param i the packet's index in the batch
     * @return its length in bytes
     */
    public int packetLength(int i) {
        Objects.checkIndex(i, count);
        int payload = i == count - 1 && dst != null ? end - bases[i] - HEADER_SIZE : payloadLens[i];
        return Wire.sealedLength(payload);
    }

    /**
     * How many packets from {@code from} form one run for segmentation offload: they all have the
     * length of packet {@code from} but the last, which may be shorter, and there are at most
     * {@code maxSegments} of them. A GSO send of that run is one datagram per packet, exactly
     * these packets.
     *
     * @param from the index of the run's first packet
     * @param maxSegments the most packets in one run (the kernel's limit is 64 segments)
     * @return the number of packets in the run, at least 1
     */
    public int segmentRun(int from, int maxSegments) {
        Objects.checkIndex(from, count);
        if (maxSegments < 1) {
            throw new IllegalArgumentException("maxSegments must be at least 1, got " + maxSegments);
        }
        int size = packetLength(from);
        int to = from + 1;
        while (to < count && to - from < maxSegments) {
            int len = packetLength(to);
            if (len > size) {
                break; // a longer packet starts the next run
            }
            to++;
            if (len < size) {
                break; // a shorter one ends this run
            }
        }
        return to - from;
    }

    /**
     * Seals every packet of the batch and ends it: dst's position moves past the last packet.
     * Per session of the batch, one draw of as many counters as it has packets, then one
     * native call (native backend) or a loop (java backend).
     *
     * @return the bytes the sealed packets take in dst, from the batch's start
     * @throws IllegalStateException if a session is closed or its key's counter is exhausted
     */
    public int seal() {
        ByteBuffer out = requireOpen();
        closePacket(out);
        int packets = count;
        int from = start;
        try {
            for (int r = 0; r < runs; r++) {
                int first = runStarts[r];
                int last = r + 1 < runs ? runStarts[r + 1] : packets;
                sealRun(out, runSessions[r], first, last - first);
            }
            int length = end + TAG_SIZE - from; // 0 when empty: end starts TAG_SIZE before the start
            out.position(from + length);
            return length;
        } finally {
            end();
            builder.endBatch();
        }
    }

    /** Draws {@code n} counters of the session's current key at once and seals its packets. */
    private void sealRun(ByteBuffer dst, SealingState session, int first, int n) {
        KeyEpoch epoch = session.current();
        while (true) {
            builder.claimForSeal(epoch);
            long counter = epoch.counter.getAndAdd(n);
            // first + n <= limit: every counter of the draw is below it (n is at most 256, and the
            // counter never comes near wrapping: see KeyEpoch).
            if (Long.compareUnsigned(counter, KeyEpoch.COUNTER_LIMIT - n) <= 0) {
                for (int i = first; i < first + n; i++) {
                    Wire.writeSessionId(dst, bases[i], epoch.sessionId);
                }
                // The claim goes on saying "sealing under epoch" until the next run claims for its
                // own, or the batch ends: a retire of this epoch waits that much longer, no more.
                cipher.sealBatch(epoch.key, epoch.noncePrefix, counter, dst, bases, payloadLens, first, n);
                return;
            }
            epoch = session.afterRefusedDraw(epoch);
        }
    }

    /**
     * Ends the batch (sealed, or not: its builder went back to the pool, or sealing failed). The
     * layout stays readable until the next batch starts.
     */
    void end() {
        for (int r = 0; r < runs; r++) {
            runSessions[r] = null; // keeps no session alive between batches
        }
        runs = 0;
        dst = null;
        owner = null; // holds no thread (nor its context class loader) between batches
    }

    private void closePacket(ByteBuffer dst) {
        if (count > 0) {
            int i = count - 1;
            int payload = end - bases[i] - HEADER_SIZE;
            payloadLens[i] = payload;
            Wire.writeLengths(dst, bases[i], payload, events);
        }
    }

    /** Reserves room for an event in the packet begun in {@code dst}, which requirePacket returned. */
    private int reserveEvent(ByteBuffer dst, int length) {
        // No check of the event count: MAX_EVENTS_PER_PACKET prefixes alone fill MAX_PAYLOAD_SIZE,
        // so the payload's limit below refuses the event past it.
        int i = count - 1;
        long payloadAfter = (long) end - bases[i] - HEADER_SIZE + EVENT_PREFIX_SIZE + length;
        if (payloadAfter > MAX_PAYLOAD_SIZE) {
            throw new IllegalArgumentException("payload too large: " + payloadAfter + " bytes > "
                    + MAX_PAYLOAD_SIZE + " (event of " + length + " bytes)");
        }
        long endAfter = (long) end + EVENT_PREFIX_SIZE + length;
        if (endAfter + TAG_SIZE > dst.limit()) {
            throw new IllegalArgumentException("destination has " + (dst.limit() - end - TAG_SIZE)
                    + " bytes left for this packet's events, the event needs " + (EVENT_PREFIX_SIZE + length));
        }
        Wire.writeEventLength(dst, end, length);
        int at = end + EVENT_PREFIX_SIZE;
        end = (int) endAfter;
        events++;
        return at;
    }

    /**
     * Throws unless a batch is open and the calling thread started it. The thread that started it
     * holds the builder's claim until the batch ends (only it moves the claim on, and releasing
     * the builder ends the batch), so comparing threads is the claim check, with no thread id to
     * look up per call.
     *
     * @return the batch's destination
     */
    private ByteBuffer requireOpen() {
        ByteBuffer dst = this.dst;
        if (dst == null) {
            throw new IllegalStateException("no batch open: call PacketBuilder.batch(dst) first");
        }
        if (Thread.currentThread() != owner) {
            builder.requireBatchThread(); // throws: in use by another thread, or released
            throw new IllegalStateException("the batch belongs to the thread that started it");
        }
        return dst;
    }

    /** As {@link #requireOpen}, and a packet is begun. */
    private ByteBuffer requirePacket() {
        ByteBuffer dst = requireOpen();
        if (count == 0) {
            throw new IllegalStateException("no packet begun in this batch: call begin(...) first");
        }
        return dst;
    }
}
