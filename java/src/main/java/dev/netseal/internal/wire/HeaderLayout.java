package dev.netseal.internal.wire;

/**
 * Byte offsets of the 68-byte Net v1 header (WIRE.md, "Header"). All multi-byte fields are
 * little-endian.
 */
public final class HeaderLayout {
    public static final int MAGIC = 0;
    public static final int VERSION = 2;
    public static final int FLAGS = 3;
    public static final int PRIORITY = 4;
    public static final int HOP_TTL = 5;
    public static final int HOP_COUNT = 6;
    public static final int FRAG_FLAGS = 7;
    public static final int SUBPROTOCOL_ID = 8;
    public static final int CHANNEL_HASH = 10;
    public static final int NONCE = 12;
    public static final int NONCE_PREFIX = 12;
    public static final int NONCE_COUNTER = 16;
    public static final int SESSION_ID = 24;
    public static final int STREAM_ID = 32;
    public static final int SEQUENCE = 40;
    public static final int ORIGIN_HASH = 48;
    public static final int SUBNET_ID = 56;
    public static final int FRAGMENT_ID = 60;
    public static final int FRAGMENT_OFFSET = 62;
    public static final int PAYLOAD_LEN = 64;
    public static final int EVENT_COUNT = 66;

    private HeaderLayout() {}
}
