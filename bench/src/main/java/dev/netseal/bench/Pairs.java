package dev.netseal.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Every pair {@link Paired} runs: its id, the JVM's backend, the two sides and how they compare.
 * The ids are the keys of {@code bench/targets.json}.
 */
final class Pairs {
    private Pairs() {}

    static final String TIME = "ns_per_op";
    static final String THROUGHPUT = "throughput";
    static final String HANDSHAKE = "handshake";

    /**
     * One pair: A is the impl held to the target, B its baseline. {@code side} says which end of
     * a handshake A runs (responder, or both for a whole handshake); null for other ops.
     */
    record Pair(String id, String backend, String op, int size, int threads, String metric,
                String impl, String baseline, Supplier<PairedSide> a, Supplier<PairedSide> b, String side) {
        Pair(String id, String backend, String op, int size, int threads, String metric,
             String impl, String baseline, Supplier<PairedSide> a, Supplier<PairedSide> b) {
            this(id, backend, op, size, threads, metric, impl, baseline, a, b, null);
        }
    }

    /** Session ids of the two sides (a pool refuses a second live key + session). */
    private static final long SESSION_A = BenchSupport.SESSION_ID + 1;
    private static final long SESSION_B = BenchSupport.SESSION_ID + 2;

    /** Every pair of a run, in the order they run: fixed by the sizes alone. */
    static List<Pair> pairs(List<Integer> sizes) {
        List<Pair> p = new ArrayList<>();
        // Calibration: the floor against itself. Any distance from 1.00 is the harness's and the
        // machine's, not the code's; no target.
        p.add(new Pair("calibration-floor-vs-floor-64", "native", "seal", 64, 1, TIME,
                "libsodium-floor-a", "libsodium-floor-b",
                () -> new PairedSide.Floor("libsodium-floor-a", 64),
                () -> new PairedSide.Floor("libsodium-floor-b", 64)));
        for (int size : sizes) {
            p.add(new Pair("seal-native-vs-floor-" + size, "native", "seal", size, 1, TIME,
                    "netseal-native", "libsodium-floor",
                    () -> new PairedSide.NetsealSeal("netseal-native", "native", size, SESSION_A),
                    () -> new PairedSide.Floor("libsodium-floor", size)));
        }
        // Batches: 32 packets sealed together against 32 single seals, and against the floor's
        // 32 seals per native call.
        p.add(new Pair("seal-batch32-vs-singles-64", "native", "seal", 64, 1, TIME,
                "netseal-native-batch32", "netseal-native",
                () -> new PairedSide.BatchSeal("netseal-native-batch32", 64, SESSION_A),
                () -> new PairedSide.NetsealSeal("netseal-native", "native", 64, SESSION_B)));
        p.add(new Pair("seal-batch32-vs-floor-64", "native", "seal", 64, 1, TIME,
                "netseal-native-batch32", "libsodium-floor",
                () -> new PairedSide.BatchSeal("netseal-native-batch32", 64, SESSION_A),
                () -> new PairedSide.Floor("libsodium-floor", 64)));
        // Many peers: 100,000 sessions round-robin against one hot session, sealing, then sealing
        // and opening (a SessionTable with every peer).
        p.add(new Pair("peers-seal-round-robin-100k-vs-hot-64", "native", "peers", 64, 1, TIME,
                "round-robin-100k", "hot-peer",
                () -> new PairedSide.Peers("round-robin-100k", 100_000, false, 0x5eed_0000_0000L),
                () -> new PairedSide.Peers("hot-peer", 1, false, 0x5eed_1000_0000L)));
        p.add(new Pair("peers-seal-open-round-robin-100k-vs-hot-64", "native", "peers", 64, 1, TIME,
                "round-robin-100k-open", "hot-peer-open",
                () -> new PairedSide.Peers("round-robin-100k-open", 100_000, true, 0x5eed_2000_0000L),
                () -> new PairedSide.Peers("hot-peer-open", 1, true, 0x5eed_3000_0000L)));
        for (int size : sizes) {
            p.add(new Pair("open-vs-seal-native-" + size, "native", "open", size, 1, TIME,
                    "netseal-native-open", "netseal-native-seal",
                    () -> new PairedSide.NetsealOpen("netseal-native-open", "native", size, SESSION_A),
                    () -> new PairedSide.NetsealSeal("netseal-native-seal", "native", size, SESSION_B)));
        }
        for (int size : sizes) {
            p.add(new Pair("seal-java-vs-bouncycastle-" + size, "java", "seal", size, 1, TIME,
                    "netseal-java", "bouncycastle",
                    () -> new PairedSide.NetsealSeal("netseal-java", "java", size, SESSION_A),
                    () -> new PairedSide.BouncyCastle("bouncycastle", size)));
        }
        for (int size : sizes) {
            p.add(new Pair("open-vs-seal-java-" + size, "java", "open", size, 1, TIME,
                    "netseal-java-open", "netseal-java-seal",
                    () -> new PairedSide.NetsealOpen("netseal-java-open", "java", size, SESSION_A),
                    () -> new PairedSide.NetsealSeal("netseal-java-seal", "java", size, SESSION_B)));
        }
        for (int threads = 1; threads <= 2; threads++) {
            int t = threads;
            p.add(new Pair("pool-threadlocal-vs-stormpot-" + t + "t", "native", "pool", 0, t, TIME,
                    "netseal-threadlocal", "stormpot-tlt",
                    () -> new ThroughputSides.ThreadLocalAcquire("netseal-threadlocal", t),
                    () -> new ThroughputSides.StormpotAcquire("stormpot-tlt", t)));
        }
        // No target: a thread other than the pool's first finds its cache in the pool's table
        // rather than in a field; what each of a server's other threads pays.
        p.add(new Pair("pool-threadlocal-other-thread-vs-stormpot-1t", "native", "pool", 0, 1, TIME,
                "netseal-threadlocal-other-thread", "stormpot-tlt",
                () -> new ThroughputSides.ThreadLocalAcquire("netseal-threadlocal-other-thread", 1, true),
                () -> new ThroughputSides.StormpotAcquire("stormpot-tlt", 1)));
        int e2eSize = E2eBench.EVENT_BYTES;
        p.add(new Pair("e2e-threadlocal-vs-packetpool-2t", "native", "e2e", e2eSize, 2, THROUGHPUT,
                "netseal-threadlocal", "netseal-shared",
                () -> new ThroughputSides.E2eThreadLocal("netseal-threadlocal", 2, SESSION_A),
                () -> new ThroughputSides.E2ePacketPool("netseal-shared", 2, SESSION_B)));
        // Calibration of the machine's own 2-thread scaling: the floor, 2 threads sealing apart
        // against 1, sharing no written line. No target: the e2e scaling pair below cannot scale
        // better than this, and the gap between the two is what the shared counter costs.
        p.add(new Pair("calibration-floor-2t-vs-1t-64", "native", "e2e", 64, 2, THROUGHPUT,
                "libsodium-floor-2t", "libsodium-floor-1t",
                () -> new PairedSide.Floor("libsodium-floor-2t", 64, 2),
                () -> new PairedSide.Floor("libsodium-floor-1t", 64, 1)));
        p.add(new Pair("e2e-threadlocal-2t-vs-1t", "native", "e2e", e2eSize, 2, THROUGHPUT,
                "netseal-threadlocal-2t", "netseal-threadlocal-1t",
                () -> new ThroughputSides.E2eThreadLocal("netseal-threadlocal-2t", 2, SESSION_A),
                () -> new ThroughputSides.E2eThreadLocal("netseal-threadlocal-1t", 1, SESSION_B)));
        // Refusals: a replay or a too-old packet is refused from the header, as cheaply as a
        // packet of an unknown session (target at 8108 B: at most 1.5x).
        for (String backend : new String[] {"native", "java"}) {
            for (int size : new int[] {64, 8108}) {
                for (String reason : new String[] {"REPLAYED", "TOO_OLD"}) {
                    String impl = "netseal-" + backend + "-" + reason.toLowerCase(Locale.ROOT).replace('_', '-');
                    String base = "netseal-" + backend + "-wrong-session";
                    p.add(new Pair("refuse-" + backend + "-" + reason.toLowerCase(Locale.ROOT) + "-" + size,
                            backend, "refuse", size, 1, TIME, impl, base,
                            () -> new PairedSide.Refuse(impl, backend, size, reason, SESSION_A),
                            () -> new PairedSide.Refuse(base, backend, size, "WRONG_SESSION", SESSION_B)));
                }
            }
        }
        // Netty: packets/s through a UDP loopback pipeline, against the hand-written JDK-Cipher
        // handler (target at 64 B: at least 2x) and against no sealing at all (what it costs).
        for (int size : new int[] {64, 1024}) {
            p.add(new Pair("netty-netseal-vs-jdk-cipher-" + size, "native", "netty", size, 1, THROUGHPUT,
                    "netseal-netty", "netty-jdk-cipher",
                    () -> new ThroughputSides.Netty("netseal-netty", NettyPipeline.Kind.NETSEAL, size),
                    () -> new ThroughputSides.Netty("netty-jdk-cipher", NettyPipeline.Kind.JDK, size)));
            p.add(new Pair("netty-netseal-epoll-batched-vs-nio-" + size, "native", "netty", size, 1, THROUGHPUT,
                    "netseal-netty-epoll-batched", "netseal-netty-nio",
                    () -> new ThroughputSides.Netty("netseal-netty-epoll-batched", NettyPipeline.Kind.NETSEAL,
                            NettyPipeline.Transport.EPOLL_BATCHED, size),
                    () -> new ThroughputSides.Netty("netseal-netty-nio", NettyPipeline.Kind.NETSEAL, size)));
            p.add(new Pair("netty-netseal-epoll-batched-vs-plain-epoll-batched-" + size, "native", "netty", size, 1,
                    THROUGHPUT, "netseal-netty-epoll-batched", "netty-plain-epoll-batched",
                    () -> new ThroughputSides.Netty("netseal-netty-epoll-batched", NettyPipeline.Kind.NETSEAL,
                            NettyPipeline.Transport.EPOLL_BATCHED, size),
                    () -> new ThroughputSides.Netty("netty-plain-epoll-batched", NettyPipeline.Kind.PLAIN,
                            NettyPipeline.Transport.EPOLL_BATCHED, size)));
            p.add(new Pair("netty-netseal-epoll-batched-vs-jdk-cipher-epoll-batched-" + size, "native", "netty", size,
                    1, THROUGHPUT, "netseal-netty-epoll-batched", "netty-jdk-cipher-epoll-batched",
                    () -> new ThroughputSides.Netty("netseal-netty-epoll-batched", NettyPipeline.Kind.NETSEAL,
                            NettyPipeline.Transport.EPOLL_BATCHED, size),
                    () -> new ThroughputSides.Netty("netty-jdk-cipher-epoll-batched", NettyPipeline.Kind.JDK,
                            NettyPipeline.Transport.EPOLL_BATCHED, size)));
            p.add(new Pair("netty-netseal-vs-plain-" + size, "native", "netty", size, 1, THROUGHPUT,
                    "netseal-netty", "netty-plain",
                    () -> new ThroughputSides.Netty("netseal-netty", NettyPipeline.Kind.NETSEAL, size),
                    () -> new ThroughputSides.Netty("netty-plain", NettyPipeline.Kind.PLAIN, size)));
        }
        // Handshakes against their X25519 work alone (target 1.15x): a responder's handshake
        // against one side's X25519 in C (1 base + 2 X25519), a whole handshake against twice that
        // (an initiator's alone cannot be timed: message 2 depends on its random ephemeral), and the responder on the
        // java backend against BouncyCastle's X25519 doing the same three.
        p.add(new Pair("handshake-responder-native-vs-x25519-floor", "native", HANDSHAKE, 0, 1, TIME,
                "netseal-native-responder", "libsodium-x25519-floor",
                () -> new HandshakeSides.Responder("netseal-native-responder", "native"),
                () -> new HandshakeSides.X25519Floor("libsodium-x25519-floor", 1), "responder"));
        p.add(new Pair("handshake-full-native-vs-x25519-floor-x2", "native", HANDSHAKE, 0, 1, TIME,
                "netseal-native-full", "libsodium-x25519-floor-x2",
                () -> new HandshakeSides.Full("netseal-native-full", "native"),
                () -> new HandshakeSides.X25519Floor("libsodium-x25519-floor-x2", 2), "both"));
        p.add(new Pair("handshake-responder-java-vs-bouncycastle-x25519", "java", HANDSHAKE, 0, 1, TIME,
                "netseal-java-responder", "bouncycastle-x25519",
                () -> new HandshakeSides.Responder("netseal-java-responder", "java"),
                () -> new HandshakeSides.BouncyCastleX25519("bouncycastle-x25519"), "responder"));
        return p;
    }
}
