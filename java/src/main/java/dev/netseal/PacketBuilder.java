package dev.netseal;

import static dev.netseal.NetV1.EVENT_PREFIX_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;

import dev.netseal.internal.send.BuilderFactory;
import dev.netseal.internal.send.BuilderState;
import dev.netseal.internal.send.KeyEpoch;
import dev.netseal.internal.send.LocalCache;
import dev.netseal.internal.send.PoolCore;
import dev.netseal.internal.send.SealingState;
import dev.netseal.internal.wire.Limits;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Writes and seals Net v1 packets into its own buffer (direct on the native backend), with a
 * nonce drawn from its pool's shared counter. Get one from a {@link ThreadLocalPool} or a
 * {@link PacketPool}; {@link #close()} gives it back.
 *
 * <h2>Security guarantees</h2>
 * Every packet sealed for a session (the pool's own, or a {@link SealingSession} of the same
 * pool passed to {@code begin}, {@code build}, {@code buildHeartbeat}), by any builder of the
 * pool on any thread, takes its counter from the one atomic counter of that session's current
 * key, so no (key, nonce) pair repeats. After a rekey the next seal of every builder uses the new
 * key and its fresh counter; a key is never used past its counter limit (2^62) and never after it
 * was wiped. A builder refuses a session of another pool, and holds no session between packets.
 *
 * <h2>Use</h2>
 * A builder is used by one thread at a time: {@code begin} (or {@code buildHeartbeat},
 * {@code buildHandshake}) claims it for the calling thread with one atomic operation until the
 * packet is sealed (or the builder released), and another thread that begins, writes, seals or
 * releases meanwhile gets an {@link IllegalStateException} before it touches the buffer: misuse
 * fails closed. Between packets a builder may move to another thread (a hand-off); a packet is
 * begun and sealed on one thread. A sealed packet is a read-only view of the builder's
 * buffer, valid until the builder starts another packet or goes back to its pool: write it to a
 * channel straight from there, or copy it. Two forms:
 * <pre>{@code
 * ByteBuffer p = b.build(streamId, seq, List.of(event1, event2), NetV1.FLAG_RELIABLE);
 * ByteBuffer q = b.begin(streamId, seq, 0).event(bytes).event(buffer).seal(); // allocation-free
 * }</pre>
 */
// The internal base has no public member (its protected ones reach this final class alone): it keeps the
// receive path's (or the builder's) machinery out of the API package, with no indirection.
@SuppressWarnings("exports")
public final class PacketBuilder extends BuilderState implements AutoCloseable {
    /** This builder's batch, made on first use (most builders never batch). */
    private @Nullable PacketBatch batch;

    /**
     * The pool this builder goes back to on {@link #close()}: set while it is checked out, and
     * null wherever a reference to the pool could keep a dropped pool alive (see ThreadLocalPool).
     */
    @Nullable BuilderOwner owner;
    /** The thread cache that holds it, or it was last taken from (ThreadLocalPool's fast release path). */
    @Nullable LocalCache<PacketBuilder> home;

    PacketBuilder(PoolCore<PacketBuilder> core) {
        super(core);
    }

    /** How a pool's core makes builders and asks whether one is sealing under an epoch. */
    static final BuilderFactory<PacketBuilder> FACTORY = new BuilderFactory<>() {
        @Override
        public PacketBuilder newBuilder(PoolCore<PacketBuilder> core) {
            return new PacketBuilder(core);
        }

        @Override
        public boolean sealingUnder(PacketBuilder builder, KeyEpoch epoch) {
            return builder.sealingUnder(epoch);
        }
    };

    // ---- the allocation-free form -------------------------------------------------------------

    /**
     * Starts a data packet for the pool's own session (a pool made with a key); events follow
     * with {@code event(...)}, then {@link #seal()}.
     *
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @return this builder
     */
    public PacketBuilder begin(long streamId, long sequence, int flags) {
        return start(core.defaultSession(), streamId, sequence, flags, 0);
    }

    /**
     * Starts a subprotocol packet (subprotocol_id is authenticated) for the pool's own session.
     *
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param subprotocolId subprotocol_id (u16, authenticated)
     * @return this builder
     */
    public PacketBuilder begin(long streamId, long sequence, int flags, int subprotocolId) {
        return start(core.defaultSession(), streamId, sequence, flags, subprotocolId);
    }

    /**
     * Starts a data packet for {@code session} (one of this builder's pool): its key, counter,
     * session id and origin hash seal it.
     *
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @return this builder
     */
    public PacketBuilder begin(SealingSession session, long streamId, long sequence, int flags) {
        return begin(session, streamId, sequence, flags, 0);
    }

    /**
     * Starts a subprotocol packet for {@code session}.
     *
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param subprotocolId subprotocol_id (u16, authenticated)
     * @return this builder
     */
    public PacketBuilder begin(SealingSession session, long streamId, long sequence, int flags,
                               int subprotocolId) {
        return start(checkSession(session), streamId, sequence, flags, subprotocolId); // start checks the rest
    }

    private PacketBuilder start(SealingState state, long streamId, long sequence, int flags, int subprotocolId) {
        checkedOut();
        Limits.checkSealedFlags(flags);
        Limits.checkU16("subprotocolId", subprotocolId);
        claim();
        refuseInBatch();
        if (target != state) {
            target = state; // usually the pool's own session, kept: a read is cheaper than a barriered store
        }
        Wire.writeHeaderStart(buf, 0, flags, subprotocolId, channelHash, 0L, streamId, sequence,
                state.originHash);
        writing = true;
        writePos = HEADER_SIZE;
        eventCount = 0;
        return this;
    }

    /**
     * Appends one event.
     *
     * @param event the event's bytes
     * @return this builder
     */
    public PacketBuilder event(byte[] event) {
        return event(event, 0, event.length);
    }

    /**
     * Appends {@code length} bytes of {@code event} from {@code offset}.
     *
     * @param event the event's bytes
     * @param offset where the event starts in {@code event}
     * @param length how many bytes
     * @return this builder
     */
    public PacketBuilder event(byte[] event, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, event.length);
        int at = reserveEvent(length);
        buf.put(at, event, offset, length);
        return this;
    }

    /**
     * Appends the remaining bytes of {@code event}, without moving its position.
     *
     * @param event the event's bytes
     * @return this builder
     */
    public PacketBuilder event(ByteBuffer event) {
        int length = event.remaining();
        int at = reserveEvent(length);
        buf.put(at, event, event.position(), length);
        return this;
    }

    /**
     * Sets frag_flags, fragment_id and fragment_offset of the packet begun; {@code begin} sets all
     * three to zero, and they stay as set here until the packet is sealed. Like every header field
     * but hop_count they are authenticated. For a message split across packets, netseal's rule
     * (WIRE.md, "Messages split across packets"): every packet keeps the message's sequence,
     * fragment_id is the packet's index in the message, fragment_offset the index in the message
     * of the packet's first event, and frag_flags has {@link NetV1#FRAG_MORE} on every packet but
     * the last:
     * <pre>{@code
     * b.begin(session, streamId, seq, 0).fragment(NetV1.FRAG_MORE, 1, 2027).event(...).seal();
     * }</pre>
     *
     * @param fragFlags frag_flags (u8)
     * @param fragmentId fragment_id (u16)
     * @param fragmentOffset fragment_offset (u16)
     * @return this builder
     * @throws IllegalArgumentException if a value does not fit its field
     * @throws IllegalStateException if no packet is begun
     */
    public PacketBuilder fragment(int fragFlags, int fragmentId, int fragmentOffset) {
        requireWriting();
        Limits.checkU8("fragFlags", fragFlags);
        Limits.checkU16("fragmentId", fragmentId);
        Limits.checkU16("fragmentOffset", fragmentOffset);
        Wire.writeFragment(buf, 0, fragFlags, fragmentId, fragmentOffset);
        return this;
    }

    /**
     * Payload bytes still free in the packet begun; each event takes 4 more for its prefix.
     *
     * @return the payload bytes left
     */
    public int remainingPayload() {
        requireWriting();
        return HEADER_SIZE + MAX_PAYLOAD_SIZE - writePos;
    }

    /**
     * Seals the packet begun with {@code begin}: a read-only view of the sealed bytes.
     *
     * @return a read-only view of the sealed packet, valid until this builder builds again or is released
     */
    public ByteBuffer seal() {
        requireWriting();
        writing = false;
        // requireWriting: begin set the target, and only the end of that packet clears it.
        return Objects.requireNonNull(sealPayload(Objects.requireNonNull(target), writePos - HEADER_SIZE,
                eventCount, null, 0));
    }

    /**
     * Seals the packet begun with {@code begin} into {@code dst}, at its position, which moves past
     * the packet; returns the packet's length. Where the backend's cipher works in {@code dst}
     * (a direct buffer on the native backend, a heap buffer on the java one) the events are
     * encrypted from this builder straight into {@code dst}, with no copy of the sealed bytes:
     * seal into the buffer you send from (a Netty {@code ByteBuf}'s NIO view, say). Into any other
     * writable buffer the packet is sealed here, then copied.
     *
     * <p>Checked before a counter is drawn, so a refused call wastes no nonce: {@code dst} is
     * writable and has {@link #sealedLength()} bytes left.
     *
     * @param dst where the sealed packet goes
     * @return the bytes written (header, ciphertext and tag)
     * @throws java.nio.ReadOnlyBufferException if {@code dst} is read-only
     * @throws IllegalArgumentException if {@code dst} has too little room
     */
    @SuppressWarnings("ReferenceEquality") // dst != buf asks for another buffer object, not other contents
    public int sealInto(ByteBuffer dst) {
        requireWriting();
        int payloadLen = writePos - HEADER_SIZE;
        int length = Wire.sealedLength(payloadLen);
        if (dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        if (dst.remaining() < length) {
            throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes left, the sealed"
                    + " packet needs " + length);
        }
        writing = false;
        int at = dst.position();
        if (cipher.worksIn(dst) && dst != buf) {
            sealPayload(Objects.requireNonNull(target), payloadLen, eventCount, dst, at);
            dst.position(at + length);
        } else {
            dst.put(Objects.requireNonNull(sealPayload(Objects.requireNonNull(target), payloadLen, eventCount,
                    null, 0)));
        }
        return length;
    }

    /**
     * Bytes the packet begun will take once sealed: header, the events so far and the tag.
     *
     * @return the sealed length in bytes
     */
    public int sealedLength() {
        requireWriting();
        return Wire.sealedLength(writePos - HEADER_SIZE);
    }

    // ---- batches ------------------------------------------------------------------------------

    /**
     * Starts a batch of packets written straight into {@code dst} from its position and sealed
     * together (see {@link PacketBatch}): the builder is claimed for the calling thread until
     * {@link PacketBatch#seal()} (or until it goes back to its pool). {@code dst} must be a buffer
     * the backend seals in: direct on the native backend, heap on the java one
     * ({@link #sealsIn(ByteBuffer)}). The batch object is this builder's own, reused.
     *
     * @param dst where the packets go, from its position up to its limit
     * @return the builder's batch, empty
     * @throws IllegalArgumentException if the backend cannot seal in {@code dst}
     * @throws IllegalStateException if a packet or a batch is begun on this builder
     */
    public PacketBatch batch(ByteBuffer dst) {
        checkedOut();
        Objects.requireNonNull(dst, "dst");
        if (!sealsIn(dst)) {
            throw new IllegalArgumentException("this backend seals batches in a writable "
                    + (buf.isDirect() ? "direct" : "heap") + " buffer; dst is "
                    + (dst.isReadOnly() ? "read-only" : dst.isDirect() ? "direct" : "a heap buffer"));
        }
        claim();
        refuseInBatch();
        if (writing) {
            throw new IllegalStateException("a packet is begun on this builder: seal it before a batch");
        }
        if (batch == null) {
            batch = new PacketBatch(this, cipher);
        }
        batch.start(dst);
        return batch;
    }

    /**
     * True when this builder's backend seals inside {@code dst} with no copy, what a
     * {@linkplain #batch batch} needs: a writable direct buffer on the native backend, a writable
     * heap buffer on the java one.
     *
     * @param dst a buffer
     * @return true when batches can be sealed into it
     */
    public boolean sealsIn(ByteBuffer dst) {
        return cipher.worksIn(dst);
    }

    /** The claim says "sealing under {@code epoch}" (a batch's draw; see sealPayload). */
    void claimForSeal(KeyEpoch epoch) {
        claimSealingUnder(epoch);
    }

    /** The batch is over: the builder is free. */
    void endBatch() {
        freeClaim();
    }

    /** Throws unless the calling thread holds this builder (what a batch's every call checks). */
    void requireBatchThread() {
        requireClaimOfThisThread();
    }

    private void refuseInBatch() {
        if (batch != null && batch.isOpen()) {
            throw new IllegalStateException("a batch is open on this builder: seal it first");
        }
    }

    // ---- the one-call forms -------------------------------------------------------------------

    /**
     * Builds and seals a data packet carrying {@code events} (their remaining bytes).
     *
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param events the events, each its remaining bytes (positions are not moved)
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @return a read-only view of the sealed packet, valid until this builder builds again or is released
     */
    public ByteBuffer build(long streamId, long sequence, List<? extends ByteBuffer> events, int flags) {
        return build(core.defaultSession(), streamId, sequence, events, flags, 0);
    }

    /**
     * Builds and seals a subprotocol packet.
     *
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param events the events, each its remaining bytes (positions are not moved)
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param subprotocolId subprotocol_id (u16, authenticated)
     * @return a read-only view of the sealed packet, valid until this builder builds again or is released
     */
    public ByteBuffer buildSubprotocol(long streamId, long sequence, List<? extends ByteBuffer> events,
                                       int flags, int subprotocolId) {
        return build(core.defaultSession(), streamId, sequence, events, flags, subprotocolId);
    }

    /**
     * Builds and seals a data packet for {@code session}.
     *
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param events the events, each its remaining bytes (positions are not moved)
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @return a read-only view of the sealed packet, valid until this builder builds again or is released
     */
    public ByteBuffer build(SealingSession session, long streamId, long sequence,
                            List<? extends ByteBuffer> events, int flags) {
        return buildSubprotocol(session, streamId, sequence, events, flags, 0);
    }

    /**
     * Builds and seals a subprotocol packet for {@code session}.
     *
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @param streamId stream_id of the packet
     * @param sequence sequence of the packet
     * @param events the events, each its remaining bytes (positions are not moved)
     * @param flags the flags byte ({@code NetV1.FLAG_*}; not HANDSHAKE)
     * @param subprotocolId subprotocol_id (u16, authenticated)
     * @return a read-only view of the sealed packet, valid until this builder builds again or is released
     */
    public ByteBuffer buildSubprotocol(SealingSession session, long streamId, long sequence,
                                       List<? extends ByteBuffer> events, int flags, int subprotocolId) {
        Limits.checkFits(events.size(), payloadSize(events));
        begin(session, streamId, sequence, flags, subprotocolId);
        return sealWith(events);
    }

    private ByteBuffer build(SealingState state, long streamId, long sequence,
                             List<? extends ByteBuffer> events, int flags, int subprotocolId) {
        Limits.checkFits(events.size(), payloadSize(events));
        start(state, streamId, sequence, flags, subprotocolId);
        return sealWith(events);
    }

    private ByteBuffer sealWith(List<? extends ByteBuffer> events) {
        for (int i = 0, n = events.size(); i < n; i++) {
            event(events.get(i));
        }
        return seal();
    }

    /**
     * An empty sealed packet with FLAG_HEARTBEAT; it draws a counter like any other.
     *
     * @return a read-only view of the sealed heartbeat, valid until this builder builds again or is released
     */
    public ByteBuffer buildHeartbeat() {
        return heartbeat(core.defaultSession());
    }

    /**
     * An empty sealed heartbeat for {@code session}; it draws a counter from its epoch.
     *
     * @param session the session whose key, counter and ids seal the packet; one of this pool's
     * @return a read-only view of the sealed heartbeat, valid until this builder builds again or is released
     */
    public ByteBuffer buildHeartbeat(SealingSession session) {
        return heartbeat(checkSession(session)); // heartbeat checks the rest
    }

    private ByteBuffer heartbeat(SealingState state) {
        checkedOut();
        claim();
        refuseInBatch();
        Wire.writeHeaderStart(buf, 0, NetV1.FLAG_HEARTBEAT, 0, 0, 0L, 0L, 0L, 0L);
        writing = false;
        return Objects.requireNonNull(sealPayload(state, 0, 0, null, 0));
    }

    /**
     * A handshake packet: header then {@code payload} in clear, session id and nonce zero.
     *
     * @param payload the handshake's payload, sent in clear (at most 8108 bytes, {@link NetV1#MAX_HANDSHAKE_PAYLOAD})
     * @return a read-only view of the handshake packet, valid until this builder builds again or is released
     */
    public ByteBuffer buildHandshake(byte[] payload) {
        checkedOut();
        Limits.checkHandshakePayload(payload.length);
        claim();
        refuseInBatch();
        writing = false;
        Wire.writeHandshake(buf, 0, payload);
        freeClaim(); // done writing: publishes the bytes to the next claimer
        return view(HEADER_SIZE + payload.length);
    }

    // ---- sizing -------------------------------------------------------------------------------

    /**
     * True when {@code events} fit in one packet (count and bytes).
     *
     * @param events the events, each its remaining bytes (positions are not moved)
     * @return true when they fit
     */
    public boolean wouldFit(List<? extends ByteBuffer> events) {
        return events.size() <= MAX_EVENTS_PER_PACKET && payloadSize(events) <= MAX_PAYLOAD_SIZE;
    }

    /**
     * How many events of {@code averageSize} bytes fit in one packet.
     *
     * @param averageSize the average event size in bytes
     * @return the number of events
     */
    public static int maxEventsForSize(int averageSize) {
        if (averageSize < 0) {
            throw new IllegalArgumentException("averageSize must be >= 0, got " + averageSize);
        }
        return Math.min(MAX_EVENTS_PER_PACKET, MAX_PAYLOAD_SIZE / (EVENT_PREFIX_SIZE + averageSize));
    }

    // ---- settings -----------------------------------------------------------------------------

    /**
     * The session id the next packet will carry (the pool's own session's current one).
     *
     * @return the session id
     */
    public long sessionId() {
        return core.current().sessionId;
    }

    /**
     * The channel hash (u16) of the next data packets; reset to 0 when the builder is released.
     *
     * @param channelHash channel_hash (u16) of the next data packets
     * @return this builder
     */
    public PacketBuilder setChannelHash(int channelHash) {
        checkedOut();
        Limits.checkU16("channelHash", channelHash);
        this.channelHash = channelHash;
        return this;
    }

    /**
     * The channel hash data packets carry.
     *
     * @return the channel hash
     */
    public int channelHash() {
        return channelHash;
    }

    /** Gives the builder back to the pool it came from (the try-with-resources form). */
    @Override
    public void close() {
        if (!checkedOut) {
            throw new IllegalStateException("builder was already released");
        }
        Objects.requireNonNull(owner).release(this); // set by checkOut, kept while checked out
    }

    // ---- pool hooks ---------------------------------------------------------------------------

    /** Marks the builder as taken out of {@code pool}, which it will go back to. */
    void checkOut(BuilderOwner pool) {
        checkedOut = true;
        if (owner != pool) {
            owner = pool; // usually set already (see ThreadLocalPool): a read is cheaper than a store
        }
    }

    /**
     * Marks the builder as in its pool again, checking it was out of this pool. The pool decides
     * whether it keeps {@link #owner}.
     */
    void checkIn(PoolCore<?> pool) {
        if (pool != core) {
            throw new IllegalArgumentException("builder belongs to another pool");
        }
        if (!checkedOut) {
            throw new IllegalStateException("builder was already released");
        }
        freeClaimOnCheckIn();
        checkedOut = false;
        writing = false;
        if (batch != null) {
            batch.end(); // a batch never sealed: dropped, nothing was drawn for it
        }
        forgetTarget();
        channelHash = 0;
    }

    /**
     * A session seals only through builders of its own pool: retiring an epoch waits out the
     * seals of that pool's builders and no others (see PoolCore).
     */
    SealingState checkSession(SealingSession session) {
        SealingState state = Objects.requireNonNull(session, "session").state;
        if (state.core != core) {
            throw new IllegalArgumentException("session belongs to another pool: a session seals only"
                    + " through builders of the pool that made it");
        }
        return state;
    }
}
