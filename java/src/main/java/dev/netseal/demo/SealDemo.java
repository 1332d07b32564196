package dev.netseal.demo;

import dev.netseal.Netseal;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketBuilder;
import dev.netseal.PacketException;
import dev.netseal.PacketReceiver;
import dev.netseal.ThreadLocalPool;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.BitSet;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The main job: N threads seal events through one ThreadLocalPool, one receiver thread opens
 * every packet with a PacketReceiver, and the run ends with throughput, the backend, and the
 * proof that no packet failed and no nonce repeated.
 *
 * <p>Packets travel from senders to the receiver in direct buffers that are recycled, so the
 * measured loop allocates nothing per packet. A sender can be preempted between sealing a
 * packet and handing it over while the others seal a thousand more; a network reorders the
 * same way. Like a transport that sequences its packets, the receiver therefore opens them in
 * counter order from a small reorder ring (fewer packets are in flight than it holds), so the
 * replay window sees them as they were sealed.
 */
public final class SealDemo {

    private static final int IN_FLIGHT = 512;
    private static final int RING = 1024; // > IN_FLIGHT: no two packets in flight share a slot

    public static void main(String[] args) throws Exception {
        int threads = 2;
        double seconds = 5;
        int size = 64;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads": threads = Integer.parseInt(args[++i]); break;
                case "--seconds": seconds = Double.parseDouble(args[++i]); break;
                case "--size": size = Integer.parseInt(args[++i]); break;
                default:
                    System.err.println("usage: demo [--threads N] [--seconds S] [--size BYTES]");
                    System.exit(2);
            }
        }
        System.exit(run(threads, seconds, size) ? 0 : 1);
    }

    static boolean run(int threads, double seconds, int size) throws InterruptedException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        long session = new SecureRandom().nextLong();
        System.out.printf("netseal demo: %d sealing thread(s), %d-byte events, %.1f s%nbackend: %s%n",
                threads, size, seconds, Netseal.backendDescription());

        BlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(IN_FLIGHT);
        BlockingQueue<ByteBuffer> sealed = new ArrayBlockingQueue<>(IN_FLIGHT);
        for (int i = 0; i < IN_FLIGHT; i++) {
            free.add(ByteBuffer.allocateDirect(dev.netseal.NetV1.MAX_PACKET_SIZE));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        byte[] event = new byte[size];
        new SecureRandom().nextBytes(event);

        try (ThreadLocalPool pool = ThreadLocalPool.create(64, key, session);
             PacketReceiver receiver = PacketReceiver.create(key, session)) {
            Thread[] senders = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                long stream = t;
                senders[t] = new Thread(() -> {
                    long seq = 0;
                    try {
                        while (!stop.get()) {
                            ByteBuffer slot = free.poll(100, TimeUnit.MILLISECONDS);
                            if (slot == null) {
                                continue;
                            }
                            try (PacketBuilder b = pool.get()) {
                                ByteBuffer packet = b.begin(stream, seq++, 0).event(event).seal();
                                slot.clear();
                                slot.put(packet).flip();
                            }
                            sealed.put(slot);
                            sent.incrementAndGet();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "sealer-" + t);
            }
            Map<PacketException.Reason, Long> refused = new EnumMap<>(PacketException.Reason.class);
            BitSet counters = new BitSet();
            long opened = 0;
            long repeated = 0;
            long bytes = 0;
            ByteBuffer[] ring = new ByteBuffer[RING];
            long nextCounter = 0;
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            for (Thread s : senders) {
                s.start();
            }
            while (true) {
                ByteBuffer slot = sealed.poll(10, TimeUnit.MILLISECONDS);
                if (slot == null) {
                    if (stop.get() && allDead(senders)) {
                        break;
                    }
                    if (System.nanoTime() > end) {
                        stop.set(true);
                    }
                    continue;
                }
                long counter = slot.order(ByteOrder.LITTLE_ENDIAN).getLong(16); // header: nonce counter
                if (ring[(int) (counter & (RING - 1))] != null) {
                    repeated++; // two packets in flight with one counter
                    free.add(slot);
                    continue;
                }
                ring[(int) (counter & (RING - 1))] = slot;
                for (ByteBuffer next; (next = ring[(int) (nextCounter & (RING - 1))]) != null; nextCounter++) {
                    ring[(int) (nextCounter & (RING - 1))] = null;
                    try {
                        OpenedPacket p = receiver.open(next);
                        if (counters.get((int) p.counter())) {
                            repeated++;
                        }
                        counters.set((int) p.counter());
                        opened++;
                        bytes += next.remaining();
                    } catch (PacketException e) {
                        refused.merge(e.reason(), 1L, Long::sum);
                    }
                    free.add(next);
                }
                if (!stop.get() && System.nanoTime() > end) {
                    stop.set(true);
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long failed = sent.get() - opened;
            System.out.printf("sealed %d, opened %d in %.2f s: %.0f packets/s, %.1f MB/s of packets%n",
                    sent.get(), opened, elapsed, opened / elapsed, bytes / elapsed / 1e6);
            System.out.printf("failed packets: %d%s%nrepeated nonces: %d%n", failed,
                    refused.isEmpty() ? "" : " " + refused, repeated);
            return failed == 0 && repeated == 0 && opened > 0;
        }
    }

    private static boolean allDead(Thread[] threads) {
        for (Thread t : threads) {
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }
}
