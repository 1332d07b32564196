package dev.netseal.netty;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import dev.netseal.NetV1;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketException.Reason;
import dev.netseal.PacketReceiver;
import dev.netseal.SealingSession;
import dev.netseal.SessionTable;
import dev.netseal.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.EncoderException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Each handler alone, in an EmbeddedChannel; every buffer accounted for. */
@ExtendWith(LeakWatch.class)
class NetsealCodecTest {
    static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40_001);
    static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 40_002);
    static final long SESSION = 0x4E77_0000_0000_0001L;

    static {
        LeakWatch.install();
    }


    static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void encoderSealsIntoOneDirectDatagramAndReleasesTheEvents() {
        byte[] k = key(1);
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession pool = builders.newSession(k, SESSION);
             PacketReceiver r = PacketReceiver.create(k, SESSION)) {
            EmbeddedChannel ch = new EmbeddedChannel(new NetsealDatagramEncoder(builders));
            ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes("alpha".getBytes(StandardCharsets.US_ASCII));
            ByteBuf b = text("beta");
            assertTrue(ch.writeOutbound(OutboundEvents.of(PEER, pool, 7, 42, NetV1.FLAG_RELIABLE, a, b)));
            assertEquals(0, a.refCnt(), "the encoder releases the events it sealed");
            assertEquals(0, b.refCnt());
            DatagramPacket d = ch.readOutbound();
            try {
                assertEquals(PEER, d.recipient());
                assertTrue(d.content().isDirect());
                OpenedPacket p = new OpenedPacket();
                assertTrue(r.tryOpen(d.content().nioBuffer(), p), p.refusalDetail());
                assertEquals(42, p.sequence());
                assertEquals(7, p.streamId());
                assertEquals("alpha", new String(p.events().get(0), StandardCharsets.US_ASCII));
                assertEquals("beta", new String(p.events().get(1), StandardCharsets.US_ASCII));
            } finally {
                d.release();
            }
            assertFalse(ch.finish());
        }
    }

    @Test
    void eventsThatDoNotFitAreNeverSentTruncated() {
        byte[] k = key(2);
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession pool = builders.newSession(k, SESSION)) {
            EmbeddedChannel ch = new EmbeddedChannel(new NetsealDatagramEncoder(builders));
            ByteBuf big = Unpooled.buffer().writeZero(5000);
            ByteBuf big2 = Unpooled.buffer().writeZero(5000);
            EncoderException e = assertThrows(EncoderException.class,
                    () -> ch.writeOutbound(OutboundEvents.of(PEER, pool, 1, 1, 0, big, big2)));
            assertTrue(e.getMessage().contains("splitting("), e.getMessage());
            assertEquals(0, big.refCnt(), "refused events are released too");
            ByteBuf huge = Unpooled.buffer().writeZero(NetsealDatagramEncoder.MAX_EVENT_SIZE + 1);
            assertThrows(EncoderException.class, () -> ch.writeOutbound(OutboundEvents.of(PEER, pool, 1, 1, 0, huge)));
            assertEquals(0, huge.refCnt());
            assertNull(ch.readOutbound());
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void splittingEncoderNeverLosesNorReordersAnEvent() throws Exception {
        byte[] k = key(3);
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession pool = builders.newSession(k, SESSION);
             PacketReceiver r = PacketReceiver.create(k, SESSION)) {
            EmbeddedChannel ch = new EmbeddedChannel(NetsealDatagramEncoder.splitting(builders));
            List<ByteBuf> events = new ArrayList<>();
            for (int i = 0; i < 3000; i++) { // more events than one packet holds, and more bytes
                events.add(text("event-" + i));
            }
            events.add(Unpooled.buffer().writeZero(NetsealDatagramEncoder.MAX_EVENT_SIZE));
            ch.writeOutbound(OutboundEvents.of(PEER, pool, 3, 100, 0, events.toArray(new ByteBuf[0])));
            List<String> got = new ArrayList<>();
            int packets = 0;
            boolean last = false;
            for (DatagramPacket d; (d = ch.readOutbound()) != null; packets++) {
                try {
                    assertFalse(last, "a packet after the one without FRAG_MORE");
                    dev.netseal.OpenedPacket p = r.open(d.content().nioBuffer());
                    assertEquals(100, p.sequence(), "every packet keeps the message's sequence");
                    assertEquals(packets, p.fragmentId(), "fragment_id: the packet's index in the message");
                    assertEquals(got.size(), p.fragmentOffset(), "fragment_offset: the index of its first event");
                    last = (p.fragFlags() & NetV1.FRAG_MORE) == 0;
                    for (byte[] e : p.events()) {
                        got.add(e.length > 100 ? "big" : new String(e, StandardCharsets.US_ASCII));
                    }
                } finally {
                    d.release();
                }
            }
            assertTrue(last, "the last packet has no FRAG_MORE");
            assertTrue(packets >= 3, "split into several packets: " + packets);
            assertEquals(3001, got.size());
            for (int i = 0; i < 3000; i++) {
                assertEquals("event-" + i, got.get(i));
            }
            assertEquals("big", got.get(3000));
            assertFalse(ch.finish());
        }
    }

    /**
     * Issue 22, item 9: message 10, split into 3 packets, then message 11. The split packets must
     * not use sequence numbers the caller never gave (before the fix they went out as 10, 11, 12,
     * so sequence 11 was on the wire twice, once for each message).
     */
    @Test
    void splitMessageNeverTakesTheNextMessagesSequence() throws Exception {
        byte[] k = key(8);
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession pool = builders.newSession(k, SESSION);
             PacketReceiver r = PacketReceiver.create(k, SESSION)) {
            EmbeddedChannel ch = new EmbeddedChannel(NetsealDatagramEncoder.splitting(builders));
            ByteBuf[] three = new ByteBuf[3]; // each as large as an event can be: one packet each
            for (int i = 0; i < 3; i++) {
                three[i] = Unpooled.buffer().writeZero(NetsealDatagramEncoder.MAX_EVENT_SIZE);
                three[i].setByte(0, i);
            }
            ch.writeOutbound(OutboundEvents.of(PEER, pool, 5, 10, 0, three));
            ch.writeOutbound(OutboundEvents.of(PEER, pool, 5, 11, 0, text("next message")));
            List<Long> sequences = new ArrayList<>();
            List<int[]> fragments = new ArrayList<>(); // {frag_flags, fragment_id, fragment_offset}
            List<String> firstEvents = new ArrayList<>();
            for (DatagramPacket d; (d = ch.readOutbound()) != null; ) {
                try {
                    OpenedPacket p = r.open(d.content().nioBuffer());
                    sequences.add(p.sequence());
                    fragments.add(new int[] {p.fragFlags(), p.fragmentId(), p.fragmentOffset()});
                    byte[] e = p.events().get(0);
                    firstEvents.add(e.length > 100 ? "big " + e[0] : new String(e, StandardCharsets.US_ASCII));
                } finally {
                    d.release();
                }
            }
            assertEquals(List.of(10L, 10L, 10L, 11L), sequences,
                    "each packet on the wire carries its message's sequence, and no sequence is used by two messages");
            assertEquals(List.of("big 0", "big 1", "big 2", "next message"), firstEvents);
            // netseal's rule (WIRE.md): fragment_id = the packet's index in its message,
            // fragment_offset = the message index of the packet's first event, frag_flags MORE on
            // every packet but the last; a message in one packet has all three zero.
            int more = NetV1.FRAG_MORE;
            assertArrayEquals(new int[] {more, 0, 0}, fragments.get(0));
            assertArrayEquals(new int[] {more, 1, 1}, fragments.get(1));
            assertArrayEquals(new int[] {0, 2, 2}, fragments.get(2));
            assertArrayEquals(new int[] {0, 0, 0}, fragments.get(3));
            assertFalse(ch.finish());
        }
    }

    /**
     * The receiving side of a split message: through the decoder, every packet arrives as an
     * OpenedDatagram with the message's sequence and distinct fragment fields, in order; delivered
     * in reverse, the fragment fields alone put the events back in order and say when the message
     * is complete.
     */
    @Test
    void decodedSplitMessageNeverLacksWhatReassemblyNeeds() {
        byte[] k = key(9);
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession toPeer = builders.newSession(k, SESSION);
             SessionTable table = SessionTable.create()) {
            table.add(k, SESSION);
            EmbeddedChannel out = new EmbeddedChannel(NetsealDatagramEncoder.splitting(builders));
            EmbeddedChannel in = new EmbeddedChannel(new NetsealDatagramDecoder(table));
            List<ByteBuf> events = new ArrayList<>();
            for (int i = 0; i < 5000; i++) { // 5000 small events: several packets
                events.add(text("e" + i));
            }
            out.writeOutbound(OutboundEvents.of(PEER, toPeer, 9, 77, NetV1.FLAG_RELIABLE, events.toArray(new ByteBuf[0])));
            List<DatagramPacket> sent = new ArrayList<>();
            for (DatagramPacket d; (d = out.readOutbound()) != null; ) {
                sent.add(d);
            }
            int packets = sent.size();
            assertTrue(packets >= 3, "split into several packets: " + packets);
            java.util.Collections.reverse(sent); // arrive last first
            for (DatagramPacket d : sent) {
                in.writeInbound(new DatagramPacket(d.content(), LOCAL, PEER));
            }
            String[] message = new String[5000];
            int[] offsets = new int[packets];
            int[] counts = new int[packets];
            java.util.BitSet fragmentsSeen = new java.util.BitSet();
            int lastFragment = -1;
            int arrived = 0;
            for (OpenedDatagram o; (o = in.readInbound()) != null; arrived++) {
                try {
                    assertEquals(77, o.sequence(), "every packet of the message carries its sequence");
                    assertEquals(9, o.streamId());
                    assertEquals(NetV1.FLAG_RELIABLE, o.flags());
                    int id = o.fragmentId();
                    assertEquals(packets - 1 - arrived, id, "fragment_id: the packet's index (they arrive reversed)");
                    assertFalse(fragmentsSeen.get(id), "fragment_id " + id + " twice");
                    fragmentsSeen.set(id);
                    assertEquals(id < packets - 1, o.moreFragments(), "FRAG_MORE on every packet but the last");
                    assertEquals(id < packets - 1 ? NetV1.FRAG_MORE : 0, o.fragFlags());
                    if (!o.moreFragments()) {
                        lastFragment = id;
                    }
                    offsets[id] = o.fragmentOffset();
                    counts[id] = o.eventCount();
                    for (int i = 0; i < o.eventCount(); i++) { // placed by fragment_offset alone
                        assertNull(message[o.fragmentOffset() + i], "two packets claim event " + (o.fragmentOffset() + i));
                        message[o.fragmentOffset() + i] = o.event(i).toString(StandardCharsets.US_ASCII);
                    }
                } finally {
                    o.release();
                }
            }
            assertEquals(packets, arrived);
            assertEquals(packets - 1, lastFragment);
            assertEquals(lastFragment + 1, fragmentsSeen.cardinality(), "complete: fragments 0..last all here");
            assertEquals(0, offsets[0]);
            for (int id = 1; id < packets; id++) {
                assertEquals(offsets[id - 1] + counts[id - 1], offsets[id],
                        "fragment_offset: the index of the packet's first event in the message");
            }
            for (int i = 0; i < 5000; i++) {
                assertEquals("e" + i, message[i]);
            }
            // the next message, in one packet: sequence 78, fragment fields zero
            out.writeOutbound(OutboundEvents.of(PEER, toPeer, 9, 78, 0, text("alone")));
            DatagramPacket d = out.readOutbound();
            in.writeInbound(new DatagramPacket(d.content(), LOCAL, PEER));
            OpenedDatagram o = in.readInbound();
            try {
                assertEquals(78, o.sequence());
                assertEquals(0, o.fragmentId());
                assertEquals(0, o.fragmentOffset());
                assertEquals(0, o.fragFlags());
                assertFalse(o.moreFragments());
            } finally {
                o.release();
            }
            assertFalse(out.finish());
            assertFalse(in.finish());
        }
    }

    @Test
    void splitMessageTooLongForFragmentOffsetIsNeverSentInPart() {
        byte[] k = key(10);
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession toPeer = builders.newSession(k, SESSION)) {
            EmbeddedChannel ch = new EmbeddedChannel(NetsealDatagramEncoder.splitting(builders));
            ByteBuf[] tooMany = new ByteBuf[NetsealDatagramEncoder.MAX_SPLIT_EVENTS + 1];
            for (int i = 0; i < tooMany.length; i++) {
                tooMany[i] = Unpooled.buffer(1).writeByte(i);
            }
            EncoderException e = assertThrows(EncoderException.class,
                    () -> ch.writeOutbound(OutboundEvents.of(PEER, toPeer, 1, 1, 0, tooMany)));
            assertTrue(e.getMessage().contains("at most 65536"), e.getMessage());
            assertNull(ch.readOutbound(), "no packet of a refused message goes out");
            assertEquals(0, tooMany[0].refCnt(), "refused events are released");
            // the most a message may carry: fragment_offset reaches its limit and fits
            ByteBuf[] most = new ByteBuf[NetsealDatagramEncoder.MAX_SPLIT_EVENTS];
            for (int i = 0; i < most.length; i++) {
                most[i] = Unpooled.buffer(1).writeByte(i);
            }
            ch.writeOutbound(OutboundEvents.of(PEER, toPeer, 1, 2, 0, most));
            int packets = 0;
            for (DatagramPacket d; (d = ch.readOutbound()) != null; packets++) {
                d.release();
            }
            int perPacket = NetV1.MAX_PAYLOAD_SIZE / (NetV1.EVENT_PREFIX_SIZE + 1); // 1621 one-byte events
            assertEquals((most.length + perPacket - 1) / perPacket, packets);
            assertFalse(ch.finish());
        }
    }

    @Test
    void decoderOpensInPlaceAndPassesSlicesOfTheDatagram() {
        byte[] k = key(4);
        try (ThreadLocalPool pool = ThreadLocalPool.create(4, k, SESSION);
             SessionTable table = SessionTable.create()) {
            table.add(k, SESSION);
            NetsealDatagramDecoder decoder = new NetsealDatagramDecoder(table);
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            for (boolean direct : new boolean[] {true, false}) {
                byte[] sealed = sealOne(pool, "hello " + direct, "world");
                ByteBuf content = direct ? PooledByteBufAllocator.DEFAULT.directBuffer() : Unpooled.buffer();
                content.writeBytes(sealed);
                assertTrue(ch.writeInbound(new DatagramPacket(content, LOCAL, PEER)));
                OpenedDatagram o = ch.readInbound();
                try {
                    assertEquals(PEER, o.sender());
                    assertEquals(SESSION, o.sessionId());
                    assertEquals(2, o.eventCount());
                    assertEquals("hello " + direct, o.event(0).toString(StandardCharsets.US_ASCII));
                    assertEquals("world", o.event(1).toString(StandardCharsets.US_ASCII));
                    // zero copy: the events are in the datagram's own memory
                    assertTrue(sameMemory(content, o.event(0)), "event 0 is not in the datagram's buffer");
                    assertTrue(sameMemory(content, o.event(1)), "event 1 is not in the datagram's buffer");
                } finally {
                    o.release();
                }
                assertEquals(0, content.refCnt(), "releasing the message releases the datagram");
            }
            assertEquals(0, decoder.refusals().total());
            assertFalse(ch.finish());
        }
    }

    static boolean sameMemory(ByteBuf datagram, ByteBuf event) {
        if (datagram.hasArray()) {
            return event.hasArray() && event.array() == datagram.array();
        }
        if (datagram.hasMemoryAddress() && event.hasMemoryAddress()) {
            long at = event.memoryAddress();
            return at >= datagram.memoryAddress() && at < datagram.memoryAddress() + datagram.capacity();
        }
        throw new AssertionError("cannot tell where a " + datagram.getClass() + " lives");
    }

    @Test
    void refusedDatagramsAreCountedNeverDelivered() {
        byte[] k = key(5);
        try (ThreadLocalPool pool = ThreadLocalPool.create(4, k, SESSION);
             SessionTable table = SessionTable.create()) {
            table.add(k, SESSION);
            RefusalCounters counters = new RefusalCounters();
            EmbeddedChannel ch = new EmbeddedChannel(new NetsealDatagramDecoder(table, counters));
            byte[] good = sealOne(pool, "x");
            List<ByteBuf> sent = new ArrayList<>();
            byte[] forged = good.clone();
            forged[forged.length - 1] ^= 1;
            byte[] otherSession = sealWith(key(6), SESSION + 1);
            byte[][] bad = {forged, java.util.Arrays.copyOf(good, 50), otherSession, good, good};
            for (byte[] packet : bad) {
                ByteBuf c = Unpooled.wrappedBuffer(packet.clone());
                sent.add(c);
                ch.writeInbound(new DatagramPacket(c, LOCAL, PEER));
            }
            OpenedDatagram first = ch.readInbound(); // the first copy of good opens
            first.release();
            assertNull(ch.readInbound(), "a refused datagram reached the next handler");
            assertEquals(1, counters.get(Reason.AUTH_FAILED));
            assertEquals(1, counters.get(Reason.TRUNCATED));
            assertEquals(1, counters.get(Reason.WRONG_SESSION));
            assertEquals(1, counters.get(Reason.REPLAYED));
            assertEquals(4, counters.total());
            for (ByteBuf c : sent) {
                assertEquals(0, c.refCnt(), "every datagram released");
            }
            assertFalse(ch.finish());
        }
    }

    @Test
    void handshakesPassThroughForTheApplication() {
        try (SessionTable table = SessionTable.create()) {
            RefusalCounters counters = new RefusalCounters();
            EmbeddedChannel ch = new EmbeddedChannel(new NetsealDatagramDecoder(table, counters));
            byte[] hs = InsecureExplicitNonceCodec.handshake("noise-ik-msg-1".getBytes(StandardCharsets.US_ASCII));
            ch.writeInbound(new DatagramPacket(PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(hs), LOCAL, PEER));
            HandshakeDatagram h = ch.readInbound();
            try {
                assertEquals(PEER, h.sender());
                assertEquals("noise-ik-msg-1", h.content().toString(StandardCharsets.US_ASCII));
            } finally {
                h.release();
            }
            byte[] badHs = hs.clone();
            badHs[24] = 1; // a session id in a handshake
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(badHs), LOCAL, PEER));
            assertNull(ch.readInbound());
            assertEquals(1, counters.get(Reason.BAD_HANDSHAKE));
            assertFalse(ch.finish());
        }
    }

    @Test
    void readOnlyOrCompositeDatagramIsCopiedOnceAndStillOpens() {
        byte[] k = key(7);
        try (ThreadLocalPool pool = ThreadLocalPool.create(4, k, SESSION);
             SessionTable table = SessionTable.create()) {
            table.add(k, SESSION);
            EmbeddedChannel ch = new EmbeddedChannel(new NetsealDatagramDecoder(table));
            byte[] one = sealOne(pool, "read-only");
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(one).asReadOnly(), LOCAL, PEER));
            byte[] two = sealOne(pool, "composite");
            ByteBuf composite = Unpooled.wrappedBuffer(Unpooled.wrappedBuffer(two, 0, 40),
                    Unpooled.wrappedBuffer(two, 40, two.length - 40));
            ch.writeInbound(new DatagramPacket(composite, LOCAL, PEER));
            for (String expected : new String[] {"read-only", "composite"}) {
                OpenedDatagram o = ch.readInbound();
                try {
                    assertEquals(expected, o.event(0).toString(StandardCharsets.US_ASCII));
                } finally {
                    o.release();
                }
            }
            assertFalse(ch.finish());
        }
    }

    static byte[] sealOne(ThreadLocalPool pool, String... events) {
        try (dev.netseal.PacketBuilder b = pool.get()) {
            b.begin(1, 1, 0);
            for (String e : events) {
                b.event(e.getBytes(StandardCharsets.US_ASCII));
            }
            ByteBuffer v = b.seal();
            byte[] out = new byte[v.remaining()];
            v.get(out);
            return out;
        }
    }

    static byte[] sealWith(byte[] key, long session) {
        return InsecureExplicitNonceCodec.create().sealData(key, session, 1, 1, 1, 0, 0, 0, 0,
                List.of(new byte[] {1}));
    }
}
