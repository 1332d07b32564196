package dev.netseal;

import dev.netseal.interop.Codecs;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.netseal.internal.aead.AeadBackend;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Everything at once, round after round: threads seal, hand builders to other threads that
 * release them, a thread rekeys, and the pool is closed under them; then a new pool. Every
 * packet that was returned is checked afterwards: no (key, nonce) pair was sealed twice, and
 * each opens with exactly the key of its epoch (its session id names the epoch).
 */
@Timeout(180)
class ChaosStressTest {

    private static final AtomicLong SESSIONS = new AtomicLong(0x5EED_0000_0000L);

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void noRaceEverRepeatsANonceOrSealsUnderTheWrongKey(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        Map<Long, byte[]> keyOfSession = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<byte[]> packets = new ConcurrentLinkedQueue<>();
        for (int round = 0; round < 12; round++) {
            boolean threadLocal = round % 2 == 0;
            oneRound(backend, threadLocal, keyOfSession, packets);
        }
        // every sealed nonce is unique per key, and every packet opens with its epoch's key
        Set<String> seen = new HashSet<>();
        InsecureExplicitNonceCodec codec = Codecs.on(backend);
        int checked = 0;
        for (byte[] p : packets) {
            ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
            long session = b.getLong(24);
            long counter = b.getLong(16);
            if (!seen.add(session + ":" + counter)) {
                fail("nonce repeated under one key: session " + session + ", counter " + counter);
            }
            if (checked++ % 13 == 0) {
                byte[] key = keyOfSession.get(session);
                try {
                    OpenedPacket o = codec.open(key, session, p);
                    assertEquals(counter, o.counter());
                } catch (PacketException e) {
                    fail("a packet does not open with its epoch's key: " + e.getMessage());
                }
            }
        }
        assertTrue(packets.size() > 10_000, "only " + packets.size() + " packets sealed");
    }

    private static void oneRound(AeadBackend backend, boolean threadLocal, Map<Long, byte[]> keyOfSession,
                                 ConcurrentLinkedQueue<byte[]> packets) throws Exception {
        byte[] key = newKey();
        long session = SESSIONS.incrementAndGet();
        keyOfSession.put(session, key);
        ThreadLocalPool tl = threadLocal ? ThreadLocalPool.onBackend(backend, 8, key, session, 0L, 2) : null;
        PacketPool pp = threadLocal ? null : PacketPool.onBackend(backend, 8, key, session, 0L);
        BlockingQueue<PacketBuilder> handOff = new ArrayBlockingQueue<>(64);
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(4);
        List<Throwable> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 3; t++) { // sealers: some builders go to the releaser thread
            threads.add(new Thread(() -> {
                started.countDown();
                try {
                    for (long seq = 0; !stop.get(); seq++) {
                        PacketBuilder b = threadLocal ? tl.acquire() : pp.get();
                        ByteBuffer packet = b.begin(1, seq, 0).event(new byte[] {(byte) seq}).seal();
                        byte[] copy = new byte[packet.remaining()];
                        packet.get(copy);
                        packets.add(copy);
                        if (seq % 3 == 0) {
                            handOff.put(b); // released by another thread
                        } else {
                            b.close();
                        }
                    }
                } catch (IllegalStateException closed) {
                    // the pool was closed under us: expected, nothing sealed after it
                } catch (Throwable e) {
                    unexpected.add(e);
                }
            }));
        }
        threads.add(new Thread(() -> { // releases what the sealers handed over
            started.countDown();
            try {
                while (!stop.get() || !handOff.isEmpty()) {
                    PacketBuilder b = handOff.poll(1, TimeUnit.MILLISECONDS);
                    if (b != null) {
                        b.close();
                    }
                }
            } catch (Throwable e) {
                unexpected.add(e);
            }
        }));
        Random pause = new Random(TestSeeds.seed()); // TestIsolation prints the seed on failure
        Thread rekeyer = new Thread(() -> {
            try {
                for (int i = 0; i < 20 && !stop.get(); i++) {
                    Thread.sleep(1 + pause.nextInt(3));
                    byte[] k = newKey();
                    long s = SESSIONS.incrementAndGet();
                    keyOfSession.put(s, k); // before setKey: a packet under s may follow at once
                    if (threadLocal) {
                        tl.setKey(k, s);
                    } else {
                        pp.setKey(k, s);
                    }
                }
            } catch (IllegalStateException closed) {
                // closed under us
            } catch (Throwable e) {
                unexpected.add(e);
            }
        });
        threads.forEach(Thread::start);
        rekeyer.start();
        started.await();
        Thread.sleep(60);
        if (threadLocal) {
            tl.close(); // under the sealers
        } else {
            pp.close();
        }
        stop.set(true);
        rekeyer.join(10_000);
        for (Thread t : threads) {
            t.join(10_000);
            if (t.isAlive()) {
                fail("a worker did not stop");
            }
        }
        if (!unexpected.isEmpty()) {
            throw new AssertionError("unexpected failure in a worker", unexpected.get(0));
        }
    }

    private static byte[] newKey() {
        return TestSeeds.randomKey(); // seeded: -Dnetseal.test.seed replays it
    }
}
