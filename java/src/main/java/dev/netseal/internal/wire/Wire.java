package dev.netseal.internal.wire;

import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static dev.netseal.NetV1.MAGIC;
import static dev.netseal.NetV1.VERSION;

import java.nio.ByteBuffer;

/**
 * Writes and reads the parts of a Net v1 packet that both the sealing and the opening side need:
 * the header's fixed fields, the nonce, and the 56-byte associated data.
 *
 * <p>Buffers this library writes are little-endian; packets it reads may come in buffers of
 * either order. Offsets are absolute and never move the buffer's position.
 */
public final class Wire {
    private Wire() {}

    /** The 4-byte nonce prefix of a session: low 32 bits of the id XOR its high 32 bits. */
    public static int noncePrefix(long sessionId) {
        return (int) sessionId ^ (int) (sessionId >>> 32);
    }

    /**
     * Writes every header field but the nonce, payload_len and event_count (which are known only
     * at seal time) at {@code base}, little-endian whatever the buffer's order. priority, hop_ttl,
     * hop_count, frag_flags, subnet_id, fragment_id and fragment_offset are zero: this library does
     * not route, and a packet of a split message sets its fragment fields afterwards
     * ({@link #writeFragment}).
     *
     * <p>Where the nonce goes (bytes 12..24) it writes the first 12 bytes of the associated data:
     * the header's bytes 0..12 with hop_count zeroed, which, hop_count being zero here, are the
     * same 12 bytes. Bytes {@code 12..68} are then exactly the 56 bytes {@link #writeAad} would
     * assemble elsewhere, built with two more stores and no reads: the AAD a sealer passes at
     * {@link #AAD_IN_PLACE}. The sealer writes the nonce over them once the AEAD has read them (the
     * tag covers the AAD's bytes, not where they were).
     */
    public static void writeHeaderStart(ByteBuffer b, int base, int flags, int subprotocolId,
                                        int channelHash, long sessionId, long streamId,
                                        long sequence, long originHash) {
        // magic, version, flags; then priority, hop_ttl, hop_count, frag_flags (zero)
        long first = (MAGIC & 0xFFFFL) | (VERSION & 0xFFL) << 16 | (flags & 0xFFL) << 24;
        int second = (subprotocolId & 0xFFFF) | (channelHash & 0xFFFF) << 16;
        putI64(b, base, first);
        putI32(b, base + HeaderLayout.SUBPROTOCOL_ID, second);
        putI64(b, base + AAD_IN_PLACE, first);
        putI32(b, base + AAD_IN_PLACE + 8, second);
        putI64(b, base + HeaderLayout.SESSION_ID, sessionId);
        putI64(b, base + HeaderLayout.STREAM_ID, streamId);
        putI64(b, base + HeaderLayout.SEQUENCE, sequence);
        putI64(b, base + HeaderLayout.ORIGIN_HASH, originHash);
        putI64(b, base + HeaderLayout.SUBNET_ID, 0L); // subnet_id, fragment_id, fragment_offset
    }

    /**
     * Writes frag_flags (u8), fragment_id and fragment_offset (u16 each) into a header that
     * {@link #writeHeaderStart} wrote at {@code base}, and frag_flags into its copy of the
     * associated data there too (byte {@link #AAD_IN_PLACE} + 7), so the AAD in place stays the
     * header's. The caller has checked the values' ranges.
     */
    public static void writeFragment(ByteBuffer b, int base, int fragFlags, int fragmentId, int fragmentOffset) {
        b.put(base + HeaderLayout.FRAG_FLAGS, (byte) fragFlags);
        b.put(base + AAD_IN_PLACE + HeaderLayout.FRAG_FLAGS, (byte) fragFlags);
        putI32(b, base + HeaderLayout.FRAGMENT_ID, (fragmentId & 0xFFFF) | (fragmentOffset & 0xFFFF) << 16);
    }

    /** Writes payload_len and event_count (u16 each, truncated) with one store. */
    public static void writeLengths(ByteBuffer b, int base, int payloadLen, int eventCount) {
        putI32(b, base + HeaderLayout.PAYLOAD_LEN, (payloadLen & 0xFFFF) | (eventCount & 0xFFFF) << 16);
    }

    /**
     * Writes a whole handshake packet at {@code base}: the header (flags HANDSHAKE, session id and
     * nonce zero, payload_len the payload's length) and the payload in clear. The caller has
     * checked the payload with {@link Limits#checkHandshakePayload}.
     */
    public static void writeHandshake(ByteBuffer b, int base, byte[] payload) {
        writeHeaderStart(b, base, dev.netseal.NetV1.FLAG_HANDSHAKE, 0, 0, 0L, 0L, 0L, 0L);
        writeNonce(b, base, 0, 0L);
        writeLengths(b, base, payload.length, 0);
        b.put(base + HEADER_SIZE, payload);
    }

    /** A new handshake packet: the header, then {@code payload} in clear (checked to fit). */
    public static byte[] handshakePacket(byte[] payload) {
        Limits.checkHandshakePayload(payload.length);
        ByteBuffer buf = ByteBuffer.allocate(HEADER_SIZE + payload.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        writeHandshake(buf, 0, payload);
        return buf.array();
    }

    /** Writes session_id (little-endian, whatever the buffer's order) into the header at {@code base}. */
    public static void writeSessionId(ByteBuffer b, int base, long sessionId) {
        putI64(b, base + HeaderLayout.SESSION_ID, sessionId);
    }

    /** Writes one event's 4-byte length prefix (little-endian, whatever the buffer's order). */
    public static void writeEventLength(ByteBuffer b, int index, int length) {
        putI32(b, index, length);
    }

    /** Writes the 12-byte nonce: prefix, then the counter, both little-endian. */
    public static void writeNonce(ByteBuffer b, int base, int prefix, long counter) {
        putI32(b, base + HeaderLayout.NONCE_PREFIX, prefix);
        putI64(b, base + HeaderLayout.NONCE_COUNTER, counter);
    }

    /**
     * Copies the associated data of the header at {@code headerBase} to {@code aadBase}: the
     * header without bytes 12..24 (the nonce), with hop_count (byte 6) zeroed, because forwarders
     * change it in transit.
     */
    public static void writeAad(ByteBuffer b, int headerBase, ByteBuffer aad, int aadBase) {
        // Read through the order-aware helpers: a caller's packet buffer may be big-endian.
        aad.putLong(aadBase, i64(b, headerBase) & ~(0xFFL << (8 * HeaderLayout.HOP_COUNT)));
        aad.putInt(aadBase + 8, i32(b, headerBase + 8));
        // the 44 bytes after the nonce: header bytes 24..68
        for (int i = 0; i < 40; i += 8) {
            aad.putLong(aadBase + 12 + i, i64(b, headerBase + HeaderLayout.SESSION_ID + i));
        }
        aad.putInt(aadBase + 52, i32(b, headerBase + HeaderLayout.SESSION_ID + 40));
    }

    /**
     * Offset, from a header's base, of its associated data once {@link #writeHeaderStart} has
     * written it: header bytes 12..68 (until the nonce is written over the first 12).
     */
    public static final int AAD_IN_PLACE = HeaderLayout.NONCE;

    /** A little-endian u16 at {@code index}, whatever the buffer's byte order. */
    public static int u16(ByteBuffer b, int index) {
        short v = b.getShort(index);
        return (b.order() == java.nio.ByteOrder.LITTLE_ENDIAN ? v : Short.reverseBytes(v)) & 0xFFFF;
    }

    /** A little-endian 32-bit value at {@code index}, whatever the buffer's byte order. */
    public static int i32(ByteBuffer b, int index) {
        int v = b.getInt(index);
        return b.order() == java.nio.ByteOrder.LITTLE_ENDIAN ? v : Integer.reverseBytes(v);
    }

    /** A little-endian 64-bit value at {@code index}, whatever the buffer's byte order. */
    public static long i64(ByteBuffer b, int index) {
        long v = b.getLong(index);
        return b.order() == java.nio.ByteOrder.LITTLE_ENDIAN ? v : Long.reverseBytes(v);
    }

    /** Stores a little-endian 32-bit value at {@code index}, whatever the buffer's byte order. */
    private static void putI32(ByteBuffer b, int index, int v) {
        b.putInt(index, b.order() == java.nio.ByteOrder.LITTLE_ENDIAN ? v : Integer.reverseBytes(v));
    }

    /** Stores a little-endian 64-bit value at {@code index}, whatever the buffer's byte order. */
    private static void putI64(ByteBuffer b, int index, long v) {
        b.putLong(index, b.order() == java.nio.ByteOrder.LITTLE_ENDIAN ? v : Long.reverseBytes(v));
    }

    /** The total length of a sealed packet carrying {@code payloadLen} plaintext bytes. */
    public static int sealedLength(int payloadLen) {
        return HEADER_SIZE + payloadLen + dev.netseal.NetV1.TAG_SIZE;
    }

    static {
        if (AAD_SIZE != 56) {
            throw new AssertionError("AAD layout assumes 56 bytes");
        }
    }
}
