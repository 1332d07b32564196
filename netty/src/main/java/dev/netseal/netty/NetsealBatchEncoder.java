package dev.netseal.netty;

import dev.netseal.NetV1;
import dev.netseal.PacketBatch;
import dev.netseal.PacketBuilder;
import dev.netseal.ThreadLocalPool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.EncoderException;
import io.netty.util.concurrent.PromiseCombiner;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Seals what one flush writes, per peer, in batches ({@link PacketBatch}: one counter draw and one
 * native call for many packets), and sends each peer's packets with UDP segmentation offload
 * (GSO) where the channel supports it: packets of one length in a row go out as one
 * {@code SegmentedDatagramPacket}, which the kernel splits into datagrams, at most
 * {@link #MAX_SEGMENTS} to a send. On a channel without GSO (NIO, or epoll on a kernel before
 * 4.18) it sends single datagrams from the same batches; {@link #mode()} says which it runs. A
 * peer whose path refuses a segmented send is sent that send's packets as single datagrams, and
 * single datagrams from then on (GSO needs checksum offload on the outgoing device; a tunnel or
 * a NIC without it refuses).
 *
 * <p>Packets and their fields are exactly those of {@link NetsealDatagramEncoder#splitting}: a
 * message whose events do not fit one packet goes out in several, told apart by their fragment
 * fields. A message that cannot be sent (an event larger than a packet, more than
 * {@link NetsealDatagramEncoder#MAX_SPLIT_EVENTS} events) fails its write promise with an
 * {@link EncoderException} before anything of it is sealed. The write promises of one flush
 * complete together, once all its datagrams are written.
 * <pre>{@code
 * bootstrap.channel(EpollDatagramChannel.class)
 *          .handler(new ChannelInitializer<DatagramChannel>() {
 *              protected void initChannel(DatagramChannel ch) {
 *                  ch.pipeline().addLast(new NetsealBatchEncoder(builders));
 *              }
 *          });
 * for (...) channel.write(OutboundEvents.of(peer, session, streamId, seq++, 0, event));
 * channel.flush();                              // one batch, one GSO send per run of packets
 * }</pre>
 *
 * <p>Not {@code @Sharable}: it holds the flush's messages. Add one per channel.
 */
public final class NetsealBatchEncoder extends ChannelOutboundHandlerAdapter {
    /** The most segments one GSO send carries (the kernel's UDP_MAX_SEGMENTS before 6.x). */
    public static final int MAX_SEGMENTS = 64;
    /** The most bytes one GSO send carries: the segments together stay under UDP's 65,507. */
    static final int MAX_GSO_BYTES = 65_000;
    /** The size of a batch buffer: a little over one full GSO send. */
    private static final int BATCH_BYTES = 64 * 1024;
    /** Messages held before a flush are encoded (not sent) once this many wait. */
    private static final int MAX_PENDING = 1024;
    /** Peers remembered as refusing GSO; the set starts again when full. */
    private static final int MAX_NO_GSO_PEERS = 65_536;

    /** How the encoder sends. */
    public enum Mode {
        /** Not decided yet: the encoder is not in a pipeline. */
        UNDECIDED,
        /** Runs of equal packets as one segmented send (GSO). */
        SEGMENTED,
        /** One datagram per packet. */
        SINGLE
    }

    private final ThreadLocalPool builders;
    /** True when the pool's backend seals in direct buffers (native), false for heap (java). */
    private final boolean direct;
    private final List<OutboundEvents> pending = new ArrayList<>();
    private final List<ChannelPromise> promises = new ArrayList<>();
    private final Map<InetSocketAddress, List<OutboundEvents>> byPeer = new HashMap<>();
    private final Set<InetSocketAddress> noGso = new HashSet<>();
    private volatile Mode mode = Mode.UNDECIDED;
    private volatile String why = "not in a pipeline";

    /**
     * An encoder that seals with the builders of {@code builders}.
     *
     * @param builders the pool whose sessions the messages name
     */
    public NetsealBatchEncoder(ThreadLocalPool builders) {
        if (builders == null) {
            throw new NullPointerException("builders");
        }
        this.builders = builders;
        try (PacketBuilder b = builders.get()) {
            this.direct = b.sealsIn(ByteBuffer.allocateDirect(1));
        }
    }

    /**
     * How this encoder sends on its channel: {@link Mode#SEGMENTED} or {@link Mode#SINGLE} once it
     * is in a pipeline.
     *
     * @return the mode
     */
    public Mode mode() {
        return mode;
    }

    /**
     * Why the encoder runs in its {@link #mode()}, in words (for a server's start-up log).
     *
     * @return the reason
     */
    public String modeReason() {
        return why;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        String reason = Gso.unsupportedReason(ctx.channel());
        if (reason == null) {
            mode = Mode.SEGMENTED;
            why = "UDP GSO on " + ctx.channel().getClass().getSimpleName() + ": up to " + MAX_SEGMENTS
                    + " equal packets per send";
        } else {
            mode = Mode.SINGLE;
            why = "single datagrams: " + reason;
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof OutboundEvents)) {
            encodePending(ctx); // what was written before goes first
            ctx.write(msg, promise);
            return;
        }
        OutboundEvents events = (OutboundEvents) msg;
        try {
            MessagePackets.check(events, true);
        } catch (EncoderException e) {
            events.release();
            promise.setFailure(e);
            return;
        }
        pending.add(events);
        promises.add(promise);
        if (pending.size() >= MAX_PENDING) {
            encodePending(ctx);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        encodePending(ctx);
        ctx.flush();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        failPending(new EncoderException("the encoder was removed before its messages were flushed"));
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        failPending(new EncoderException("the channel closed before these messages were flushed"));
        ctx.close(promise);
    }

    private void failPending(Throwable cause) {
        for (int i = 0; i < pending.size(); i++) {
            pending.get(i).release();
            promises.get(i).tryFailure(cause);
        }
        pending.clear();
        promises.clear();
    }

    /** Seals and writes (without flushing) every message held, grouped by peer, in order per peer. */
    private void encodePending(ChannelHandlerContext ctx) {
        int n = pending.size();
        if (n == 0) {
            return;
        }
        // Futures are kept only when a caller waits on a promise: void promises need none, and the
        // writes then allocate no promise each (GSO sends keep theirs, for the fallback).
        boolean track = false;
        for (int i = 0; i < n && !track; i++) {
            track = !promises.get(i).isVoid();
        }
        List<ChannelFuture> writes = track ? new ArrayList<>() : null;
        try {
            for (int i = 0; i < n; i++) {
                OutboundEvents m = pending.get(i);
                byPeer.computeIfAbsent(m.recipient(), r -> new ArrayList<>()).add(m);
            }
            Throwable failure = null;
            for (Map.Entry<InetSocketAddress, List<OutboundEvents>> peer : byPeer.entrySet()) {
                try {
                    encodePeer(ctx, peer.getKey(), peer.getValue(), writes);
                } catch (RuntimeException e) {
                    failure = e; // the flush's promises fail; the other peers' packets still go
                }
            }
            complete(ctx, writes, failure);
        } finally {
            for (int i = 0; i < n; i++) {
                pending.get(i).release();
            }
            pending.clear();
            byPeer.clear();
        }
    }

    /** Completes the held promises once every write of the flush is done (or with {@code failure}). */
    private void complete(ChannelHandlerContext ctx, List<ChannelFuture> writes, Throwable failure) {
        if (writes == null) { // every promise is void
            promises.clear();
            return;
        }
        List<ChannelPromise> held = new ArrayList<>(promises);
        promises.clear();
        if (failure != null) {
            for (ChannelPromise p : held) {
                p.tryFailure(failure);
            }
            return;
        }
        ChannelPromise all = ctx.newPromise();
        PromiseCombiner combiner = new PromiseCombiner(ctx.executor());
        for (ChannelFuture w : writes) {
            combiner.add(w);
        }
        combiner.finish(all);
        all.addListener(f -> {
            for (ChannelPromise p : held) {
                if (f.isSuccess()) {
                    p.trySuccess();
                } else {
                    p.tryFailure(f.cause());
                }
            }
        });
    }

    /** Seals one peer's messages in batches and writes them. */
    private void encodePeer(ChannelHandlerContext ctx, InetSocketAddress peer, List<OutboundEvents> messages,
                            List<ChannelFuture> writes) {
        boolean segmented = mode == Mode.SEGMENTED && !noGso.contains(peer);
        try (PacketBuilder b = builders.get()) {
            Batch batch = null;
            try {
                for (int m = 0, count = messages.size(); m < count; m++) {
                    OutboundEvents msg = messages.get(m);
                    int n = msg.eventCount();
                    int from = 0;
                    int fragment = 0;
                    do {
                        int to = MessagePackets.packetEnd(msg, from);
                        int size = NetV1.HEADER_SIZE + MessagePackets.payload(msg, from, to) + NetV1.TAG_SIZE;
                        if (batch == null || !batch.fits(size)) {
                            if (batch != null) {
                                batch.sealAndWrite(ctx, peer, segmented, writes);
                            }
                            // sized for the messages left if they are like this packet, within
                            // one batch buffer: an estimate only, a full batch starts another
                            long estimate = (long) size * (count - m);
                            batch = new Batch(ctx, b, (int) Math.max(size, Math.min(estimate, BATCH_BYTES)));
                        }
                        batch.add(msg, from, to, to < n ? NetV1.FRAG_MORE : 0, fragment);
                        fragment++;
                        from = to;
                    } while (from < n);
                }
                if (batch != null) {
                    batch.sealAndWrite(ctx, peer, segmented, writes);
                    batch = null;
                }
            } finally {
                if (batch != null) {
                    batch.abandon();
                }
            }
        }
    }

    /** One batch buffer of a peer's packets: a pooled buffer and the builder's batch sealing into it. */
    private final class Batch {
        private final ByteBuf out;
        private final ByteBuffer dst;
        private final int start;
        private final PacketBatch packets;
        private boolean released;

        Batch(ChannelHandlerContext ctx, PacketBuilder builder, int capacity) {
            out = direct ? ctx.alloc().directBuffer(capacity, capacity) : ctx.alloc().heapBuffer(capacity, capacity);
            // the buffer's own cached view (no new object for a pooled buffer), indexed from its memory's start
            dst = out.internalNioBuffer(0, capacity);
            start = dst.position();
            PacketBatch p;
            try {
                p = builder.batch(dst);
            } catch (RuntimeException e) {
                out.release();
                throw e;
            }
            packets = p;
        }

        boolean fits(int size) {
            if (packets.packetCount() == PacketBatch.MAX_PACKETS) {
                return false;
            }
            int used = packets.packetCount() == 0 ? 0
                    : packets.packetOffset(packets.packetCount() - 1) - start
                    + packets.packetLength(packets.packetCount() - 1);
            return used + size <= out.capacity();
        }

        void add(OutboundEvents msg, int from, int to, int fragFlags, int fragment) {
            packets.begin(msg.session(), msg.streamId(), msg.sequence(), msg.flags());
            if (fragment != 0 || fragFlags != 0) {
                packets.fragment(fragFlags, fragment, from);
            }
            for (int i = from; i < to; i++) {
                ByteBuf e = msg.event(i);
                int len = e.readableBytes();
                int at = packets.reserve(len);
                e.getBytes(e.readerIndex(), out, at - start, len); // straight into the batch's buffer
            }
        }

        /** Seals the batch and writes its packets (runs as GSO sends when segmented). */
        void sealAndWrite(ChannelHandlerContext ctx, InetSocketAddress peer, boolean segmented,
                         List<ChannelFuture> writes) {
            int length = packets.seal(); // on an exception, encodePeer's finally releases the buffer
            released = true; // from here this method releases it
            out.writerIndex(length);
            int count = packets.packetCount();
            try {
                for (int i = 0; i < count; ) {
                    int size = packets.packetLength(i);
                    int run = segmented ? packets.segmentRun(i, Math.min(MAX_SEGMENTS, MAX_GSO_BYTES / size)) : 1;
                    int offset = packets.packetOffset(i) - start;
                    int runBytes = packets.packetOffset(i + run - 1) - start + packets.packetLength(i + run - 1) - offset;
                    ByteBuf slice = out.retainedSlice(offset, runBytes);
                    ChannelFuture w = run == 1
                            ? ctx.write(new DatagramPacket(slice, peer), writes == null ? ctx.voidPromise() : ctx.newPromise())
                            : writeSegmented(ctx, slice, size, peer);
                    if (writes != null) {
                        writes.add(w);
                    }
                    i += run;
                }
            } finally {
                out.release();
            }
        }

        void abandon() {
            if (!released) {
                released = true;
                out.release();
            }
        }
    }

    /**
     * One GSO send of {@code run}; if the path refuses it, the same packets as single datagrams,
     * and single datagrams to this peer from then on. The future completes when they are written.
     */
    private ChannelFuture writeSegmented(ChannelHandlerContext ctx, ByteBuf run, int segmentSize,
                                         InetSocketAddress peer) {
        ChannelPromise done = ctx.newPromise();
        ByteBuf kept = run.retain(); // for a resend: the write releases one reference
        ctx.write(Gso.packet(run, segmentSize, peer)).addListener(f -> {
            if (f.isSuccess()) {
                kept.release();
                done.setSuccess();
                return;
            }
            if (noGso.size() >= MAX_NO_GSO_PEERS) {
                noGso.clear();
            }
            noGso.add(peer);
            PromiseCombiner singles = new PromiseCombiner(ctx.executor());
            try {
                for (int at = kept.readerIndex(); at < kept.writerIndex(); at += segmentSize) {
                    int len = Math.min(segmentSize, kept.writerIndex() - at);
                    singles.add(ctx.write(new DatagramPacket(kept.retainedSlice(at, len), peer)));
                }
            } finally {
                kept.release();
            }
            singles.finish(done);
            ctx.flush();
        });
        return done;
    }

    /**
     * What GSO needs from Netty's native transports, in a class of its own: it is loaded only when
     * the channel is one of them, so an application without netty-transport-native-epoll never
     * links against it.
     */
    static final class Gso {
        private Gso() {}

        /** Null when the channel can send segmented datagrams, else why not. */
        static String unsupportedReason(io.netty.channel.Channel channel) {
            if (!channel.getClass().getName().equals("io.netty.channel.epoll.EpollDatagramChannel")) {
                return channel.getClass().getSimpleName() + " has no UDP segmentation offload (use"
                        + " EpollDatagramChannel on Linux)";
            }
            try {
                return Epoll.supported() ? null : "this kernel has no UDP_SEGMENT (Linux 4.18 or later has it)";
            } catch (LinkageError e) {
                return "netty-transport-native-epoll is not on the class path: " + e;
            }
        }

        static Object packet(ByteBuf run, int segmentSize, InetSocketAddress peer) {
            return new io.netty.channel.unix.SegmentedDatagramPacket(run, segmentSize, peer);
        }

        /** The epoll classes, touched only from here. */
        private static final class Epoll {
            static boolean supported() {
                return io.netty.channel.epoll.EpollDatagramChannel.isSegmentedDatagramPacketSupported();
            }
        }
    }
}
