package dev.netseal;

import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.EVENT_PREFIX_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PACKET_SIZE;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;
import static dev.netseal.NetV1.TAG_SIZE;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.internal.aead.AeadCipher;
import dev.netseal.internal.aead.AeadKey;
import dev.netseal.internal.aead.Backends;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens the sealed packets of one session key, with a replay window.
 *
 * <h2>Security guarantees</h2>
 * {@link #open} checks, in this order, everything WIRE.md lists: length, magic, version,
 * payload_len, event_count, total length, session id and nonce prefix, then the tag; only a
 * packet whose tag verified can move the replay window (1024 counters behind the highest
 * accepted; a jump of more than 1024 ahead refused; 2^64-1 never accepted); then the event
 * frames must exactly fill the payload. A packet is accepted at most once. hop_count may change
 * in transit; any other changed byte is refused. Nothing unauthenticated is ever returned.
 *
 * <h2>Memory</h2>
 * When the backend can work in the packet's buffer (direct for native, a writable array for
 * Java) it decrypts in place and the events are views of the packet; otherwise it copies the
 * packet into a buffer of the calling thread and the views point there. Either way the returned
 * {@link OpenedPacket} is reused by the same thread's next {@code open} on this receiver. A
 * packet refused after its tag verified (REPLAYED, TOO_OLD, TOO_FAR_AHEAD, BAD_COUNTER,
 * BAD_FRAMES) may have been decrypted in place already: after a refusal, the buffer's contents
 * are unspecified; keep a copy if you mean to retry it.
 *
 * <p>Thread-safe: any number of threads may open at once.
 */
public final class PacketReceiver implements AutoCloseable {

    private static final VarHandle OPENING;

    static {
        try {
            OPENING = MethodHandles.lookup().findVarHandle(ThreadState.class, "opening", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AeadBackend backend;
    private final KeyGuard guard;
    private final long sessionId;
    private final int noncePrefix;
    private final ReplayWindow window = new ReplayWindow();
    private final ThreadLocal<ThreadState> state;

    private PacketReceiver(AeadBackend backend, byte[] key, long sessionId) {
        this.backend = backend;
        this.guard = new KeyGuard(backend.importKey(PoolCore.checkKey(key)));
        this.sessionId = sessionId;
        this.noncePrefix = Wire.noncePrefix(sessionId);
        this.state = ThreadLocal.withInitial(this::newThreadState);
        PoolCore.CLEANER.register(this, guard::close); // a dropped receiver wipes its key
    }

    /** A receiver for packets sealed with {@code key} (32 bytes) under {@code sessionId}. */
    public static PacketReceiver create(byte[] key, long sessionId) {
        return new PacketReceiver(Backends.active(), key, sessionId);
    }

    static PacketReceiver onBackend(AeadBackend backend, byte[] key, long sessionId) {
        return new PacketReceiver(backend, key, sessionId);
    }

    /** The session this receiver opens. */
    public long sessionId() {
        return sessionId;
    }

    /**
     * Opens the packet in {@code packet}'s remaining bytes (its position and limit are left as they
     * are). Throws {@link PacketException} with the reason of the first check that failed.
     */
    public OpenedPacket open(ByteBuffer packet) throws PacketException {
        ThreadState st = state.get();
        // A volatile write then a volatile read: with close()'s write-then-read, one of the two
        // sees the other (see KeyGuard).
        OPENING.setVolatile(st, true);
        try {
            if (guard.closed) {
                throw new IllegalStateException("receiver is closed");
            }
            return openChecked(st, packet);
        } finally {
            OPENING.setRelease(st, false);
        }
    }

    /** Opens {@code length} bytes of {@code packet} from {@code offset}; see {@link #open(ByteBuffer)}. */
    public OpenedPacket open(byte[] packet, int offset, int length) throws PacketException {
        return open(ByteBuffer.wrap(packet, offset, length));
    }

    /**
     * Benchmark hook: forgets every accepted counter, so a benchmark can reopen a fixed ring of
     * packets. Never call it on a live receiver: it re-admits replays.
     */
    void forgetAcceptedCountersForBenchmark() {
        window.forgetAll();
    }

    /** Every check but the replay window: for the explicit-nonce codec, which has no history. */
    OpenedPacket openWithoutReplayCheck(ByteBuffer packet) throws PacketException {
        return openChecked(state.get(), packet, false);
    }

    private OpenedPacket openChecked(ThreadState st, ByteBuffer packet) throws PacketException {
        return openChecked(st, packet, true);
    }

    private OpenedPacket openChecked(ThreadState st, ByteBuffer packet, boolean replayCheck)
            throws PacketException {
        int start = packet.position();
        int length = packet.remaining();
        if (length < HEADER_SIZE) {
            throw new PacketException(Reason.TRUNCATED, length + " bytes, a header alone is " + HEADER_SIZE);
        }
        int magic = Wire.u16(packet, start + HeaderLayout.MAGIC);
        if (magic != NetV1.MAGIC) {
            throw new PacketException(Reason.BAD_MAGIC, String.format("magic 0x%04x", magic));
        }
        int version = packet.get(start + HeaderLayout.VERSION) & 0xFF;
        if (version != NetV1.VERSION) {
            throw new PacketException(Reason.BAD_VERSION, "version " + version);
        }
        if ((packet.get(start + HeaderLayout.FLAGS) & NetV1.FLAG_HANDSHAKE) != 0) {
            throw new PacketException(Reason.NOT_SEALED, "a handshake packet is sent in clear");
        }
        int payloadLen = Wire.u16(packet, start + HeaderLayout.PAYLOAD_LEN);
        if (payloadLen > MAX_PAYLOAD_SIZE) {
            throw new PacketException(Reason.BAD_LENGTH, "payload_len " + payloadLen + " > " + MAX_PAYLOAD_SIZE);
        }
        int eventCount = Wire.u16(packet, start + HeaderLayout.EVENT_COUNT);
        if (eventCount > MAX_EVENTS_PER_PACKET) {
            throw new PacketException(Reason.TOO_MANY_EVENTS, "event_count " + eventCount + " > "
                    + MAX_EVENTS_PER_PACKET);
        }
        int expected = Wire.sealedLength(payloadLen);
        if (length < expected) {
            throw new PacketException(Reason.TRUNCATED, length + " bytes, header announces " + expected);
        }
        if (length > expected) {
            throw new PacketException(Reason.BAD_LENGTH, length + " bytes, header announces " + expected);
        }
        long session = Wire.i64(packet, start + HeaderLayout.SESSION_ID);
        if (session != sessionId) {
            throw new PacketException(Reason.WRONG_SESSION, "session " + Long.toUnsignedString(session));
        }
        int prefix = Wire.i32(packet, start + HeaderLayout.NONCE_PREFIX);
        if (prefix != noncePrefix) {
            throw new PacketException(Reason.WRONG_NONCE_PREFIX, String.format("prefix 0x%08x", prefix));
        }
        long counter = Wire.i64(packet, start + HeaderLayout.NONCE_COUNTER);

        ByteBuffer work = packet;
        int base = start;
        if (!st.cipher.worksIn(packet)) {
            work = st.scratch;
            base = 0;
            work.put(0, packet, start, length);
        }
        Wire.writeAad(work, base, st.scratch, MAX_PACKET_SIZE);
        if (!st.cipher.open(guard.key, prefix, counter, st.scratch, MAX_PACKET_SIZE, AAD_SIZE,
                work, base + HEADER_SIZE, payloadLen)) {
            throw new PacketException(Reason.AUTH_FAILED, "tag did not verify");
        }
        if (replayCheck) {
            window.accept(counter);
        } else if (counter == -1L) {
            throw new PacketException(Reason.BAD_COUNTER, "counter 2^64-1 is never used");
        }
        return frames(st.opened, work, base, payloadLen, eventCount);
    }

    private static OpenedPacket frames(OpenedPacket out, ByteBuffer buf, int base, int payloadLen,
                                       int eventCount) throws PacketException {
        out.reset(buf, base);
        int pos = base + HEADER_SIZE;
        int end = pos + payloadLen;
        for (int i = 0; i < eventCount; i++) {
            if (end - pos < EVENT_PREFIX_SIZE) {
                throw new PacketException(Reason.BAD_FRAMES, "event " + i + " of " + eventCount
                        + " has no room for its length");
            }
            long len = Wire.i32(buf, pos) & 0xFFFFFFFFL;
            pos += EVENT_PREFIX_SIZE;
            if (len > end - pos) {
                throw new PacketException(Reason.BAD_FRAMES, "event " + i + " claims " + len
                        + " bytes, " + (end - pos) + " left");
            }
            out.addEvent(pos, (int) len);
            pos += (int) len;
        }
        if (pos != end) {
            throw new PacketException(Reason.BAD_FRAMES, (end - pos) + " bytes after the last of "
                    + eventCount + " events");
        }
        return out;
    }

    /** Refuses further opens, waits for those in flight, then wipes the key. Idempotent. */
    @Override
    public void close() {
        guard.close();
    }

    private ThreadState newThreadState() {
        ThreadState st = new ThreadState(backend);
        guard.register(st);
        return st;
    }

    /**
     * The key, and what closing it must wait for. Apart from the receiver so that the Cleaner of
     * a dropped receiver can close it without holding the receiver.
     *
     * <p>Why no open can use a wiped key: open writes {@code opening = true} then reads
     * {@code closed}; close writes {@code closed = true} then reads every {@code opening}. All four
     * are volatile, so they fall in one total order: either the open sees {@code closed} and stops,
     * or close sees {@code opening} and waits for its release write. A thread whose state is
     * registered after close() went through the list registered under the same lock, after
     * {@code closed} was set, so it sees it.
     */
    private static final class KeyGuard {
        final AeadKey key;
        volatile boolean closed;
        /** Guarded by itself; weak, so the state of a thread that ended goes with it. */
        private final List<WeakReference<ThreadState>> states = new ArrayList<>();

        KeyGuard(AeadKey key) {
            this.key = key;
        }

        void register(ThreadState st) {
            synchronized (states) {
                states.removeIf(ref -> ref.get() == null);
                states.add(new WeakReference<>(st));
            }
        }

        void close() {
            closed = true;
            synchronized (states) {
                for (WeakReference<ThreadState> ref : states) {
                    ThreadState st = ref.get();
                    while (st != null && (boolean) OPENING.getVolatile(st)) {
                        Thread.onSpinWait();
                    }
                }
            }
            key.destroy();
        }
    }

    /** What one thread opens with: its cipher, a buffer to copy into, the result it reuses. */
    static final class ThreadState {
        final AeadCipher cipher;
        /** A packet copy at [0, 8192), the associated data at [8192, 8248). */
        final ByteBuffer scratch;
        final OpenedPacket opened = new OpenedPacket();
        @SuppressWarnings("unused") // accessed through OPENING
        private boolean opening;

        ThreadState(AeadBackend backend) {
            cipher = backend.newCipher();
            scratch = backend.allocate(MAX_PACKET_SIZE + AAD_SIZE);
        }
    }

    static {
        if (HEADER_SIZE + MAX_PAYLOAD_SIZE + TAG_SIZE != MAX_PACKET_SIZE) {
            throw new AssertionError("the scratch layout assumes a packet fits in MAX_PACKET_SIZE");
        }
    }
}
