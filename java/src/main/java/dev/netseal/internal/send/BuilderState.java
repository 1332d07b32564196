package dev.netseal.internal.send;

import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.EVENT_PREFIX_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;

import dev.netseal.internal.LinePadding;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A packet builder's machinery: its buffer and cipher, the packet being written, and the claim
 * that gives one thread at a time the buffer, and tells a retire which epoch a seal runs under.
 * The API's builder extends this and adds the calls; nothing here is visible outside this
 * package but to it.
 */
public abstract class BuilderState extends LinePadding {
    // The padding before the fields: a builder is made together with its buffers (the prefill
    // makes them all in a row), so one builder's objects lie right after another's; without it,
    // the sealed view a thread resets on every packet shared a line with the claim another
    // thread CASes on every packet, whenever two threads held neighbouring builders.

    private static final VarHandle CLAIM;

    static {
        try {
            CLAIM = MethodHandles.lookup().findVarHandle(BuilderState.class, "claim", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    protected final PoolCore<?> core;
    protected final AeadCipher cipher;
    protected final ByteBuffer buf;
    private final ByteBuffer sealedView;

    /** {@link #claim}: nobody holds the builder. */
    private static final long FREE = 0L;

    /**
     * Who may touch the buffer now: {@link #FREE} (nobody: the next {@code begin} on any thread
     * may claim it), a thread's id (positive: that thread is writing a packet; it claimed the
     * builder with a CAS from FREE in {@code begin}), or minus a {@link KeyEpoch}'s serial
     * (negative: the claiming thread is sealing under that epoch, what PoolCore's retire waits
     * on). Only a CAS from FREE claims it, and only the claiming thread moves it on (its id,
     * then an epoch's while it seals, then FREE when the packet or batch is sealed or the builder
     * released), so a
     * second thread is refused before it writes one byte into a buffer another thread is writing
     * or sealing: a builder used by two threads at once fails closed (never a packet whose tag
     * was computed over bytes another thread wrote in clear).
     *
     * <p>A number rather than the Thread or the epoch itself: under G1 a reference stored into a
     * builder that has been promoted to the old generation (every builder of a long-running
     * server) pays a write barrier with a full fence. The claim's two and the session's one cost
     * 11-15 ns a packet (bench/results/claim-barrier). Thread ids are unique for the life of the
     * JVM, so an id never stands for two threads.
     */
    @SuppressWarnings("unused") // accessed through CLAIM
    private long claim;

    /** True while checked out of its pool. */
    protected boolean checkedOut;

    /**
     * The session the packet being written seals for: set by begin, cleared when the packet is
     * sealed or the builder released unless it is the pool's own session, so that a builder
     * between packets (in a thread cache, the shared queue) keeps no other session alive (the
     * pool's own lives as long as the pool, which the builder reaches anyway). Keeping that one
     * spares the packets sealed for it a barriered reference store each. Written and read only by
     * the claiming thread.
     */
    protected @Nullable SealingState target;
    protected boolean writing;
    protected int writePos;
    protected int eventCount;
    protected int channelHash;

    protected BuilderState(PoolCore<?> core) {
        this.core = core;
        this.cipher = core.backend.newCipher();
        this.buf = core.backend.allocate(MAX_PACKET_SIZE); // the AAD is built inside the header
        this.sealedView = buf.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }


    /** The claim says "sealing under {@code epoch}" (a batch's draw; see sealPayload). */
    protected final void claimSealingUnder(KeyEpoch epoch) {
        CLAIM.setRelease(this, -epoch.serial);
    }

    /** Frees the claim: done writing, which publishes the bytes to the next claimer. */
    protected final void freeClaim() {
        CLAIM.setRelease(this, FREE);
    }

    /**
     * Throws unless the calling thread holds the claim: what a batch checks when a thread other
     * than the one that started it calls it (an open batch's builder is out and claimed, so the
     * claim is another thread's or, once that thread released the builder, nobody's).
     */
    protected final void requireClaimOfThisThread() {
        if ((long) CLAIM.getOpaque(this) != ThreadIds.current()) {
            throw inUse();
        }
    }

    /**
     * Frees the claim as the builder goes back to its pool: refused while another thread writes
     * or seals in it; a packet begun on this thread and never sealed is dropped.
     */
    protected final void freeClaimOnCheckIn() {
        long c = (long) CLAIM.getAcquire(this);
        if (c != FREE) {
            if (c != ThreadIds.current()) {
                // Another thread is writing or sealing a packet in it: giving it back now would let
                // a third thread write into that packet. Refused; the builder stays out.
                throw inUse();
            }
            // A packet begun on this thread and never sealed. Only this thread moves the claim
            // from itself, so a plain release store frees it.
            CLAIM.setRelease(this, FREE);
        }
    }

    /** True while a seal runs under {@code epoch} on this builder (see PoolCore). */
    protected final boolean sealingUnder(KeyEpoch epoch) {
        return (long) CLAIM.getAcquire(this) == -epoch.serial;
    }

    /**
     * Seals the payload for {@code session}: in place when {@code dst} is null (returns the view),
     * else from this builder into {@code dst} at {@code dstOff} (returns null), which the caller
     * checked.
     */
    protected final @Nullable ByteBuffer sealPayload(SealingState session, int payloadLen, int events,
                                                     @Nullable ByteBuffer dst, int dstOff) {
        Wire.writeLengths(buf, 0, payloadLen, events);
        // The caller (begin or buildHeartbeat) claimed the builder for this thread, and only this
        // thread moves the claim on from here.
        KeyEpoch epoch = session.current();
        try {
            while (true) {
                // A release store: whatever retire() reads here, later or not, orders after this
                // thread's earlier "done" store (see PoolCore). The draw's volatile write orders it
                // before the draw.
                CLAIM.setRelease(this, -epoch.serial);
                long counter = epoch.counter.getAndIncrement();
                if (Long.compareUnsigned(counter, KeyEpoch.COUNTER_LIMIT) < 0) { // never wraps into use
                    buf.putLong(HeaderLayout.SESSION_ID, epoch.sessionId);
                    // The AAD is in place since begin wrote the header (Wire.writeHeaderStart):
                    // bytes 12..68, its first 12 where the nonce goes once the AEAD has read them.
                    if (dst == null) {
                        cipher.seal(epoch.key, epoch.noncePrefix, counter, buf, Wire.AAD_IN_PLACE, AAD_SIZE,
                                buf, HEADER_SIZE, payloadLen);
                        Wire.writeNonce(buf, 0, epoch.noncePrefix, counter);
                        return view(Wire.sealedLength(payloadLen));
                    }
                    cipher.sealTo(epoch.key, epoch.noncePrefix, counter, buf, Wire.AAD_IN_PLACE, AAD_SIZE,
                            buf, HEADER_SIZE, payloadLen, dst, dstOff + HEADER_SIZE);
                    Wire.writeNonce(buf, 0, epoch.noncePrefix, counter);
                    dst.put(dstOff, buf, 0, HEADER_SIZE);
                    return null;
                }
                // The claim still names the refused epoch: the next pass's store or the finally's
                // replaces it (a retire of that epoch waits no longer than this).
                epoch = session.afterRefusedDraw(epoch);
            }
        } finally {
            forgetTarget();
            // Publishes "done with the key" to retire(), and the sealed bytes to the next claimer.
            CLAIM.setRelease(this, FREE);
        }
    }

    /**
     * Claims the builder for the calling thread before it writes the buffer: the one atomic
     * operation per packet. A thread that holds the claim already (a packet begun again) reads
     * its own value and skips the CAS. The CAS, a volatile read of the previous holder's release
     * store of null, also orders everything that holder wrote before this thread's writes.
     */
    protected final void claim() {
        long me = ThreadIds.current();
        if ((long) CLAIM.getOpaque(this) != me && !CLAIM.compareAndSet(this, FREE, me)) {
            throw inUse();
        }
    }

    /** Drops the session of the packet just ended, unless it is the pool's own (see target). */
    protected final void forgetTarget() {
        SealingState t = target;
        if (t != null && !t.isPoolsOwn()) {
            target = null;
        }
    }

    protected static IllegalStateException inUse() {
        return new IllegalStateException("builder is in use by another thread (writing or sealing a packet):"
                + " a builder belongs to one thread at a time, from begin to seal");
    }

    protected final ByteBuffer view(int length) {
        sealedView.clear();
        sealedView.limit(length);
        return sealedView;
    }

    protected final int reserveEvent(int length) {
        requireWriting();
        if (eventCount == MAX_EVENTS_PER_PACKET) {
            throw new IllegalArgumentException("too many events: a packet holds at most "
                    + MAX_EVENTS_PER_PACKET);
        }
        long payloadAfter = (long) writePos - HEADER_SIZE + EVENT_PREFIX_SIZE + length; // no int overflow
        if (payloadAfter > MAX_PAYLOAD_SIZE) {
            throw new IllegalArgumentException("payload too large: " + payloadAfter + " bytes > "
                    + MAX_PAYLOAD_SIZE + " (event of " + length + " bytes)");
        }
        buf.putInt(writePos, length);
        int at = writePos + EVENT_PREFIX_SIZE;
        writePos = at + length;
        eventCount++;
        return at;
    }

    protected static long payloadSize(List<? extends ByteBuffer> events) {
        long size = 0;
        for (int i = 0, n = events.size(); i < n; i++) {
            size += EVENT_PREFIX_SIZE + events.get(i).remaining();
        }
        return size;
    }

    protected final void requireWriting() {
        checkedOut();
        // An opaque read: only this thread can have stored its own id here (by its CAS), and
        // nobody else can move it from there, so equality means this thread holds the buffer.
        long c = (long) CLAIM.getOpaque(this);
        if (c != ThreadIds.current()) {
            throw c == FREE ? new IllegalStateException("no packet begun: call begin(...) first") : inUse();
        }
        if (!writing) {
            throw new IllegalStateException("no packet begun: call begin(...) first");
        }
    }

    protected final void checkedOut() {
        if (!checkedOut) {
            throw new IllegalStateException("builder was released to its pool; acquire another");
        }
    }
}
