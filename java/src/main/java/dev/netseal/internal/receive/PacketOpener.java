package dev.netseal.internal.receive;

import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.EVENT_PREFIX_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAX_EVENTS_PER_PACKET;
import static dev.netseal.NetV1.MAX_PAYLOAD_SIZE;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.aead.AeadBackend;
import dev.netseal.NetV1;
import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.RefusalText;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The receive path, in the order the project's WIRE.md gives ("What a receiver checks, in order"):
 * shape from the header alone; the session and its nonce prefix; the counter against the window
 * (no cryptography yet, the buffer untouched); the tag (nothing decrypted before it verified); the
 * commit to the window with a re-check; the event frames. Every refusal is recorded in the caller's
 * {@link OpenedPacket} as a reason and two numbers, and allocates nothing.
 *
 * <p>Where the plaintext goes: when the backend's cipher works in the packet's buffer (direct and
 * writable for native, a writable array for Java) it verifies and decrypts there. Otherwise it
 * copies the packet into a borrowed {@link OpenWorkspace}, verifies and decrypts there, and writes
 * the plaintext back into the packet's buffer, or, if that is read-only, into the
 * {@code OpenedPacket}'s own copy. So a packet refused before or at the tag leaves its buffer as
 * it was. Two refusals come after the plaintext was written: BAD_FRAMES (the frames are read only
 * once the tag verified and the counter was committed, so a writable buffer holds the plaintext),
 * and REPLAYED for the loser of a race between two opens of the same bytes in the same buffer at
 * once (the window's re-check refuses it after its plaintext was written into that buffer).
 */
public final class PacketOpener {
    private PacketOpener() {}

    /** Forgets {@code out}'s last outcome, before an open that checks its shape itself. */
    public static void reset(OpenResult out) {
        out.clear();
    }

    /** Opens {@code packet} (its remaining bytes) with one session's keys. */
    public static boolean open(ReceiveSession session, ByteBuffer packet, OpenResult out) {
        out.clear();
        int start = packet.position();
        int length = packet.remaining();
        if (!checkShape(packet, start, length, out)) {
            return false;
        }
        return openWithKeys(session.backend, session.keys(), packet, start, length, out, true);
    }

    /** The shape checks of WIRE.md step 1, from the header alone. */
    public static boolean checkShape(ByteBuffer packet, int start, int length, OpenResult out) {
        if (length < HEADER_SIZE) {
            out.refuse(Reason.TRUNCATED, length, HEADER_SIZE);
            return false;
        }
        int magic = Wire.u16(packet, start + HeaderLayout.MAGIC);
        if (magic != NetV1.MAGIC) {
            out.refuse(Reason.BAD_MAGIC, magic, 0);
            return false;
        }
        int version = packet.get(start + HeaderLayout.VERSION) & 0xFF;
        if (version != NetV1.VERSION) {
            out.refuse(Reason.BAD_VERSION, version, 0);
            return false;
        }
        if ((packet.get(start + HeaderLayout.FLAGS) & NetV1.FLAG_HANDSHAKE) != 0) {
            out.refuse(Reason.NOT_SEALED, 0, 0);
            return false;
        }
        int payloadLen = Wire.u16(packet, start + HeaderLayout.PAYLOAD_LEN);
        if (payloadLen > MAX_PAYLOAD_SIZE) {
            out.refuse(Reason.BAD_LENGTH, payloadLen, RefusalText.PAYLOAD_TOO_LARGE);
            return false;
        }
        int eventCount = Wire.u16(packet, start + HeaderLayout.EVENT_COUNT);
        if (eventCount > MAX_EVENTS_PER_PACKET) {
            out.refuse(Reason.TOO_MANY_EVENTS, eventCount, 0);
            return false;
        }
        int expected = Wire.sealedLength(payloadLen);
        if (length != expected) {
            out.refuse(length < expected ? Reason.TRUNCATED : Reason.BAD_LENGTH, length, expected);
            return false;
        }
        return true;
    }

    /**
     * Steps 2 to 6 for a packet whose shape was checked: picks the key by the header's session id
     * (the current key, or the previous one in its grace period; both, current first, when they
     * share the id).
     */
    public static boolean openWithKeys(AeadBackend backend, ReceiveSession.@Nullable KeySet keys, ByteBuffer packet,
                                int start, int length, OpenResult out, boolean useWindow) {
        long id = Wire.i64(packet, start + HeaderLayout.SESSION_ID);
        if (keys == null) {
            out.refuse(Reason.WRONG_SESSION, id, 0);
            return false;
        }
        ReceiveKey first;
        ReceiveKey second = null;
        ReceiveKey previous = keys.previous;
        if (keys.current.sessionId == id) {
            first = keys.current;
            if (previous != null && previous.sessionId == id) {
                second = previous;
            }
        } else if (previous != null && previous.sessionId == id) {
            first = previous;
        } else {
            out.refuse(Reason.WRONG_SESSION, id, 0);
            return false;
        }
        int prefix = Wire.i32(packet, start + HeaderLayout.NONCE_PREFIX);
        if (prefix != first.noncePrefix) { // both keys share the id, so the prefix
            out.refuse(Reason.WRONG_NONCE_PREFIX, prefix, first.noncePrefix);
            return false;
        }
        long counter = Wire.i64(packet, start + HeaderLayout.NONCE_COUNTER);
        if (attempt(backend, first, packet, start, length, counter, out, useWindow)) {
            return true;
        }
        if (second == null || out.refusalReason() == Reason.BAD_FRAMES) {
            // BAD_FRAMES: the current key's tag verified, so the packet is the current key's and
            // the previous key's would only say AUTH_FAILED.
            return false;
        }
        // Same session id on both keys: a packet the current key refused may be the previous key's.
        Reason firstRefusal = out.refusalReason();
        if (attempt(backend, second, packet, start, length, counter, out, useWindow)) {
            return true;
        }
        if (out.refusalReason() == Reason.AUTH_FAILED
                && (firstRefusal == Reason.REPLAYED || firstRefusal == Reason.TOO_OLD)) {
            // The current key's window knew the counter and the previous key's tag did not verify:
            // most likely a replay under the current key, so say that.
            refuseCounter(firstRefusal, counter, Objects.requireNonNull(first.window), out); // its refusal
            return false;
        }
        return false;
    }

    /** Steps 3 to 6 with one key ({@code useWindow} false: step 3 checks only 2^64-1, step 5 is skipped). */
    @SuppressWarnings("ReferenceEquality") // target == packet: opened in the caller's buffer object, not a copy
    private static boolean attempt(AeadBackend backend, ReceiveKey key, ByteBuffer packet, int start, int length,
                                   long counter, OpenResult out, boolean useWindow) {
        ReplayWindow window = useWindow ? key.window : null;
        if (window != null) {
            Reason early = window.check(counter);
            if (early != null) {
                refuseCounter(early, counter, window, out);
                return false;
            }
        } else if (counter == -1L) {
            out.refuse(Reason.BAD_COUNTER, counter, 0);
            return false;
        }
        ByteBuffer target;
        OpenWorkspace ws = OpenWorkspace.acquire(backend);
        try {
            target = decrypt(ws, key, packet, start, length, counter, out);
        } finally {
            // Given back before the window's commit: commit takes the window's monitor, where a
            // virtual thread may unmount (Java 24+); holding a workspace there would let the
            // workspaces in flight grow with the virtual threads waiting, not with the carriers.
            ws.release();
        }
        if (target == null) {
            return false;
        }
        if (window != null) {
            Reason late = window.commit(counter);
            if (late != null) {
                refuseCounter(late, counter, window, out);
                return false;
            }
        }
        int payloadLen = Wire.u16(packet, start + HeaderLayout.PAYLOAD_LEN);
        int eventCount = Wire.u16(packet, start + HeaderLayout.EVENT_COUNT);
        return frames(out, target, target == packet ? start : 0, length, payloadLen, eventCount);
    }

    /**
     * Step 4 in a borrowed workspace: verifies the tag and puts the plaintext where the caller
     * reads it (the packet's buffer, or the {@code OpenedPacket}'s copy when that is read-only);
     * returns that buffer, or null when refused. A method of its own so that the workspace's
     * try/finally holds only this call: the constant results of its refusals stay plain
     * constants (inside a try/finally javac stores and reloads them, and the mutation run would
     * count a "returns false" mutant that nothing can tell from the original).
     */
    private static @Nullable ByteBuffer decrypt(OpenWorkspace ws, ReceiveKey key, ByteBuffer packet, int start, int length,
                                      long counter, OpenResult out) {
        int payloadLen = Wire.u16(packet, start + HeaderLayout.PAYLOAD_LEN);
        boolean inPlace = ws.cipher.worksIn(packet);
        ByteBuffer work = inPlace ? packet : ws.buffer;
        int base = inPlace ? start : 0;
        if (!key.enter()) { // retired under us: rekeyed past, removed or closed
            out.refuse(Reason.WRONG_SESSION, key.sessionId, 0);
            return null;
        }
        boolean verified;
        try {
            if (!inPlace) {
                ws.buffer.put(0, packet, start, length);
            }
            Wire.writeAad(work, base, ws.buffer, OpenWorkspace.AAD_OFFSET);
            verified = ws.cipher.open(key.key, key.noncePrefix, counter, ws.buffer, OpenWorkspace.AAD_OFFSET,
                    AAD_SIZE, work, base + HEADER_SIZE, payloadLen);
        } finally {
            key.exit();
        }
        if (!verified) {
            out.refuse(Reason.AUTH_FAILED, counter, 0);
            return null;
        }
        if (inPlace) {
            return packet;
        }
        if (!packet.isReadOnly()) {
            packet.put(start + HEADER_SIZE, ws.buffer, HEADER_SIZE, payloadLen);
            return packet;
        }
        ByteBuffer copy = out.copyBuffer();
        copy.put(0, ws.buffer, 0, length);
        return copy;
    }

    private static void refuseCounter(Reason reason, long counter, ReplayWindow window, OpenResult out) {
        out.refuse(reason, counter, reason == Reason.TOO_OLD ? window.highest() : 0);
    }

    /** Step 6: the frames exactly fill payload_len and their number is event_count. */
    private static boolean frames(OpenResult out, ByteBuffer buf, int base, int length, int payloadLen,
                                  int eventCount) {
        out.opened(buf, base, length);
        int pos = base + HEADER_SIZE;
        int end = pos + payloadLen;
        for (int i = 0; i < eventCount; i++) {
            if (end - pos < EVENT_PREFIX_SIZE) {
                out.refuse(Reason.BAD_FRAMES, i, end - pos);
                return false;
            }
            long len = Wire.i32(buf, pos) & 0xFFFFFFFFL; // unsigned: 2^31 and above are never negative
            pos += EVENT_PREFIX_SIZE;
            if (len > end - pos) {
                out.refuse(Reason.BAD_FRAMES, i, end - pos + EVENT_PREFIX_SIZE);
                return false;
            }
            out.addEvent(pos, (int) len);
            pos += (int) len;
        }
        if (pos != end) {
            out.refuse(Reason.BAD_FRAMES, RefusalText.AFTER_LAST_EVENT, end - pos);
            return false;
        }
        return true;
    }
}
