package dev.netseal;

import dev.netseal.internal.keys.Keys;
import dev.netseal.internal.receive.PacketOpener;
import dev.netseal.internal.receive.ReceiveSession;
import dev.netseal.internal.receive.ReceiveSettings;
import dev.netseal.internal.VirtualThreads;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.Backends;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Opens the sealed packets of one session, with a replay window and rekeying. For a server with
 * many peers on one socket, {@link SessionTable} does the same for any number of sessions.
 *
 * <h2>Security guarantees</h2>
 * Every check of the project's WIRE.md ("What a receiver checks, in order") runs, in its order:
 * shape from the header alone (length, magic, version, not a handshake, payload_len, event_count,
 * exact length); the session id and its nonce prefix; the counter against the replay window, before any
 * cryptography; the tag; the commit of the counter to the window; the event frames. Nothing
 * unauthenticated is returned, and nothing is decrypted before its tag verified (a packet refused
 * for its frames, found after, is left decrypted: see {@link OpenedPacket}). A packet (a
 * counter under a key) is accepted at most once, even when threads race to open copies of it.
 * hop_count may change in transit; any other changed byte is refused.
 *
 * <h2>Replay window</h2>
 * The window covers the {@linkplain Builder#windowSize W} counters up to the highest accepted
 * (8192 by default). Any authenticated counter above the highest is accepted, however far ahead,
 * so loss bursts, senders that skip counters and receivers that start late or restart never stall
 * the session; a fresh receiver accepts any first counter. A counter already accepted is refused
 * {@code REPLAYED}, one a whole window behind the highest {@code TOO_OLD}, both from the header
 * alone: a replay flood costs about what a wrong-session packet costs, never a decryption, and
 * leaves the caller's buffer as it was. Only a packet whose tag verified moves the window.
 *
 * <h2>Rekey</h2>
 * {@link #rekey} makes a new key current and keeps the old one, with its window, for a grace
 * period ({@linkplain Builder#previousKeyGrace 30 s} by default), so packets sealed before the
 * sender rekeyed still open. Packets are matched to a key by their session id; when the new id
 * equals the old one, the current key is tried first, then the previous one. When the grace ends,
 * or on {@link #dropPreviousKey()}, the previous key is wiped (once no open still uses it).
 *
 * <h2>Memory and threads</h2>
 * Thread-safe: any number of threads may open at once, and rekey or close meanwhile. Opening
 * allocates nothing: {@link #tryOpen} fills an {@link OpenedPacket} the caller keeps (a refusal
 * too, as a reason, without an exception). The events are plaintext in the packet's own buffer
 * (see {@link OpenedPacket} for the one exception). The cipher and scratch memory an open works
 * with are shared by all receivers of a thread, not kept per receiver; virtual threads borrow them
 * from a small shared set for the length of the call.
 */
public final class PacketReceiver implements AutoCloseable {

    /** Each platform thread's result for {@link #open(ByteBuffer)}, shared by every receiver. */
    private static final ThreadLocal<OpenedPacket> THREAD_RESULT = ThreadLocal.withInitial(OpenedPacket::new);

    final ReceiveSession session;

    private PacketReceiver(AeadBackend backend, ReceiveSettings settings, byte[] key, long sessionId) {
        this.session = new ReceiveSession(backend, settings, key, sessionId, null);
        ReceiveSession s = session;
        Keys.CLEANER.register(this, s::close); // a dropped receiver wipes its keys
    }

    /**
     * A receiver for packets sealed with {@code key} (32 bytes) under {@code sessionId}, with the
     * default window (8192) and grace period (30 s).
     *
     * <p><b>A raw key</b>, for interop tools and tests: between peers, make sessions by handshake
     * ({@link DatagramEndpoint}), which gives each direction its own key. Never use one key for both
     * directions of a session: both sides count from 0 under one session id, so their nonces
     * would repeat from the first packet, and a node would open its own packets reflected to it.
     *
     * @param key the 32-byte key, copied; the caller keeps and wipes its own copy
     * @param sessionId the session id (its two halves XORed make the nonce prefix)
     * @return the receiver
     * @throws IllegalArgumentException if {@code key} is not 32 bytes
     */
    public static PacketReceiver create(byte[] key, long sessionId) {
        return builder().build(key, sessionId);
    }

    /**
     * Settings for a receiver: window size and the previous key's grace period.
     *
     * @return a builder with the defaults
     */
    public static Builder builder() {
        return new Builder(Backends.active());
    }

    static PacketReceiver onBackend(AeadBackend backend, byte[] key, long sessionId) {
        return new Builder(backend).build(key, sessionId);
    }

    static Builder builderOnBackend(AeadBackend backend) {
        return new Builder(backend);
    }

    /**
     * The current session id.
     *
     * @return the current session id
     */
    public long sessionId() {
        return session.sessionId();
    }

    /**
     * The previous session's id while its key is kept after a rekey.
     *
     * @return the previous session id, or empty
     */
    public OptionalLong previousSessionId() {
        return session.previousSessionId();
    }

    /**
     * Counters the replay window tracks up to the highest accepted.
     *
     * @return the window size in counters
     */
    public int windowSize() {
        return session.settings.windowSize;
    }

    /**
     * How long a previous key stays usable after {@link #rekey}.
     *
     * @return the grace period
     */
    public Duration previousKeyGrace() {
        return session.settings.previousKeyGrace;
    }

    /**
     * Opens the packet in {@code packet}'s remaining bytes (position and limit are left as they
     * are) into {@code into}, which is reset first. Returns true if it opened; false if it was
     * refused, with the reason in {@link OpenedPacket#refusal()}. Throws nothing for a bad packet
     * and allocates nothing.
     *
     * @param packet the packet: its remaining bytes (position and limit are left as they are);
     *        once it opens, its events are plaintext in this buffer, unless it is read-only (see
     *        {@link OpenedPacket} for where the bytes are)
     * @param into the result to fill, reused from packet to packet (reset first)
     * @return true if it opened; false if it was refused
     * @throws IllegalStateException if the receiver is closed
     */
    public boolean tryOpen(ByteBuffer packet, OpenedPacket into) {
        if (PacketOpener.open(session, packet, into)) {
            return true;
        }
        if (session.isClosed()) {
            throw new IllegalStateException("receiver is closed");
        }
        return false;
    }

    /**
     * Opens the packet in {@code packet}'s remaining bytes, or throws {@link PacketException} with
     * the reason of the first check that failed. The result belongs to the calling thread and is
     * reused by its next {@code open} on any receiver or session table (on a virtual thread each
     * call makes a new one). Servers that refuse floods should prefer {@link #tryOpen}.
     *
     * @param packet the packet: its remaining bytes (position and limit are left as they are);
     *        once it opens, its events are plaintext in this buffer, unless it is read-only (see
     *        {@link OpenedPacket} for where the bytes are)
     * @return the opened packet (the calling thread's result)
     * @throws PacketException if a check refuses the packet, with its reason
     * @throws IllegalStateException if the receiver is closed
     */
    public OpenedPacket open(ByteBuffer packet) throws PacketException {
        OpenedPacket out = threadResult();
        if (!tryOpen(packet, out)) {
            throw out.refusalException();
        }
        return out;
    }

    /**
     * Opens the packet at {@code packet[offset, offset + length)}; see {@link #open(ByteBuffer)}.
     * The plaintext goes into the array: once the packet opens (or is refused {@code BAD_FRAMES}),
     * its events are plaintext in {@code packet}.
     *
     * @param packet the array that holds the packet
     * @param offset where the packet (its header) starts in {@code packet}
     * @param length the packet's length in bytes: header, payload and tag
     * @return the opened packet (the calling thread's result)
     * @throws PacketException if a check refuses the packet, with its reason
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not lie within {@code packet}
     * @throws IllegalStateException if the receiver is closed
     */
    public OpenedPacket open(byte[] packet, int offset, int length) throws PacketException {
        return open(ByteBuffer.wrap(packet, offset, length));
    }

    /**
     * Makes {@code key} (32 bytes) under {@code sessionId} the current key. The old key stays
     * usable for packets naming its session id for the grace period, then is wiped; an older
     * previous key is wiped now. The new id may equal the old one.
     *
     * @param key the new 32-byte key, copied; the caller keeps and wipes its own copy
     * @param sessionId the new session id (its two halves XORed make the nonce prefix)
     * @throws IllegalArgumentException if {@code key} is not 32 bytes, or if {@code key} and
     *         {@code sessionId} are the ones in use now or the previous ones (the window would
     *         re-admit old packets)
     * @throws IllegalStateException if the receiver is closed
     */
    public void rekey(byte[] key, long sessionId) {
        session.rekey(key, sessionId);
    }

    /**
     * Wipes the previous key now instead of at the end of its grace period; false if none is kept.
     *
     * @return true if a previous key was dropped
     */
    public boolean dropPreviousKey() {
        return session.dropPrevious();
    }

    /** Refuses further opens, waits for those in flight, then wipes every key. Idempotent. */
    @Override
    public void close() {
        session.close();
    }

    static OpenedPacket threadResult() {
        return threadResult(VirtualThreads.current());
    }

    /** A virtual thread gets a result of its own per call (no per-virtual-thread state); separate for tests on Java 17. */
    static OpenedPacket threadResult(boolean virtual) {
        return virtual ? new OpenedPacket() : THREAD_RESULT.get();
    }

    /**
     * How to make a receiver: the window size and the previous key's grace period.
     * <pre>{@code
     * PacketReceiver r = PacketReceiver.builder()
     *         .windowSize(16384)
     *         .previousKeyGrace(Duration.ofSeconds(10))
     *         .build(key, sessionId);
     * }</pre>
     */
    public static final class Builder extends ReceiverBuilder<Builder> {
        private Builder(AeadBackend backend) {
            super(backend);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * A receiver for {@code key} (32 bytes) under {@code sessionId}, with this builder's
         * window size and grace period.
         *
         * @param key the 32-byte key, copied; the caller keeps and wipes its own copy
         * @param sessionId the session id (its two halves XORed make the nonce prefix)
         * @return the receiver
         * @throws IllegalArgumentException if {@code key} is not 32 bytes
         */
        public PacketReceiver build(byte[] key, long sessionId) {
            return new PacketReceiver(backend, settings, key, sessionId);
        }
    }
}
