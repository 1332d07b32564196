package dev.netseal.bench;

import org.openjdk.jmh.infra.Blackhole;

/**
 * The paired sides of the pool, e2e and Netty rows (see {@link PairedSide}): each reuses the JMH
 * row's own state and calls its op on a field of a concrete type.
 */
final class ThroughputSides {
    private ThroughputSides() {}

    // ---- pools --------------------------------------------------------------------------------

    /** ThreadLocalPool acquire + release (the pool row's op); all threads share one pool. */
    static final class ThreadLocalAcquire extends PairedSide {
        private final Pools.NetsealThreadLocal bench = new Pools.NetsealThreadLocal();
        private final boolean notFirst;

        ThreadLocalAcquire(String name, int threads) {
            this(name, threads, false);
        }

        /** {@code notFirst}: the set-up thread uses the pool first, so no measured thread is its first. */
        ThreadLocalAcquire(String name, int threads, boolean notFirst) {
            super(name, threads);
            this.notFirst = notFirst;
        }

        @Override
        void setUp() {
            bench.setUp();
            if (notFirst) {
                bench.takeFirstUseOnThisThread();
            }
        }

        @Override
        void tearDown() {
            bench.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            Pools.NetsealThreadLocal b = bench;
            long ops = 0;
            do {
                bh.consume(b.acquireRelease());
                ops++;
            } while (!c.stop);
            return ops;
        }
    }

    /** stormpot's thread-local tap claim + release (the stormpot-tlt row's op). */
    static final class StormpotAcquire extends PairedSide {
        private final Pools.Stormpot bench = new Pools.Stormpot();

        StormpotAcquire(String name, int threads) {
            super(name, threads);
        }

        @Override
        void setUp() {
            bench.setUp();
        }

        @Override
        void tearDown() throws InterruptedException {
            bench.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            Pools.Stormpot b = bench;
            long ops = 0;
            do {
                bh.consume(b.acquireRelease());
                ops++;
            } while (!c.stop);
            return ops;
        }
    }

    // ---- end to end ---------------------------------------------------------------------------

    /** Each thread's packet sequence, a cache line apart from the other's. */
    private static final int SEQ_STRIDE = 16;

    /** e2e through one ThreadLocalPool (the e2e row's op), native. */
    static final class E2eThreadLocal extends PairedSide {
        private final E2eBench bench = new E2eBench();
        private final long[] sequences = new long[2 * SEQ_STRIDE + SEQ_STRIDE];

        E2eThreadLocal(String name, int threads, long sessionId) {
            super(name, threads);
            bench.impl = "netseal-threadlocal";
            bench.sessionId = sessionId;
        }

        @Override
        void setUp() {
            bench.setUp();
        }

        @Override
        void tearDown() {
            bench.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            E2eBench b = bench;
            int slot = (thread + 1) * SEQ_STRIDE;
            long seq = sequences[slot];
            long ops = 0;
            do {
                bh.consume(b.sealThreadLocal(seq++));
                ops++;
            } while (!c.stop);
            sequences[slot] = seq;
            return ops;
        }
    }

    /** e2e through one PacketPool (the e2e netseal-shared row's op), native. */
    static final class E2ePacketPool extends PairedSide {
        private final E2eBench bench = new E2eBench();
        private final long[] sequences = new long[2 * SEQ_STRIDE + SEQ_STRIDE];

        E2ePacketPool(String name, int threads, long sessionId) {
            super(name, threads);
            bench.impl = "netseal-shared";
            bench.sessionId = sessionId;
        }

        @Override
        void setUp() {
            bench.setUp();
        }

        @Override
        void tearDown() {
            bench.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            E2eBench b = bench;
            int slot = (thread + 1) * SEQ_STRIDE;
            long seq = sequences[slot];
            long ops = 0;
            do {
                bh.consume(b.sealShared(seq++));
                ops++;
            } while (!c.stop);
            sequences[slot] = seq;
            return ops;
        }
    }

    // ---- Netty --------------------------------------------------------------------------------

    /** Packets through a Netty UDP loopback pipeline (see {@link NettyPipeline}). */
    static final class Netty extends PairedSide {
        private final NettyPipeline pipeline;

        Netty(String name, NettyPipeline.Kind kind, int size) {
            this(name, kind, NettyPipeline.Transport.NIO, size);
        }

        Netty(String name, NettyPipeline.Kind kind, NettyPipeline.Transport transport, int size) {
            super(name, 1);
            pipeline = new NettyPipeline(kind, transport, size - 4); // size = payload bytes: the event and its prefix
        }

        @Override
        void setUp() throws Exception {
            pipeline.setUp();
        }

        @Override
        void tearDown() throws Exception {
            pipeline.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            return pipeline.run(c);
        }
    }
}
