package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The public header view reads every field at the offset docs/WIRE.md gives it, unsigned and
 * little-endian, from wherever the buffer's position is, without moving it; and agrees with what
 * a builder wrote.
 */
class PacketHeaderTest {

    /** Every byte has its top bit set, so a field read signed, or at a neighbour's offset, shows. */
    @Test
    void everyFieldIsReadAtItsOffsetUnsignedAndLittleEndian() {
        byte[] raw = new byte[NetV1.HEADER_SIZE + 5];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (0x80 + i);
        }
        ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        PacketHeader h = PacketHeader.read(raw);
        // offsets from docs/WIRE.md, "Header"
        assertEquals(le.getShort(0) & 0xFFFF, h.magic());
        assertEquals(raw[2] & 0xFF, h.version());
        assertEquals(raw[3] & 0xFF, h.flags());
        assertEquals(raw[4] & 0xFF, h.priority());
        assertEquals(raw[5] & 0xFF, h.hopTtl());
        assertEquals(raw[6] & 0xFF, h.hopCount());
        assertEquals(raw[7] & 0xFF, h.fragFlags());
        assertEquals(le.getShort(8) & 0xFFFF, h.subprotocolId());
        assertEquals(le.getShort(10) & 0xFFFF, h.channelHash());
        assertEquals(le.getInt(12), h.noncePrefix());
        assertEquals(le.getLong(16), h.nonceCounter());
        assertEquals(le.getLong(24), h.sessionId());
        assertEquals(le.getLong(32), h.streamId());
        assertEquals(le.getLong(40), h.sequence());
        assertEquals(le.getLong(48), h.originHash());
        assertEquals(le.getInt(56) & 0xFFFFFFFFL, h.subnetId());
        assertTrue(h.subnetId() > 0, "u32 read as a positive long");
        assertEquals(le.getShort(60) & 0xFFFF, h.fragmentId());
        assertEquals(le.getShort(62) & 0xFFFF, h.fragmentOffset());
        assertEquals(le.getShort(64) & 0xFFFF, h.payloadLength());
        assertEquals(le.getShort(66) & 0xFFFF, h.eventCount());
        assertArrayEquals(Arrays.copyOfRange(raw, 12, 24), h.nonce());

        ByteBuffer at = ByteBuffer.wrap(new byte[3 + raw.length]);
        at.position(3).put(raw).position(3);
        int limit = at.limit();
        assertEquals(h, PacketHeader.read(at), "read from the buffer's position");
        assertEquals(3, at.position());
        assertEquals(limit, at.limit());

        assertEquals(h, PacketHeader.read(Arrays.copyOf(raw, NetV1.HEADER_SIZE)), "a header alone is enough");
        IllegalArgumentException shortOne = assertThrows(IllegalArgumentException.class,
                () -> PacketHeader.read(Arrays.copyOf(raw, NetV1.HEADER_SIZE - 1)));
        assertEquals("67 bytes, a header is 68", shortOne.getMessage());
        assertThrows(NullPointerException.class, () -> PacketHeader.read((byte[]) null));
    }

    @Test
    void aBuiltPacketsHeaderIsWhatTheBuilderWrote() {
        long sessionId = 0x1122_3344_5566_7788L;
        try (ThreadLocalPool pool = ThreadLocalPool.onBackend(TestBackends.get("java"), 1, TestKeys.key(1), sessionId,
                0x0BAD_CAFEL, 1);
             PacketBuilder b = pool.get()) {
            b.setChannelHash(0xBEEF);
            ByteBuffer packet = b.begin(7, 9, NetV1.FLAG_RELIABLE, 0x1234).fragment(NetV1.FRAG_MORE, 2, 5)
                    .event(new byte[3]).event(new byte[4]).seal();
            PacketHeader h = PacketHeader.read(packet);
            assertEquals(NetV1.MAGIC, h.magic());
            assertEquals(NetV1.VERSION, h.version());
            assertEquals(NetV1.FLAG_RELIABLE, h.flags());
            assertFalse(h.isHandshake());
            assertEquals(0x1234, h.subprotocolId());
            assertEquals(0xBEEF, h.channelHash());
            assertEquals(sessionId, h.sessionId());
            assertEquals(PacketHeader.noncePrefixOf(sessionId), h.noncePrefix());
            assertEquals(0x1122_3344 ^ 0x5566_7788, PacketHeader.noncePrefixOf(sessionId));
            assertEquals(0, h.nonceCounter());
            assertEquals(7, h.streamId());
            assertEquals(9, h.sequence());
            assertEquals(0x0BAD_CAFEL, h.originHash());
            assertEquals(List.of(NetV1.FRAG_MORE, 2, 5), List.of(h.fragFlags(), h.fragmentId(), h.fragmentOffset()));
            assertEquals(2 * NetV1.EVENT_PREFIX_SIZE + 7, h.payloadLength());
            assertEquals(2, h.eventCount());

            PacketHeader hs = PacketHeader.read(b.buildHandshake(new byte[10]));
            assertTrue(hs.isHandshake());
            assertEquals(NetV1.FLAG_HANDSHAKE, hs.flags());
            assertEquals(10, hs.payloadLength());
        }
    }
}
