package dev.netseal;

import static dev.netseal.TestKeys.key;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import dev.netseal.internal.wire.HeaderLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Handshakes are read back exactly, and no malformed one is ever read. */
class HandshakeReaderTest {

    @Test
    void noPayloadSizeIsEverReadBackWrong() throws PacketException {
        Random rnd = new Random(TestSeeds.seed());
        for (int size = 0; size <= HandshakeReader.MAX_PAYLOAD; size++) {
            byte[] payload = new byte[size];
            rnd.nextBytes(payload);
            byte[] packet = InsecureExplicitNonceCodec.handshake(payload);
            assertTrue(HandshakeReader.isHandshake(ByteBuffer.wrap(packet)));
            assertArrayEquals(payload, HandshakeReader.payload(packet), "size " + size);
        }
        assertEquals(8108, HandshakeReader.MAX_PAYLOAD);
        assertThrows(IllegalArgumentException.class,
                () -> InsecureExplicitNonceCodec.handshake(new byte[HandshakeReader.MAX_PAYLOAD + 1]));
    }

    @Test
    void payloadViewNeverMovesTheCallersBufferNorReadsOutsideThePacket() throws PacketException {
        byte[] packet = InsecureExplicitNonceCodec.handshake(new byte[] {9, 8, 7});
        ByteBuffer buf = ByteBuffer.allocateDirect(packet.length + 20);
        buf.position(10);
        buf.put(packet);
        buf.put(new byte[10]);
        buf.position(10).limit(10 + packet.length);
        ByteBuffer payload = HandshakeReader.payload(buf);
        assertEquals(10, buf.position());
        assertEquals(10 + packet.length, buf.limit());
        assertEquals(3, payload.remaining());
        assertTrue(payload.isReadOnly());
        assertEquals(9, payload.get(0));
    }

    @Test
    void malformedHandshakeIsNeverRead() {
        byte[] good = InsecureExplicitNonceCodec.handshake(new byte[] {1, 2, 3, 4});
        assertEquals(Reason.TRUNCATED, refusal(new byte[0]));
        assertEquals(Reason.TRUNCATED, refusal(Arrays.copyOf(good, 67)));
        assertEquals(Reason.TRUNCATED, refusal(Arrays.copyOf(good, good.length - 1)));
        assertEquals(Reason.BAD_LENGTH, refusal(Arrays.copyOf(good, good.length + 1)));
        assertEquals("BAD_LENGTH: " + (good.length + 1) + " bytes, the header announces " + good.length,
                assertThrows(PacketException.class, () -> HandshakeReader.payload(Arrays.copyOf(good, good.length + 1)))
                        .getMessage(), "the refusal's numbers");
        assertEquals(Reason.BAD_MAGIC, refusal(with(good, 0, 0x46)));
        assertEquals(Reason.BAD_VERSION, refusal(with(good, HeaderLayout.VERSION, 2)));
        assertEquals(Reason.NOT_HANDSHAKE, refusal(with(good, HeaderLayout.FLAGS, 0)));
        assertEquals(Reason.NOT_HANDSHAKE, refusal(with(good, HeaderLayout.FLAGS, NetV1.FLAG_HEARTBEAT)));
        assertEquals(Reason.BAD_HANDSHAKE, refusal(with(good, HeaderLayout.FLAGS,
                NetV1.FLAG_HANDSHAKE | NetV1.FLAG_RELIABLE)));
        for (int i = 0; i < 8; i++) {
            assertEquals(Reason.BAD_HANDSHAKE, refusal(with(good, HeaderLayout.SESSION_ID + i, 1)), "session byte " + i);
        }
        for (int i = 0; i < 12; i++) {
            assertEquals(Reason.BAD_HANDSHAKE, refusal(with(good, HeaderLayout.NONCE + i, 0x80)), "nonce byte " + i);
        }
        byte[] huge = with(with(good, HeaderLayout.PAYLOAD_LEN, 0xFF), HeaderLayout.PAYLOAD_LEN + 1, 0xFF);
        assertEquals(Reason.BAD_LENGTH, refusal(huge));
        byte[] justAbove = with(with(good, HeaderLayout.PAYLOAD_LEN, (HandshakeReader.MAX_PAYLOAD + 1) & 0xFF),
                HeaderLayout.PAYLOAD_LEN + 1, (HandshakeReader.MAX_PAYLOAD + 1) >>> 8);
        assertEquals(Reason.BAD_LENGTH, refusal(justAbove));
        assertFalse(HandshakeReader.isHandshake(ByteBuffer.wrap(Arrays.copyOf(good, 60))));
    }

    @Test
    void receiverRefusalOfAHandshakeAlwaysPointsToTheReader() {
        byte[] handshake = InsecureExplicitNonceCodec.handshake(new byte[] {1});
        try (PacketReceiver r = PacketReceiver.create(new byte[32], 1)) {
            OpenedPacket out = new OpenedPacket();
            assertFalse(r.tryOpen(ByteBuffer.wrap(handshake), out));
            assertEquals(Reason.NOT_SEALED, out.refusal());
            assertTrue(out.refusalDetail().contains("HandshakeReader"), out.refusalDetail());
        }
    }

    /** The reason payload() refuses {@code packet} with, which refusal() must give too. */
    static Reason refusal(byte[] packet) {
        PacketException e = assertThrows(PacketException.class, () -> HandshakeReader.payload(packet));
        assertTrue(e.getMessage().startsWith(e.reason().name() + ": "), e.getMessage());
        assertEquals(e.reason(), HandshakeReader.refusal(java.nio.ByteBuffer.wrap(packet)), "the allocation-free form");
        return e.reason();
    }

    static byte[] with(byte[] packet, int index, int value) {
        byte[] p = packet.clone();
        p[index] = (byte) value;
        return p;
    }

    /**
     * A sealed data packet, or any packet with every flag but HANDSHAKE set, is never taken for a
     * handshake; the public codec ({@code create()}, on the active backend) opens its own packets.
     */
    @Test
    void sealedPacketIsNeverTakenForAHandshake() throws PacketException {
        InsecureExplicitNonceCodec codec = InsecureExplicitNonceCodec.create();
        byte[] key = key();
        byte[] sealed = codec.sealData(key, 77, 1, 2, 3, NetV1.FLAG_RELIABLE, 4, 5, 0,
                java.util.List.of(new byte[] {1, 2, 3}));
        assertFalse(HandshakeReader.isHandshake(ByteBuffer.wrap(sealed)), "a sealed packet read as a handshake");
        assertEquals(3, codec.open(key, 77, sealed).eventLength(0), "the public codec did not open its own packet");
        byte[] handshake = InsecureExplicitNonceCodec.handshake(new byte[] {9});
        handshake[HeaderLayout.FLAGS] = (byte) (0xFF & ~NetV1.FLAG_HANDSHAKE);
        assertFalse(HandshakeReader.isHandshake(ByteBuffer.wrap(handshake)));
        assertEquals(Reason.NOT_HANDSHAKE, PacketReceiverTest.handshakeRefusal(handshake));
    }
}
