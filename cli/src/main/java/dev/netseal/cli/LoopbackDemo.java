package dev.netseal.cli;

import dev.netseal.NetV1;
import dev.netseal.Netseal;
import dev.netseal.PacketBuilder;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketException.Reason;
import dev.netseal.DatagramEndpoint;
import dev.netseal.Identity;
import dev.netseal.PeerSession;
import dev.netseal.PresharedKey;
import dev.netseal.SessionPolicy;
import dev.netseal.ThreadLocalPool;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Seals and opens real UDP traffic on the loopback interface. First a handshake (Noise NKpsk0,
 * as net-mesh runs it) between a responder and an initiator {@link DatagramEndpoint} makes the
 * session, with one key per direction. Then N sender threads seal on that session through the
 * initiator's {@link ThreadLocalPool} and write each packet to a {@link DatagramChannel} straight
 * from the builder's buffer; one receiver thread receives every datagram into one reused direct
 * buffer and opens it in place with the responder's sessions ({@link DatagramEndpoint#tryOpen})
 * and a reused {@link OpenedPacket} (no exception, no allocation per packet). It runs for a fixed time and stops by itself.
 *
 * <p>To show what a real network does to a session, the senders can drop datagrams before sending
 * them (a random loss rate, and bursts of consecutive losses) and reorder them (each sender sends
 * blocks of D packets in a random order). None of that refuses a packet while the
 * reordering stays within the receiver's window (8192 counters). With several senders the
 * reordering also includes the skew between them, which nothing bounds: a sender descheduled
 * while it holds a block, long enough for the others to send a window's worth of packets, sees
 * that block refused TOO_OLD (counted as a transport refusal, not a failure).
 *
 * <h2>Why the senders are paced</h2>
 * UDP drops datagrams when the receive buffer is full. So a sender waits while the highest counter
 * it wrote is more than {@link #MAX_IN_FLIGHT} ahead of the highest counter the receiver opened,
 * which keeps the receive buffer from overflowing. If the receiver finds its socket empty
 * while the sender waits, what was in flight was dropped: the sender goes on, and the next packet
 * to arrive moves the window again. A receiver that is merely slow or descheduled is waited for,
 * not guessed about. When the receiver keeps up, nobody waits.
 */
final class LoopbackDemo {
    /** SO_RCVBUF the command asks for; Linux grants at most net.core.rmem_max (it is reported). */
    static final int DEFAULT_RECEIVE_BUFFER = 8 << 20;
    /** At most this many counters in flight: half the replay window, see the class comment. */
    static final int MAX_IN_FLIGHT = 512;
    /** The receiver stops this long after the last datagram, once the senders are done. */
    static final long QUIET_NANOS = 300_000_000;
    /** ...and at the latest this long after the senders are done, whatever still arrives. */
    static final long DRAIN_LIMIT_NANOS = 2_000_000_000L;
    /** Refusals the transport causes (reordering beyond the window), not a failed integrity check. */
    static final Set<Reason> TRANSPORT_REFUSALS = EnumSet.of(Reason.TOO_OLD);
    /** Refusals made after the tag verified: the packet's counter is authentic. */
    private static final Set<Reason> AFTER_TAG = EnumSet.of(Reason.BAD_FRAMES);
    /** The deepest reordering the demo makes (packets each sender holds back). */
    static final int MAX_REORDER = 2048;

    /**
     * What to run.
     *
     * @param threads   sender threads
     * @param seconds   how long the senders send
     * @param eventSize bytes of the one event each packet carries
     * @param address   a loopback address the receiver binds
     * @param port      the receiver's port; 0 for an ephemeral one
     * @param receiveBuffer SO_RCVBUF to ask for (tests make it tiny to force drops)
     * @param lossRate  fraction of packets each sender drops instead of sending, at random
     * @param lossBurst consecutive packets each sender drops once a second
     * @param reorder   each sender sends its packets in blocks of this many, each block shuffled
     *                  (0: in order); with N senders a packet may arrive up to about 2 × N ×
     *                  reorder counters late, so keep that under the window (8192)
     */
    record Config(int threads, double seconds, int eventSize, InetAddress address, int port,
                  int receiveBuffer, double lossRate, int lossBurst, int reorder) {
        /** In order, nothing dropped on purpose. */
        Config(int threads, double seconds, int eventSize, InetAddress address, int port, int receiveBuffer) {
            this(threads, seconds, eventSize, address, port, receiveBuffer, 0, 0, 0);
        }

        /** Bytes of each packet on the wire. */
        int packetSize() {
            return NetV1.HEADER_SIZE + NetV1.EVENT_PREFIX_SIZE + eventSize + NetV1.TAG_SIZE;
        }
    }

    /** Told about the run as it goes (the command prints it). */
    interface Listener {
        /** The receiver is bound (with the receive buffer granted) and the senders are about to start. */
        void started(InetSocketAddress receiver, int receiveBuffer, int inFlightCap, String backend);

        /**
         * The sessions the traffic runs on are made: {@code sessions} handshakes (Noise NKpsk0,
         * one key per direction) took {@code millis} in all.
         */
        default void handshakes(int sessions, double millis, long sessionId) {}

        /** Once a second: the last second's rate and the drops so far. */
        void tick(double elapsedSeconds, long packetsPerSecond, double megabytesPerSecond, long dropsSoFar);
    }

    /**
     * What happened.
     *
     * @param sent         packets the senders wrote
     * @param dropped      packets the senders sealed and dropped on purpose (--loss, --loss-burst)
     * @param received     datagrams the receiver got
     * @param opened       packets opened
     * @param bytes        bytes received
     * @param refused      refusals by reason
     * @param repeated     nonce counters seen more than once among authentic packets
     * @param untracked    counters too large to track (never in a bounded run)
     * @param senderWaits  times a sender waited for the receiver
     * @param resumed      waits ended because the receiver had emptied its socket: the packets
     *                     the sender waited for had been dropped
     * @param seconds      how long the senders sent
     * @param backend      the backend in use
     * @param errors       I/O or other errors of the threads (none in a sound run)
     */
    record Result(long sent, long dropped, long received, long opened, long bytes, Map<Reason, Long> refused,
                  long repeated, long untracked, long senderWaits, long resumed, double seconds,
                  String backend, List<String> errors) {

        /** Datagrams sent but never received. */
        long lost() {
            return sent - received;
        }

        /** Refusals other than those the transport causes (AUTH_FAILED, REPLAYED, ...). */
        long integrityFailures() {
            long n = 0;
            for (Map.Entry<Reason, Long> e : refused.entrySet()) {
                if (!TRANSPORT_REFUSALS.contains(e.getKey())) {
                    n += e.getValue();
                }
            }
            return n;
        }

        /** No repeated nonce, no integrity failure, no error, and something was opened. */
        boolean ok() {
            return repeated == 0 && opened > 0 && integrityFailures() == 0 && errors.isEmpty();
        }
    }

    private final Config config;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());

    // Written by the receiver thread only (lazySet: readers need a recent value, not a fence).
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong opened = new AtomicLong();
    /** The highest counter opened, -1 before the first: what pacing senders wait on. */
    private final AtomicLong highestOpened = new AtomicLong(-1);
    /**
     * Times the receiver found its socket empty. Two more than when a sender began to wait prove
     * the socket was empty after that sender's last write (see {@link Sender#awaitReceiver}).
     */
    private final AtomicLong emptyPolls = new AtomicLong();
    /** Set once every sender stopped: the receiver drains up to this many, then stops. */
    private volatile long sentTotal = -1;

    // Owned by the receiver thread; read by the main thread only after joining it.
    private final Map<Reason, Long> refused = new EnumMap<>(Reason.class);
    private final CounterTracker tracker = new CounterTracker();

    private LoopbackDemo(Config config) {
        this.config = config;
    }

    /** Runs {@code config}, telling {@code listener} as it goes, and returns what happened. */
    static Result run(Config config, Listener listener) throws IOException, InterruptedException {
        return new LoopbackDemo(config).run(listener);
    }

    private Result run(Listener listener) throws IOException, InterruptedException {
        SecureRandom random = new SecureRandom();
        byte[] pskBytes = new byte[PresharedKey.SIZE];
        byte[] event = new byte[config.eventSize()];
        random.nextBytes(event);
        ProtocolFamily family = config.address() instanceof Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;

        // The session comes from a handshake, as in production: the receiving side is a responder
        // with its own identity, the sending side connects to it, and each direction gets its own
        // key. The traffic then runs on that session, sealed by the initiator's builders.
        try (Identity identity = Identity.generate();
             PresharedKey psk = PresharedKey.generate(pskBytes);
             DatagramEndpoint responder = DatagramEndpoint.builder().policy(oneSessionPolicy())
                     .bind(new InetSocketAddress(config.address(), 0)).accept(identity, psk).start();
             DatagramEndpoint initiator = DatagramEndpoint.builder().policy(oneSessionPolicy())
                     .bind(new InetSocketAddress(config.address(), 0)).start();
             DatagramChannel rx = DatagramChannel.open(family)) {
            java.util.Arrays.fill(pskBytes, (byte) 0);
            long handshakeStart = System.nanoTime();
            PeerSession session = initiator.connect(responder.localAddress(), identity.publicKey(), psk);
            double handshakeMillis = (System.nanoTime() - handshakeStart) / 1e6;
            ThreadLocalPool pool = initiator.pool();
            rx.setOption(StandardSocketOptions.SO_RCVBUF, config.receiveBuffer());
            rx.bind(new InetSocketAddress(config.address(), config.port()));
            InetSocketAddress target = (InetSocketAddress) rx.getLocalAddress();
            int receiveBuffer = rx.getOption(StandardSocketOptions.SO_RCVBUF);
            int cap = inFlightCap(receiveBuffer, config.packetSize());
            listener.started(target, receiveBuffer, cap, Netseal.backendDescription());
            listener.handshakes(1, handshakeMillis, session.sessionId());

            Thread receiverThread = thread("netseal-receiver", () -> receive(rx, responder));
            Sender[] senders = new Sender[config.threads()];
            Thread[] senderThreads = new Thread[config.threads()];
            for (int t = 0; t < senders.length; t++) {
                senders[t] = new Sender(t, pool, session, event, target, family, cap);
                senderThreads[t] = thread("netseal-sender-" + t, senders[t]::run);
            }
            receiverThread.start();
            long start = System.nanoTime();
            for (Thread t : senderThreads) {
                t.start();
            }
            long end = start + (long) (config.seconds() * 1e9);
            report(listener, start, end, senders);
            stop.set(true);
            for (Thread t : senderThreads) {
                t.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long sent = 0;
            long dropped = 0;
            long waits = 0;
            long resumed = 0;
            for (Sender s : senders) {
                sent += s.sent.get();
                dropped += s.dropped;
                waits += s.waits;
                resumed += s.resumed;
            }
            sentTotal = sent;
            receiverThread.join();
            return new Result(sent, dropped, received.get(), opened.get(), bytesReceived.get(), new EnumMap<>(refused),
                    tracker.repeated(), tracker.untracked(), waits, resumed, seconds,
                    Netseal.backendDescription(), List.copyOf(errors));
        }
    }

    /**
     * The default policy, with keys that last the whole run: the demo checks nonces and paces its
     * senders by one session's counters, which a re-handshake (every 120 s by default) would
     * restart under new keys. SessionLifetimeTest shows re-handshakes under traffic.
     */
    private SessionPolicy oneSessionPolicy() {
        java.time.Duration run = java.time.Duration.ofMillis((long) (config.seconds() * 1000));
        java.time.Duration rekey = run.plusSeconds(120);
        return SessionPolicy.defaults().withKeyAges(rekey, rekey.plusSeconds(60));
    }

    /** Tells the listener once a second until {@code end}, or until a thread failed. */
    private void report(Listener listener, long start, long end, Sender[] senders) throws InterruptedException {
        long nextTick = start + 1_000_000_000L;
        long lastReceived = 0;
        long lastBytes = 0;
        long lastTick = start;
        while (true) {
            long now = System.nanoTime();
            if (now >= nextTick) {
                long r = received.get();
                long b = bytesReceived.get();
                double dt = (now - lastTick) / 1e9;
                // Counters are dense from 0: every one below the highest opened that did not arrive
                // was dropped (or is reordered past it, rarely).
                long drops = Math.max(0, highestOpened.get() + 1 - r);
                listener.tick((now - start) / 1e9, Math.round((r - lastReceived) / dt),
                        (b - lastBytes) / dt / 1e6, drops);
                lastReceived = r;
                lastBytes = b;
                lastTick = now;
                nextTick += 1_000_000_000L;
            }
            if (now >= end || !errors.isEmpty()) {
                return;
            }
            long sleep = Math.min(nextTick, end) - now;
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
    }

    /** The receiver thread: every datagram into one direct buffer, opened in place. */
    private void receive(DatagramChannel rx, DatagramEndpoint receiver) throws IOException {
        // One byte more than the largest packet: a longer datagram is cut there and refused, not
        // silently cut to a valid length.
        ByteBuffer buf = ByteBuffer.allocateDirect(NetV1.MAX_PACKET_SIZE + 1).order(ByteOrder.LITTLE_ENDIAN);
        OpenedPacket result = new OpenedPacket();
        long count = 0;
        long bytes = 0;
        long ok = 0;
        long highest = -1;
        long empties = 0;
        rx.configureBlocking(false);
        try (Selector selector = Selector.open()) {
            rx.register(selector, SelectionKey.OP_READ);
            long lastData = System.nanoTime();
            long drainStart = 0;
            boolean gotSinceEmpty = false;
            while (true) {
                buf.clear();
                if (rx.receive(buf) != null) {
                    buf.flip();
                    count++;
                    bytes += buf.remaining();
                    long counter = buf.remaining() >= NetV1.HEADER_SIZE
                            ? counterOf(buf) : -1;
                    if (receiver.tryOpen(buf, result)) {
                        ok++;
                        tracker.record(counter);
                        if (counter > highest) {
                            highest = counter;
                            highestOpened.lazySet(highest);
                        }
                    } else {
                        refused.merge(result.refusal(), 1L, Long::sum);
                        if (AFTER_TAG.contains(result.refusal())) {
                            tracker.record(counter); // an authentic counter: a repeat is a repeat
                        }
                    }
                    received.lazySet(count);
                    bytesReceived.lazySet(bytes);
                    opened.lazySet(ok);
                    gotSinceEmpty = true;
                    continue;
                }
                emptyPolls.lazySet(++empties);
                long now = System.nanoTime();
                if (gotSinceEmpty) {
                    // Poll once more before sleeping: two empty polls in a row let a waiting
                    // sender conclude that what it waits for was dropped (Sender.awaitReceiver).
                    lastData = now;
                    gotSinceEmpty = false;
                    continue;
                }
                long target = sentTotal;
                if (target >= 0) {
                    if (drainStart == 0) {
                        drainStart = now;
                    }
                    if (count >= target || now - lastData > QUIET_NANOS || now - drainStart > DRAIN_LIMIT_NANOS) {
                        return;
                    }
                }
                selector.select(20);
                selector.selectedKeys().clear();
            }
        }
    }

    /** One sender thread: its own channel, its own stream id, counters from the shared pool. */
    private final class Sender {
        final AtomicLong sent = new AtomicLong(); // written by this sender only
        final int stream;
        final ThreadLocalPool pool;
        /** Asked for its sealing side for each packet: a re-handshake (every 120 s) replaces it. */
        final PeerSession session;
        final byte[] event;
        final InetSocketAddress target;
        final ProtocolFamily family;
        final int cap;
        long waits; // read after join
        long resumed;
        long dropped;

        Sender(int stream, ThreadLocalPool pool, PeerSession session, byte[] event, InetSocketAddress target,
               ProtocolFamily family, int cap) {
            this.stream = stream;
            this.pool = pool;
            this.session = session;
            this.event = event;
            this.target = target;
            this.family = family;
            this.cap = cap;
        }

        void run() throws IOException {
            java.util.SplittableRandom random = new java.util.SplittableRandom(stream * 0x9E3779B97F4A7C15L);
            ByteBuffer[] held = new ByteBuffer[config.reorder()];
            int heldCount = 0;
            int blockSealed = 0;
            long nextBurst = System.nanoTime() + 500_000_000L;
            int burstLeft = 0;
            try (DatagramChannel ch = DatagramChannel.open(family)) {
                ch.connect(target); // a connected channel skips the per-send address checks
                long seq = 0;
                long last = -1; // the highest counter written
                long n = 0;
                while (!stop.get()) {
                    if (last - highestOpened.get() > cap) {
                        awaitReceiver(last);
                    }
                    if (config.lossBurst() > 0 && System.nanoTime() >= nextBurst) {
                        burstLeft = config.lossBurst();
                        nextBurst += 1_000_000_000L;
                    }
                    try (PacketBuilder b = pool.get()) {
                        ByteBuffer packet = b.begin(session.sealing(), stream, seq++, 0).event(event).seal();
                        long counter = counterOf(packet);
                        boolean drop = burstLeft > 0
                                || (config.lossRate() > 0 && random.nextDouble() < config.lossRate());
                        if (drop) {
                            burstLeft = Math.max(0, burstLeft - 1);
                            dropped++; // lost on the way: sealed, never sent
                        } else if (held.length == 0) {
                            ch.write(packet); // straight from the builder's buffer, before it is released
                            last = Math.max(last, counter);
                            sent.lazySet(++n);
                        } else {
                            held[heldCount] = copyOf(packet, held[heldCount]);
                            heldCount++;
                        }
                        // a block is D consecutive packets of this sender (lost ones included),
                        // and goes out shuffled
                        if (held.length > 0 && ++blockSealed == held.length) {
                            for (int i = heldCount - 1; i > 0; i--) {
                                int j = random.nextInt(i + 1);
                                ByteBuffer t = held[i];
                                held[i] = held[j];
                                held[j] = t;
                            }
                            for (int i = 0; i < heldCount; i++) {
                                last = Math.max(last, counterOf(held[i]));
                                ch.write(held[i]);
                            }
                            n += heldCount;
                            sent.lazySet(n);
                            heldCount = 0;
                            blockSealed = 0;
                        }
                    }
                }
                for (int i = 0; i < heldCount; i++) { // what is still held goes out at the end
                    ch.write(held[i]);
                    sent.lazySet(++n);
                }
            }
        }

        /** Copies {@code packet} into {@code into} (reused when it is there) and flips it. */
        private ByteBuffer copyOf(ByteBuffer packet, ByteBuffer into) {
            ByteBuffer b = into != null ? into : ByteBuffer.allocateDirect(NetV1.MAX_PACKET_SIZE);
            b.clear();
            b.put(packet);
            return b.flip();
        }

        /**
         * Waits until the receiver opened up to {@code last - cap}, or emptied its socket, or the
         * run ends. The receiver bumps {@code emptyPolls} after each receive that found nothing.
         * Seeing it two above the value read here means a receive found nothing after the first
         * bump, which came after that read, which came after this sender's last write: so the
         * socket was empty after the write, and the packets not yet opened were dropped. Then
         * waiting longer is pointless, and sending on is safe: at most {@code cap} plus a packet
         * per sender are in flight, so the next counter is still inside the replay window.
         */
        private void awaitReceiver(long last) {
            waits++;
            long polls = emptyPolls.get();
            for (int spins = 0; !stop.get(); spins++) {
                if (last - highestOpened.get() <= cap) {
                    return;
                }
                if (emptyPolls.get() >= polls + 2) {
                    resumed++;
                    return;
                }
                if (spins < 200) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.parkNanos(20_000);
                }
            }
        }
    }

    /**
     * Packets allowed in flight: what half the receive buffer holds (Linux charges each datagram
     * its data plus roughly a kilobyte of bookkeeping), between 16 and {@link #MAX_IN_FLIGHT}.
     */
    static int inFlightCap(int receiveBuffer, int packetSize) {
        long fit = (long) receiveBuffer / 2 / (packetSize + 1024L);
        return (int) Math.max(16, Math.min(MAX_IN_FLIGHT, fit));
    }

    private interface Body {
        void run() throws Exception;
    }

    private Thread thread(String name, Body body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) { // recorded and reported: a failed thread fails the run
                errors.add(name + ": " + e);
                stop.set(true);
            }
        }, name);
        t.setDaemon(true); // never keeps the JVM alive if something goes wrong
        return t;
    }

    /** The nonce counter of the packet at index 0 of {@code p}: header bytes 16 to 23, little-endian (WIRE.md). */
    private static long counterOf(ByteBuffer p) {
        long v = p.getLong(16);
        return p.order() == java.nio.ByteOrder.LITTLE_ENDIAN ? v : Long.reverseBytes(v);
    }
}
