package dev.netseal.netty;

import static dev.netseal.TestKeys.key;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.NetV1;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketReceiver;
import dev.netseal.SealingSession;
import dev.netseal.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.EncoderException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The batching encoder alone, in an EmbeddedChannel (no GSO there: single datagrams from the
 * batches): what one flush writes goes out per peer, in order, each peer's counters in a row;
 * what cannot be sent fails its promise with what was wrong, before anything of it is sealed;
 * other messages keep their place; nothing is leaked, also when the channel closes with messages
 * held.
 */
@ExtendWith(LeakWatch.class)
class NetsealBatchEncoderTest {
    static final InetSocketAddress PEER_A = new InetSocketAddress("127.0.0.1", 4001);
    static final InetSocketAddress PEER_B = new InetSocketAddress("127.0.0.1", 4002);
    static final long SESSION_A = 0x0BA7_C4E0_0000_0001L;
    static final long SESSION_B = 0x0BA7_C4E0_0000_0002L;

    static {
        LeakWatch.install();
    }


    static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void aFlushGoesOutPerPeerInOrderWithEachPeersCountersInARow() throws Exception {
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession a = builders.newSession(key(1), SESSION_A);
             SealingSession b = builders.newSession(key(2), SESSION_B);
             PacketReceiver ra = PacketReceiver.create(key(1), SESSION_A);
             PacketReceiver rb = PacketReceiver.create(key(2), SESSION_B)) {
            NetsealBatchEncoder encoder = new NetsealBatchEncoder(builders);
            EmbeddedChannel ch = new EmbeddedChannel(encoder);
            assertEquals(NetsealBatchEncoder.Mode.SINGLE, encoder.mode());
            assertTrue(encoder.modeReason().contains("EmbeddedChannel has no UDP segmentation offload"),
                    encoder.modeReason());
            List<ByteBuf> sent = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ByteBuf e = text("a-" + i);
                sent.add(e);
                ch.write(OutboundEvents.of(PEER_A, a, 1, i, 0, e));
                if (i % 3 == 0) {
                    ByteBuf f = text("b-" + i);
                    sent.add(f);
                    ch.write(OutboundEvents.of(PEER_B, b, 2, i, NetV1.FLAG_RELIABLE, f));
                }
            }
            assertNull(ch.readOutbound(), "nothing goes out before the flush");
            ch.flush();
            for (ByteBuf e : sent) {
                assertEquals(0, e.refCnt(), "every event released once sealed");
            }
            List<String> toA = new ArrayList<>();
            List<String> toB = new ArrayList<>();
            long nextA = 0;
            long nextB = 0;
            for (DatagramPacket d; (d = ch.readOutbound()) != null; ) {
                try {
                    boolean isA = d.recipient().equals(PEER_A);
                    OpenedPacket p = (isA ? ra : rb).open(d.content().nioBuffer());
                    assertEquals(isA ? nextA++ : nextB++, p.counter(), "each peer's counters in a row");
                    (isA ? toA : toB).add(new String(p.events().get(0), StandardCharsets.US_ASCII));
                    assertEquals(isA ? 0 : NetV1.FLAG_RELIABLE, p.flags());
                } finally {
                    d.release();
                }
            }
            assertEquals(List.of("a-0", "a-1", "a-2", "a-3", "a-4", "a-5", "a-6", "a-7", "a-8", "a-9"), toA);
            assertEquals(List.of("b-0", "b-3", "b-6", "b-9"), toB);
            assertFalse(ch.finish());
        }
    }

    @Test
    void whatCannotBeSentFailsItsPromiseBeforeAnythingOfItIsSealed() throws Exception {
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession a = builders.newSession(key(3), SESSION_A);
             PacketReceiver ra = PacketReceiver.create(key(3), SESSION_A)) {
            EmbeddedChannel ch = new EmbeddedChannel(new NetsealBatchEncoder(builders));
            ByteBuf huge = Unpooled.buffer().writeZero(NetsealDatagramEncoder.MAX_EVENT_SIZE + 1);
            ChannelFuture refused = ch.write(OutboundEvents.of(PEER_A, a, 1, 1, 0, huge));
            assertTrue(refused.isDone() && !refused.isSuccess(), "failed at write, before the flush");
            assertInstanceOf(EncoderException.class, refused.cause());
            assertTrue(refused.cause().getMessage().contains("one packet carries at most"),
                    refused.cause().getMessage());
            assertEquals(0, huge.refCnt(), "refused events are released");
            ChannelFuture ok = ch.writeAndFlush(OutboundEvents.of(PEER_A, a, 1, 2, 0, text("fine")));
            assertTrue(ok.isSuccess(), String.valueOf(ok.cause()));
            DatagramPacket d = ch.readOutbound();
            try {
                assertEquals(0, ra.open(d.content().nioBuffer()).counter(), "the refused message drew no counter");
            } finally {
                d.release();
            }

            a.close(); // a session closed under the application: its flush fails, saying why
            ByteBuf late = text("late");
            ChannelFuture closed = ch.writeAndFlush(OutboundEvents.of(PEER_A, a, 1, 3, 0, late));
            assertFalse(closed.isSuccess());
            assertTrue(closed.cause().getMessage().contains("closed"), closed.cause().getMessage());
            assertEquals(0, late.refCnt());
            assertNull(ch.readOutbound(), "nothing of it went out");
            assertFalse(ch.finish());
        }
    }

    @Test
    void otherMessagesKeepTheirPlaceAndHeldMessagesAreReleasedOnClose() {
        try (ThreadLocalPool builders = ThreadLocalPool.builders(4);
             SealingSession a = builders.newSession(key(4), SESSION_A)) {
            EmbeddedChannel ch = new EmbeddedChannel(new NetsealBatchEncoder(builders));
            ch.write(OutboundEvents.of(PEER_A, a, 1, 1, 0, text("first")));
            ByteBuf raw = text("raw datagram");
            ch.write(new DatagramPacket(raw, PEER_B));
            ch.flush();
            Object first = ch.readOutbound();
            Object second = ch.readOutbound();
            assertEquals(PEER_A, ((DatagramPacket) first).recipient(), "the sealed packet written before goes first");
            assertTrue(second instanceof DatagramPacket && ((DatagramPacket) second).content() == raw,
                    "the other message passes untouched, after");
            ((DatagramPacket) first).release();
            ((DatagramPacket) second).release();

            ByteBuf held = text("held");
            ChannelFuture pending = ch.write(OutboundEvents.of(PEER_A, a, 1, 2, 0, held));
            ch.close();
            assertFalse(pending.isSuccess(), "a message never flushed fails when the channel closes");
            assertEquals(0, held.refCnt(), "and its events are released");
            assertNull(ch.readOutbound());
            ch.finishAndReleaseAll();
        }
    }
}
