package dev.netseal.bench;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One side of a paired measurement (see {@link Paired}): a warm state and the loop that runs its
 * op until told to stop, the way JMH's generated code runs a {@code @Benchmark} method. Each
 * concrete side has its own loop, with its state in a field of its concrete type, so each loop is
 * compiled for one op, monomorphic, as JMH's per-benchmark loops are; the sides reuse the JMH
 * state classes of the single rows, so the paired op is the very op of the JMH row.
 */
abstract class PairedSide {

    /** The stop flag of one timed round: set by the harness's timer, read once per op. */
    static final class Control {
        volatile boolean stop;
    }

    /** The name this side has in summary.json (impl or baseline). */
    final String name;
    /** Threads that run the op at once, sharing this side's state. */
    final int threads;
    /**
     * Nanoseconds of the last {@link #loop} that were not the op (a one-thread side's untimed
     * re-preparation, as JMH's per-invocation setup): the harness leaves them out and resets them.
     */
    long untimedNanos;

    PairedSide(String name, int threads) {
        this.name = name;
        this.threads = threads;
    }

    abstract void setUp() throws Exception;

    abstract void tearDown() throws Exception;

    /**
     * Runs the op until {@code c.stop}, on worker {@code thread} (0-based), every result into
     * {@code bh}; returns how many ops ran.
     */
    abstract long loop(Control c, Blackhole bh, int thread);

    // ---- seal and open ------------------------------------------------------------------------

    /** netseal's whole seal path (the seal group's JMH op), native or java per the JVM's backend. */
    static final class NetsealSeal extends PairedSide {
        private final NetsealSealBench bench = new NetsealSealBench();

        NetsealSeal(String name, String backend, int size, long sessionId) {
            super(name, 1);
            bench.backend = backend;
            bench.size = size;
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
            NetsealSealBench b = bench;
            long ops = 0;
            do {
                bh.consume(b.seal());
                ops++;
            } while (!c.stop);
            return ops;
        }
    }

    /**
     * netseal's batch seal: {@value #PACKETS} packets of one event each, written into one direct
     * buffer through a {@link dev.netseal.PacketBatch} and sealed together (one counter draw, one
     * native call), builder acquired and released around the batch. One op is one packet.
     */
    static final class BatchSeal extends PairedSide {
        static final int PACKETS = 32;
        private final int size;
        private final long sessionId;
        private dev.netseal.ThreadLocalPool pool;
        private dev.netseal.SealingSession session;
        private byte[] event;
        private ByteBuffer dst;
        private long sequence;

        BatchSeal(String name, int size, long sessionId) {
            super(name, 1);
            this.size = size;
            this.sessionId = sessionId;
        }

        @Override
        void setUp() {
            BenchSupport.requireBackend(true);
            pool = dev.netseal.ThreadLocalPool.builders(64);
            session = pool.newSession(BenchSupport.key(), sessionId);
            event = BenchSupport.eventForPayload(size);
            dst = ByteBuffer.allocateDirect(PACKETS * (68 + size + 16));
            if (batch() != PACKETS * (68 + size + 16)) {
                throw new IllegalStateException("unexpected batch length");
            }
        }

        int batch() {
            dev.netseal.PacketBuilder b = pool.acquire();
            dst.clear();
            dev.netseal.PacketBatch batch = b.batch(dst);
            for (int i = 0; i < PACKETS; i++) {
                batch.begin(session, BenchSupport.STREAM_ID, sequence++, 0).event(event);
            }
            int length = batch.seal();
            pool.release(b);
            return length;
        }

        @Override
        void tearDown() {
            session.close();
            pool.close();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            long ops = 0;
            do {
                bh.consume(batch());
                ops += PACKETS;
            } while (!c.stop);
            return ops;
        }
    }

    /**
     * One 64-byte packet for each of {@code peers} sessions of one pool in turn (a server sending
     * to many peers), or, with one peer, always the same session (one hot peer). With
     * {@code open} each packet is also opened through a {@link dev.netseal.SessionTable} holding
     * every peer's receiving side: the round trip of a server that both sends and receives.
     */
    static final class Peers extends PairedSide {
        private final int peers;
        private final boolean open;
        private final long firstId;
        private dev.netseal.ThreadLocalPool pool;
        private dev.netseal.SealingSession[] sessions;
        private dev.netseal.SessionTable table;
        private final dev.netseal.OpenedPacket opened = new dev.netseal.OpenedPacket();
        private ByteBuffer wire;
        private byte[] event;
        private int next;

        Peers(String name, int peers, boolean open, long firstId) {
            super(name, 1);
            this.peers = peers;
            this.open = open;
            this.firstId = firstId;
        }

        @Override
        void setUp() {
            pool = dev.netseal.ThreadLocalPool.builders(64);
            sessions = new dev.netseal.SealingSession[peers];
            table = open ? dev.netseal.SessionTable.create() : null;
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(firstId);
            byte[] key = new byte[32];
            for (int i = 0; i < peers; i++) {
                for (int k = 0; k < 32; k += 8) {
                    long v = rnd.nextLong();
                    for (int j = 0; j < 8; j++) {
                        key[k + j] = (byte) (v >>> (8 * j));
                    }
                }
                sessions[i] = pool.newSession(key, firstId + i);
                if (open) {
                    table.add(key, firstId + i);
                }
            }
            java.util.Arrays.fill(key, (byte) 0);
            event = BenchSupport.eventForPayload(64);
            wire = ByteBuffer.allocateDirect(68 + 64 + 16);
        }

        long packet() {
            dev.netseal.SealingSession s = sessions[next];
            next = next + 1 == peers ? 0 : next + 1;
            dev.netseal.PacketBuilder b = pool.acquire();
            ByteBuffer p = b.begin(s, BenchSupport.STREAM_ID, 0, 0).event(event).seal();
            long r;
            if (open) {
                wire.clear();
                wire.put(p);
                wire.flip();
                r = table.tryOpen(wire, opened) ? opened.counter() : -1;
            } else {
                r = p.remaining();
            }
            pool.release(b);
            return r;
        }

        @Override
        void tearDown() {
            if (table != null) {
                table.close();
            }
            pool.close();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            long ops = 0;
            do {
                bh.consume(packet());
                ops++;
            } while (!c.stop);
            return ops;
        }
    }

    /**
     * netseal's open (the open group's JMH op: copy into the socket buffer, then open); the ring
     * sealed again under a fresh key after each pass, untimed ({@link #untimedNanos}).
     */
    static final class NetsealOpen extends PairedSide {
        private final NetsealOpenBench bench = new NetsealOpenBench();

        NetsealOpen(String name, String backend, int size, long sessionId) {
            super(name, 1);
            bench.backend = backend;
            bench.size = size;
            bench.sessionId = sessionId;
        }

        @Override
        void setUp() throws Exception {
            bench.setUp();
        }

        @Override
        void tearDown() {
            bench.tearDown();
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            NetsealOpenBench b = bench;
            long ops = 0;
            try {
                do {
                    bh.consume(b.openNext().eventLength(0));
                    ops++;
                    if (b.ringDone()) {
                        long t = System.nanoTime();
                        b.freshRing();
                        untimedNanos += System.nanoTime() - t;
                    }
                } while (!c.stop);
            } catch (dev.netseal.PacketException e) {
                throw new IllegalStateException("a ring packet did not open", e);
            }
            return ops;
        }
    }

    /**
     * The libsodium floor: {@link SodiumFloor#sealBatch} of {@value #BATCH} in-place seals per JNI
     * call (the crossing is 1/{@value #BATCH} of a call per seal), the same 56-byte AAD and
     * {@code size}-byte message as netseal's packet, a fresh counter nonce per seal, the key in
     * guarded memory. With more than one thread, each thread seals its own message (its own
     * direct buffer) with counters of its own range and shares nothing else but the read-only
     * key and AAD: what the machine gives two threads that never touch a common cache line, the
     * yardstick for the e2e scaling pair.
     */
    static final class Floor extends PairedSide {
        /** Seals per JNI call: about 10-20 µs at 64 B, so the stop flag is read often enough. */
        static final int BATCH = 32;
        /** Each thread's counter slot, a cache line apart from the next. */
        private static final int COUNTER_STRIDE = 16;

        private final int size;
        private ByteBuffer aad;
        private ByteBuffer[] msgs;
        private long key;
        private long aadAddress;
        private long[] msgAddresses;
        private final long[] counters;

        Floor(String name, int size) {
            this(name, size, 1);
        }

        Floor(String name, int size, int threads) {
            super(name, threads);
            this.size = size;
            this.counters = new long[(threads + 1) * COUNTER_STRIDE];
        }

        @Override
        void setUp() {
            SodiumFloor.load();
            aad = ByteBuffer.allocateDirect(BenchSupport.AAD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            aad.put(0, BenchSupport.bytes(BenchSupport.AAD_BYTES, 1));
            key = SodiumFloor.keyCreate(BenchSupport.key());
            if (key == 0) {
                throw new IllegalStateException("floor: no guarded memory for the key");
            }
            aadAddress = SodiumFloor.addressOf(aad);
            msgs = new ByteBuffer[threads];
            msgAddresses = new long[threads];
            for (int t = 0; t < threads; t++) {
                ByteBuffer msg = ByteBuffer.allocateDirect(size + BenchSupport.TAG_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                msg.put(0, BenchSupport.bytes(size, 2));
                SodiumFloor.checkFits(aad, BenchSupport.AAD_BYTES, msg, size);
                msgs[t] = msg;
                msgAddresses[t] = SodiumFloor.addressOf(msg);
                // Disjoint counter ranges per thread: no nonce repeats, as in netseal.
                int slot = (t + 1) * COUNTER_STRIDE;
                counters[slot] = (long) t << 40;
                if (SodiumFloor.sealBatch(key, 0x6e736c31, counters[slot], aadAddress, BenchSupport.AAD_BYTES,
                        msgAddresses[t], size, 1) < 0) {
                    throw new IllegalStateException("floor: libsodium refused to seal");
                }
                counters[slot]++;
            }
        }

        @Override
        void tearDown() {
            SodiumFloor.keyFree(key);
            key = 0;
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            long k = key;
            long a = aadAddress;
            long m = msgAddresses[thread];
            int n = size;
            int slot = (thread + 1) * COUNTER_STRIDE;
            long ctr = counters[slot];
            long ops = 0;
            do {
                bh.consume(SodiumFloor.sealBatch(k, 0x6e736c31, ctr, a, BenchSupport.AAD_BYTES, m, n, BATCH));
                ctr += BATCH;
                ops += BATCH;
            } while (!c.stop);
            counters[slot] = ctr;
            return ops;
        }
    }

    /** BouncyCastle's own ChaCha20Poly1305 (the bouncycastle seal row's op). */
    static final class BouncyCastle extends PairedSide {
        private final BouncyCastleSealBench bench = new BouncyCastleSealBench();

        BouncyCastle(String name, int size) {
            super(name, 1);
            bench.size = size;
        }

        @Override
        void setUp() throws Exception {
            bench.setUp();
        }

        @Override
        void tearDown() {
        }

        @Override
        long loop(Control c, Blackhole bh, int thread) {
            BouncyCastleSealBench b = bench;
            long ops = 0;
            try {
                do {
                    bh.consume(b.seal());
                    ops++;
                } while (!c.stop);
            } catch (org.bouncycastle.crypto.InvalidCipherTextException e) {
                throw new IllegalStateException(e);
            }
            return ops;
        }
    }

    // ---- refusals ----------------------------------------------------------------------------

    /** One refusal (the refuse group's JMH op): tryOpen of a packet refused for {@code reason}. */
    static final class Refuse extends PairedSide {
        private final NetsealRefuseBench bench = new NetsealRefuseBench();
        private final dev.netseal.PacketException.Reason reason;

        Refuse(String name, String backend, int size, String reason, long sessionId) {
            super(name, 1);
            bench.backend = backend;
            bench.sessionId = sessionId;
            bench.size = size;
            this.reason = dev.netseal.PacketException.Reason.valueOf(reason);
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
            NetsealRefuseBench b = bench;
            dev.netseal.PacketException.Reason r = reason;
            long ops = 0;
            do {
                bh.consume(b.refuse(r));
                ops++;
            } while (!c.stop);
            return ops;
        }
    }
}
