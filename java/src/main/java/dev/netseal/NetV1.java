package dev.netseal;

/**
 * The constants of the Net v1 wire format (see {@code WIRE.md}): sizes, limits and flag bits.
 *
 * <p>Every value here is fixed by the format, and a packet that disagrees with them is not a Net v1
 * packet, except {@link #FRAG_MORE}: netseal's own rule for messages split across packets.
 */
public final class NetV1 {
    /** The two magic bytes, read as a little-endian u16 ({@code 45 4E} on the wire). */
    public static final int MAGIC = 0x4E45;
    /** The protocol version this library speaks. */
    public static final int VERSION = 1;
    /** Bytes of the fixed header. */
    public static final int HEADER_SIZE = 68;
    /** Bytes of the Poly1305 tag that follows the ciphertext. */
    public static final int TAG_SIZE = 16;
    /** Bytes of the ChaCha20-Poly1305 IETF nonce. */
    public static final int NONCE_SIZE = 12;
    /** Bytes of the associated data: the header without its nonce, hop_count zeroed. */
    public static final int AAD_SIZE = HEADER_SIZE - NONCE_SIZE;
    /** Bytes of the largest packet, header and tag included. */
    public static final int MAX_PACKET_SIZE = 8192;
    /** Bytes of the largest plaintext (the framed events). */
    public static final int MAX_PAYLOAD_SIZE = MAX_PACKET_SIZE - HEADER_SIZE - TAG_SIZE;
    /**
     * The largest handshake payload: 8108 bytes, the same bound as a sealed payload's. A handshake
     * carries no tag, so 8124 bytes would fit in a packet, but net-mesh refuses any packet whose
     * payload_len is above 8108, handshakes included.
     */
    public static final int MAX_HANDSHAKE_PAYLOAD = MAX_PAYLOAD_SIZE;
    /** Bytes of the length prefix in front of every event. */
    public static final int EVENT_PREFIX_SIZE = 4;
    /** The most events one packet may carry (every one empty). */
    public static final int MAX_EVENTS_PER_PACKET = MAX_PAYLOAD_SIZE / EVENT_PREFIX_SIZE;

    /** Flag: the sender wants delivery acknowledged. */
    public static final int FLAG_RELIABLE = 0x01;
    /** Flag: a negative acknowledgement. */
    public static final int FLAG_NACK = 0x02;
    /** Flag: deliver ahead of ordinary traffic. */
    public static final int FLAG_PRIORITY = 0x04;
    /** Flag: the last packet of its stream. */
    public static final int FLAG_FIN = 0x08;
    /** Flag: a handshake packet, sent in clear. */
    public static final int FLAG_HANDSHAKE = 0x10;
    /** Flag: a heartbeat, an empty sealed packet. */
    public static final int FLAG_HEARTBEAT = 0x20;

    /**
     * frag_flags bit: more packets of the same message follow this one. netseal's rule for a
     * message split across packets, not a value the format fixes (WIRE.md, "Messages split
     * across packets"): every packet of the message keeps its sequence, fragment_id is the
     * packet's index in the message (0, 1, 2, …), fragment_offset the index in the message of the
     * packet's first event, and every packet but the last has this bit. A message in one packet
     * has frag_flags, fragment_id and fragment_offset zero.
     */
    public static final int FRAG_MORE = 0x01;

    private NetV1() {}
}
